"""Nearest-neighbour duplex free energy, for Primer3's 3'-end stability.

Primer3's ``END_STABILITY`` (PRIMER_LEFT_n_END_STABILITY) is "the maximum stability for the
last five 3' bases", computed with the nearest-neighbour parameters of its Tm formula: with
the default PRIMER_TM_FORMULA=1 those are SantaLucia's unified parameters (PNAS 1998, 95:1460,
Table 2), at 37 C, without salt correction. primer3-py does not expose it (its
``calc_end_stability`` is an end-anchored dimer alignment, which is Primer3's COMPL_END), so it
is computed here from the published table and checked against ``primer3_core`` in the tests.
"""

from __future__ import annotations

__all__ = ["duplex_dg37", "end_stability_dg"]

# SantaLucia (1998) unified nearest-neighbour dG at 37 C, kcal/mol, keyed by the 5'->3' dinucleotide
# of the top strand (so "AA" is AA/TT and "TT" is the same stack read on the other strand).
_NN_DG37 = {
    "AA": -1.00, "TT": -1.00,
    "AT": -0.88,
    "TA": -0.58,
    "CA": -1.45, "TG": -1.45,
    "GT": -1.44, "AC": -1.44,
    "CT": -1.28, "AG": -1.28,
    "GA": -1.30, "TC": -1.30,
    "CG": -2.17,
    "GC": -2.24,
    "GG": -1.84, "CC": -1.84,
}  # fmt: skip
# Initiation, per duplex end, by the terminal base pair.
_INIT_GC = 0.98
_INIT_AT = 1.03
_SYMMETRY = 0.43
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def duplex_dg37(seq: str) -> float:
    """dG (kcal/mol, 37 C, 1 M NaCl) of the perfect duplex of ``seq`` with its complement.

    Sum of the nearest-neighbour stacks, an initiation term for each end (0.98 for a
    terminal G-C pair, 1.03 for A-T) and, for self-complementary sequences, the 0.43
    symmetry penalty: SantaLucia's unified model.

    Raises
    ------
    ValueError
        For sequences shorter than 2 nt or with anything but A, C, G, T.
    """
    if len(seq) < 2:
        raise ValueError(f"a duplex needs at least 2 nt, got {seq!r}")
    try:
        dg = sum(_NN_DG37[seq[i : i + 2]] for i in range(len(seq) - 1))
    except KeyError:
        raise ValueError(f"only A, C, G, T allowed, got {seq!r}") from None
    for end in (seq[0], seq[-1]):
        dg += _INIT_GC if end in "GC" else _INIT_AT
    if seq == seq.translate(_COMPLEMENT)[::-1]:
        dg += _SYMMETRY
    return dg


def end_stability_dg(seq: str, bases: int = 5) -> float:
    """dG (kcal/mol) of the duplex formed by the last ``bases`` 3' nucleotides.

    This is Primer3's END_STABILITY with its sign turned to a formation free energy:
    ``end_stability_dg(s) == -END_STABILITY``. More negative means a more stable 3' end.
    """
    return duplex_dg37(seq[-bases:])
