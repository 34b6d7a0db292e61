"""Linking calls to patients and deriving endpoints, on hand-made SYNTHETIC patients whose
every endpoint value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.cohort.clinical import clinical_from_frame
from ikzf1assay.cohort.endpoints import EndpointDefinitions, derive_endpoints
from ikzf1assay.cohort.link import link_calls, normalise_call, read_calls
from ikzf1assay.errors import ClinicalDataError, ParameterError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PATIENTS = pd.DataFrame(
    {
        "patient_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "sample_id": ["S1", "S2a; S2b", "S3", "S4", "S5", "S6"],
    }
)


def test_latest_valid_call_conflicts_and_unmatched(tmp_path: Path) -> None:
    first = _write(
        tmp_path / "run1.tsv",
        "sample\tcall\tstatus\n"
        "S1\tΔ4-7\tvalid\n"  # P1: later retest agrees
        "S2a\tnot detected\tvalid\n"  # P2: two samples disagree -> conflict
        "S3\tinvalid\tinvalid\n"  # P3: failed, retested below
        "S4\tinconclusive\tinconclusive\n"  # P4: never a valid call
        "S9\tmixed\tvalid\n",  # nobody's sample
    )
    second = _write(
        tmp_path / "run2.csv",
        "sample_id,call\nS1,delta 4-7\nS2b,∆2-8\nS3,negative\n",
    )
    linked = link_calls(PATIENTS, read_calls([first, second]))
    t = linked.table.set_index("patient_id")
    assert list(t.loc["P1", ["call", "deletion", "link", "n_calls"]]) == [
        "Δ4-7", "deleted", "latest valid call", 2
    ]  # fmt: skip
    assert t.loc["P2", "link"] == "conflict"
    assert t.loc["P2", "call"] is None
    assert list(t.loc["P3", ["call", "deletion"]]) == ["not detected", "not deleted"]
    assert t.loc["P4", "link"] == "no valid call"
    assert t.loc["P4", "deletion"] is None
    assert t.loc["P5", "link"] == "no call"
    assert sorted(linked.conflicts["call"]) == ["not detected", "Δ2-8"]
    assert list(linked.unmatched_calls["sample_id"]) == ["S9"]
    assert list(linked.unmatched_patients["patient_id"]) == ["P5", "P6"]


def test_run_date_orders_calls_before_file_order(tmp_path: Path) -> None:
    calls = _write(
        tmp_path / "c.tsv",
        "sample\tcall\trun_date\nS1\tΔ2-7\t2021-05-01\nS1\tinvalid\t2021-06-01\n",
    )
    linked = link_calls(PATIENTS.iloc[:1], read_calls([calls]))
    assert linked.table["call"].iloc[0] == "Δ2-7"  # the later run failed: the valid one counts


def test_bad_calls_tables(tmp_path: Path) -> None:
    with pytest.raises(ClinicalDataError, match="needs columns sample_id"):
        read_calls([_write(tmp_path / "a.tsv", "id\tresult\nS1\tΔ4-7\n")])
    with pytest.raises(ClinicalDataError, match=r"b.tsv:2: call 'Δ3-5' is not one of"):
        read_calls([_write(tmp_path / "b.tsv", "sample\tcall\nS1\tΔ3-5\n")])
    with pytest.raises(ClinicalDataError, match="sample 'S1' is listed for patients P1 and P2"):
        link_calls(
            pd.DataFrame({"patient_id": ["P1", "P2"], "sample_id": ["S1", "S1"]}),
            read_calls([_write(tmp_path / "c.tsv", "sample\tcall\nS1\tΔ4-7\n")]),
        )
    with pytest.raises(ClinicalDataError, match=r"d.tsv:3: run_date '2021-13-01' is not a date"):
        read_calls([_write(tmp_path / "d.tsv", "sample\tcall\trun_date\nS1\tΔ4-7\t2021-01-04\n"
                                               "S2\tΔ4-7\t2021-13-01\n")])  # fmt: skip
    assert normalise_call("Del4-7") == "Δ4-7"
    assert normalise_call("Δ4-6") is None


def _clinical() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["cr-alive", "never-cr", "relapse-death", "nrm", "tx-relapse", "late"],
            "diagnosis_date": ["2018-01-01"] * 6,
            "cr_date": ["2018-02-01", "", "2018-02-01", "2018-02-01", "2018-02-01", "2018-02-01"],
            "relapse_date": ["", "", "2018-07-01", "", "2019-01-01", "2021-03-01"],
            "death_date": ["", "2018-05-01", "2018-10-01", "2018-04-01", "", ""],
            "transplant_date": ["", "", "", "2018-03-01", "2018-06-01", ""],
            "last_followup_date": ["2020-01-01", "", "2018-10-01", "", "2020-01-01", "2021-06-01"],
        }
    )


def test_endpoints_from_diagnosis() -> None:
    table = clinical_from_frame(_clinical())
    assert table.excluded.empty, table.excluded
    ep = derive_endpoints(table, EndpointDefinitions(close_date=dt.date(2020, 10, 30)))
    d = ep.data.set_index("patient_id")
    # OS: days from 2018-01-01 to death or last follow-up (2021-06-01 closes at 2020-10-30)
    assert d["os_time"].tolist() == [730, 120, 273, 90, 730, 1033]
    assert d["os_event"].tolist() == [0, 1, 1, 1, 0, 0]
    # EFS: never in CR -> event at day 0; relapse on 2018-07-01 = day 181; the late relapse is
    # after the closing date and does not count
    assert d["efs_time"].tolist() == [730, 0, 181, 90, 365, 1033]
    assert d["efs_event"].tolist() == [0, 1, 1, 1, 1, 0]
    # DFS/CIR/NRM from CR (2018-02-01): the patient never in CR is outside (NaN)
    assert d["dfs_time"].isna().tolist() == [False, True, False, False, False, False]
    assert d["dfs_time"].drop("never-cr").tolist() == [699, 150, 59, 334, 1002]
    assert d["cir_status"].drop("never-cr").tolist() == [0, 1, 2, 1, 0]
    assert d["nrm_status"].drop("never-cr").tolist() == [0, 2, 1, 2, 0]
    assert d.loc["tx-relapse", "transplant_time"] == 151
    assert "event at time 0" in ep.definitions["efs"]
    assert "2020-10-30" in ep.definitions["os"]
    assert ep.left_out.to_dict("records") == [
        {"endpoint": "dfs/cir/nrm", "patient_id": "never-cr", "reason": "never in CR"}
    ]


def test_endpoints_from_transplant_and_excluding_non_remission() -> None:
    table = clinical_from_frame(_clinical())
    ep = derive_endpoints(table, EndpointDefinitions(origin="transplant"))
    d = ep.data.set_index("patient_id")
    assert d["os_time"].dropna().to_dict() == {"nrm": 31.0, "tx-relapse": 579.0}
    assert d.loc["tx-relapse", "cir_status"] == 1
    assert d.loc["tx-relapse", "cir_time"] == 214
    assert set(ep.left_out["patient_id"]) == {"cr-alive", "never-cr", "relapse-death", "late"}
    excl = derive_endpoints(table, EndpointDefinitions(no_remission="exclude"))
    assert excl.data["efs_time"].isna().tolist() == [False, True, False, False, False, False]
    with pytest.raises(ParameterError, match="origin 'relapse'"):
        EndpointDefinitions(origin="relapse")
