"""find_exports: the run exports among files and folders, and every other file with its reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ikzf1assay.qpcr as qpcr
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.readers import cfx, find_exports, read_run, read_through

GOOD = Path(__file__).parent / "data" / "qpcr" / "good"
DEMO = Path(__file__).parent.parent / "src" / "ikzf1assay" / "data" / "demo_run_abi7500.txt"
CFX_REASON = "CFX amplification file: read with its Cq results file"


def _copy(source: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    return target


def test_exported_from_qpcr_and_readers() -> None:
    assert qpcr.find_exports is find_exports
    assert "find_exports" in qpcr.__all__


def test_files_given_are_taken_as_they_are(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an export\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    exports, skipped = find_exports([notes, missing, DEMO])
    assert exports == [notes, missing, DEMO]  # reading them reports what is wrong
    assert skipped == []


def test_one_path_or_strings(tmp_path: Path) -> None:
    run = _copy(DEMO, tmp_path / "runs", "run.txt")
    assert find_exports(tmp_path / "runs") == ([run], [])
    assert find_exports(str(tmp_path / "runs")) == ([run], [])
    assert find_exports([str(run)]) == ([run], [])


def test_a_folder_mixing_exports_and_other_files(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    b = _copy(DEMO, runs, "b_run.txt")
    a = _copy(DEMO, runs, "a_run.txt")
    rdml = _copy(GOOD / "run_v1_4.rdml", runs)
    xlsx = _copy(GOOD / "quantstudio_da.xlsx", runs)
    (runs / "notes.txt").write_text("not an export\n", encoding="utf-8")
    (runs / "empty.txt").write_bytes(b"")
    exports, skipped = find_exports([runs])
    assert exports == [a, b, xlsx, rdml]  # sorted by name
    reasons = {p.name: r for p, r in skipped}
    assert set(reasons) == {"notes.txt", "empty.txt"}
    assert "not a qPCR export" in reasons["notes.txt"]
    assert "empty" in reasons["empty.txt"]
    for _, reason in skipped:
        assert not reason.startswith(str(runs))  # the reason, not the located message


def test_files_and_folders_keep_the_order_given(tmp_path: Path) -> None:
    run = _copy(DEMO, tmp_path / "runs", "run.txt")
    exports, _ = find_exports([DEMO, tmp_path / "runs", DEMO])
    assert exports == [DEMO, run, DEMO]


def test_a_cfx_run_is_taken_once_through_its_cq_file(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for file in (GOOD / "cfx").iterdir():
        _copy(file, runs)
    exports, skipped = find_exports([runs])
    assert [p.name for p in exports] == [next((GOOD / "cfx").glob("*Cq Results.csv")).name]
    assert sorted(p.name.rsplit("_", 1)[-1] for p, _ in skipped) == ["FAM.csv", "HEX.csv"]
    assert {r for _, r in skipped} == {f"{CFX_REASON} {exports[0].name!r}"}
    plate = read_run(exports[0])
    assert not plate.curves.empty  # its amplification files were found beside it
    assert sum(k.startswith("file ") for k in plate.info.settings) == 2


def test_cfx_amplification_file_given_directly_is_taken(tmp_path: Path) -> None:
    amp = next((GOOD / "cfx").glob("*_FAM.csv"))
    assert find_exports([amp]) == ([amp], [])


def test_cfx_partner_names_are_declared_by_the_cfx_reader() -> None:
    assert cfx.read_through(Path("x - Quantification Amplification Results_FAM.csv"))
    assert cfx.read_through(Path("QUANTIFICATION AMPLIFICATION RESULTS_SYBR.CSV"))
    assert cfx.read_through(Path("x - Quantification Cq Results.csv")) is None
    assert cfx.read_through(Path("run.txt")) is None
    assert read_through("a/Quantification Amplification Results_HEX.csv") == CFX_REASON
    assert read_through(DEMO) is None


def test_hidden_files_are_judged_like_any_other(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    hidden_run = _copy(DEMO, runs, ".run.txt")
    (runs / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00\x00")
    exports, skipped = find_exports([runs])
    assert exports == [hidden_run]
    assert [p.name for p, _ in skipped] == [".DS_Store"]


def test_subfolders_are_not_looked_into(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    top = _copy(DEMO, runs, "top.txt")
    _copy(DEMO, runs / "nested", "deep.txt")
    assert find_exports([runs]) == ([top], [])
    deep = runs / "nested" / "deep.txt"
    assert find_exports([runs / "nested"]) == ([deep], [])


def test_an_empty_folder_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    assert find_exports([tmp_path / "runs"]) == ([], [])
    assert find_exports([]) == ([], [])


def test_an_unreadable_file_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    run = _copy(DEMO, runs, "run.txt")
    locked = _copy(DEMO, runs, "locked.txt")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    exports, skipped = find_exports([runs])
    assert exports == [run]
    assert skipped == [(locked, "cannot read: Permission denied")]


def test_an_unexpected_detection_failure_takes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _copy(DEMO, tmp_path / "runs", "run.txt")

    def crash(raw: bytes, source: str) -> str:
        raise RuntimeError("detector crashed")

    monkeypatch.setattr("ikzf1assay.qpcr.readers.detect_format", crash)
    assert find_exports([tmp_path / "runs"]) == ([run], [])  # reading it records the failure


def test_a_cfx_run_without_cq_file_is_taken_through_its_first_amplification_file(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    for file in (GOOD / "cfx").glob("*Amplification*"):
        _copy(file, runs, file.name.replace(" -  Quantification ", "_Quantification_"))
    exports, skipped = find_exports([runs])
    assert [p.name.rsplit("_", 1)[-1] for p in exports] == ["FAM.csv"]
    assert [p.name.rsplit("_", 1)[-1] for p, _ in skipped] == ["HEX.csv"]
    assert f"read with {exports[0].name!r}" in skipped[0][1]
    assert set(read_run(exports[0]).wells["target"]) == {"FAM", "HEX"}


def test_cfx_tables_not_read_are_named_and_melt_files_go_with_their_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    cq = _copy(
        next((GOOD / "cfx").glob("*Cq Results.csv")), runs, "r1-Quantification-Cq-Results.csv"
    )
    for table in ("Melt Curve RFU Results_FAM", "End Point Results_FAM", "Run Information"):
        (runs / f"R1 -  {table}.csv").write_text("x\n", encoding="utf-8")
    exports, skipped = find_exports([runs])
    assert exports == [cq]
    reasons = {p.name: r for p, r in skipped}
    assert reasons["R1 -  Melt Curve RFU Results_FAM.csv"] == (
        f"CFX melt RFU file: read with its Cq results file {cq.name!r}"
    )
    assert reasons["R1 -  End Point Results_FAM.csv"].startswith(
        "CFX End Point Results_FAM file: a table not read"
    )
    assert reasons["R1 -  Run Information.csv"].startswith("CFX Run Information file")


def test_partner_files_are_declared_per_format() -> None:
    from ikzf1assay.qpcr import readers

    assert readers._PARTNERS[cfx.FORMAT] is cfx.partners
    assert readers._PARTNERS[cfx.XLSX] is cfx.partners
    # every partner reader has its partners declared; a reader may also find them itself
    # (the LightCycler's), declaring them only so that batches call a run once
    assert set(readers._TEXT_PARTNER_READERS) | set(readers._BINARY_PARTNER_READERS) <= set(
        readers._PARTNERS
    )
    assert readers._PARTNERS["lightcycler480"] is readers.lightcycler.partners
    assert cfx.partners(Path("no such folder/run.txt")) == []


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("Well,Sample,Target,Copies/µL,Partitions (valid),Positives\nA1,S1,T,12.5,20000,310\n",
         "a digital PCR export"),
        ("Well\tSample Name\tSNP Assay Name\tAllele 1\tAllele 2\tCall\nA1\tS1\trs1\t1.2\t0.1\tXX\n",
         "a genotyping export"),
    ],
)  # fmt: skip
def test_exports_without_amplification_data_say_so_in_one_line(
    tmp_path: Path, content: str, kind: str
) -> None:
    path = tmp_path / "SYNTHETIC_other_run.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFormatError, match=f"{kind}: holds no amplification data") as info:
        read_run(path)
    assert "\n" not in str(info.value)
