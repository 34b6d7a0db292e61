"""Clinical-table hygiene on SYNTHETIC hand-written tables: the vocabulary of categorical
values, reference levels, measurement columns without numbers, dates after the close date or in
the future, and sample ids matched ignoring case and spaces."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ikzf1assay.cohort.clinical import clinical_from_frame
from ikzf1assay.cohort.link import link_calls
from ikzf1assay.cohort.vocabulary import recode_values, reference_level
from ikzf1assay.errors import ClinicalDataError, ParameterError


def _table(n: int = 6, **extra: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": [f"P{i:02d}" for i in range(1, n + 1)],
            "diagnosis_date": ["2019-01-10"] * n,
            "last_followup_date": ["2020-06-01"] * n,
            **extra,
        }
    )


def test_spellings_are_one_level_and_the_mapping_is_kept() -> None:
    t = clinical_from_frame(
        _table(
            sex=["M", "male", " Female ", "f", "MALE", ""],
            ph=["neg", "Negative", "POS", "positive", "+", "-"],
            cns=["yes", "No", "y", "1", "n", "true"],
            risk=["standard", "high", " high ", "standard", "high", "standard"],
        )
    )
    assert t.data["sex"].tolist() == ["male", "male", "female", "female", "male", None]
    ph = ["negative", "negative", "positive", "positive", "positive", "negative"]
    assert t.data["ph"].tolist() == ph
    assert set(t.data["cns"]) == {"yes", "no"}
    assert t.data["risk"].tolist() == ["standard", "high", "high", "standard", "high", "standard"]
    rec = t.recoded.set_index(["column", "raw"])
    assert rec.loc[("sex", "M"), "value"] == "male"
    assert rec.loc[("ph", "neg"), "value"] == "negative"
    assert rec.loc[("cns", "1"), "n"] == 1
    assert ("sex", "male") not in rec.index  # unchanged values are not listed
    assert t.reference == {"sex": "female", "ph": "negative", "cns": "no", "risk": "high"}


def test_reference_override_and_its_errors() -> None:
    df = _table(sex=["M", "F", "M", "F", "M", "F"], ph=["neg", "pos"] * 3)
    t = clinical_from_frame(df, reference={"sex": "M", "ph": "positive"})
    assert t.reference == {"sex": "male", "ph": "positive"}
    with pytest.raises(ParameterError, match="reference sex=unknown: sex has levels female, male"):
        clinical_from_frame(df, reference={"sex": "unknown"})
    with pytest.raises(ParameterError, match="reference for age: not a categorical column"):
        clinical_from_frame(df, reference={"age": "40"})


def test_unknown_levels_are_listed_in_the_comments() -> None:
    t = clinical_from_frame(_table(sex=["M", "F", "unk", "male", "X", "f"]))
    assert t.data["sex"].tolist() == ["male", "female", "unk", "male", "X", "female"]
    assert t.comments == ("sex: level(s) outside the sex vocabulary kept as written: 'X', 'unk'",)


def test_vocabulary_functions() -> None:
    assert recode_values(["+", "-", None]).kind == "presence"
    assert recode_values(["apple", "pear", "yes"]).kind == ""
    assert reference_level("x", ["b", "a", "c"], "") == "a"  # R's default: first sorted
    assert reference_level("x", [], "") is None


def test_a_measurement_column_without_numbers_is_an_error() -> None:
    df = _table(age=["forty", "fifty", "31", "sixty", "unknown", "seventy"])
    with pytest.raises(ClinicalDataError) as err:
        clinical_from_frame(df, source="clinical.csv")
    text = str(err.value)
    assert "column age holds measurements but 5 of its 6 values are not numbers" in text
    assert "line 2 'forty'; line 3 'fifty'; line 5 'sixty'" in text


def test_dates_after_the_close_date_or_in_the_future_are_noted() -> None:
    df = _table(n=3)
    df.loc[0, "last_followup_date"] = "2099-01-01"
    df.loc[1, "last_followup_date"] = "2021-03-01"
    t = clinical_from_frame(df, close_date=dt.date(2020, 10, 30))
    assert t.comments == (
        f"last_followup_date: 1 date(s) in the future (after today, {dt.date.today()}): "
        "1 patient(s) (P01)",
        "last_followup_date: 2 date(s) after the close date 2020-10-30: 2 patient(s) (P01, P02)",
    )
    assert len(t.data) == 3  # noted, not excluded


def test_a_close_date_before_diagnoses_names_count_and_first_ids() -> None:
    df = _table(n=63)
    with pytest.raises(ClinicalDataError) as err:
        clinical_from_frame(df, close_date=dt.date(2018, 1, 1))
    assert "before the diagnosis of 63 patient(s) (P01, P02, P03, P04, P05 and 58 more)" in str(
        err.value
    )
    assert "P06" not in str(err.value)


def test_sample_ids_match_ignoring_case_and_spaces_with_a_note() -> None:
    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "sample_id": ["S-01", "S-02", "s3"]})
    calls = pd.DataFrame(
        {
            "sample_id": ["S-01", " s-02", "S3", "S-99"],
            "call": ["Δ4-7", "not detected", "Δ2-7", "Δ4-7"],
            "valid": [True] * 4,
            "run_date": [pd.NaT] * 4,
            "source": ["calls.tsv"] * 4,
            "line": [2, 3, 4, 5],
            "order": [0, 1, 2, 3],
        }
    )
    linked = link_calls(patients, calls)
    assert linked.table["call"].tolist() == ["Δ4-7", "not detected", "Δ2-7"]
    assert linked.unmatched_calls["sample_id"].tolist() == ["S-99"]
    assert linked.notes == (
        "2 call(s) matched to a patient's sample id only when case and spaces are ignored "
        "(e.g. ' s-02'); check the spelling of the sample ids",
    )
    exact = link_calls(patients, calls.iloc[[0]])
    assert exact.notes == ()
