"""``ikzf1assay simulate cohort``, ``ikzf1assay cohort`` and the demo's cohort step, end to end
on the SIMULATED cohort (seed 1) linked to the bundled SIMULATED run's expected calls."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.cli import main
from ikzf1assay.cohort.simulate import simulate_cohort
from test_report_html import chromium


def test_simulated_cohort_is_shaped_like_the_study() -> None:
    sim = simulate_cohort(1)
    assert len(sim.clinical) == 142
    assert sim.truth["call"].value_counts().to_dict() == {
        "not detected": 92, "Δ4-7": 22, "mixed": 13, "Δ2-7": 10, "Δ2-8": 3, "Δ4-8": 2
    }  # fmt: skip
    assert sim.truth["group"].value_counts().sort_index().to_dict() == {
        "A": 24, "B": 26, "C": 47, "D": 45
    }  # fmt: skip
    deleted = sim.truth["call"] != "not detected"
    wbc = sim.clinical["wbc_30"] == ">=30"
    assert (int((wbc & deleted).sum()), int((wbc & ~deleted).sum())) == (26, 26)
    assert list(sim.clinical["sample_id"][:8]) == [f"SIM-0{i}" for i in range(1, 9)]
    assert simulate_cohort(1).clinical.equals(sim.clinical)
    assert not simulate_cohort(2).clinical.equals(sim.clinical)


@pytest.fixture(scope="module")
def cohort_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("cohort")
    out = io.StringIO()
    assert main(["simulate", "cohort", "--seed", "1", "-o", str(folder / "in")], out) == 0
    truth = pd.read_csv(
        Path(str(resources.files("ikzf1assay") / "data" / "demo_run_truth.tsv")), sep="\t"
    )
    run_calls = truth.rename(columns={"expected_call": "call", "expected_status": "status"})
    run_calls[["sample", "call", "status"]].to_csv(folder / "calls.tsv", sep="\t", index=False)
    clinical = folder / "in" / "clinical_SIMULATED.csv"
    text = clinical.read_text(encoding="utf-8")
    # a hostile covariate value must reach the report as text
    text = text.replace(",female,", ",<script>alert(1)</script>,", 1)
    clinical.write_text(text, encoding="utf-8")
    argv = ["cohort", str(clinical), "--calls", str(folder / "calls.tsv"),
            str(folder / "in" / "calls_other_runs_SIMULATED.tsv"), "-o", str(folder / "out"),
            "--close-date", "2020-10-30", "--covariates", "age_35,sex,wbc_30,ph,mrd_d14"]  # fmt: skip
    out = io.StringIO()
    assert main(argv, out) == 0
    return folder / "out", out.getvalue()


def test_cohort_command_writes_every_table_figure_and_report(cohort_run: tuple[Path, str]) -> None:
    outdir, printed = cohort_run
    assert "142 patients analysed, 0 rows excluded" in printed
    assert "latest valid call 142" in printed  # SIM-07 and SIM-08 through their retests
    assert printed.startswith("# SIMULATED cohort")
    for stem in ("analysis_table", "baseline_by_deletion", "baseline_by_group", "km", "km_rates",
                 "logrank", "cuminc", "gray", "fine_gray", "cox_univariable", "cox_multivariable",
                 "ph_test", "cox_time_dependent", "landmark_rates", "excluded_rows",
                 "link_conflicts", "unmatched_calls", "unmatched_patients"):  # fmt: skip
        assert (outdir / f"{stem}.tsv").is_file(), stem
    for stem in ("km_os_deletion", "km_efs_deletion", "km_dfs_deletion", "four_groups",
                 "cif_cir_deletion", "forest_os"):  # fmt: skip
        for ext in ("png", "svg"):
            assert (outdir / "figures" / f"{stem}.{ext}").stat().st_size > 1000, stem
    table = pd.read_csv(outdir / "analysis_table.tsv", sep="\t")
    assert table["group"].value_counts().sort_index().to_dict() == {
        "A": 24, "B": 26, "C": 47, "D": 45
    }  # fmt: skip
    assert table.set_index("sample_id").loc["SIM-08", "call"] == "Δ4-7"  # the retest
    rates = pd.read_csv(outdir / "km_rates.tsv", sep="\t")
    assert set(rates["endpoint"]) == {"os", "efs", "dfs"}


def test_cohort_report_states_definitions_warnings_and_escapes(
    cohort_run: tuple[Path, str], tmp_path: Path
) -> None:
    html = (cohort_run[0] / "report.html").read_text(encoding="utf-8")
    assert "SIMULATED cohort" in html
    assert "no complete remission (event at time 0)" in html
    assert "immortal-time bias" in html
    assert "Pearson chi-square" in html
    assert "cox.zph" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'src="http' not in html  # self-contained
    dom = chromium("--dump-dom", (cohort_run[0] / "report.html").as_uri()).stdout
    assert dom.count("<img") >= 8
    assert "Endpoint definitions" in dom


def test_cohort_bad_input_exits_2_with_the_line(tmp_path: Path) -> None:
    clinical = tmp_path / "c.csv"
    clinical.write_text(
        "patient_id,sample_id,diagnosis_date,last_followup_date\n"
        "P1,S1,2019-01-01,2020-01-01\nP2,S2,2019-01-01,2018-01-01\n",
        encoding="utf-8",
    )
    calls = tmp_path / "calls.tsv"
    calls.write_text("sample\tcall\nS1\tΔ4-7\nS2\tnot detected\n", encoding="utf-8")
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["cohort", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "o"),
                     "--strict"])  # fmt: skip
    assert code == 2
    assert "line 3 (patient P2): last_followup_date: last follow-up (2018-01-01) before" in (
        err.getvalue()
    )
    assert "Traceback" not in err.getvalue()


def test_demo_goes_on_to_the_cohort_report(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["demo", "-o", str(tmp_path / "demo")], out) == 0
    assert (tmp_path / "demo" / "cohort" / "report.html").is_file()
    assert (tmp_path / "demo" / "cohort_input" / "clinical_SIMULATED.csv").is_file()
    assert "142 patients analysed" in out.getvalue()


PILOT_HEADER = (
    "patient_id,sample_id,diagnosis_date,cr_date,relapse_date,death_date,transplant_date,"
    "last_followup_date,sex,age\n"
)


@pytest.mark.parametrize(
    "rows",
    [
        # three patients, no event at all: no log-rank, no incidence, no Cox
        ["P1,S1,2019-01-01,2019-02-01,,,,2020-06-01,M,10",
         "P2,S2,2019-03-01,2019-04-01,,,,2020-01-01,F,12",
         "P3,S3,2019-03-01,2019-04-01,,,2019-06-01,2020-01-01,F,14"],
        # one patient
        ["P1,S1,2019-01-01,2019-02-01,,,,2020-06-01,M,10"],
    ],
)  # fmt: skip
def test_a_pilot_cohort_completes_and_says_what_could_not_be_computed(
    tmp_path: Path, rows: list[str]
) -> None:
    """A SYNTHETIC pilot of 1-3 patients: the cohort command completes (exit 0) and the
    report lists each analysis it could not do, with R's reason, instead of aborting."""
    clinical = tmp_path / "SYNTHETIC_pilot.csv"
    clinical.write_text(PILOT_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    calls = tmp_path / "calls.tsv"
    calls.write_text(
        "sample\tcall\tstatus\nS1\tΔ4-7\tvalid\nS2\tnot detected\tvalid\nS3\tnot detected\tvalid\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["cohort", str(clinical), "--calls", str(calls), "-o", str(out)], io.StringIO())
    assert code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split('<h2 id="skipped">Not done</h2>')[1].split("</ul>")[0]
    assert "no events" in section


def _pilot_files(folder: Path, rows: list[str]) -> tuple[Path, Path]:
    """A SYNTHETIC pilot clinical table of ``rows`` and the calls of samples S1 and S2."""
    clinical = folder / "SYNTHETIC_pilot.csv"
    clinical.write_text(PILOT_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    calls = folder / "calls.tsv"
    calls.write_text("sample\tcall\tstatus\nS1\tΔ4-7\tvalid\nS2\tnot detected\tvalid\n", "utf-8")
    return clinical, calls


def test_reference_level_and_recoding_reach_the_report(tmp_path: Path) -> None:
    """`--reference sex=M` makes male the reference level; the report lists the values the
    vocabulary rewrote and the reference levels; a patient without a usable call is counted
    as such, never as 'None'."""
    rows = ["P1,S1,2019-01-01,2019-02-01,,,,2020-06-01,M,10",
            "P2,S2,2019-03-01,2019-04-01,2019-10-01,2020-01-01,,2020-01-01,f,12",
            "P3,S9,2019-03-01,2019-04-01,,,,2020-01-01,Male,11"]  # fmt: skip
    clinical, calls = _pilot_files(tmp_path, rows)
    out = tmp_path / "out"
    argv = ["cohort", str(clinical), "--calls", str(calls), "-o", str(out)]
    assert main([*argv, "--reference", "sex=M"], io.StringIO()) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    values = html.split('<h2 id="values">')[1].split("<h2")[0]
    assert "<td>sex</td><td>f</td><td>female</td>" in values
    assert "sex = male" in values
    assert "None " not in html.split('<h2 id="summary">')[1].split("<h2")[0]
    assert main([*argv, "--reference", "sex"], io.StringIO()) == 2


def test_reference_defaults_to_the_absent_level(tmp_path: Path) -> None:
    rows = ["P1,S1,2019-01-01,2019-02-01,,,,2020-06-01,M,10",
            "P2,S2,2019-03-01,2019-04-01,2019-10-01,2020-01-01,,2020-01-01,F,12"]  # fmt: skip
    clinical, calls = _pilot_files(tmp_path, rows)
    out = tmp_path / "out"
    assert (
        main(["cohort", str(clinical), "--calls", str(calls), "-o", str(out)], io.StringIO()) == 0
    )
    assert "sex = female" in (out / "report.html").read_text(encoding="utf-8")


def test_patients_left_out_of_a_model_are_counted_in_the_report(tmp_path: Path) -> None:
    """Three patients without a Ph result: the Cox screen of ph and every model holding it
    count them (left_out), the report says so, and the forest labels read "level vs
    reference"."""
    assert main(["simulate", "cohort", "--seed", "1", "-o", str(tmp_path / "in")]) == 0
    clinical = tmp_path / "in" / "clinical_SIMULATED.csv"
    table = pd.read_csv(clinical, comment="#")
    table.loc[table.index[20:23], "ph"] = None  # patients whose calls are in this file
    table.to_csv(clinical, index=False)
    calls = tmp_path / "in" / "calls_other_runs_SIMULATED.tsv"
    argv = ["cohort", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "out"),
            "--covariates", "ph,sex"]  # fmt: skip
    assert main(argv, io.StringIO()) == 0
    models = pd.read_csv(tmp_path / "out" / "model_patients.tsv", sep="\t")
    ph_rows = models[models["model"] == "univariable Cox, ph"]
    assert set(ph_rows["left_out"]) == {3}
    uni = pd.read_csv(tmp_path / "out" / "cox_univariable.tsv", sep="\t")
    assert set(uni.loc[uni["covariate"] == "ph", "label"]) == {"ph positive vs negative"}
    assert set(uni.loc[uni["covariate"] == "ph", "n_dropped"]) == {3}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Patients in each model" in html
