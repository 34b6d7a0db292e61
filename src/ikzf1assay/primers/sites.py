"""Primer binding sites: what a site is, how it is measured, and the exhaustive scan engine.

A :class:`Site` is a place where a primer may anneal: the genome bases it pairs with, written
in the primer's own orientation (5'->3'), so a perfect site reads exactly as the primer.
``strand`` is ``+`` when the primer's sequence reads on the + strand there (the primer then
extends towards higher coordinates) and ``-`` when its reverse complement does (it extends
towards lower coordinates). Mismatches are counted over the whole primer length, gaps
included, with those among the last five 3' bases counted apart: the 3' end decides whether
the polymerase extends (Primer-BLAST's rule, see :mod:`ikzf1assay.primers.products`).

:func:`scan` finds every site within ``max_mismatches`` of each primer on both strands of any
set of sequences, exhaustively: a primer of length L split into m+1 blocks of at least five
bases has, at a site with at most m mismatches, at least one block matching exactly
(pigeonhole), so every 5-mer occurrence of every block is a candidate and each candidate is
verified over the full length. Primers too short for that, or with IUPAC codes, are compared
at every position instead. Both paths are numpy over the whole sequence; nothing is skipped.

Whether a site can prime
------------------------
:func:`add_thermodynamics` measures every site at two temperatures with primer3's
thermodynamic alignment (thal, SantaLucia 1998 parameters, at the run's salt, dNTP and oligo
concentrations): at the ``temperature_c`` of the conditions (37 C; ``tm``, ``dg``, as before)
and at the run's annealing temperature ``annealing_c`` (``tm_ta``, ``dg_ta``: the duplex of
primer and site; ``end_tm_ta``, ``end_dg_ta``: thal's END1 alignment, the most stable duplex
in which the primer's 3'-terminal base is paired). A site **primes** at an annealing
temperature T when

1. its 3' end is paired: the last :data:`PAIRED_3P_BASES` (2) bases of the primer match the
   site (no mismatch, no gap), and at most one mismatch or gap lies among the last five; and
2. the duplex is stable at T: both ``tm_ta`` and ``end_tm_ta`` are at least
   ``T - PRIMING_MARGIN_C`` (5 C). Within 5 C above its Tm a duplex still holds a few per cent
   of the sites at equilibrium (dG rises by about 2 kcal/mol per 5 C for a 20-mer, about
   30-fold in K), enough to seed a product in the first cycles, after which the product's
   ends carry the primer's own sequence and amplify perfectly.

``priming_limit_c`` is the highest annealing temperature at which the site primes (min of the
two Tm plus the margin; None when the 3' end is not paired), and ``primes`` says where it
stands against this run: ``at Ta``, ``below Ta`` (only at up to :data:`LOWER_MARGIN_C` (5 C)
lower annealing, a WARN) or ``no``. This follows the thermodynamic checkers rather than
mismatch counts: MFEprimer-2.0 (Qu et al., Nucleic Acids Res 2012, W205) and -3.0 judge a
binding site by the stability of its duplex with the primer (a "minimum Tm value required for
the binding stability between primer and its binding sites", https://www.mfeprimer.com/docs/)
after requiring the primer's 3' end to be matched (MFEprimer-3.0 allows 3'-end mismatches
except at the 3'-terminal base). Here the binding Tm is measured at the run's conditions and
compared with the run's annealing temperature instead of a fixed value, and the 3'-terminal
pair of bases must match (the polymerase extends a terminal mismatch poorly, two of them
hardly).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd
from Bio.Data.IUPACData import ambiguous_dna_values

from ikzf1assay.assay import Conditions
from ikzf1assay.primers.thermo import Thermo
from ikzf1assay.sequence import reverse_complement

__all__ = [
    "LOWER_MARGIN_C",
    "PAIRED_3P_BASES",
    "PRIMING_MARGIN_C",
    "SITE_COLUMNS",
    "THREE_PRIME_WINDOW",
    "Sequences",
    "Site",
    "add_thermodynamics",
    "compare",
    "end_paired",
    "primes_at",
    "scan",
    "sites_table",
    "unique_sites",
]

THREE_PRIME_WINDOW = 5
# A site primes at T when its 3'-terminal bases pair and its duplexes' Tm >= T - margin.
PAIRED_3P_BASES = 2
PRIMING_MARGIN_C = 5.0
# WARN band: a product that would amplify only at an annealing up to this much lower.
LOWER_MARGIN_C = 5.0
_SEED = 5
_CODES = {b: i for i, b in enumerate("ACGT")}
_LOOKUP = np.full(256, 4, dtype=np.uint8)
_LOOKUP[np.frombuffer(b"ACGTacgt", dtype=np.uint8)] = np.array([0, 1, 2, 3] * 2, dtype=np.uint8)

SITE_COLUMNS = [
    "primer",
    "contig",
    "start",
    "end",
    "strand",
    "mismatches",
    "mismatches_3p",
    "gaps",
    "positions_from_3p",
    "target",
    "tm",
    "dg",
    "tm_ta",
    "dg_ta",
    "end_tm_ta",
    "end_dg_ta",
    "end_paired",
    "priming_limit_c",
    "primes",
    "engine",
]


class Sequences(Protocol):
    """Read access to a genome: a slice of a contig, 0-based half-open, upper case."""

    def fetch(self, contig: str, start: int, end: int) -> str: ...

    def length(self, contig: str) -> int: ...


@dataclass(frozen=True)
class Site:
    """A primer binding site (see the module text).

    ``start``/``end`` are 0-based half-open on the + strand; ``positions_from_3p`` lists each
    mismatch or gap by its distance from the primer's 3' end (1 = the 3'-terminal base).
    ``tm``/``dg`` are the primer-site duplex (primer3-py thal) at the conditions'
    temperature, ``tm_ta``/``dg_ta`` and ``end_tm_ta``/``end_dg_ta`` the duplex and its
    3'-anchored form at the annealing temperature, ``end_paired``, ``priming_limit_c`` and
    ``primes`` the priming model of the module text; all filled by :func:`add_thermodynamics`.
    """

    primer: str
    contig: str
    start: int
    end: int
    strand: str
    target: str
    mismatches: int
    mismatches_3p: int
    gaps: int
    positions_from_3p: tuple[int, ...]
    engine: str
    tm: float | None = None
    dg: float | None = None
    tm_ta: float | None = None
    dg_ta: float | None = None
    end_tm_ta: float | None = None
    end_dg_ta: float | None = None
    end_paired: bool | None = None
    priming_limit_c: float | None = None
    primes: str | None = None

    @property
    def key(self) -> tuple[str, str, int, str]:
        """Identity of a site across engines: primer, contig, 3'-end coordinate, strand."""
        three_prime = self.end - 1 if self.strand == "+" else self.start
        return (self.primer, self.contig, three_prime, self.strand)

    @property
    def three_prime(self) -> int:
        """0-based coordinate of the base the primer's 3' end pairs with."""
        return self.key[2]


def _matches(primer_base: str, target_base: str) -> bool:
    return target_base in ambiguous_dna_values.get(primer_base, primer_base)


def compare(
    primer_name: str,
    primer_aligned: str,
    target_aligned: str,
    *,
    contig: str,
    start: int,
    end: int,
    strand: str,
    engine: str,
) -> Site:
    """A :class:`Site` from the primer and its target aligned column by column.

    Both strings are in the primer's orientation; ``-`` marks a gap. A gap column counts as a
    mismatch (and as a gap); an IUPAC code in the primer matches any base it stands for.
    """
    length = len(primer_aligned.replace("-", ""))
    positions = []
    gaps = 0
    i = 0  # primer bases passed so far
    for p, t in zip(primer_aligned, target_aligned, strict=True):
        if p == "-" or t == "-":
            gaps += 1
            positions.append(max(length - i, 1))  # a gap before base i+1 counts there
        elif not _matches(p, t):
            positions.append(length - i)
        if p != "-":
            i += 1
    return Site(
        primer=primer_name,
        contig=contig,
        start=start,
        end=end,
        strand=strand,
        target=target_aligned.replace("-", ""),
        mismatches=len(positions),
        mismatches_3p=sum(1 for p in positions if p <= THREE_PRIME_WINDOW),
        gaps=gaps,
        positions_from_3p=tuple(sorted(positions)),
        engine=engine,
    )


def _allowed(primer: str) -> np.ndarray:
    """Per primer position, which target codes (A C G T N = 0..4) pair with it."""
    table = np.zeros((len(primer), 5), dtype=bool)
    for k, base in enumerate(primer):
        for b in ambiguous_dna_values.get(base, base):
            if b in _CODES:
                table[k, _CODES[b]] = True
    return table


def _as_codes(seq: str | np.ndarray) -> np.ndarray:
    if isinstance(seq, np.ndarray):
        return seq
    return _LOOKUP[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def _kmer_codes(codes: np.ndarray) -> np.ndarray:
    """Code of the 5-mer starting at each position (N anywhere -> 65535)."""
    n = codes.size - _SEED + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint16)
    out: np.ndarray = np.zeros(n, dtype=np.uint16)
    bad = np.zeros(n, dtype=bool)
    for k in range(_SEED):
        part = codes[k : k + n]
        out = (out << 2) | (part & 3).astype(np.uint16)
        bad |= part > 3
    out[bad] = 65535
    return out


def _verify(codes: np.ndarray, starts: np.ndarray, allowed: np.ndarray, limit: int) -> np.ndarray:
    """Of the candidate ``starts``, those with at most ``limit`` mismatches."""
    length = allowed.shape[0]
    starts = starts[(starts >= 0) & (starts + length <= codes.size)]
    mism = np.zeros(starts.size, dtype=np.int16)
    for k in range(length):
        mism += ~allowed[k][codes[starts + k]]
    return np.asarray(starts[mism <= limit])


def _full_scan(codes: np.ndarray, allowed: np.ndarray, limit: int) -> np.ndarray:
    length = allowed.shape[0]
    n = codes.size - length + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    mism = np.zeros(n, dtype=np.uint8)
    for k in range(length):
        mism += ~allowed[k][codes[k : k + n]]
    return np.flatnonzero(mism <= limit)


def _scan_codes(
    codes: np.ndarray, kmers: np.ndarray | None, pattern: str, limit: int
) -> np.ndarray:
    """Start positions (+ strand coordinates) where ``pattern`` matches within ``limit``."""
    allowed = _allowed(pattern)
    length = len(pattern)
    blocks = limit + 1
    unambiguous = all(b in _CODES for b in pattern)
    if kmers is None or not unambiguous or length < _SEED * blocks:
        return _full_scan(codes, allowed, limit)
    size = length // blocks
    found = []
    for j in range(blocks):
        offset = j * size
        value = 0
        for b in pattern[offset : offset + _SEED]:
            value = (value << 2) | _CODES[b]
        found.append(np.flatnonzero(kmers == value) - offset)
    candidates = np.unique(np.concatenate(found))
    return _verify(codes, candidates, allowed, limit)


def scan(
    primers: Mapping[str, str],
    records: Mapping[str, str | np.ndarray],
    max_mismatches: int = 3,
    engine: str = "scan",
) -> list[Site]:
    """Every site within ``max_mismatches`` of every primer, both strands, exhaustively.

    Parameters
    ----------
    primers
        Name -> sequence (5'->3'; IUPAC codes allowed).
    records
        Contig name -> sequence (a string, or codes 0-3 with 4 for N as from
        :func:`ikzf1assay.reference.synthetic.encode`). N never pairs.
    max_mismatches
        Sites with more mismatches are not reported (0-5).

    Returns
    -------
    list of Site
        Ordered by contig, position, primer; thermodynamics not yet filled.
    """
    sites: list[Site] = []
    for contig, seq in records.items():
        codes = _as_codes(seq)
        kmers = _kmer_codes(codes) if codes.size >= 1_000 else None
        text: str | None = seq if isinstance(seq, str) else None
        for name, primer in primers.items():
            for strand, pattern in (("+", primer), ("-", reverse_complement(primer))):
                for start in _scan_codes(codes, kmers, pattern, max_mismatches).tolist():
                    end = start + len(primer)
                    if text is not None:
                        target = text[start:end].upper()
                    else:
                        target = _decode(codes[start:end])
                    if strand == "-":
                        target = reverse_complement(target)
                    sites.append(
                        compare(
                            name, primer, target,
                            contig=contig, start=start, end=end, strand=strand, engine=engine,
                        )
                    )  # fmt: skip
    sites.sort(key=lambda s: (s.contig, s.start, s.primer, s.strand))
    return sites


def unique_sites(sites: Iterable[Site]) -> list[Site]:
    """One site per :attr:`Site.key` (the one with fewest mismatches), in genome order."""
    best: dict[tuple[str, str, int, str], Site] = {}
    for s in sites:
        if s.key not in best or s.mismatches < best[s.key].mismatches:
            best[s.key] = s
    return sorted(best.values(), key=lambda s: (s.contig, s.start, s.primer, s.strand))


def _decode(codes: np.ndarray) -> str:
    return str(np.frombuffer(b"ACGTN", dtype=np.uint8)[codes].tobytes().decode("ascii"))


def end_paired(site: Site) -> bool:
    """The sequence half of the 3'-end rule (module text): terminal bases paired, <= 1 in 5."""
    positions = site.positions_from_3p
    return (
        all(p > PAIRED_3P_BASES for p in positions)
        and sum(1 for p in positions if p <= THREE_PRIME_WINDOW) <= 1
    )


def primes_at(limit: float | None, annealing_c: float) -> str:
    """``at Ta``, ``below Ta`` or ``no``: a priming limit against the run's annealing."""
    if limit is None:
        return "no"
    if limit >= annealing_c:
        return "at Ta"
    return "below Ta" if limit >= annealing_c - LOWER_MARGIN_C else "no"


def add_thermodynamics(
    sites: Iterable[Site], primers: Mapping[str, str], conditions: Conditions
) -> list[Site]:
    """Fill the thermodynamic fields and the priming model (module text) of every site.

    The primer anneals to the complement of its target, so each duplex is computed between
    the primer and the reverse complement of the target. Identical (primer, target) pairs are
    computed once.

    Parameters
    ----------
    sites
        From any engine.
    primers
        Name -> sequence.
    conditions
        Salt, dNTP and oligo concentrations, ``temperature_c`` for ``tm``/``dg`` and
        ``annealing_c`` for the values at the annealing temperature.

    Returns
    -------
    list of Site
        The same sites, in the same order, with the fields filled.
    """
    thermo = Thermo(conditions)
    at_ta = Thermo(conditions.replace(temperature_c=conditions.annealing_c))
    cache: dict[tuple[str, str], tuple[float | None, ...]] = {}
    out = []
    for site in sites:
        key = (site.primer, site.target)
        if key not in cache:
            primer, template = primers[site.primer], reverse_complement(site.target)
            s = thermo.dimer(primer, template)
            ta = at_ta.dimer(primer, template)
            end = at_ta.self_end(primer, template)  # thal END1: the primer's 3' end anchored
            cache[key] = (s.tm, s.dg, ta.tm, ta.dg, end.tm, end.dg)
        tm, dg, tm_ta, dg_ta, end_tm, end_dg = cache[key]
        paired = end_paired(site)
        limit = None
        if paired and tm_ta is not None and end_tm is not None:
            limit = min(tm_ta, end_tm) + PRIMING_MARGIN_C
        out.append(
            replace(
                site, tm=tm, dg=dg, tm_ta=tm_ta, dg_ta=dg_ta, end_tm_ta=end_tm, end_dg_ta=end_dg,
                end_paired=paired, priming_limit_c=limit,
                primes=primes_at(limit, conditions.annealing_c),
            )
        )  # fmt: skip
    return out


def _rows(sites: Iterable[Site]) -> Iterator[dict[str, object]]:
    for s in sites:
        yield {
            "primer": s.primer,
            "contig": s.contig,
            "start": s.start + 1,
            "end": s.end,
            "strand": s.strand,
            "mismatches": s.mismatches,
            "mismatches_3p": s.mismatches_3p,
            "gaps": s.gaps,
            "positions_from_3p": ",".join(map(str, s.positions_from_3p)),
            "target": s.target,
            "tm": s.tm,
            "dg": s.dg,
            "tm_ta": s.tm_ta,
            "dg_ta": s.dg_ta,
            "end_tm_ta": s.end_tm_ta,
            "end_dg_ta": s.end_dg_ta,
            "end_paired": s.end_paired,
            "priming_limit_c": s.priming_limit_c,
            "primes": s.primes,
            "engine": s.engine,
        }


def sites_table(sites: Iterable[Site]) -> pd.DataFrame:
    """One row per site, columns :data:`SITE_COLUMNS`; ``start`` 1-based, ``end`` inclusive."""
    return pd.DataFrame(list(_rows(sites)), columns=SITE_COLUMNS)
