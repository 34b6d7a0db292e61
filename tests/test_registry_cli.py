"""The registry from the command line, on SQLite and PostgreSQL (``db_url``): a lab imports
runs with ``call --db``, reviews, releases, amends, audits, exports, charts its controls, and
the cohort reads the released calls with ``cohort --db``.

Data: the bundled SIMULATED run (and copies of it whose bytes differ, i.e. other runs).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.cli import main
from registry_db import DEMO, db_url, pg_database

__all__ = ["db_url", "pg_database"]  # fixtures used by name


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


def ok(*argv: str) -> str:
    code, text = run(*argv)
    assert code == 0, text
    return text


def test_call_stores_a_run_once_and_leaves_outdir_as_it_is(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    ok("call", str(DEMO), "-o", str(out), "--db", db_url, "--user", "tech")
    assert "stored as run 1" in capsys.readouterr().err
    (out / "calls.tsv").write_text("edited by hand\n", encoding="utf-8")
    ok("call", str(DEMO), "-o", str(out), "--db", db_url, "--user", "tech")
    said = capsys.readouterr().err
    assert "already in the registry as run 1 (analysis 1)" in said
    assert (out / "calls.tsv").read_text(encoding="utf-8") == "edited by hand\n"  # untouched
    # other parameters: a new analysis of the same run, never an overwrite
    ok("call", str(DEMO), "-o", str(tmp_path / "t"), "--db", db_url, "--threshold", "0.3")
    assert "new analysis 2 of run 1" in capsys.readouterr().err
    # a changed file with the same name is a new run
    changed = tmp_path / "x" / DEMO.name
    changed.parent.mkdir()
    changed.write_bytes(DEMO.read_bytes() + b"\n")
    ok("call", str(changed), "-o", str(tmp_path / "c"), "--db", db_url)
    assert "stored as run 2" in capsys.readouterr().err
    runs = json.loads(ok("registry", "list", "--db", db_url, "--format", "json"))
    assert [(r["run_id"], r["file"], r["status"], r["analyses"]) for r in runs] == [
        (1, DEMO.name, "draft", 2),
        (2, DEMO.name, "draft", 1),
    ]
    shown = json.loads(ok("registry", "show", "1", "--db", db_url, "--format", "json"))
    assert {"run", "analyses", "wells", "calls", "reviews"} <= set(shown)
    wells = pd.read_csv(tmp_path / "t" / "wells.tsv", sep="\t")
    assert len(shown["wells"]) == len(wells)  # every well of the latest analysis
    assert shown["run"]["imported_by"] == "tech"


def test_review_signoff_amend_audit_export_and_cohort(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", db_url]
    ok("call", str(DEMO), "-o", str(tmp_path / "out"), *db, "--user", "tech")
    # SIM-08 is inconclusive: no sign-off before its review; not by the importer either
    code, _ = run("registry", "signoff", *db, "--run", "1", "--user", "rev")
    assert code == 2
    assert "SIM-08" in capsys.readouterr().err
    ok("registry", "review", *db, "--run", "1", "--sample", "SIM-08", "--call", "inconclusive",
       "--reason", "retest requested", "--user", "rev")  # fmt: skip
    assert run("registry", "signoff", *db, "--run", "1", "--user", "tech")[0] == 2
    assert "another person" in capsys.readouterr().err
    released = ok("registry", "signoff", *db, "--run", "1", "--user", "rev")
    head = released.split("audit chain head: ")[1].split()[0]
    assert len(head) == 64
    # released: a review is refused, an amendment is a new version
    assert run("registry", "review", *db, "--run", "1", "--sample", "SIM-01", "--call",
               "not detected", "--reason", "x", "--user", "rev")[0] == 2  # fmt: skip
    ok("registry", "amend", *db, "--run", "1", "--sample", "SIM-06", "--call", "Δ4-7",
       "--reason", "MLPA shows the deletion", "--user", "rev")  # fmt: skip
    shown = json.loads(ok("registry", "show", "1", *db, "--format", "json"))
    versions = [r for r in shown["reviews"] if r["sample"] == "SIM-06"]
    assert versions, shown["reviews"]
    trail = tmp_path / "audit.tsv"
    verified = ok("registry", "audit", *db, "--verify", "-o", str(trail))
    assert "audit chain intact" in verified
    audit = pd.read_csv(trail, sep="\t")
    assert {"review", "sign-off", "amend"} <= set(audit["action"])
    assert head in set(audit["hash"])
    # the export holds the amended call; the cohort reads it from the registry
    calls = tmp_path / "calls.tsv"
    ok("registry", "export", *db, "-o", str(calls))
    exported = pd.read_csv(calls, sep="\t", dtype=str, keep_default_na=False)
    assert exported.set_index("sample").loc["SIM-06", "call"] == "Δ4-7"
    parquet = tmp_path / "calls.parquet"
    ok("registry", "export", *db, "-o", str(parquet), "--format", "parquet")
    assert pd.read_parquet(parquet)["sample"].tolist() == exported["sample"].tolist()
    ok("simulate", "cohort", "--seed", "1", "-o", str(tmp_path / "cin"))
    summary = ok("cohort", str(tmp_path / "cin" / "clinical_SIMULATED.csv"), "--calls",
                 str(tmp_path / "cin" / "calls_other_runs_SIMULATED.tsv"), *db,
                 "-o", str(tmp_path / "cohort"))  # fmt: skip
    assert "142 patients analysed" in summary
    table = pd.read_csv(tmp_path / "cohort" / "analysis_table.tsv", sep="\t")
    assert table.set_index("sample_id").loc["SIM-06", "call"] == "Δ4-7"  # the amended call


def test_qc_charts_the_controls_and_flags_a_rejected_run(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", db_url]
    for i in range(3):  # three runs (copies whose bytes differ)
        export = tmp_path / f"r{i}" / DEMO.name
        export.parent.mkdir()
        export.write_bytes(DEMO.read_bytes() + b"\n" * (i + 1))
        ok("call", str(export), "-o", str(tmp_path / f"o{i}"), *db, "--user", "tech")
    text = ok("registry", "qc", *db, "-o", str(tmp_path / "qc"))
    assert "no limits" in text  # 3 runs: fewer than the 5 the limits need, and it says so
    assert (tmp_path / "qc" / "qc.html").stat().st_size > 1000
    pngs = list((tmp_path / "qc").glob("lj_*.png"))
    assert len(pngs) >= 4
    ok("registry", "settings", *db, "--set", 'qc_limits={"Δ4-7": [20.0, 0.5]}')
    text = ok("registry", "qc", *db)
    assert "1-3s" in text  # the demo's Δ4-7 control (Ct ~27) is far beyond 20 +- 1.5
    runs = json.loads(ok("registry", "list", *db, "--format", "json"))
    assert all("1-3s" in r["qc_flag"] for r in runs)
    # a new run's report says, in its control section, how its controls stand
    export = tmp_path / "r9" / DEMO.name
    export.parent.mkdir()
    export.write_bytes(DEMO.read_bytes() + b"\n" * 9)
    ok("call", str(export), "-o", str(tmp_path / "o9"), *db, "--user", "tech")
    report = (tmp_path / "o9" / "report.html").read_text(encoding="utf-8")
    section = report.split('id="control-trend"')[1].split("</ul>")[0]
    assert "Δ4-7: Ct 2" in section
    assert "1-3s" in section


def test_batch_and_the_environment_variable(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(DEMO, folder / "a.txt")
    (folder / "b.txt").write_bytes(DEMO.read_bytes() + b"\n")
    monkeypatch.setenv("IKZF1ASSAY_DB", db_url)
    ok("call", str(folder), "-o", str(tmp_path / "batch"))
    listed = ok("registry", "list", "--format", "tsv")
    table = pd.read_csv(io.StringIO(listed), sep="\t")
    assert sorted(table["file"]) == ["a.txt", "b.txt"]
    ok("call", str(folder), "-o", str(tmp_path / "batch2"))  # again: nothing added
    assert len(pd.read_csv(io.StringIO(ok("registry", "list", "--format", "tsv")), sep="\t")) == 2


def test_without_a_registry_the_commands_say_how_to_name_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("IKZF1ASSAY_DB", raising=False)
    assert run("registry", "list")[0] == 2
    assert "give --db URL" in capsys.readouterr().err
    assert run("registry", "list", "--db", str(tmp_path / "none.db"))[0] != 0
    assert not (tmp_path / "none.db").exists()  # reading commands never create one
    not_db = tmp_path / "notes.db"
    not_db.write_text("not a database", encoding="utf-8")
    assert run("registry", "list", "--db", str(not_db))[0] == 1
    assert "not a database" in capsys.readouterr().err
    assert run("call", str(DEMO), "--db", str(tmp_path / "r.db"))[0] == 2
    assert "needs -o OUTDIR" in capsys.readouterr().err


def test_a_retest_in_a_later_run_resolves_the_patient_in_the_cohort(
    db_url: str, tmp_path: Path
) -> None:
    """SIM-08 is inconclusive in the first run (reviewed: retest) and Δ4-7 in a later run;
    SIM-07 is invalid, then 'not detected' and 'Δ2-7' in two later runs (valid calls that
    disagree). Released, the registry's calls give the cohort SIM-08 = Δ4-7 through the
    retest, and SIM-07 as a conflict, left out of the deletion analyses."""
    from ikzf1assay.registry import open_registry
    from registry_db import expected_calls, make_record

    db = ["--db", db_url]
    ok("call", str(DEMO), "-o", str(tmp_path / "first"), *db, "--user", "tech")
    ok("registry", "review", *db, "--run", "1", "--sample", "SIM-08", "--call", "inconclusive",
       "--reason", "retest", "--user", "rev")  # fmt: skip
    ok("registry", "signoff", *db, "--run", "1", "--user", "rev")
    later = expected_calls()
    later = later[later["sample"].isin(["SIM-07", "SIM-08"])].copy()
    later["status"] = "valid"
    later["call"] = ["not detected", "Δ4-7"]
    again = later.assign(call=["Δ2-7", "Δ4-7"])
    with open_registry(db_url) as registry:
        for i, (calls, date) in enumerate(((later, "2026-04-01"), (again, "2026-05-01"))):
            result = registry.import_run(
                make_record(f"retest {i}", calls=calls, run_date=date), "tech"
            )
            registry.signoff(result.run_id, "rev")
    ok("simulate", "cohort", "--seed", "1", "-o", str(tmp_path / "cin"))
    ok("cohort", str(tmp_path / "cin" / "clinical_SIMULATED.csv"), "--calls",
       str(tmp_path / "cin" / "calls_other_runs_SIMULATED.tsv"), *db,
       "-o", str(tmp_path / "cohort"))  # fmt: skip
    table = pd.read_csv(tmp_path / "cohort" / "analysis_table.tsv", sep="\t")
    by_sample = table.set_index("sample_id")
    assert by_sample.loc["SIM-08", "call"] == "Δ4-7"  # the retest
    conflicts = pd.read_csv(tmp_path / "cohort" / "link_conflicts.tsv", sep="\t")
    assert "SIM-07" in set(conflicts["sample_id"])
    assert str(by_sample.loc["SIM-07", "deletion"]) == "nan"  # not analysed as either
