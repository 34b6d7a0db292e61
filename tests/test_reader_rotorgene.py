"""The Rotor-Gene ``.rex`` reader.

A SYNTHETIC run in tests/data/qpcr/rotorgene (written by generate.py there); the real REX 3.14
run in ../shared/validation/qpcr/rotorgene when that folder is present (skipped otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import detect_format, limits, read_run, rotorgene

DATA = Path(__file__).parent / "data" / "qpcr" / "rotorgene"
FIXTURE = DATA / "SYNTHETIC_rotorgene_run.rex"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "validation" / "qpcr"
REAL = SHARED / "rotorgene" / "TLX3_Sample_Group_2_60oC_220517.rex"
needs_real = pytest.mark.skipif(not REAL.is_file(), reason=f"real .rex run not found at {REAL}")


def _read(raw: bytes) -> Plate:
    return rotorgene.read(raw, "SYNTHETIC_inline.rex", "0" * 64)


def test_reads_the_synthetic_run() -> None:
    plate = read_run(FIXTURE)
    info = plate.info
    assert info.format == "rotorgene-rex"
    assert (info.instrument, info.plate_size, info.ct_method) == ("Rotor-Gene Q", 36, None)
    assert info.software == "Rotor-Gene Q Series Software 2.3.5 (SYNTHETIC)"
    assert info.run_date == "2024-01-02T09:00:00"
    assert info.settings["positions"].endswith("36 -> C12")
    assert "none" in info.settings["instrument_ct"]
    w = plate.wells
    assert sorted(set(w["target"])) == ["Green", "HRM", "Yellow"]
    green = w[w["target"] == "Green"]
    assert list(green["well"]) == [f"A{i}" for i in range(1, 11)]
    assert green["sample"].iloc[4] == "SYNTHETIC-NTC"
    assert green.set_index("well").loc["A3", "quantity"] == 1000.0
    assert green["quantity"].isna().sum() == 9
    assert not w["has_result"].any()
    assert w["task"].eq("").all()
    assert plate.cycles == 40
    assert plate.curves["cycle"].iloc[:3].tolist() == [1.0, 2.0, 3.0]
    # melt: HRM, 70-90 °C in 0.5 °C steps, one per named tube
    melt = plate.melt
    assert set(melt["target"]) == {"HRM"}
    assert melt["well"].nunique() == 10
    assert melt.groupby("well")["temperature"].agg(["min", "max", "size"]).iloc[0].tolist() == [
        70.0,
        90.0,
        41,
    ]
    wheres = [s.where for s in plate.skipped]
    assert "Samples page 'Page 2'" in wheres
    assert "RawChannel 'Cycling A.Green'" in wheres  # tubes 11-36: empty positions
    assert plate.summary()["ct_method"] is None


def test_values_are_the_readings() -> None:
    raw = FIXTURE.read_text(encoding="utf-8")
    first = raw.split("<Reading>", 1)[1].split("</Reading>", 1)[0].split()
    plate = read_run(FIXTURE)
    a1 = plate.curves[(plate.curves["well"] == "A1") & (plate.curves["target"] == "Green")]
    assert a1["rn"].tolist() == [float(v) for v in first]


def test_melt_of_a_single_plex_run_joins_its_target() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    start = text.index("<RawChannel>\n<Name>Cycling A.Yellow")
    end = text.index("</RawChannel>", start) + len("</RawChannel>")
    plate = _read((text[:start] + text[end:]).encode("utf-8"))
    assert set(plate.wells["target"]) == {"Green"}
    assert set(plate.melt["target"]) == {"Green"}
    assert plate.wells["has_curve"].all()


def test_well_mapping() -> None:
    assert [rotorgene.well(p) for p in (1, 12, 13, 36, 72, 100)] == [
        "A1",
        "A12",
        "B1",
        "C12",
        "F12",
        "I4",
    ]


def test_detection_by_content() -> None:
    raw = FIXTURE.read_bytes()
    assert detect_format(raw, "renamed.txt") == "rotorgene-rex"
    assert rotorgene.looks_like(raw[:4096])
    assert rotorgene.looks_like(raw.decode("utf-8").encode("utf-16-le")[:4096])
    assert not rotorgene.looks_like(b'<?xml version="1.0"?><rdml version="1.1"></rdml>')
    assert not rotorgene.looks_like(b"<Experiment><Name>x</Name></Experiment>")
    assert not rotorgene.looks_like_members(["a.xml"])


def _broken(old: str, new: str, count: int = 1) -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, count).encode("utf-8")


def test_a_reading_that_is_not_a_number_names_its_line() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    line = text[: text.index("<Reading>")].count("\n") + 1
    with pytest.raises(InputFormatError, match=r"tube 1: reading 1 'oops' is not a number") as exc:
        _read(_broken("<Reading>", "<Reading>oops "))
    assert exc.value.line == line
    assert exc.value.source == "SYNTHETIC_inline.rex"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<Experiment><RexHeader>REX 3.14</RexHeader><Samples>", "not well-formed"),
        (b"<Run><RexHeader>REX 3.14</RexHeader></Run>", "expected a Rotor-Gene run file"),
        (
            b'<!DOCTYPE x [<!ENTITY a "b">]><Experiment><RexHeader>REX</RexHeader></Experiment>',
            "forbidden construct",
        ),
        (b"<Experiment><RexHeader>REX 3.14</RexHeader></Experiment>", "no wells"),
    ],
)
def test_bad_xml_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(InputFormatError, match=message):
        _read(raw)


def test_two_names_for_one_tube_are_refused() -> None:
    raw = _broken("<TubePosition>3</TubePosition>", "<TubePosition>1</TubePosition>")
    with pytest.raises(InputFormatError, match=r"tube position 1 .* names two samples"):
        _read(raw)


def test_absurd_xml_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_XML_ELEMENTS", 100)
    with pytest.raises(InputFormatError, match=r"more than 100; .*MAX_XML_ELEMENTS"):
        _read(FIXTURE.read_bytes())
    monkeypatch.setattr(limits, "MAX_XML_BYTES", 1000)
    with pytest.raises(InputFormatError, match="at most 0 MiB"):
        _read(FIXTURE.read_bytes())


def test_unnamed_rotor_reads_every_tube() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    start, end = text.index("<Samples>"), text.index("</Samples>") + len("</Samples>")
    plate = _read((text[:start] + text[end:]).encode("utf-8"))
    green = plate.wells[plate.wells["target"] == "Green"]
    assert len(green) == 36
    assert set(green["sample"]) == {""}
    assert green["well"].iloc[-1] == "C12"


@needs_real
def test_the_real_run() -> None:
    plate = read_run(REAL)
    info = plate.info
    assert info.format == "rotorgene-rex"
    assert info.ct_method is None
    assert (info.instrument, info.plate_size) == ("Rotor-Gene 6000", 72)
    assert info.software == "Rotor-Gene 6000 Series Software 1.7 (Build 87)"
    assert info.settings["rex_version"] == "REX 3.14"
    assert info.settings["rotor_type"] == "Gene-Disc 72"
    w = plate.wells
    green = w[w["target"] == "Green"]
    assert len(green) == 72
    assert green["has_curve"].all()
    assert green["well"].iloc[-1] == "F12"
    assert green["sample"].iloc[0] == "NTC (TLX3)"
    assert green["sample"].iloc[-1] == "LC886 SE"
    assert len(set(green["sample"])) == 36  # every sample in duplicate
    assert plate.cycles == 55
    assert not w["has_result"].any()
    melt = plate.melt  # the HRM melt of the run's only cycling channel, Green
    assert set(melt["target"]) == {"Green"}
    assert melt["well"].nunique() == 72
    assert (
        info.settings["channels_read"]
        == "Cycling A.Green -> target Green; HRM A.HRM -> target Green"
    )
    assert set(w["target"]) == {"Green"}
    temps = melt[melt["well"] == "A1"]["temperature"]
    assert (temps.min(), temps.max(), len(temps)) == (65.0, 90.0, 126)
    # the NTCs stay flat; the 100 % TLX3 tubes amplify
    rise = plate.curves.groupby("well")["rn"].agg(lambda s: s.max() / s.min())
    assert rise["A1"] < 1.5
    assert rise["A2"] < 1.5
    assert rise["B1"] > 10
    assert rise["B2"] > 10
    assert [s.where for s in plate.skipped] == ["Analyses/Melt (HRM A.HRM)", "Traces"]
