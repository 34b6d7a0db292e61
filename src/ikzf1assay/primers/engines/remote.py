"""The ``remote`` engine: Primer-BLAST's settings over the network at NCBI.

Biopython's ``Bio.Blast.NCBIWWW.qblast``, for users without a local genome. Without the genome
the extension cannot read the bases past the ends of a hit, so those bases are counted as
mismatches (the engine says so in the report's notes).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from io import StringIO
from typing import Any

from ikzf1assay._net import network_error
from ikzf1assay.errors import ExternalToolError
from ikzf1assay.primers.engines.blast import BLAST_MAX_MISMATCHES, BLAST_NOT_SEARCHED
from ikzf1assay.primers.engines.extend import Hsp, extend_hits
from ikzf1assay.primers.engines.registry import SearchRequest, register_engine
from ikzf1assay.primers.engines.sequences import MemorySequences
from ikzf1assay.primers.sites import Site, compare, unique_sites

__all__ = ["NCBI_DATABASE", "RemoteBlastEngine", "remote_blast_sites"]

NCBI_DATABASE = "GPIPE/9606/current/all_top_level"  # Primer-BLAST's "Human genome" choice


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def remote_blast_sites(
    primers: Mapping[str, str],
    *,
    database: str = NCBI_DATABASE,
    url_base: str | None = None,
    timeout: float = 120.0,
    max_mismatches: int = 5,
    genome: Mapping[str, str] | None = None,
) -> list[Site]:
    """Sites from NCBI BLAST over the network (qblast), with the blastn-short settings.

    The hits' unaligned primer ends cannot be read without the genome; they are counted as
    mismatches (the worst case) unless ``genome`` supplies the subject sequences.

    Raises
    ------
    ExternalToolError
        NCBI (or ``url_base``) cannot be reached, does not answer within ``timeout`` seconds
        per request, throttles (HTTP 429/503), or answers with an error page.
    """
    from Bio.Blast import NCBIWWW

    query = "".join(f">{n}\n{s}\n" for n, s in primers.items())
    kwargs = {"url_base": url_base} if url_base else {}
    host = url_base or NCBIWWW.NCBI_BLAST_URL
    try:
        with _socket_timeout(timeout):
            handle = NCBIWWW.qblast(
                # blastn-short's scoring, set directly: qblast's short_query switch would
                # lower the E-value to 1000 (Primer-BLAST keeps 30000)
                "blastn", database, query, word_size=7, expect=30000, filter="F",
                megablast="no", nucl_reward=1, nucl_penalty=-3, gapcosts="5 2",
                hitlist_size=5000, format_type="XML",
                **kwargs,
            )  # fmt: skip
            text = handle.read()
    except OSError as exc:  # HTTPError, URLError and TimeoutError are all OSErrors
        raise network_error(
            exc,
            host,
            timeout,
            "without network access use a local genome with --genome or a BLAST database "
            "with --blast-db",
        ) from None
    except ValueError as exc:  # qblast's own parse of NCBI's error pages
        raise ExternalToolError(f"{host} refused the search: {exc}") from None
    return _sites_from_xml(text, primers, genome, max_mismatches)


def _sites_from_xml(
    text: str, primers: Mapping[str, str], genome: Mapping[str, str] | None, max_mismatches: int
) -> list[Site]:
    from Bio.Blast import NCBIXML

    # Biopython leaves NCBIXML.parse unannotated: call it as an Any function.
    parse: Callable[[StringIO], Any] = NCBIXML.parse
    names = list(primers)
    hsps: list[Hsp] = []
    aligned: list[Site] = []
    try:
        records = list(parse(StringIO(text)))
    except Exception as exc:  # Biopython raises several types on malformed XML
        raise ExternalToolError(f"the BLAST answer is not BLAST XML ({exc})") from None
    for i, record in enumerate(records):
        name = record.query.split()[0] if record.query else names[i]
        if name not in primers:
            name = names[i]
        primer = primers[name]
        for alignment in record.alignments:
            contig = alignment.accession or alignment.hit_id
            for h in alignment.hsps:
                qstart, qend = h.query_start, h.query_end
                sstart, send = h.sbjct_start, h.sbjct_end
                if genome is not None:
                    hsps.append((name, contig, qstart, qend, sstart, send))
                    continue
                # Without the genome: the aligned part as BLAST gives it, the rest assumed wrong.
                strand = "+" if sstart <= send else "-"
                head = "N" * (qstart - 1)
                tail = "N" * (len(primer) - qend)
                primer_row = primer[: qstart - 1] + h.query + primer[qend:]
                target_row = head + h.sbjct + tail
                lo = min(sstart, send) - 1 - (qstart - 1 if strand == "+" else len(primer) - qend)
                site = compare(name, primer_row, target_row, contig=contig, start=lo,
                               end=lo + len(target_row.replace("-", "")), strand=strand,
                               engine="remote")  # fmt: skip
                if site.mismatches <= max_mismatches:
                    aligned.append(site)
    if genome is not None:
        return extend_hits(iter(hsps), primers, MemorySequences(genome), "remote", max_mismatches)
    return unique_sites(aligned)


class RemoteBlastEngine:
    """NCBI BLAST over the network; ``request.remote`` holds qblast's options."""

    name = "remote"

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        """None known before the search."""
        return []

    def find_sites(
        self, primers: Mapping[str, str], request: SearchRequest
    ) -> tuple[list[Site], list[str]]:
        """:func:`remote_blast_sites` with ``request.remote``, and the worst-case note."""
        sites = remote_blast_sites(
            primers, max_mismatches=BLAST_MAX_MISMATCHES, **dict(request.remote)
        )
        note = (
            "remote BLAST: primer bases outside a hit could not be read and are counted "
            "as mismatches (worst case)"
        )
        return sites, [note, BLAST_NOT_SEARCHED.format(engine=self.name)]


register_engine(RemoteBlastEngine())
