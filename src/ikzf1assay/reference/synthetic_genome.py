"""SYNTHETIC test genomes written to FASTA, with planted primer sites and a truth table.

``ikzf1assay reference synthetic-genome`` and :func:`write_synthetic_genome` write a genome of
generated chromosomes ``SYNTHETIC_chr1`` ... (human-like composition and repeats, from
:func:`ikzf1assay.reference.synthetic.random_chromosomes`), its ``.fai`` index and a truth
table of what was planted in it, for testing primer-specificity searches: every FASTA header
says SYNTHETIC, and nothing in these files is human sequence.

Plant syntax
------------
A plant is ``KIND:TARGET`` followed by ``:KEY=VALUE`` options::

    site:PRIMER[:mm=M][:mm3p=N][:strand=+|-][:chrom=C][:pos=P][:copies=K]
    pair:FORWARD,REVERSE[:size=S][:mm=M,M][:mm3p=N,N][:strand=+|-][:chrom=C][:pos=P][:copies=K]
    pair:REACTION[...]                  (the reaction's forward and reverse primers)
    seq:SEQUENCE[:strand=+|-][:chrom=C][:pos=P][:copies=K]

* ``PRIMER``, ``FORWARD``, ``REVERSE``: a primer name of the assay file (``F.4``), or a DNA
  sequence (A, C, G, T; at least 8 bases). IUPAC codes of an assay primer are written as the
  first base they stand for in ACGT order (``R`` -> A).
* ``site``: a lone site of the primer: on strand ``+`` (default) the primer's sequence reads
  on the + strand, on ``-`` its reverse complement does (the primer extends leftwards).
* ``pair``: a facing pair, a PCR product of ``size`` bases (default 300, primers included):
  on strand ``+`` (default) FORWARD's sequence at the left end and REVERSE's reverse
  complement ending ``size`` bases further; on ``-`` the mirror image (REVERSE's sequence at
  the left, FORWARD's reverse complement at the right), the same product read on the other
  strand.
* ``seq``: the sequence written as given (on ``-``, its reverse complement); no mismatches.
* ``mm``: mismatches of a primer with its site. ``M`` is a count, placed (from the seed) at
  positions outside the last five bases of the 3' end, or ``[COUNT]@P[+P...]``: at the given
  positions, 1-based from the 5' end (``@1`` is the 5'-most base; ``2@3+10``, ``@20``).
  A pair takes one value per primer, forward first: ``mm=1,0``, ``mm=@4+9,@2``.
* ``mm3p``: more mismatches, placed (from the seed) among the last five bases of the 3' end
  (0-5); a pair takes ``N,N``. ``mm=1:mm3p=1`` is two mismatches, one of them near the 3' end.
* ``chrom``: ``2`` or ``SYNTHETIC_chr2``; ``pos``: the 0-based start of the plant's leftmost
  base on that chromosome (the truth table's ``start``; ``pos`` alone means chromosome 1).
  Without them plants are spread evenly over the chromosomes (round robin, in the order
  given, each copy in the middle of its own equal slot).
* ``copies``: plant it K times (each copy its own id, its own drawn mismatch positions);
  not with ``pos``.

A mismatch substitutes one of the three other bases (drawn from the seed) in the site as the
primer reads it. Plants must not overlap each other.

Truth table
-----------
Tab-separated, ``#`` comment lines first (seed, sizes, conventions), then one row per site
(a pair has two rows with the same ``plant`` id):

``plant`` (P1, P2, ...), ``kind`` (site, pair, seq), ``primer`` (name, or the sequence),
``primer_sequence``, ``chrom``, ``start``, ``end`` (0-based half-open, as BED and the
specificity engines' sites), ``strand`` (``+``: the primer's sequence reads on the + strand),
``mismatches``, ``mismatches_3p`` (those among the last five bases), ``mismatch_positions``
(1-based from the primer's 5' end, ``+``-separated; ``.`` for none), ``site`` (the genome's
bases in the primer's orientation), ``product_size`` (pairs; ``.`` otherwise), ``spec`` (the
plant as given).

Everything follows from the seed: the same arguments write the same bytes.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ikzf1assay._io import write_file_atomic
from ikzf1assay.assay import Assay, load_assay
from ikzf1assay.errors import FileAccessError, ParameterError
from ikzf1assay.reference.synthetic import (
    SYNTHETIC_LABEL,
    decode,
    encode,
    plant,
    random_chromosomes,
)
from ikzf1assay.sequence import reverse_complement

__all__ = [
    "DEFAULT_PAIR_SIZE",
    "PREFIX",
    "THREE_PRIME_BASES",
    "TRUTH_COLUMNS",
    "Plant",
    "PlantedPrimer",
    "SiteTruth",
    "Truth",
    "chromosome_lengths",
    "parse_plant",
    "truth_path_for",
    "write_synthetic_genome",
]

PREFIX = f"{SYNTHETIC_LABEL}_chr"
#: the 3' end, where ``mm3p`` mismatches go and a count ``mm`` never does
THREE_PRIME_BASES = 5
DEFAULT_PAIR_SIZE = 300
#: the smallest chromosome written (a plant needs room)
MIN_CHROMOSOME = 1_000
MAX_SIZE_MB = 10_000.0
MB_PER_CHROMOSOME = 50.0
LINE_WIDTH = 60
MIN_RAW_PRIMER = 8
TRUTH_COLUMNS = (
    "plant",
    "kind",
    "primer",
    "primer_sequence",
    "chrom",
    "start",
    "end",
    "strand",
    "mismatches",
    "mismatches_3p",
    "mismatch_positions",
    "site",
    "product_size",
    "spec",
)
_KINDS = ("site", "pair", "seq")
_KEYS = {
    "site": ("mm", "mm3p", "strand", "chrom", "pos", "copies"),
    "pair": ("size", "mm", "mm3p", "strand", "chrom", "pos", "copies"),
    "seq": ("strand", "chrom", "pos", "copies"),
}
_DNA = re.compile(r"^[ACGT]+$")
_IUPAC_FIRST = {
    "R": "A", "Y": "C", "S": "C", "W": "A", "K": "G", "M": "A",
    "B": "C", "D": "A", "H": "A", "V": "A", "N": "A",
}  # fmt: skip
_MM = re.compile(r"^(?:(?P<count>\d+)|(?P<n>\d+)?@(?P<pos>\d+(?:\+\d+)*))$")


@dataclass(frozen=True)
class PlantedPrimer:
    """One primer of a plant and how its site differs from it.

    ``positions`` are 1-based from the 5' end (explicit ones); ``count`` more are drawn
    outside the 3' end and ``count_3p`` among its last :data:`THREE_PRIME_BASES` bases.
    """

    name: str
    sequence: str  # what is written (IUPAC codes resolved)
    positions: tuple[int, ...] = ()
    count: int = 0
    count_3p: int = 0


@dataclass(frozen=True)
class Plant:
    """A parsed ``--plant``: what to write, where (None: spread automatically) and how often."""

    spec: str
    kind: str
    primers: tuple[PlantedPrimer, ...]
    strand: str = "+"
    size: int | None = None  # pairs: the product, primers included
    chrom: str | None = None
    pos: int | None = None
    copies: int = 1

    @property
    def span(self) -> int:
        """Bases the plant occupies on the chromosome."""
        return self.size if self.size is not None else len(self.primers[0].sequence)


@dataclass(frozen=True)
class SiteTruth:
    """One planted site: a row of the truth table (see the module text for the columns)."""

    plant: str
    kind: str
    primer: str
    primer_sequence: str
    chrom: str
    start: int
    end: int
    strand: str
    mismatch_positions: tuple[int, ...]
    site: str
    product_size: int | None
    spec: str

    @property
    def mismatches(self) -> int:
        """How many bases of the site differ from the primer."""
        return len(self.mismatch_positions)

    @property
    def mismatches_3p(self) -> int:
        """How many of them lie among the last :data:`THREE_PRIME_BASES` bases."""
        limit = len(self.primer_sequence) - THREE_PRIME_BASES
        return sum(p > limit for p in self.mismatch_positions)

    def row(self) -> list[str]:
        """The truth-table fields, in :data:`TRUTH_COLUMNS` order."""
        positions = "+".join(map(str, self.mismatch_positions)) or "."
        size = "." if self.product_size is None else str(self.product_size)
        return [
            self.plant, self.kind, self.primer, self.primer_sequence, self.chrom,
            str(self.start), str(self.end), self.strand, str(self.mismatches),
            str(self.mismatches_3p), positions, self.site, size, self.spec,
        ]  # fmt: skip


@dataclass(frozen=True)
class Truth:
    """What :func:`write_synthetic_genome` wrote: the files, the chromosomes and the sites."""

    fasta: Path
    fai: Path
    table: Path
    seed: int
    chromosomes: dict[str, int]
    sites: tuple[SiteTruth, ...]

    @property
    def plants(self) -> tuple[str, ...]:
        """The plant ids, in order."""
        return tuple(dict.fromkeys(s.plant for s in self.sites))


def _fail(spec: str, problem: str) -> ParameterError:
    return ParameterError(
        f"--plant {spec!r}: {problem} (syntax: site:PRIMER[:mm=M][:mm3p=N][:strand=+|-]"
        "[:chrom=C][:pos=P][:copies=K], pair:FORWARD,REVERSE[:size=S][:mm=M,M][:mm3p=N,N]..., "
        "seq:SEQUENCE[:strand=+|-]...; see `ikzf1assay reference synthetic-genome --help`)"
    )


def _primer(spec: str, token: str, assay: Assay) -> tuple[str, str]:
    by_name = {p.name: p.sequence for p in assay.primers}
    if token in by_name:
        seq = by_name[token].upper()
        return token, "".join(_IUPAC_FIRST.get(b, b) for b in seq)
    raw = token.upper()
    if _DNA.match(raw) and len(raw) >= MIN_RAW_PRIMER:
        return raw, raw
    names = ", ".join(by_name)
    raise _fail(
        spec,
        f"{token!r} is neither a primer of the assay ({names}) nor a DNA sequence of at least "
        f"{MIN_RAW_PRIMER} bases A, C, G, T",
    )


def _int(spec: str, key: str, value: str, low: int) -> int:
    if not value.isdigit() or int(value) < low:
        raise _fail(spec, f"{key}={value!r}: expected a whole number of at least {low}")
    return int(value)


def _mismatches(spec: str, name: str, length: int, mm: str, mm3p: str) -> PlantedPrimer:
    m = _MM.match(mm)
    if m is None:
        raise _fail(
            spec,
            f"mm={mm!r} for {name}: expected a count (2) or positions from the 5' end (@3+10, "
            "2@3+10)",
        )
    positions: tuple[int, ...] = ()
    count = 0
    if m.group("count") is not None:
        count = int(m.group("count"))
    else:
        positions = tuple(int(p) for p in m.group("pos").split("+"))
        if len(set(positions)) != len(positions):
            raise _fail(spec, f"mm={mm!r} for {name}: a position is given twice")
        bad = [p for p in positions if not 1 <= p <= length]
        if bad:
            raise _fail(
                spec,
                f"mm={mm!r} for {name}: position {bad[0]} is outside the primer (1-{length}, "
                "from the 5' end)",
            )
        if m.group("n") is not None and int(m.group("n")) != len(positions):
            raise _fail(
                spec,
                f"mm={mm!r} for {name}: the count {m.group('n')} differs from the "
                f"{len(positions)} positions given",
            )
    if not mm3p.isdigit() or int(mm3p) > THREE_PRIME_BASES:
        raise _fail(
            spec,
            f"mm3p={mm3p!r} for {name}: expected 0-{THREE_PRIME_BASES} (mismatches among the "
            f"last {THREE_PRIME_BASES} bases of the 3' end)",
        )
    count_3p = int(mm3p)
    body = length - THREE_PRIME_BASES
    taken_body = sum(p <= body for p in positions)
    taken_3p = len(positions) - taken_body
    if count > body - taken_body:
        raise _fail(
            spec,
            f"mm={mm!r} for {name}: {count} mismatches do not fit in the {body} bases outside "
            f"the 3' end",
        )
    if count_3p > THREE_PRIME_BASES - taken_3p:
        raise _fail(
            spec,
            f"mm3p={mm3p!r} for {name}: only {THREE_PRIME_BASES - taken_3p} of the last "
            f"{THREE_PRIME_BASES} bases are free",
        )
    return PlantedPrimer(name, "", positions, count, count_3p)


def parse_plant(spec: str, assay: Assay | None = None) -> Plant:
    """Read one ``--plant`` (syntax in the module text).

    Parameters
    ----------
    spec
        E.g. ``pair:F.4,R-7:size=300:mm=1,0`` or ``site:F.4:mm=@2:strand=-``.
    assay
        Where primer names are looked up; None for the bundled assay.

    Returns
    -------
    Plant
        The plant; where it goes is decided by :func:`write_synthetic_genome`.

    Raises
    ------
    ParameterError
        The plant and what was expected instead.
    """
    assay = load_assay() if assay is None else assay
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    if not sep or kind not in _KINDS:
        raise _fail(spec, f"starts with {kind!r}; expected site:, pair: or seq:")
    target, *options = rest.split(":")
    if not target:
        raise _fail(spec, f"{kind}: names nothing to plant")
    values: dict[str, str] = {}
    for option in options:
        key, eq, value = option.partition("=")
        if not eq or not value:
            raise _fail(spec, f"option {option!r}: expected KEY=VALUE")
        if key not in _KEYS[kind]:
            raise _fail(spec, f"option {key!r} is not one of {kind}'s: {', '.join(_KEYS[kind])}")
        if key in values:
            raise _fail(spec, f"option {key!r} is given twice")
        values[key] = value
    strand = values.get("strand", "+")
    if strand not in ("+", "-"):
        raise _fail(spec, f"strand={strand!r}: expected + or -")
    copies = _int(spec, "copies", values.get("copies", "1"), 1)
    pos = _int(spec, "pos", values["pos"], 0) if "pos" in values else None
    if pos is not None and copies > 1:
        raise _fail(spec, "copies and pos exclude each other (copies are spread automatically)")
    chrom = values.get("chrom")
    if chrom is not None:
        if chrom.isdigit() and int(chrom) >= 1:
            chrom = f"{PREFIX}{int(chrom)}"
        elif not (chrom.startswith(PREFIX) and chrom[len(PREFIX) :].isdigit()):
            raise _fail(spec, f"chrom={chrom!r}: expected a number (2) or {PREFIX}2")

    if kind == "seq":
        seq = target.upper()
        if not _DNA.match(seq):
            raise _fail(spec, f"{target!r} is not a DNA sequence (A, C, G, T)")
        primers: tuple[PlantedPrimer, ...] = (PlantedPrimer(seq, seq),)
        return Plant(spec, kind, primers, strand, None, chrom, pos, copies)

    if kind == "site":
        tokens = [target]
    else:
        tokens = target.split(",")
        reactions = {r.name: (r.forward, r.reverse) for r in assay.reactions}
        if len(tokens) == 1 and target in reactions:
            tokens = list(reactions[target])
        if len(tokens) != 2 or not all(tokens):
            raise _fail(
                spec,
                f"{target!r}: a pair is FORWARD,REVERSE (two primers) or a reaction of the "
                f"assay ({', '.join(reactions)})",
            )
    n = len(tokens)
    mm = values.get("mm", ",".join(["0"] * n)).split(",")
    mm3p = values.get("mm3p", ",".join(["0"] * n)).split(",")
    for key, given in (("mm", mm), ("mm3p", mm3p)):
        if len(given) != n:
            raise _fail(
                spec,
                f"{key}={values[key]!r}: expected {n} value{'s' if n > 1 else ''}"
                + (", forward then reverse (e.g. 1,0)" if n == 2 else ""),
            )
    planted = []
    for token, m, m3 in zip(tokens, mm, mm3p, strict=True):
        name, seq = _primer(spec, token, assay)
        primer = _mismatches(spec, name, len(seq), m, m3)
        planted.append(PlantedPrimer(name, seq, primer.positions, primer.count, primer.count_3p))
    size = None
    if kind == "pair":
        size = _int(spec, "size", values.get("size", str(DEFAULT_PAIR_SIZE)), 1)
        need = sum(len(p.sequence) for p in planted)
        if size < need:
            raise _fail(
                spec, f"size={size}: a product holds both primers, so it is at least {need}"
            )
    return Plant(spec, kind, tuple(planted), strand, size, chrom, pos, copies)


def chromosome_lengths(size_mb: float, chromosomes: int | None = None) -> list[int]:
    """``size_mb`` megabases (10^6 bases) split as evenly as possible over the chromosomes.

    Parameters
    ----------
    size_mb
        The genome size, above 0 and at most 10,000.
    chromosomes
        How many; None for one per started 50 Mb.

    Returns
    -------
    list of int
        The lengths; the first ones are one base longer when the split is uneven.
    """
    if not (size_mb > 0 and size_mb <= MAX_SIZE_MB):  # also refuses NaN
        raise ParameterError(f"--size-mb {size_mb}: expected a size above 0 and at most "
                             f"{MAX_SIZE_MB:,.0f} (megabases)")  # fmt: skip
    total = round(size_mb * 1_000_000)
    if total < MIN_CHROMOSOME:
        raise ParameterError(
            f"--size-mb {size_mb:g}: expected at least {MIN_CHROMOSOME / 1e6:g} "
            f"(a chromosome of {MIN_CHROMOSOME:,} bases)"
        )
    n = max(1, math.ceil(size_mb / MB_PER_CHROMOSOME)) if chromosomes is None else chromosomes
    if n < 1 or total // n < MIN_CHROMOSOME:
        raise ParameterError(
            f"--chromosomes {n}: expected at least 1 and at most {total // MIN_CHROMOSOME} for "
            f"{size_mb:g} Mb (chromosomes of at least {MIN_CHROMOSOME:,} bases)"
        )
    base, extra = divmod(total, n)
    return [base + (i < extra) for i in range(n)]


def truth_path_for(fasta: str | Path) -> Path:
    """``genome.fa`` -> ``genome.truth.tsv`` (``.fa``, ``.fasta``, ``.fna`` dropped)."""
    fasta = Path(fasta)
    stem = fasta.stem if fasta.suffix.lower() in (".fa", ".fasta", ".fna") else fasta.name
    return fasta.with_name(f"{stem}.truth.tsv")


@dataclass(frozen=True)
class _Placed:
    plant: Plant
    plant_id: str
    chrom: str
    start: int


def _place(plants: Sequence[Plant], lengths: dict[str, int]) -> list[_Placed]:
    """Each copy of each plant on a chromosome: given ones where given, the others spread."""
    names = list(lengths)
    fixed: list[_Placed] = []
    free: list[tuple[Plant, str]] = []
    k = 0
    for p in plants:
        for _ in range(p.copies):
            k += 1
            if p.chrom is not None or p.pos is not None:
                chrom = p.chrom or names[0]
                if chrom not in lengths:
                    raise ParameterError(
                        f"--plant {p.spec!r}: chrom {chrom} does not exist (the genome has "
                        f"{names[0]}..{names[-1]})"
                    )
                if p.pos is None:
                    free.append((p, f"P{k}"))
                    continue
                fixed.append(_Placed(p, f"P{k}", chrom, p.pos))
            else:
                free.append((p, f"P{k}"))
    # round robin over the chromosomes (or the one asked for), evenly spaced within each
    per_chrom: dict[str, list[tuple[Plant, str]]] = {n: [] for n in names}
    rr = 0
    for p, pid in free:
        if p.chrom is not None:
            per_chrom[p.chrom].append((p, pid))
        else:
            per_chrom[names[rr % len(names)]].append((p, pid))
            rr += 1
    placed = list(fixed)
    for chrom, group in per_chrom.items():
        if not group:
            continue
        slot = lengths[chrom] // len(group)
        for i, (p, pid) in enumerate(group):
            if p.span > slot:
                raise ParameterError(
                    f"--plant {p.spec!r}: {len(group)} plants on {chrom} ({lengths[chrom]:,} "
                    f"bases) leave {slot:,} bases each, fewer than the {p.span:,} it needs; "
                    "make the genome larger or plant fewer"
                )
            placed.append(_Placed(p, pid, chrom, i * slot + (slot - p.span) // 2))
    for q in placed:
        if q.start + q.plant.span > lengths[q.chrom]:
            raise ParameterError(
                f"--plant {q.plant.spec!r}: {q.start:,}-{q.start + q.plant.span:,} runs past the "
                f"end of {q.chrom} ({lengths[q.chrom]:,} bases)"
            )
    placed.sort(key=lambda q: (names.index(q.chrom), q.start))
    for a, b in itertools.pairwise(placed):
        if a.chrom == b.chrom and b.start < a.start + a.plant.span:
            raise ParameterError(
                f"--plant {a.plant.spec!r} ({a.chrom}:{a.start}-{a.start + a.plant.span}) and "
                f"--plant {b.plant.spec!r} ({b.chrom}:{b.start}-{b.start + b.plant.span}) "
                "overlap; give other positions"
            )
    placed.sort(key=lambda q: int(q.plant_id[1:]))
    return placed


def _draw_offsets(primer: PlantedPrimer, rng: np.random.Generator) -> tuple[int, ...]:
    """0-based offsets from the 5' end: the given positions and the drawn ones."""
    length = len(primer.sequence)
    body = length - THREE_PRIME_BASES
    given = {p - 1 for p in primer.positions}
    free_body = np.array([i for i in range(body) if i not in given], dtype=np.int64)
    free_3p = np.array([i for i in range(body, length) if i not in given], dtype=np.int64)
    drawn = set(rng.choice(free_body, size=primer.count, replace=False).tolist())
    drawn |= set(rng.choice(free_3p, size=primer.count_3p, replace=False).tolist())
    return tuple(sorted(given | drawn))


#: (primer, 0-based start, strand, 0-based mismatch offsets from the 5' end)
_SiteAt = tuple[PlantedPrimer, int, str, tuple[int, ...]]


def _sites(q: _Placed, rng: np.random.Generator) -> list[_SiteAt]:
    """(primer, start, strand, 0-based mismatch offsets) of each site of a placed plant."""
    p = q.plant
    if p.kind != "pair":
        return [(p.primers[0], q.start, p.strand, _draw_offsets(p.primers[0], rng))]
    fwd, rev = p.primers
    assert p.size is not None
    f_off, r_off = _draw_offsets(fwd, rng), _draw_offsets(rev, rng)
    end = q.start + p.size
    if p.strand == "+":
        return [(fwd, q.start, "+", f_off), (rev, end - len(rev.sequence), "-", r_off)]
    return [(fwd, end - len(fwd.sequence), "-", f_off), (rev, q.start, "+", r_off)]


def _write_chromosome(fh: BinaryIO, codes: np.ndarray) -> None:
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    write = fh.write
    step = LINE_WIDTH * 100_000
    for lo in range(0, codes.size, step):
        chunk = letters[codes[lo : lo + step]]
        full = chunk.size // LINE_WIDTH * LINE_WIDTH
        lines = np.empty((full // LINE_WIDTH, LINE_WIDTH + 1), dtype=np.uint8)
        lines[:, :LINE_WIDTH] = chunk[:full].reshape(-1, LINE_WIDTH)
        lines[:, LINE_WIDTH] = ord("\n")
        write(lines.tobytes())
        if full < chunk.size:
            write(chunk[full:].tobytes() + b"\n")


def write_synthetic_genome(
    path: str | Path,
    size_mb: float,
    seed: int = 1,
    plants: Iterable[str | Plant] = (),
    assay: Assay | None = None,
    chromosomes: int | None = None,
    repeats: bool = True,
    truth_path: str | Path | None = None,
) -> Truth:
    """Write a SYNTHETIC genome with planted sites, its ``.fai`` and its truth table.

    Chromosomes are generated, planted and written one at a time (one chromosome in memory);
    each file is written under a temporary name beside its target and renamed when complete,
    so a failed run leaves no partial file.

    Parameters
    ----------
    path
        The FASTA to write (``.fai`` is written beside it as ``path + ".fai"``).
    size_mb
        Genome size in megabases (10^6 bases), split over the chromosomes.
    seed
        Everything follows from it: sequence, placement and drawn mismatches.
    plants
        Plant specifications (the syntax of the module text) or parsed :class:`Plant`.
    assay
        Where primer names are looked up; None for the bundled assay.
    chromosomes
        How many chromosomes; None for one per started 50 Mb.
    repeats
        False for composition only (no interspersed repeats or microsatellites).
    truth_path
        The truth table; None for :func:`truth_path_for` of ``path``.

    Returns
    -------
    Truth
        The files written, the chromosome lengths and every planted site.

    Raises
    ------
    ParameterError
        A bad size, chromosome count or plant (nothing is written).
    FileAccessError
        A file cannot be written.
    """
    path = Path(path)
    table = truth_path_for(path) if truth_path is None else Path(truth_path)
    fai = path.with_name(path.name + ".fai")
    if len({path.resolve(), table.resolve(), fai.resolve()}) < 3:
        raise ParameterError(f"the truth table {table} would overwrite the genome {path}")
    seed = int(seed)
    if seed < 0:
        raise ParameterError(f"--seed {seed}: expected a whole number of at least 0")
    lengths = chromosome_lengths(size_mb, chromosomes)
    names = {f"{PREFIX}{i}": n for i, n in enumerate(lengths, start=1)}
    the_assay: Assay | None = assay
    parsed: list[Plant] = []
    for p in plants:
        if isinstance(p, Plant):
            parsed.append(p)
            continue
        if the_assay is None:
            the_assay = load_assay()
        parsed.append(parse_plant(p, the_assay))
    placed = _place(parsed, names)
    rng = np.random.default_rng([seed, 17])  # placement draws, apart from the sequence's
    by_chrom: dict[str, list[tuple[_Placed, list[_SiteAt]]]] = {n: [] for n in names}
    for q in placed:
        by_chrom[q.chrom].append((q, _sites(q, rng)))
    truth: list[SiteTruth] = []
    with write_file_atomic(fai) as tmp_fai, write_file_atomic(path) as tmp:
        made_fai = Path(str(tmp) + ".fai")
        try:
            with open(tmp, "wb") as fh:
                chroms = random_chromosomes(lengths, seed, repeats, PREFIX)
                for name, codes in chroms:
                    truth += _plant_chromosome(name, codes, by_chrom[name], rng)
                    fh.write(
                        f">{name} {SYNTHETIC_LABEL} generated sequence, not human; "
                        f"length={codes.size} seed={seed} "
                        f"repeats={'yes' if repeats else 'no'}\n".encode("ascii")
                    )
                    _write_chromosome(fh, codes)
                    del codes
            _faidx(tmp, path)
            os.replace(made_fai, tmp_fai)
            _readable(tmp)
            _readable(tmp_fai)
        finally:
            made_fai.unlink(missing_ok=True)
        truth.sort(key=lambda s: (int(s.plant[1:]), s.start))
        _write_truth(table, truth, seed, names, repeats)
    return Truth(path, fai, table, seed, names, tuple(truth))


def _plant_chromosome(
    name: str,
    codes: np.ndarray,
    plants: Sequence[tuple[_Placed, list[_SiteAt]]],
    rng: np.random.Generator,
) -> list[SiteTruth]:
    """Write the plants of one chromosome into its codes; the truth, read back from them."""
    genome = {name: codes}
    truth = []
    for q, sites in plants:
        for primer, start, strand, offsets in sites:
            stop = start + len(primer.sequence)
            if q.plant.kind == "seq":
                codes[start:stop] = _codes(primer.sequence, strand)
            else:
                plant(genome, primer.name, primer.sequence, name, start, strand, offsets, rng)
            window = decode(codes[start:stop])
            truth.append(
                SiteTruth(
                    plant=q.plant_id, kind=q.plant.kind, primer=primer.name,
                    primer_sequence=primer.sequence, chrom=name, start=start, end=stop,
                    strand=strand, mismatch_positions=tuple(o + 1 for o in offsets),
                    site=window if strand == "+" else reverse_complement(window),
                    product_size=q.plant.size, spec=q.plant.spec,
                )
            )  # fmt: skip
    return truth


def _codes(seq: str, strand: str) -> np.ndarray:
    text = seq if strand == "+" else reverse_complement(seq)
    return encode(text)


def _faidx(tmp: Path, target: Path) -> None:
    import pysam

    try:
        pysam.faidx(str(tmp))
    except (OSError, pysam.utils.SamtoolsError) as exc:
        raise FileAccessError(f"cannot index the FASTA: {exc}", source=target) from None


def _write_truth(
    table: Path, truth: Sequence[SiteTruth], seed: int, names: dict[str, int], repeats: bool
) -> None:
    head = [
        f"# {SYNTHETIC_LABEL} genome truth table (ikzf1assay reference synthetic-genome): "
        f"seed={seed} repeats={'yes' if repeats else 'no'} "
        f"chromosomes={len(names)} bases={sum(names.values())}",
        "# start/end: 0-based half-open (BED); strand +: the primer's sequence reads on the "
        "+ strand; mismatch_positions: 1-based from the primer's 5' end; site: the genome's "
        "bases in the primer's orientation",
        "\t".join(TRUTH_COLUMNS),
    ]
    lines = head + ["\t".join(s.row()) for s in truth]
    with write_file_atomic(table) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _readable(tmp)


def _readable(tmp: Path) -> None:
    """The permissions of a file made with open() (temporary files are made private)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
