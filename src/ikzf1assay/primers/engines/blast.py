"""The ``blast`` engine: local NCBI BLAST+ (Debian package ``ncbi-blast+``).

Primer-BLAST's settings: ``blastn -task blastn-short -word_size 7 -evalue 30000 -dust no
-soft_masking false``. Each hit is extended to the full primer length
(:mod:`~ikzf1assay.primers.engines.extend`). BLAST needs an exact 7-mer to start from: it
misses sites that have none.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.engines.extend import Hsp, extend_hits
from ikzf1assay.primers.engines.registry import SearchRequest, register_engine
from ikzf1assay.primers.engines.sequences import FastaSequences, MemorySequences
from ikzf1assay.primers.engines.tools import require_tool, run_tool
from ikzf1assay.primers.sites import Sequences, Site

__all__ = [
    "BLAST_MAX_MISMATCHES",
    "BLAST_NOT_SEARCHED",
    "BLAST_SETTINGS",
    "BlastEngine",
    "blast_sites",
    "build_blast_db",
    "parse_blast_tab",
]

# Primer-BLAST's search settings for primers (blastn-short, word size 7, E 30000, no filter).
BLAST_SETTINGS = (
    "-task", "blastn-short", "-word_size", "7", "-evalue", "30000",
    "-dust", "no", "-soft_masking", "false",
)  # fmt: skip
# Primer-BLAST judges sites with up to 5 mismatches, so the BLAST engines keep that many
# whatever the exhaustive engines are asked for.
BLAST_MAX_MISMATCHES = 5
# What a BLAST search cannot see, for the report (item of the priming model's caveats).
BLAST_NOT_SEARCHED = (
    "{engine}: not searched: sites without an exact 7-base word shared with the primer "
    "(BLAST's seed; a site with mismatches spread every few bases has none) and sites with "
    "more than 5 mismatches after extension; the priming model never saw those"
)
_TAB_FIELDS = "qseqid sseqid qstart qend sstart send evalue bitscore"


def build_blast_db(genome: str | Path, prefix: str | Path | None = None) -> Path:
    """``makeblastdb -parse_seqids`` of ``genome`` (default: beside it), unless current."""
    genome = Path(genome)
    prefix = Path(prefix) if prefix is not None else genome.with_suffix(genome.suffix + ".blastdb")
    marker = [p for p in prefix.parent.glob(prefix.name + ".n*") if p.suffix in (".nsq", ".nal")]
    if marker and min(p.stat().st_mtime for p in marker) >= genome.stat().st_mtime:
        return prefix
    tool = require_tool("makeblastdb")
    run_tool([tool, "-in", str(genome), "-dbtype", "nucl", "-parse_seqids", "-out", str(prefix)],
         "makeblastdb")  # fmt: skip
    return prefix


def parse_blast_tab(text: str) -> Iterator[Hsp]:
    """(primer, contig, qstart, qend, sstart, send) of every HSP in ``-outfmt "6 {fields}"``.

    Written out because Bio.SearchIO's blast-tab parser, which the tests use as the reference,
    builds a full object model and took 4 s per 80,000 HSPs (most of a BLAST run's
    post-processing on a 10 Mb genome); the coordinates are BLAST's own (1-based, sstart >
    send on the - strand).
    """
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        yield f[0], f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5])


def blast_sites(
    primers: Mapping[str, str],
    *,
    genome: str | Path | None = None,
    blast_db: str | Path | None = None,
    max_mismatches: int = 5,
    threads: int = 2,
) -> list[Site]:
    """Sites found by local ``blastn`` with Primer-BLAST's settings, extended to full length.

    Parameters
    ----------
    primers
        Name -> sequence.
    genome
        Indexed FASTA: the database is built beside it if needed, and the extension reads
        the bases around each hit from it.
    blast_db
        An existing nucleotide database (made with ``-parse_seqids``); without ``genome`` the
        bases around each hit are read with ``blastdbcmd``.
    max_mismatches
        Sites with more mismatches after extension are dropped (Primer-BLAST ignores >= 6).
    """
    if blast_db is not None:
        db = Path(blast_db)
    elif genome is not None:
        db = build_blast_db(genome)
    else:
        raise ParameterError("give a genome FASTA or a BLAST database")
    tool = require_tool("blastn")
    with tempfile.TemporaryDirectory() as tmp:
        query = Path(tmp) / "primers.fa"
        query.write_text("".join(f">{n}\n{s}\n" for n, s in primers.items()), encoding="ascii")
        out = run_tool(
            [tool, *BLAST_SETTINGS, "-db", str(db), "-query", str(query),
             "-outfmt", f"6 {_TAB_FIELDS}", "-max_target_seqs", "100000",
             "-num_threads", str(threads)],
            "blastn",
        )  # fmt: skip
        if genome is not None:
            seqs: Sequences = FastaSequences(genome)
        else:
            seqs = MemorySequences(_blastdb_contigs(db, out, Path(tmp)))
    return extend_hits(parse_blast_tab(out), primers, seqs, "blast", max_mismatches)


def _blastdb_contigs(db: Path, blast_out: str, tmp: Path) -> dict[str, str]:
    """The whole contigs hit by BLAST, read from the database with blastdbcmd."""
    contigs = sorted({line.split("\t")[1] for line in blast_out.splitlines() if line.strip()})
    if not contigs:
        return {}
    batch = tmp / "entries.txt"
    batch.write_text("\n".join(contigs) + "\n", encoding="ascii")
    tool = require_tool("blastdbcmd")
    fasta = run_tool([tool, "-db", str(db), "-entry_batch", str(batch), "-outfmt", "%a\t%s"],
                 "blastdbcmd")  # fmt: skip
    out = {}
    for line in fasta.splitlines():
        acc, _, seq = line.partition("\t")
        out[acc] = seq
        out[acc.split(".")[0]] = seq
    return out


class BlastEngine:
    """Local ``blastn`` against the genome FASTA or an existing database."""

    name = "blast"

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        """None known before the search."""
        return []

    def find_sites(
        self, primers: Mapping[str, str], request: SearchRequest
    ) -> tuple[list[Site], list[str]]:
        """:func:`blast_sites` with the request's genome or database and threads."""
        sites = blast_sites(
            primers, genome=request.genome, blast_db=request.blast_db,
            max_mismatches=BLAST_MAX_MISMATCHES, threads=request.threads,
        )  # fmt: skip
        return sites, [BLAST_NOT_SEARCHED.format(engine=self.name)]


register_engine(BlastEngine())
