"""Sequence helpers: properties that must hold for any input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikzf1assay.sequence import (
    AMBIGUOUS_BASES,
    InvalidBaseError,
    expand_ambiguous,
    gc_percent,
    longest_run,
    normalise_dna,
    reverse_complement,
)

dna = st.text(alphabet="ACGT", min_size=1, max_size=60)
iupac = st.text(alphabet="ACGT" + AMBIGUOUS_BASES, min_size=1, max_size=12)


@given(iupac)
def test_reverse_complement_twice_is_identity(seq: str) -> None:
    assert reverse_complement(reverse_complement(seq)) == seq


def test_reverse_complement_known() -> None:
    assert reverse_complement("GGAGTCTGTGAAGGTCACACC") == "GGTGTGACCTTCACAGACTCC"
    assert reverse_complement("ACGTRYN") == "NRYACGT"


@given(iupac)
def test_expansions_are_plain_and_counted(seq: str) -> None:
    variants = expand_ambiguous(seq, limit=10**9)
    assert variants is not None
    sizes = {"R": 2, "Y": 2, "S": 2, "W": 2, "K": 2, "M": 2, "B": 3, "D": 3, "H": 3, "V": 3, "N": 4}
    expected = 1
    for b in seq:
        expected *= sizes.get(b, 1)
    assert len(variants) == len(set(variants)) == expected
    assert all(set(v) <= set("ACGT") and len(v) == len(seq) for v in variants)


def test_expansion_limit() -> None:
    assert expand_ambiguous("NNNN", limit=255) is None
    variants = expand_ambiguous("NNNN", limit=256)
    assert variants is not None
    assert len(variants) == 256


@given(dna)
def test_gc_and_runs_bounds(seq: str) -> None:
    assert 0.0 <= gc_percent(seq) <= 100.0
    assert 1 <= longest_run(seq) <= len(seq)


def test_normalise_dna_cleans_and_locates() -> None:
    assert normalise_dna("ggag tctg\ntgaa") == ("GGAGTCTGTGAA", ())
    assert normalise_dna("ACRTN") == ("ACRTN", (3, 5))
    with pytest.raises(InvalidBaseError, match="character 'X' at position 3"):
        normalise_dna("ACXT")
