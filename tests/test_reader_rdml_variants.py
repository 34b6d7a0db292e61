"""RDML variants: any member name, a marker before the first zip entry, melting curves.

SYNTHETIC fixtures in tests/data/qpcr/rdml_variants (written by generate.py there); the real
files in ../shared/validation/qpcr/rdml_untergasser when present.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.readers import detect_format, rdml

HERE = Path(__file__).parent / "data" / "qpcr" / "rdml_variants"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "validation" / "qpcr"


def _real(name: str) -> Path:
    path = SHARED / "rdml_untergasser" / name
    if not path.is_file():
        pytest.skip(f"real file {name} not present (../shared/validation/qpcr is absent)")
    return path


@pytest.mark.parametrize(
    "name",
    [
        "SYNTHETIC_rdml_member_named_rdml_data.rdml",
        "SYNTHETIC_rdml_pk0708_prefix.rdml",
        "SYNTHETIC_rdml_pk0708_prefix_odd_member.rdml",
        "SYNTHETIC_rdml_pk00_prefix.rdml",
    ],
)
def test_archive_variants_read(name: str) -> None:
    plate = read_run(HERE / name, format="rdml")
    s = plate.summary()
    assert (s["reactions"], s["cycles"], s["instrument_ct_values"]) == (4, 40, 3)
    assert plate.info.ct_method == "as exported (RDML cq)"
    assert rdml.is_archive((HERE / name).read_bytes(), name)


def test_marker_before_the_first_entry_is_detected() -> None:
    path = HERE / "SYNTHETIC_rdml_pk0708_prefix.rdml"
    assert detect_format(path.read_bytes(), str(path)) == "rdml"
    assert read_run(path).info.format == "rdml"


@pytest.mark.parametrize(
    "name",
    ["SYNTHETIC_rdml_member_named_rdml_data.rdml", "SYNTHETIC_rdml_pk0708_prefix_odd_member.rdml"],
)
def test_any_member_name_is_detected(name: str) -> None:
    path = HERE / name
    assert detect_format(path.read_bytes(), str(path)) == "rdml"
    assert read_run(path).info.format == "rdml"


def test_archive_without_an_rdml_document() -> None:
    path = HERE / "SYNTHETIC_rdml_no_rdml_member.rdml"
    assert not rdml.is_archive(path.read_bytes(), path.name)
    with pytest.raises(InputFormatError, match="holds no RDML document"):
        read_run(path, format="rdml")


def test_melt_only_file_reads_without_amplification() -> None:
    plate = read_run(HERE / "SYNTHETIC_rdml_melt_only.rdml")
    assert not plate.has_amplification
    assert plate.curves.empty
    assert plate.info.ct_method is None
    per_well = plate.melt.groupby("well")["temperature"]
    assert per_well.size().eq(121).all()  # 123 readings, 2 taken while the block settled
    assert per_well.min().round(2).eq(64.8).all()
    assert any("before the temperature rose steadily" in s.reason for s in plate.skipped)


def test_amplification_and_melt() -> None:
    plate = read_run(HERE / "SYNTHETIC_rdml_amplification_and_melt.rdml")
    assert plate.has_amplification
    assert plate.info.ct_method == "threshold"  # cqDetectionMethod: automated threshold ...
    s = plate.summary()
    assert (s["reactions_with_curve"], s["melt_reactions"]) == (4, 4)
    assert set(plate.melt["well"]) == {"A1", "A2", "B1", "B2"}


def test_real_melt_only_file() -> None:
    plate = read_run(_real("test_mca_1_raw_data.rdml"))
    assert not plate.has_amplification
    s = plate.summary()
    assert (s["reactions"], s["melt_reactions"], s["cycles"]) == (50, 50, 0)
    assert len(plate.melt) == 7450 - 150  # 3 settling readings per curve not read


def test_real_amplification_with_melt() -> None:
    plate = read_run(_real("quantification_methods.rdml"))
    s = plate.summary()
    assert (s["reactions_with_curve"], s["instrument_ct_values"], s["melt_reactions"]) == (
        180,
        180,
        180,
    )
    assert plate.info.ct_method == "as exported (RDML cq)"
