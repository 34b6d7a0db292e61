"""Outputs that cannot lie (issue 12, parts 8 and 9).

A run's or a batch's output folder is complete or absent, never a mix of two runs; a lock
stops a second run into the same folder; a folder of the user's is refused, never deleted;
nothing is written through a link; names made from file names stay inside; text cells a
spreadsheet would evaluate are neutralised and restored by our readers; a batch survives any
failure of one export and flags conflicting valid calls.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikzf1assay._outdir import MARKER, atomic_output, safe_name
from ikzf1assay._tsv import TRIGGERS, neutralise_cell, restore_cell, write_tsv
from ikzf1assay.assay import Assay
from ikzf1assay.calling import CallSettings, RunCalls
from ikzf1assay.cli import main
from ikzf1assay.cohort.link import link_calls, read_calls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.workflows.batch import flag_conflicts

DEMO = Path(str(resources.files("ikzf1assay") / "data" / "demo_run_abi7500.txt"))
RUN_FILES = ("calls.tsv", "wells.tsv", "provenance.json", "report.html")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _leftovers(folder: Path) -> list[str]:
    """Temporary folders, backups and locks of ``folder`` beside it."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def _demo_text(**renames: str) -> str:
    text = DEMO.read_text(encoding="utf-8")
    for i, old in enumerate(renames):
        text = text.replace(f"\t{old}\t", f"\t@@{i}@@\t")
    for i, new in enumerate(renames.values()):
        text = text.replace(f"\t@@{i}@@\t", f"\t{new}\t")
    return text


def _batch_folder(folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(DEMO.read_bytes())
    return folder


def _assert_complete_batch(out: Path, exports: list[str]) -> None:
    assert (out / MARKER).is_file()
    for name in ("calls_combined.tsv", "errors.tsv", "skipped.tsv", "batch.log"):
        assert (out / name).is_file(), name
    combined = pd.read_csv(out / "calls_combined.tsv", sep="\t", keep_default_na=False)
    assert sorted(set(combined["export"])) == sorted(exports)
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == len(exports)
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == sorted(RUN_FILES), folder


# --- atomic replacement --------------------------------------------------------------------


def test_crash_while_writing_keeps_the_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["call", str(DEMO), "-o", str(out)]) == 0
    before = _snapshot(out)
    assert set(before) == {MARKER, *RUN_FILES}

    def crash(*args: object, **kwargs: object) -> str:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("ikzf1assay.report.html.render_run_report", crash)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        main(["call", str(DEMO), "-o", str(out)])
    assert _snapshot(out) == before
    assert _leftovers(out) == []

    def disk_full(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ikzf1assay.report.html.render_run_report", disk_full)
    assert main(["call", str(DEMO), "-o", str(out)]) == 1
    assert "cannot write outputs: No space left on device" in capsys.readouterr().err
    assert _snapshot(out) == before
    assert _leftovers(out) == []


def test_a_backup_left_by_a_kill_mid_swap_is_put_back(tmp_path: Path) -> None:
    """Killed between "old -> backup" and "new -> target": the next run restores the old."""
    out = tmp_path / "out"
    backup = tmp_path / ".out.old-0123abcd"
    backup.mkdir()
    (backup / MARKER).write_text("x", encoding="utf-8")
    (backup / "calls.tsv").write_text("previous\n", encoding="utf-8")
    stale_new = tmp_path / ".out.new-89abcdef"
    stale_new.mkdir()
    with pytest.raises(RuntimeError), atomic_output(out):
        raise RuntimeError("this run fails too")
    assert (out / "calls.tsv").read_text(encoding="utf-8") == "previous\n"
    assert _leftovers(out) == []


# --- lock ----------------------------------------------------------------------------------


def test_a_held_lock_stops_a_second_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    lock.write_text(f"pid={os.getpid()}\nhost={socket.gethostname()}\n", encoding="utf-8")
    assert main(["call", str(DEMO), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"another ikzf1assay run (process {os.getpid()} on " in err
    assert str(lock) in err
    assert err.count("\n") == 1
    assert not out.exists()
    assert lock.exists()  # not ours to remove


def test_a_stale_lock_is_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    lock.write_text(f"pid={dead.pid}\nhost={socket.gethostname()}\n", encoding="utf-8")
    with atomic_output(out) as stage:
        (stage / "x.txt").write_text("x", encoding="utf-8")
    assert (out / "x.txt").is_file()
    assert f"taking over the lock of process {dead.pid}" in caplog.text
    assert not lock.exists()


# --- what -o may be ------------------------------------------------------------------------


def test_a_folder_of_the_users_is_refused_and_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work", encoding="utf-8")
    before = _snapshot(out)
    assert main(["call", str(DEMO), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err
    assert "holds files that ikzf1assay did not write" in err
    assert _snapshot(out) == before
    assert _leftovers(out) == []
    a_file = tmp_path / "calls.txt"
    a_file.write_text("mine", encoding="utf-8")
    assert main(["call", str(DEMO), "-o", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "mine"


def test_an_input_inside_the_output_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("written by ikzf1assay\n", encoding="utf-8")
    export = out / "run.txt"
    export.write_bytes(DEMO.read_bytes())
    assert main(["call", str(export), "-o", str(out)]) == 2
    assert f"the input {export} is inside this output folder" in capsys.readouterr().err
    assert export.read_bytes() == DEMO.read_bytes()
    assert main(["call", str(out), "-o", str(out)]) == 2
    assert "is inside this output folder" in capsys.readouterr().err
    assert export.read_bytes() == DEMO.read_bytes()


def test_a_symlink_planted_inside_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("do not touch", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("written by ikzf1assay\n", encoding="utf-8")
    (out / "calls.tsv").symlink_to(victim)
    assert main(["call", str(DEMO), "-o", str(out)]) == 0
    assert victim.read_text(encoding="utf-8") == "do not touch"
    assert not (out / "calls.tsv").is_symlink()
    assert (out / "calls.tsv").read_text(encoding="utf-8").startswith("sample\tcall")


def test_output_may_be_a_symlink_to_a_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert main(["call", str(DEMO), "-o", str(link)]) == 0
    assert link.is_symlink()
    assert sorted(p.name for p in real.iterdir()) == sorted([MARKER, *RUN_FILES])
    assert _leftovers(real) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("..", "run"),
        (".", "run"),
        ("", "run"),
        ("...", "run"),
        (".hidden", "hidden"),
        ("../../etc", "etc"),
        ("-rf", "rf"),
        ("run 7 (repeat)", "run_7_repeat"),
        ("Δ4-7 plate", "Δ4-7_plate"),
    ],
)
def test_safe_name(text: str, name: str) -> None:
    assert safe_name(text) == name


def test_batch_names_from_dotted_exports_stay_inside(tmp_path: Path) -> None:
    runs = _batch_folder(tmp_path / "runs", ["...txt", "..txt", "errors.tsv.txt"])
    out = tmp_path / "out"
    assert main(["call", str(runs), "-o", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "runs"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["errors.tsv_2", "run", "run_2"]
    assert (out / "errors.tsv").is_file()
    _assert_complete_batch(out, ["...txt", "..txt", "errors.tsv.txt"])


# --- CSV injection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-12", "'-12"),
        ("+1", "'+1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already an apostrophe: one more, so that restoring is exact
        ("'quoted", "'quoted"),
        ("SIM-01", "SIM-01"),
        ("", ""),
        (-12, -12),
        (-1.5, -1.5),
    ],
)
def test_neutralise_cell(value: object, written: object) -> None:
    assert neutralise_cell(value) == written
    if isinstance(value, str):
        assert restore_cell(str(written)) == value


@given(st.text())
def test_neutralise_then_restore_is_identity(text: str) -> None:
    written = neutralise_cell(text)
    assert isinstance(written, str)
    assert not written.startswith(TRIGGERS)
    assert restore_cell(written) == text


def test_write_tsv_leaves_numbers_alone(tmp_path: Path) -> None:
    table = pd.DataFrame({"sample": ["-12", "ok"], "load": [-0.5, 1.0], "n": [-3, 4]})
    text = write_tsv(table, tmp_path / "t.tsv").read_text(encoding="utf-8")
    assert text == "sample\tload\tn\n'-12\t-0.5\t-3\nok\t1.0\t4\n"


def test_sample_names_that_look_like_formulas(tmp_path: Path) -> None:
    """Samples =1+1, -12 and @x: neutralised in calls.tsv and wells.tsv, linked by the cohort."""
    export = tmp_path / "run.txt"
    export.write_text(
        _demo_text(**{"SIM-01": "=1+1", "SIM-02": "-12", "SIM-03": "@x"}), encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["call", str(export), "-o", str(out)]) == 0
    calls_text = (out / "calls.tsv").read_text(encoding="utf-8")
    wells_text = (out / "wells.tsv").read_text(encoding="utf-8")
    for name in ("=1+1", "-12", "@x"):
        assert f"\n'{name}\t" in calls_text
        assert f"\t'{name}\t" in wells_text
    lines = [line.split("\t") for line in calls_text.splitlines()]
    assert all(not cell.startswith(TRIGGERS) for row in lines for cell in row)
    calls = read_calls([out / "calls.tsv"])
    assert {"=1+1", "-12", "@x", "SIM-04"} <= set(calls["sample_id"])
    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "sample_id": ["-12", "=1+1", "@x"]})
    linked = link_calls(patients, calls).table.set_index("patient_id")
    assert linked.loc["P1", "link"] == "latest valid call"
    assert list(linked["n_calls"]) == [1, 1, 1]


# --- batch ---------------------------------------------------------------------------------


def test_an_old_errors_tsv_does_not_survive_a_clean_rerun(tmp_path: Path) -> None:
    runs = _batch_folder(tmp_path / "runs", ["good.txt"])
    (runs / "broken.txt").write_text(
        DEMO.read_text(encoding="utf-8").replace("\tΔ4-7\t", "\tIK-unknown\t"), encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["call", str(runs), "-o", str(out)]) == 2
    errors = pd.read_csv(out / "errors.tsv", sep="\t")
    assert [Path(p).name for p in errors["export"]] == ["broken.txt"]
    (runs / "broken.txt").unlink()
    assert main(["call", str(runs), "-o", str(out)]) == 0
    assert pd.read_csv(out / "errors.tsv", sep="\t").empty
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["good"]


def test_an_unexpected_exception_in_one_export_is_a_row_and_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ikzf1assay.workflows.batch as batch
    from ikzf1assay.qpcr.readers import read_run as real_read_run

    def read_run(path: Path, *args: object, **kwargs: object) -> object:
        if path.name == "b.txt":
            raise ZeroDivisionError("a bug in a reader")
        return real_read_run(path)

    monkeypatch.setattr(batch, "read_run", read_run)
    runs = _batch_folder(tmp_path / "runs", ["a.txt", "b.txt", "c.txt"])
    out = tmp_path / "out"
    assert main(["call", str(runs), "-o", str(out)]) == 2
    assert "ZeroDivisionError: a bug in a reader" in capsys.readouterr().err
    errors = pd.read_csv(out / "errors.tsv", sep="\t")
    assert [Path(p).name for p in errors["export"]] == ["b.txt"]
    assert "unexpected error (ZeroDivisionError: a bug in a reader)" in errors["error"][0]
    log = (out / "batch.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log
    assert 'raise ZeroDivisionError("a bug in a reader")' in log
    combined = pd.read_csv(out / "calls_combined.tsv", sep="\t", keep_default_na=False)
    assert sorted(set(combined["export"])) == ["a.txt", "c.txt"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "c"]


def test_flag_conflicts_rule() -> None:
    rows = [
        ("r1", "S1", "Δ4-7", "valid", ""),
        ("r2", "S1", "not detected", "valid", "PARTIAL_PANEL"),
        ("r1", "S2", "Δ2-7", "valid", ""),  # the same valid call twice: no conflict
        ("r2", "S2", "Δ2-7", "valid", ""),
        ("r1", "S3", "Δ4-8", "valid", ""),  # invalid beside valid: a retest
        ("r2", "S3", "invalid", "invalid", ""),
        ("r1", "S4", "Δ2-8", "valid", ""),  # inconclusive beside valid: a retest
        ("r2", "S4", "inconclusive", "inconclusive", ""),
    ]
    calls = pd.DataFrame(rows, columns=["export", "sample", "call", "status", "flags"])
    flagged, conflicts = flag_conflicts(calls)
    assert list(flagged["flags"]) == ["CONFLICT", "PARTIAL_PANEL,CONFLICT", "", "", "", "", "", ""]
    assert list(flagged["call"]) == list(calls["call"])
    assert conflicts.to_dict("list") == {
        "sample": ["S1", "S1"],
        "export": ["r1", "r2"],
        "call": ["Δ4-7", "not detected"],
    }


def test_batch_conflict_is_flagged_on_both_rows_and_summarised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "plate1.txt").write_bytes(DEMO.read_bytes())
    swapped = {"SIM-01": "SIM-06", "SIM-06": "SIM-01", "SIM-02": "SIM-07", "SIM-07": "SIM-02"}
    (runs / "plate2.txt").write_text(_demo_text(**swapped), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["call", str(runs), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    combined = pd.read_csv(out / "calls_combined.tsv", sep="\t", keep_default_na=False)
    flagged = combined[combined["flags"].str.contains("CONFLICT")]
    assert sorted(zip(flagged["sample"], flagged["export"], strict=True)) == [
        ("SIM-01", "plate1.txt"),
        ("SIM-01", "plate2.txt"),
        ("SIM-06", "plate1.txt"),
        ("SIM-06", "plate2.txt"),
    ]
    by_row = combined.set_index(["sample", "export"])["call"]
    assert by_row[("SIM-01", "plate1.txt")] == "Δ4-7"  # the calls themselves stay
    assert by_row[("SIM-01", "plate2.txt")] == "not detected"
    assert "CONFLICT: sample SIM-01 has different valid calls: Δ4-7 (plate1.txt); " in printed
    assert "CONFLICT: sample SIM-02" not in printed  # invalid beside valid: a retest


# --- CLI flags passed through --------------------------------------------------------------


def test_omit_and_layout_strict_reach_the_settings_and_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ikzf1assay.calling as calling

    seen: list[CallSettings] = []
    real_call_run = calling.call_run

    def spy(plate: Plate, assay: Assay, layout: Any, settings: CallSettings) -> RunCalls:
        seen.append(settings)
        return real_call_run(plate, assay, layout, settings)

    monkeypatch.setattr(calling, "call_run", spy)
    out = tmp_path / "out"
    argv = ["call", str(DEMO), "-o", str(out), "--omit", "a05=bubble", "--omit", "B6"]
    assert main([*argv, "--layout-strict"]) == 0
    settings = seen[0]
    assert dict(settings.omit) == {"A5": "bubble", "B6": "no reason given"}
    assert settings.layout_strict is True
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["parameters"]["omit"] == dict(settings.omit)
    assert provenance["parameters"]["omitted_wells"] == {
        "A5": "omitted by the user: bubble",
        "B6": "omitted by the user: no reason given",
    }
    capsys.readouterr()
    assert main(["call", str(DEMO), "--omit", "Z99=x"]) == 2
    assert "'Z99=x'" in capsys.readouterr().err
    assert main(["call", str(DEMO), str(DEMO), "-o", str(out), "--omit", "A5=x"]) == 2
    assert "`omit` column of the layout" in capsys.readouterr().err


# --- real processes ------------------------------------------------------------------------


def _command(runs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "ikzf1assay", "call", str(runs), "-o", str(out)]


def test_a_batch_killed_at_seeded_points_leaves_the_previous_result_or_none(
    tmp_path: Path,
) -> None:
    names = [f"plate_{i}.txt" for i in range(6)]
    runs = _batch_folder(tmp_path / "runs", names)
    out = tmp_path / "out"
    assert main(["call", str(runs), "-o", str(out)]) == 0
    _assert_complete_batch(out, names)
    rng = random.Random(12)
    # a process takes ~2.5 s to reach the lock and ~12 s to finish here: early, middle, late
    for low, high in ((2.0, 5.0), (5.0, 8.5), (8.5, 12.0)):
        delay = rng.uniform(low, high)
        process = subprocess.Popen(
            _command(runs, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if out.exists():
            _assert_complete_batch(out, names)
    assert main(["call", str(runs), "-o", str(out)]) == 0  # takes over, sweeps the leftovers
    _assert_complete_batch(out, names)
    assert _leftovers(out) == []


def test_two_concurrent_runs_into_one_folder(tmp_path: Path) -> None:
    names = [f"plate_{i}.txt" for i in range(6)]
    runs = _batch_folder(tmp_path / "runs", names)
    out = tmp_path / "out"
    processes = [
        subprocess.Popen(_command(runs, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        results.append((process.returncode, err.decode()))
    assert sorted(code for code, _ in results) == [0, 1]
    loser = next(err for code, err in results if code == 1)
    assert "another ikzf1assay run (process " in loser
    assert "is writing this output folder" in loser
    _assert_complete_batch(out, names)
    assert _leftovers(out) == []
