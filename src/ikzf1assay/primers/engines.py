"""Search engines that find primer sites in a genome, all ending in :class:`~.sites.Site`.

* ``scan`` -- :func:`ikzf1assay.primers.sites.scan`, exhaustive, in memory (numpy).
* ``bowtie`` -- Bowtie 1 (Debian package ``bowtie``), ``-v N -a``: every end-to-end alignment
  with up to N mismatches, exhaustive, from a prebuilt index.
* ``blast`` -- NCBI BLAST+ (Debian package ``ncbi-blast+``) with Primer-BLAST's settings:
  ``blastn -task blastn-short -word_size 7 -evalue 30000 -dust no -soft_masking false``.
  A BLAST hit is local and may cover only part of the primer, so each hit is extended to the
  full primer length by a global alignment of the primer against the genome around the hit
  (Biopython's PairwiseAligner; end gaps in the genome free), and mismatches near the ends are
  counted. BLAST needs an exact 7-mer to start from: it misses sites that have none.
* ``remote`` -- the same BLAST settings over the network at NCBI (Biopython's
  ``Bio.Blast.NCBIWWW.qblast``), for users without a local genome; without the genome the
  extension cannot read the bases past the ends of a hit, so those bases are counted as
  mismatches (said in the report).

Every engine's sites are measured the same way (:func:`~.sites.compare`) from the genome's
own bases, so their results can be compared site for site.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pysam
from Bio.Align import PairwiseAligner

from ikzf1assay._net import network_error
from ikzf1assay.errors import ExternalToolError, FileAccessError, ParameterError
from ikzf1assay.primers.sites import Sequences, Site, compare, unique_sites
from ikzf1assay.sequence import reverse_complement

__all__ = [
    "BLAST_SETTINGS",
    "FastaSequences",
    "MemorySequences",
    "blast_sites",
    "bowtie_sites",
    "build_blast_db",
    "build_bowtie_index",
    "parse_blast_tab",
    "remote_blast_sites",
    "require_tool",
    "tool_version",
]

# Primer-BLAST's search settings for primers (blastn-short, word size 7, E 30000, no filter).
BLAST_SETTINGS = (
    "-task", "blastn-short", "-word_size", "7", "-evalue", "30000",
    "-dust", "no", "-soft_masking", "false",
)  # fmt: skip
_TAB_FIELDS = "qseqid sseqid qstart qend sstart send evalue bitscore"
_PAD = 3  # extra genome bases each side of an extended hit, so the aligner may place gaps
_DEBIAN = {
    "blastn": "ncbi-blast+",
    "makeblastdb": "ncbi-blast+",
    "blastdbcmd": "ncbi-blast+",
    "bowtie": "bowtie",
    "bowtie-build": "bowtie",
}


def require_tool(name: str) -> str:
    """The path of program ``name``, or an error naming the Debian package that provides it."""
    path = shutil.which(name)
    if path is None:
        package = _DEBIAN.get(name, name)
        raise ExternalToolError(
            f"{name} not found on PATH; install the Debian package {package} "
            f"(apt-get install {package}) or put {name} on PATH"
        )
    return path


def tool_version(name: str) -> str:
    """First line of ``name --version`` (``-version`` for BLAST+), or ``not found``."""
    path = shutil.which(name)
    if path is None:
        return "not found"
    flag = "-version" if name in ("blastn", "makeblastdb", "blastdbcmd") else "--version"
    done = subprocess.run([path, flag], capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ExternalToolError(f"{what}: cannot run {argv[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ExternalToolError(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")
    return done.stdout


class FastaSequences:
    """Genome access through pysam.FastaFile (an indexed FASTA)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileAccessError("genome FASTA not found", source=self.path)
        try:
            self._fa = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as exc:
            raise FileAccessError(
                f"cannot open as an indexed FASTA ({exc}); run `samtools faidx`", source=path
            ) from None
        self._lengths = dict(zip(self._fa.references, self._fa.lengths, strict=True))

    def fetch(self, contig: str, start: int, end: int) -> str:
        return str(self._fa.fetch(contig, max(0, start), min(end, self._lengths[contig]))).upper()

    def length(self, contig: str) -> int:
        return self._lengths[contig]

    @property
    def contigs(self) -> list[str]:
        return list(self._lengths)

    def close(self) -> None:
        self._fa.close()


@dataclass
class MemorySequences:
    """Genome access to sequences held in memory (contig -> string)."""

    records: Mapping[str, str]

    def fetch(self, contig: str, start: int, end: int) -> str:
        return self.records[contig][max(0, start) : end].upper()

    def length(self, contig: str) -> int:
        return len(self.records[contig])


# --------------------------------------------------------------------------- Bowtie 1


def build_bowtie_index(
    genome: str | Path, prefix: str | Path | None = None, threads: int = 2
) -> Path:
    """``bowtie-build`` of ``genome`` at ``prefix`` (default: beside the FASTA), unless current."""
    genome = Path(genome)
    prefix = Path(prefix) if prefix is not None else genome.with_suffix(genome.suffix + ".bowtie")
    first = Path(f"{prefix}.1.ebwt")
    if first.is_file() and first.stat().st_mtime >= genome.stat().st_mtime:
        return prefix
    tool = require_tool("bowtie-build")
    _run([tool, "--threads", str(threads), "-q", str(genome), str(prefix)], "bowtie-build")
    return prefix


def bowtie_sites(
    genome: str | Path,
    primers: Mapping[str, str],
    max_mismatches: int = 3,
    *,
    index: str | Path | None = None,
    threads: int = 2,
) -> list[Site]:
    """Every site with up to ``max_mismatches`` (0-3) of each primer, by Bowtie 1 ``-v -a``."""
    if not 0 <= max_mismatches <= 3:
        raise ParameterError(f"Bowtie 1 allows 0-3 mismatches; got {max_mismatches}")
    tool = require_tool("bowtie")
    prefix = Path(index) if index is not None else build_bowtie_index(genome, threads=threads)
    with tempfile.TemporaryDirectory() as tmp:
        query = Path(tmp) / "primers.fa"
        query.write_text("".join(f">{n}\n{s}\n" for n, s in primers.items()), encoding="ascii")
        out = _run(
            [tool, "-f", "-v", str(max_mismatches), "-a", "--quiet", "-p", str(threads),
             str(prefix), str(query)],
            "bowtie",
        )  # fmt: skip
    seqs = FastaSequences(genome)
    sites = []
    try:
        for line in out.splitlines():
            fields = line.split("\t")
            name, strand, contig, offset = fields[0], fields[1], fields[2], int(fields[3])
            primer = primers[name]
            target = seqs.fetch(contig, offset, offset + len(primer))
            if strand == "-":
                target = reverse_complement(target)
            sites.append(
                compare(name, primer, target, contig=contig, start=offset,
                        end=offset + len(primer), strand=strand, engine="bowtie")
            )  # fmt: skip
    finally:
        seqs.close()
    return unique_sites(sites)


# --------------------------------------------------------------------------- BLAST+


def build_blast_db(genome: str | Path, prefix: str | Path | None = None) -> Path:
    """``makeblastdb -parse_seqids`` of ``genome`` (default: beside it), unless current."""
    genome = Path(genome)
    prefix = Path(prefix) if prefix is not None else genome.with_suffix(genome.suffix + ".blastdb")
    marker = [p for p in prefix.parent.glob(prefix.name + ".n*") if p.suffix in (".nsq", ".nal")]
    if marker and min(p.stat().st_mtime for p in marker) >= genome.stat().st_mtime:
        return prefix
    tool = require_tool("makeblastdb")
    _run([tool, "-in", str(genome), "-dbtype", "nucl", "-parse_seqids", "-out", str(prefix)],
         "makeblastdb")  # fmt: skip
    return prefix


def _aligner() -> PairwiseAligner:
    aligner = PairwiseAligner()  # type: ignore[no-untyped-call]
    aligner.mode = "global"
    aligner.match_score = 1.0
    aligner.mismatch_score = -1.0
    # A gap must save at least three mismatches to be preferred: ties go to substitutions.
    aligner.open_gap_score = -4.5
    aligner.extend_gap_score = -1.0
    # The genome window is longer than the primer: its overhangs (end gaps in the primer,
    # "deletions" in Biopython's terms) cost nothing; the primer's own ends must align.
    aligner.end_deletion_score = 0.0
    aligner.end_insertion_score = -2.0
    return aligner


def _aligned_rows(alignment: Any, target: str, query: str) -> tuple[str, str]:
    """The two gapped rows of a pairwise alignment, from its coordinates (fast)."""
    coords = alignment.coordinates
    t_row: list[str] = []
    q_row: list[str] = []
    for k in range(coords.shape[1] - 1):
        t0, t1 = int(coords[0, k]), int(coords[0, k + 1])
        q0, q1 = int(coords[1, k]), int(coords[1, k + 1])
        if t1 > t0 and q1 > q0:
            t_row.append(target[t0:t1])
            q_row.append(query[q0:q1])
        elif t1 > t0:
            t_row.append(target[t0:t1])
            q_row.append("-" * (t1 - t0))
        else:
            t_row.append("-" * (q1 - q0))
            q_row.append(query[q0:q1])
    return "".join(t_row), "".join(q_row)


def extend_hit(
    aligner: PairwiseAligner,
    primer_name: str,
    primer: str,
    window: str,
    *,
    contig: str,
    window_start: int,
    strand: str,
    engine: str,
) -> Site:
    """The full-length site of ``primer`` in a genome ``window`` (in the primer's orientation).

    ``window_start`` is the + strand coordinate of the window's first base as read on the +
    strand (for a - strand hit, ``window`` is the reverse complement of that stretch).
    """
    alignment = aligner.align(window, primer)[0]  # type: ignore[no-untyped-call]
    target_row, primer_row = _aligned_rows(alignment, window, primer)
    # Trim the free overhangs of the window: keep columns from the primer's first to last base.
    cols = [i for i, ch in enumerate(primer_row) if ch != "-"]
    first, last = cols[0], cols[-1] + 1
    lead = len(target_row[:first].replace("-", ""))
    used = len(target_row[first:last].replace("-", ""))
    # on the - strand the window was reversed: count from its other end
    start = window_start + lead if strand == "+" else window_start + len(window) - lead - used
    return compare(
        primer_name, primer_row[first:last], target_row[first:last],
        contig=contig, start=start, end=start + used, strand=strand, engine=engine,
    )  # fmt: skip


def parse_blast_tab(text: str) -> Iterator[tuple[str, str, int, int, int, int]]:
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


def _extend_all(
    hsps: Iterator[tuple[str, str, int, int, int, int]],
    primers: Mapping[str, str],
    seqs: Sequences,
    engine: str,
    max_mismatches: int,
) -> list[Site]:
    """Each HSP extended to the full primer length (see the module text), filtered, unique.

    The ungapped extension along the HSP's diagonal is taken as it is when it has at most two
    mismatches: with the aligner's scores a gap costs more than the two matches it could win
    back, so no gapped alignment is better. Otherwise the primer is aligned globally against
    the window around the HSP.
    """
    aligner = _aligner()
    found: list[Site] = []
    for name, contig, qstart, qend, sstart, send in hsps:
        primer = primers[name]
        length = len(primer)
        strand = "+" if sstart <= send else "-"
        lo, hi = (sstart, send) if strand == "+" else (send, sstart)  # 1-based inclusive
        # the diagonal: where the primer's first base would pair without gaps
        d0 = lo - 1 - (qstart - 1) if strand == "+" else lo - 1 - (length - qend)
        contig_length = seqs.length(contig)
        gapped_hsp = (hi - lo) != (qend - qstart)
        if d0 >= 0 and d0 + length <= contig_length:
            target = seqs.fetch(contig, d0, d0 + length)
            if strand == "-":
                target = reverse_complement(target)
            site = compare(name, primer, target, contig=contig, start=d0, end=d0 + length,
                           strand=strand, engine=engine)  # fmt: skip
            if not gapped_hsp and site.mismatches <= 2:
                if site.mismatches <= max_mismatches:
                    found.append(site)
                continue
        extra = abs((hi - lo) - (qend - qstart)) + _PAD  # room for the HSP's gaps and more
        w0, w1 = max(0, d0 - extra), min(contig_length, d0 + length + extra)
        window = seqs.fetch(contig, w0, w1)
        if strand == "-":
            window = reverse_complement(window)
        site = extend_hit(aligner, name, primer, window, contig=contig, window_start=w0,
                          strand=strand, engine=engine)  # fmt: skip
        if site.mismatches <= max_mismatches:
            found.append(site)
    return unique_sites(found)


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
    if genome is None and blast_db is None:
        raise ParameterError("give a genome FASTA or a BLAST database")
    db = Path(blast_db) if blast_db is not None else build_blast_db(genome)  # type: ignore[arg-type]
    tool = require_tool("blastn")
    with tempfile.TemporaryDirectory() as tmp:
        query = Path(tmp) / "primers.fa"
        query.write_text("".join(f">{n}\n{s}\n" for n, s in primers.items()), encoding="ascii")
        out = _run(
            [tool, *BLAST_SETTINGS, "-db", str(db), "-query", str(query),
             "-outfmt", f"6 {_TAB_FIELDS}", "-max_target_seqs", "100000",
             "-num_threads", str(threads)],
            "blastn",
        )  # fmt: skip
        if genome is not None:
            seqs: Sequences = FastaSequences(genome)
        else:
            seqs = MemorySequences(_blastdb_contigs(db, out, Path(tmp)))
    return _extend_all(parse_blast_tab(out), primers, seqs, "blast", max_mismatches)


def _blastdb_contigs(db: Path, blast_out: str, tmp: Path) -> dict[str, str]:
    """The whole contigs hit by BLAST, read from the database with blastdbcmd."""
    contigs = sorted({line.split("\t")[1] for line in blast_out.splitlines() if line.strip()})
    if not contigs:
        return {}
    batch = tmp / "entries.txt"
    batch.write_text("\n".join(contigs) + "\n", encoding="ascii")
    tool = require_tool("blastdbcmd")
    fasta = _run([tool, "-db", str(db), "-entry_batch", str(batch), "-outfmt", "%a\t%s"],
                 "blastdbcmd")  # fmt: skip
    out = {}
    for line in fasta.splitlines():
        acc, _, seq = line.partition("\t")
        out[acc] = seq
        out[acc.split(".")[0]] = seq
    return out


# --------------------------------------------------------------------------- NCBI over the network

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

    names = list(primers)
    hsps: list[tuple[str, str, int, int, int, int]] = []
    aligned: list[Site] = []
    try:
        records = list(NCBIXML.parse(StringIO(text)))  # type: ignore[no-untyped-call]
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
        return _extend_all(iter(hsps), primers, MemorySequences(genome), "remote", max_mismatches)
    return unique_sites(aligned)
