"""Readers on exports that disagree with themselves, omit wells, lack curves or are too large.

Fixtures are copies of the SYNTHETIC files in tests/data/qpcr/good, edited in a temporary
folder by each test (the edit is in the test, next to what it checks). Real QuantStudio text
exports are read from ../shared/validation/qpcr when present.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ikzf1assay.errors import FileAccessError, IkzfAssayError, InputFormatError
from ikzf1assay.qpcr import Plate, read_run
from ikzf1assay.qpcr.readers import limits

GOOD = Path(__file__).parent / "data" / "qpcr" / "good"
SHARED = Path(__file__).parent.parent.parent / "shared" / "validation" / "qpcr"
TAB = GOOD / "abi7500_v2_tab.txt"


def _edit(tmp_path: Path, source: Path, old: str, new: str, count: int = 1) -> Path:
    """A copy of ``source`` with ``old`` replaced by ``new`` (``count`` times, checked)."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {source.name}"
    out = tmp_path / source.name
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


# --------------------------------------------------------------- sections that disagree


def test_setup_and_results_disagree_on_a_sample(tmp_path: Path) -> None:
    path = _edit(
        tmp_path,
        TAB,
        "1\tA1\tfalse\tSYNTHETIC-P01\tIK4-7",
        "1\tA1\tfalse\tSYNTHETIC-P09\tIK4-7",
    )
    with pytest.raises(InputFormatError) as info:
        read_run(path)
    message = str(info.value)
    assert str(path) in message
    assert "[Sample Setup] and [Results] disagree on the sample of well A1" in message
    assert "'SYNTHETIC-P01'" in message
    assert "'SYNTHETIC-P09'" in message


def test_setup_and_results_disagree_on_a_target(tmp_path: Path) -> None:
    path = _edit(
        tmp_path, TAB, "1\tA1\tfalse\tSYNTHETIC-P01\tIK4-7", "1\tA1\tfalse\tSYNTHETIC-P01\tIK4-8"
    )
    with pytest.raises(
        InputFormatError,
        match=r"disagree on well A1: target 'IK4-7' in \[Sample Setup\] \(line 10\), 'IK4-8' in \[Results\]",
    ):
        read_run(path)


def test_amplification_data_disagrees_with_results(tmp_path: Path) -> None:
    """Curves of well 2 under a target the other sections do not give well A2."""
    text = TAB.read_text(encoding="utf-8").replace("\n2\t1\tIK4-7\t", "\n2\t1\tIK4-9\t")
    path = tmp_path / TAB.name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputFormatError, match=r"\[Sample Setup\] and \[Amplification Data\] disagree on well A2"
    ) as info:
        read_run(path)
    assert "'IK4-9'" in str(info.value)
    assert info.value.line is not None


def test_results_only_export_with_other_sample_names_still_reads(tmp_path: Path) -> None:
    """One section alone cannot disagree: a results-only export keeps its names."""
    path = _edit(tmp_path, GOOD / "abi7500_v2_results_only.txt", "SYNTHETIC-P01", "P-0001", 4)
    plate = read_run(path)
    assert (plate.wells["sample"] == "P-0001").sum() == 4


def test_no_wells_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty_plate.txt"
    path.write_text(
        "* Block Type = 96-Well Block (0.2mL)\n\n[Sample Setup]\n"
        "Well\tWell Position\tSample Name\tTarget Name\tTask\n1\tA1\t\t\t\n2\tA2\t\t\t\n\n"
        "[Results]\nWell\tWell Position\tSample Name\tTarget Name\tTask\tCT\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFormatError, match="no wells") as info:
        read_run(path)
    assert info.value.source == str(path)


def test_a_field_of_200_kib_reads(tmp_path: Path) -> None:
    """Above the csv module's default field limit (131072), quoted and unquoted."""
    long_name = "S" * (200 * 1024)
    path = _edit(tmp_path, TAB, "SYNTHETIC-P02", long_name, 4)  # setup A3, A4, B3, B4
    text = path.read_text(encoding="utf-8").replace("SYNTHETIC-P02", long_name)
    path.write_text(text, encoding="utf-8")
    plate = read_run(path)
    assert (plate.wells["sample"] == long_name).sum() == 4
    comma = (GOOD / "abi7500_v2_comma.csv").read_text(encoding="utf-8")
    quoted = tmp_path / "quoted.csv"
    # the 4 setup and 4 results rows, not the 'Reference Sample = ...' setting after them
    quoted.write_text(comma.replace("SYNTHETIC-P02", f'"{long_name}, x"', 8), encoding="utf-8")
    plate = read_run(quoted)
    assert (plate.wells["sample"] == f"{long_name}, x").sum() == 4


# --------------------------------------------------------------- the export's omit flag


def test_abi_results_omit_flag(tmp_path: Path) -> None:
    path = _edit(tmp_path, TAB, "5\tA5\tfalse\tNTC", "5\tA5\ttrue\tNTC")
    w = read_run(path).wells.set_index("well")
    assert w["omit"].dtype == bool
    assert bool(w.loc["A5", "omit"]) is True
    assert int(w["omit"].sum()) == 1


def test_abi_sample_setup_omit_flag(tmp_path: Path) -> None:
    """An Omit column in [Sample Setup]: omitted there is omitted, though [Results] says false."""
    text = TAB.read_text(encoding="utf-8")
    text = text.replace(
        "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tQuantity\n",
        "Well\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tQuantity\n",
    )
    setup, rest = text.split("[Amplification Data]", 1)
    lines = setup.split("\n")
    for i, line in enumerate(lines):
        fields = line.split("\t")
        if len(fields) == 8 and fields[0].isdigit():
            fields.insert(2, "TRUE" if fields[1] == "B6" else "false")
            lines[i] = "\t".join(fields)
    path = tmp_path / TAB.name
    path.write_text("\n".join(lines) + "[Amplification Data]" + rest, encoding="utf-8")
    w = read_run(path).wells.set_index("well")
    assert w.loc[w["omit"]].index.tolist() == ["B6"]


def test_quantstudio_xlsx_omit_flag(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(GOOD / "quantstudio_da.xlsx")
    sheet = book["Results"]
    rows = list(sheet.iter_rows())
    header = next(r for r in rows if r[0].value == "Well")
    omit = next(c.column for c in header if c.value == "Omit")
    a5 = next(r for r in rows if r[1].value == "A5")
    sheet.cell(row=a5[0].row, column=omit).value = True  # a real boolean cell
    path = tmp_path / "quantstudio_da.xlsx"
    book.save(path)
    w = read_run(path).wells.set_index("well")
    assert w.loc[w["omit"]].index.tolist() == ["A5"]


def test_rdml_excl_is_the_omit_flag(tmp_path: Path) -> None:
    source = GOOD / "run_v1_4.rdml"
    with zipfile.ZipFile(source) as archive:
        (name,) = archive.namelist()
        xml = archive.read(name).decode("utf-8")
    react = '<react id="5">'
    start = xml.index(react)
    tar = xml.index("</tar>", start) if "</tar>" in xml[start : start + 200] else None
    tar_end = (
        tar + len("</tar>") if tar is not None else xml.index("/>", xml.index("<tar", start)) + 2
    )
    xml = xml[:tar_end] + "<excl>bubble</excl>" + xml[tar_end:]
    path = tmp_path / "run_v1_4.rdml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, xml)
    w = read_run(path).wells.set_index("well")
    assert w.loc[w["omit"]].index.tolist() == ["A5"]


# --------------------------------------------------------------- results without curves


def test_results_only_export_reads_without_curves() -> None:
    plate = read_run(GOOD / "abi7500_v2_results_only.txt")
    w = plate.wells
    assert len(w) == 12
    assert not w["has_curve"].any()
    assert w["has_result"].all()
    assert plate.cycles == 0
    assert plate.curves.empty
    assert w.set_index("well").loc["B1", "instrument_ct"] == pytest.approx(24.2)


@pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real exports not found at {SHARED} (../shared absent)"
)
def test_every_real_quantstudio_text_export_reads_or_says_why() -> None:
    """All 16 real text exports: a Plate, or an IkzfAssayError; short curves still read.

    Nine of them hold 1-2 cycles of curves beside their [Results]: they are Plates whose
    reactions with a result are marked has_result whatever the curve length.
    """
    paths = sorted((SHARED / "quantstudio_text").glob("*.txt"))
    assert len(paths) == 16
    short = 0
    for path in paths:
        try:
            plate = read_run(path)
        except IkzfAssayError:
            continue
        assert isinstance(plate, Plate)
        w = plate.wells
        assert len(w) > 0, path.name
        with_curve = set(
            map(tuple, plate.curves[["run", "well", "target"]].drop_duplicates().values)
        )
        flagged = set(map(tuple, w.loc[w["has_curve"], ["run", "well", "target"]].values))
        assert with_curve == flagged, path.name
        if 0 < plate.cycles <= 2:
            short += 1
            assert w["has_result"].any() or "missing_results" in path.name or "test03" in path.name
    assert short == 9


# --------------------------------------------------------------- size limits


def test_text_export_above_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / TAB.name
    path.write_bytes(TAB.read_bytes())
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 10 * 1024)

    def not_read(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", not_read)
    with pytest.raises(FileAccessError, match=r"files above 0 MiB are not read") as info:
        read_run(path)
    message = str(info.value)
    assert str(path) in message
    assert f"({path.stat().st_size} bytes)" in message
    assert "MAX_TEXT_BYTES" in message


def test_text_limit_does_not_apply_to_workbooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 1024)
    assert len(read_run(GOOD / "quantstudio_da.xlsx").wells) > 0


def test_cfx_partner_file_above_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for f in (GOOD / "cfx").iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    cq = next(tmp_path.glob("*Cq Results.csv"))
    amps = list(tmp_path.glob("*Amplification Results*.csv"))
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", cq.stat().st_size + 1)
    assert all(amp.stat().st_size > cq.stat().st_size + 1 for amp in amps)
    with pytest.raises(FileAccessError, match="not read") as info:
        read_run(cq)
    assert info.value.source in {str(p) for p in tmp_path.glob("*Amplification Results*.csv")}


def _rdml_zip(body: bytes, name: str = "bomb.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            name,
            b'<?xml version="1.0"?><rdml version="1.2"><experiment id="e"><run id="r">'
            + body
            + b"</run></experiment></rdml>",
        )
    return buffer.getvalue()


def test_rdml_with_absurd_element_count_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip bomb in miniature: 27 KiB that unpack to 2 million empty elements."""
    path = tmp_path / "bomb.rdml"
    path.write_bytes(_rdml_zip(b"<a/>" * 2_000_000))
    assert path.stat().st_size < 64 * 1024
    monkeypatch.setattr(limits, "MAX_XML_ELEMENTS", 100_000)

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr("ikzf1assay.qpcr.readers.rdml.SafeET.fromstring", no_parse)
    with pytest.raises(InputFormatError, match=r"more than 100,000 tags .*refused before parsing"):
        read_run(path)


def test_rdml_unpacking_above_the_byte_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.rdml"
    path.write_bytes(_rdml_zip(b"<!--" + b" " * 300_000 + b"-->"))
    monkeypatch.setattr(limits, "MAX_XML_BYTES", 100_000)
    with pytest.raises(InputFormatError, match=r"at most 0 MiB are read .*MAX_XML_BYTES"):
        read_run(path)
    bare = tmp_path / "big_bare.rdml"
    with zipfile.ZipFile(path) as archive:
        bare.write_bytes(archive.read("bomb.xml"))
    with pytest.raises(FileAccessError, match="not read"):
        read_run(bare)


def test_real_sized_rdml_is_within_the_default_limits() -> None:
    """The SYNTHETIC RDML fixtures read with the limits as shipped."""
    assert limits.MAX_XML_ELEMENTS >= 10 * 297_335  # the Vermeulen run's tag count
    for name in ("run_v1_0.rdml", "run_v1_4.rdml"):
        assert len(read_run(GOOD / name).wells) == 12
