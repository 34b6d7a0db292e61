"""The IKZF1 gene model per genome build: exons, breakpoint clusters, recurrent deletions.

The facts live in ``reference/ikzf1_gene_model.toml`` (bundled with the package); that file
states their source. Coordinates are 1-based and inclusive on the chromosome, as in GTF.
:meth:`GeneModel.build` turns the file into a :class:`BuildModel` for one genome build, in which
cluster windows are placed from their exon anchors, so the two builds share one definition.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ikzf1assay.errors import FileAccessError, InputFormatError, ParameterError

__all__ = [
    "BuildModel",
    "Cluster",
    "Deletion",
    "Exon",
    "GeneModel",
    "default_gene_model_path",
    "load_gene_model",
]

_DEFAULT = "ikzf1_gene_model.toml"
_ANCHOR = re.compile(r"^exon\s+(\d+)\s+(start|end)$")


@dataclass(frozen=True)
class Exon:
    """One exon of the canonical transcript: its number and 1-based inclusive bounds."""

    number: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Cluster:
    """A breakpoint cluster window, 1-based inclusive, and its centre (the default breakpoint)."""

    name: str
    region: str
    start: int
    end: int

    @property
    def centre(self) -> int:
        return (self.start + self.end) // 2


@dataclass(frozen=True)
class Deletion:
    """A recurrent deletion: the sequence from ``from_cluster`` to ``to_cluster`` is lost."""

    name: str
    exons_lost: tuple[int, int]
    from_cluster: str
    to_cluster: str


@dataclass(frozen=True)
class BuildModel:
    """The gene model placed on one genome build.

    Attributes
    ----------
    build, aliases, chrom, ucsc
        Build name (``GRCh38``), other names it answers to, chromosome as Ensembl names it
        (``7``) and the UCSC assembly name (``hg38``).
    exons
        The canonical transcript's exons, numbered 1..8.
    cds_start, cds_end
        First base of the start codon, last base of the stop codon.
    locus_start, locus_end
        The locus taken from a genome: exon 1 minus ``flank_5`` to exon 8 plus ``flank_3``.
    clusters, deletions
        Breakpoint cluster windows (by name) and the recurrent deletions (by name).
    """

    gene: str
    transcript: str
    build: str
    aliases: tuple[str, ...]
    chrom: str
    ucsc: str
    strand: str
    exons: tuple[Exon, ...]
    cds_start: int
    cds_end: int
    locus_start: int
    locus_end: int
    clusters: dict[str, Cluster]
    deletions: dict[str, Deletion]

    def exon(self, number: int) -> Exon:
        """Exon ``number`` (1-based), or a ParameterError listing the valid numbers."""
        for exon in self.exons:
            if exon.number == number:
                return exon
        raise ParameterError(f"no exon {number}; {self.gene} has exons 1-{len(self.exons)}")

    def deletion(self, name: str) -> Deletion:
        """A recurrent deletion by name (``Δ4-7``; ``D4-7``, ``del4-7`` and ``∆4-7`` too)."""
        key = normalise_deletion_name(name)
        for deletion in self.deletions.values():
            if normalise_deletion_name(deletion.name) == key:
                return deletion
        raise ParameterError(f"unknown deletion {name!r}; known: {', '.join(self.deletions)}")

    def locus_offset(self, position: int) -> int:
        """0-based index in the locus sequence of chromosome ``position`` (1-based)."""
        return position - self.locus_start

    @property
    def locus_region(self) -> str:
        """``7:50299716-50420101``: the locus as a samtools-style region (Ensembl names)."""
        return f"{self.chrom}:{self.locus_start}-{self.locus_end}"


def normalise_deletion_name(name: str) -> str:
    """``Δ4-7``, ``∆4-7``, ``D4-7``, ``del4-7``, ``delta 4–7`` -> ``4-7``."""
    text = re.sub(r"[\s_]", "", name).lower().replace("–", "-").replace("—", "-")
    return re.sub(r"^(δ|∆|delta|del|d)", "", text)


@dataclass(frozen=True)
class GeneModel:
    """The parsed gene-model file: one :class:`BuildModel` per build, and the file's hash."""

    path: str
    sha256: str
    builds: dict[str, BuildModel]

    def build(self, name: str) -> BuildModel:
        """The model on build ``name`` (``GRCh38``, ``hg38``, ``GRCh37``, ``hg19``; any case)."""
        wanted = name.strip().lower()
        for model in self.builds.values():
            if wanted in {model.build.lower(), *(a.lower() for a in model.aliases)}:
                return model
        raise ParameterError(f"unknown genome build {name!r}; known: {', '.join(self.builds)}")


def default_gene_model_path() -> Path:
    """The bundled gene model (``reference/ikzf1_gene_model.toml`` of the repository)."""
    return Path(str(resources.files("ikzf1assay") / "data" / _DEFAULT)).resolve()


def load_gene_model(path: str | Path | None = None) -> GeneModel:
    """Read and check a gene-model file (default: the bundled IKZF1 model).

    Raises
    ------
    FileAccessError
        The file cannot be read.
    InputFormatError
        The content breaks the format; the message names the file and the entry.
    """
    file = Path(path) if path is not None else default_gene_model_path()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise FileAccessError(
            f"cannot read gene model: {exc.strerror or exc}", source=file
        ) from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputFormatError(f"not a TOML gene model: {exc}", source=file) from None
    parser = _Parser(doc, file)
    return GeneModel(
        path=str(file),
        sha256=hashlib.sha256(raw).hexdigest(),
        builds={b.build: b for b in parser.builds()},
    )


class _Parser:
    def __init__(self, doc: dict[str, Any], source: Path) -> None:
        self.doc = doc
        self.source = source

    def fail(self, where: str, message: str) -> InputFormatError:
        return InputFormatError(message, source=self.source, where=where)

    def get(self, table: dict[str, Any], key: str, kind: type, where: str) -> Any:
        value = table.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self.fail(where, f"{key!r} must be a {kind.__name__}; found {value!r}")
        return value

    def builds(self) -> list[BuildModel]:
        doc = self.doc
        gene = self.get(doc, "gene", str, "top level")
        transcript = self.get(doc, "transcript_ensembl", str, "top level")
        strand = self.get(doc, "strand", str, "top level")
        if strand != "+":
            raise self.fail("top level", "only a gene on the + strand is supported")
        flank5 = self.get(doc, "flank_5", int, "top level")
        flank3 = self.get(doc, "flank_3", int, "top level")
        deletions = self.deletions()
        out = []
        for i, raw in enumerate(doc.get("build", []), start=1):
            where = f"[[build]] #{i}"
            exons = self.exons(raw.get("exons"), where)
            clusters = {c.name: c for c in self.clusters(exons, where)}
            for d in deletions.values():
                for name in (d.from_cluster, d.to_cluster):
                    if name not in clusters:
                        raise self.fail(f"deletion {d.name}", f"unknown cluster {name!r}")
                if clusters[d.from_cluster].end >= clusters[d.to_cluster].start:
                    raise self.fail(f"deletion {d.name}", "'from' cluster must lie before 'to'")
            out.append(
                BuildModel(
                    gene=gene,
                    transcript=transcript,
                    build=self.get(raw, "name", str, where),
                    aliases=tuple(raw.get("aliases", ())),
                    chrom=self.get(raw, "chrom", str, where),
                    ucsc=self.get(raw, "ucsc", str, where),
                    strand=strand,
                    exons=exons,
                    cds_start=self.get(raw, "cds_start", int, where),
                    cds_end=self.get(raw, "cds_end", int, where),
                    locus_start=exons[0].start - flank5,
                    locus_end=exons[-1].end + flank3,
                    clusters=clusters,
                    deletions=deletions,
                )
            )
        if not out:
            raise self.fail("top level", "no [[build]] table")
        return out

    def exons(self, raw: Any, where: str) -> tuple[Exon, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "'exons' must be a list of [start, end] pairs")
        exons = []
        previous_end = 0
        for n, pair in enumerate(raw, start=1):
            ok = isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, int) for x in pair)
            if not ok or not previous_end < pair[0] <= pair[1]:
                raise self.fail(
                    f"{where}, exon {n}",
                    f"expected [start, end], start <= end, after the previous exon; got {pair!r}",
                )
            exons.append(Exon(n, pair[0], pair[1]))
            previous_end = pair[1]
        return tuple(exons)

    def clusters(self, exons: tuple[Exon, ...], where: str) -> list[Cluster]:
        out = []
        for i, raw in enumerate(self.doc.get("cluster", []), start=1):
            cw = f"[[cluster]] #{i}"
            anchor = self.get(raw, "anchor", str, cw)
            m = _ANCHOR.match(anchor.strip())
            if m is None or not 1 <= int(m.group(1)) <= len(exons):
                raise self.fail(
                    cw, f"anchor must be 'exon N start' or 'exon N end'; got {anchor!r}"
                )
            exon = exons[int(m.group(1)) - 1]
            centre = (exon.start if m.group(2) == "start" else exon.end) + self.get(
                raw, "offset", int, cw
            )
            half = self.get(raw, "width", int, cw) // 2
            cluster = Cluster(
                self.get(raw, "name", str, cw),
                str(raw.get("region", "")),
                centre - half,
                centre + half,
            )
            overlap = [e.number for e in exons if e.start <= cluster.end and cluster.start <= e.end]
            if overlap:
                raise self.fail(f"{where}, {cw}", f"window overlaps exon {overlap[0]}")
            out.append(cluster)
        return out

    def deletions(self) -> dict[str, Deletion]:
        out: dict[str, Deletion] = {}
        for i, raw in enumerate(self.doc.get("deletion", []), start=1):
            dw = f"[[deletion]] #{i}"
            lost = raw.get("exons_lost")
            if not (isinstance(lost, list) and len(lost) == 2):
                raise self.fail(dw, "'exons_lost' must be [first, last]")
            d = Deletion(
                self.get(raw, "name", str, dw),
                (int(lost[0]), int(lost[1])),
                self.get(raw, "from", str, dw),
                self.get(raw, "to", str, dw),
            )
            out[d.name] = d
        return out
