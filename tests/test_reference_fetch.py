"""`ikzf1assay reference fetch` against a local HTTP server that answers as Ensembl REST and UCSC do.

The server holds the SYNTHETIC stand-in locus and answers only the exact region request the
real services would get (Ensembl: /sequence/region/human/7:S..E:1 as text/plain; UCSC:
/getData/sequence?genome=hg38;chrom=chr7;start=S-1;end=E as JSON {"dna": ...}), so a wrong URL
fails the test. Prefixes make it misbehave: /throttle (HTTP 429 with Retry-After), /slow (answers
after the client's timeout), /short (a truncated sequence), /html (an error page).
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from ikzf1assay._provenance import file_sha256
from ikzf1assay.assay import Assay
from ikzf1assay.cli import main
from ikzf1assay.errors import ExternalToolError
from ikzf1assay.reference import Locus, fetch_locus, load_locus, synthetic_locus


class _Handler(BaseHTTPRequestHandler):
    locus: Locus

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def _send(
        self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = unquote(self.path)
        m = self.locus.model
        seq = self.locus.sequence
        for prefix in ("/throttle", "/slow", "/short", "/html"):
            if path.startswith(prefix):
                path = path[len(prefix) :]
                mode = prefix
                break
        else:
            mode = ""
        if mode == "/throttle":
            return self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "7"})
        if mode == "/slow":
            time.sleep(1.5)
        if mode == "/html":
            return self._send(200, b"<html><body>Service down</body></html>", "text/html")
        ensembl = f"/sequence/region/human/{m.chrom}:{m.locus_start}..{m.locus_end}:1?"
        ucsc = (
            f"/getData/sequence?genome={m.ucsc};chrom=chr{m.chrom};"
            f"start={m.locus_start - 1};end={m.locus_end}"
        )
        if mode == "/short":
            seq = seq[:-10]
        if path.startswith(ensembl) and "content-type=text/plain" in path:
            # Ensembl wraps nothing in text/plain: one line
            return self._send(200, seq.encode() + b"\n", "text/plain")
        if path == ucsc:
            body = json.dumps({"genome": m.ucsc, "chrom": f"chr{m.chrom}", "dna": seq.lower()})
            return self._send(200, body.encode(), "application/json")
        return self._send(400, b'{"error":"bad request"}', "application/json")


@pytest.fixture(scope="module")
def server(assay: Assay) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"locus": synthetic_locus(assay)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("service", ["ensembl", "ucsc"])
def test_fetch_writes_fasta_index_and_provenance(
    server: str, service: str, tmp_path: Path, assay: Assay
) -> None:
    result = fetch_locus("GRCh38", tmp_path, service=service, base_url=server)
    expected = synthetic_locus(assay).sequence
    assert result.locus.sequence == expected
    assert result.fasta == tmp_path / "IKZF1_GRCh38.fa"
    assert (tmp_path / "IKZF1_GRCh38.fa.fai").is_file()
    record = json.loads(result.provenance.read_text(encoding="utf-8"))
    assert record["region"] == "7:50299716-50420101"
    assert record["length"] == len(expected)
    assert record["url"].startswith(server)
    import hashlib

    assert record["sequence_sha256"] == hashlib.sha256(expected.encode()).hexdigest()
    # the written file is a locus file that load_locus reads back on its own
    assert load_locus(result.fasta).sequence == expected


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("prefix", "kwargs", "message"),
    [
        (
            "/throttle",
            {},
            r"127\.0\.0\.1:\d+ is throttling requests \(HTTP 429\); the service asks to wait 7 s",
        ),
        ("/slow", {"timeout": 0.3}, r"did not answer within 0.3 s"),
        (
            "/short",
            {},
            r"returned 120,376 bases; the locus 7:50299716-50420101 has 120,386; nothing written",
        ),
        ("/html", {}, r"is not a DNA sequence \(character '<'\); nothing written"),
    ],
)
def test_service_failures_are_clear_and_write_nothing(
    server: str, prefix: str, kwargs: dict[str, float], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ExternalToolError, match=message):
        fetch_locus("GRCh38", tmp_path / "out", base_url=server + prefix, **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_offline_is_a_clear_error(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(
        ExternalToolError, match=r"cannot reach 127\.0\.0\.1:\d+ .*use a local genome with --genome"
    ):
        fetch_locus("GRCh38", tmp_path, base_url=base)


def test_cli_fetch(server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    code = main(
        ["reference", "fetch", "--build", "hg38", "-o", str(tmp_path), "--base-url", server],
        out=out,
    )
    assert code == 0
    assert "IKZF1_GRCh38.fa" in out.getvalue()
    assert file_sha256(tmp_path / "IKZF1_GRCh38.fa")  # written
    code = main(
        [
            "reference",
            "fetch",
            "--build",
            "GRCh38",
            "-o",
            str(tmp_path),
            "--base-url",
            server + "/throttle",
        ],
        out=io.StringIO(),
    )
    assert code == 1
    assert "error: 127.0.0.1" in capsys.readouterr().err
