"""Remote BLAST (Bio.Blast.NCBIWWW.qblast) against a local server that answers as NCBI's URL API.

NCBI is unreachable from the machines that test this project. The server here speaks the
BLAST URL API the way qblast uses it: ``CMD=Put`` returns the "please wait" page with
``RID =`` and ``RTOE =``; ``CMD=Get`` returns BLAST XML. The XML is real: the server runs
local ``blastn`` (BLAST+ 2.12.0, Debian) with the submitted settings on a SYNTHETIC genome, so
remote results can be compared with the local engine's. Prefixes make it misbehave:
/throttle (HTTP 429, Retry-After), /error (NCBI's error page), /slow (past the timeout).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pytest
from Bio.Blast import NCBIWWW

from ikzf1assay.assay import Assay
from ikzf1assay.errors import ExternalToolError
from ikzf1assay.primers.engines import blast_sites, build_blast_db, remote_blast_sites
from ikzf1assay.reference import random_genome, write_fasta
from ikzf1assay.reference.synthetic import decode, plant


class _NCBI(BaseHTTPRequestHandler):
    db: ClassVar[str]
    queries: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        if self.path.startswith("/throttle"):
            return self._send(429, "Too Many Requests", {"Retry-After": "30"})
        if self.path.startswith("/error"):
            return self._send(
                200, '<p class="error">Message ID#24 Error: Failed to read the Blast query</p>'
            )
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        if form.get("CMD") == "Put":
            self.seen.append(form)
            rid = f"RID{len(self.queries):04d}"
            self.queries[rid] = form["QUERY"]
            return self._send(
                200, f"<!--QBlastInfoBegin\n    RID = {rid}\n    RTOE = 1\nQBlastInfoEnd\n-->\n"
            )
        query = self.queries[form["RID"]]
        xml = subprocess.run(
            ["blastn", "-task", "blastn-short", "-word_size", "7", "-evalue", "30000", "-dust", "no",
             "-db", self.db, "-outfmt", "5", "-max_target_seqs", "5000"],
            input=query, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return self._send(200, xml)


@pytest.fixture(scope="module")
def world(
    assay: Assay, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """(server URL, SYNTHETIC genome FASTA, its sequences)."""
    genome = random_genome([400_000], seed=21)
    for i, p in enumerate(assay.primers):
        plant(genome, p.name, p.sequence, "SYNTHETIC_chr1", 10_000 + i * 30_000, "+")
        plant(genome, p.name, p.sequence, "SYNTHETIC_chr1", 25_000 + i * 30_000, "-", [3])
    folder = tmp_path_factory.mktemp("ncbi")
    fasta = write_fasta(folder / "SYNTHETIC.fa", genome)
    handler = type("H", (_NCBI,), {"db": str(build_blast_db(fasta)), "queries": {}, "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield (
            f"http://127.0.0.1:{httpd.server_address[1]}",
            fasta,
            {k: decode(v) for k, v in genome.items()},
        )
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def _no_poll_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    # qblast keeps NCBI's pace (20 s between calls) in a function attribute; the local server needs none
    monkeypatch.setattr(NCBIWWW.qblast, "previous", 0, raising=False)


def test_remote_sends_primer_blast_settings_and_matches_local_blast(
    world: tuple[str, Path, dict[str, str]], assay: Assay
) -> None:
    url, fasta, sequences = world
    primers = {p.name: p.sequence for p in assay.primers}
    remote = remote_blast_sites(primers, url_base=url + "/Blast.cgi", genome=sequences)
    local = blast_sites(primers, genome=fasta)
    assert {(s.key, s.mismatches) for s in remote} == {(s.key, s.mismatches) for s in local}
    assert {s.engine for s in remote} == {"remote"}


def test_remote_request_parameters(world: tuple[str, Path, dict[str, str]], assay: Assay) -> None:
    url, _, _ = world
    remote_blast_sites({"F.4": assay.primers[2].sequence}, url_base=url + "/Blast.cgi")
    form = _all_seen()[-1]
    assert form["PROGRAM"] == "blastn"
    assert form["WORD_SIZE"] == "7"
    assert form["EXPECT"] == "30000"
    assert form["FILTER"] == "F"
    assert form["DATABASE"] == "GPIPE/9606/current/all_top_level"


def _all_seen() -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for cls in _NCBI.__subclasses__():
        seen.extend(cls.seen)
    return seen


def test_remote_without_genome_counts_unread_ends_as_mismatches(
    world: tuple[str, Path, dict[str, str]], assay: Assay, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, sequences = world
    primers = {p.name: p.sequence for p in assay.primers}
    bare = {s.key: s for s in remote_blast_sites(primers, url_base=url + "/Blast.cgi")}
    monkeypatch.setattr(NCBIWWW.qblast, "previous", 0)
    full = {
        s.key: s for s in remote_blast_sites(primers, url_base=url + "/Blast.cgi", genome=sequences)
    }
    for p in assay.primers:  # every exact planted site: a full-length hit, nothing assumed
        start = 10_000 + [q.name for q in assay.primers].index(p.name) * 30_000
        key = (p.name, "SYNTHETIC_chr1", start + len(p.sequence) - 1, "+")
        assert bare[key].mismatches == 0
    for key, site in bare.items():  # without the genome never fewer mismatches than with it
        if key in full:
            assert site.mismatches >= full[key].mismatches


@pytest.mark.parametrize(
    ("prefix", "timeout", "message"),
    [
        ("/throttle", 5.0, r"is throttling requests \(HTTP 429\); the service asks to wait 30 s"),
        (
            "/error",
            5.0,
            r"refused the search: Error message from NCBI: Message ID#24 Error: Failed to read the Blast query",
        ),
        ("/slow", 0.3, r"did not answer within 0.3 s"),
    ],
)
def test_remote_failures_are_clear(
    world: tuple[str, Path, dict[str, str]], prefix: str, timeout: float, message: str
) -> None:
    url, _, _ = world
    with pytest.raises(ExternalToolError, match=message):
        remote_blast_sites(
            {"P": "ACGTACGTACGTACGTACGT"}, url_base=url + prefix + "/Blast.cgi", timeout=timeout
        )


def test_remote_unreachable() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        ExternalToolError, match=r"cannot reach http://127\.0\.0\.1:\d+/Blast\.cgi .*--genome"
    ):
        remote_blast_sites(
            {"P": "ACGTACGTACGTACGTACGT"}, url_base=f"http://127.0.0.1:{port}/Blast.cgi"
        )
