"""Clinical table: schema, dates, per-row validation, strict mode, XLSX (SYNTHETIC tables)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ikzf1assay.cohort.clinical import clinical_from_frame, read_clinical
from ikzf1assay.errors import ClinicalDataError, FileAccessError

DATA = Path(__file__).parent / "data" / "cohort"

EXPECTED = {
    3: ["duplicate patient (also on line 9)"],
    5: [
        "death (2019-02-01) before relapse (2019-03-01)",
        "last follow-up (2019-02-01) before relapse",
    ],
    6: ["'31/02/2019' is not a date (day is out of range for month)"],
    7: ["complete remission (2018-04-01) before diagnosis (2018-05-05)"],
    8: ["wbc: 'high' is not a number"],
    9: ["duplicate patient (also on line 3)"],
    10: ["last follow-up (2018-08-01) before relapse (2018-09-01)"],
    11: ["diagnosis_date: empty"],
    12: ["empty and no death date"],
    13: ["transplant (2019-09-01) after death (2019-07-01)", "before transplant"],
}


def test_every_problem_reported_with_its_line_and_rows_excluded() -> None:
    t = read_clinical(DATA / "clinical_problems.csv")
    assert t.date_order == "day-first"  # 28/03/2018 proves it
    assert list(t.data["patient_id"]) == ["P02"]
    assert list(t.excluded["line"]) == sorted(EXPECTED)
    for line, fragments in EXPECTED.items():
        reason = t.excluded.loc[t.excluded["line"] == line, "reason"].iloc[0]
        for fragment in fragments:
            assert fragment in reason, (line, reason)
    assert t.comments == (
        "SYNTHETIC clinical table with one problem per row from line 5 on "
        "(tests/test_cohort_clinical.py)",
    )
    assert t.covariates == ("age", "sex", "wbc")
    assert t.numeric == ("age", "wbc")


def test_strict_rejects_and_lists_every_problem() -> None:
    with pytest.raises(ClinicalDataError) as err:
        read_clinical(DATA / "clinical_problems.csv", strict=True)
    text = str(err.value)
    assert text.startswith(str(DATA / "clinical_problems.csv"))
    assert "run without --strict" in text
    for line in EXPECTED:
        assert f"line {line} (patient P" in text


def _table(dates: list[str], **extra: list[str]) -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(n)],
            "diagnosis_date": dates,
            "last_followup_date": ["2021-01-01"] * n,
            **extra,
        }
    )


def test_date_orders() -> None:
    assert clinical_from_frame(_table(["2019-03-04", "2019/03/28"])).date_order == "iso"
    day = clinical_from_frame(_table(["04/03/2019", "28.03.2019"]))
    assert day.date_order == "day-first"
    assert str(day.data["diagnosis_date"].iloc[0].date()) == "2019-03-04"
    month = clinical_from_frame(_table(["04/03/2019", "03/28/2019"]))
    assert month.date_order == "month-first"
    assert str(month.data["diagnosis_date"].iloc[0].date()) == "2019-04-03"
    with pytest.raises(ClinicalDataError, match="read as day-first and as month-first"):
        clinical_from_frame(_table(["04/03/2019", "05/06/2019"]))
    forced = clinical_from_frame(_table(["04/03/2019", "05/06/2019"]), date_order="month-first")
    assert str(forced.data["diagnosis_date"].iloc[1].date()) == "2019-05-06"
    with pytest.raises(ClinicalDataError, match=r"both day-first .* and month-first"):
        clinical_from_frame(_table(["28/03/2019", "03/28/2019"]))
    bad = clinical_from_frame(_table(["2019-03-04", "19-3-4"]))
    assert "is not a date (expected YYYY-MM-DD" in bad.excluded["reason"].iloc[0]


def test_missing_columns_and_empty_tables(tmp_path: Path) -> None:
    with pytest.raises(ClinicalDataError, match=r"missing required column\(s\): sample_id"):
        read_clinical_text(
            tmp_path, "patient_id,diagnosis_date,last_followup_date\nP1,2019-01-01,2020-01-01\n"
        )
    with pytest.raises(ClinicalDataError, match=r"diagnosis_date .or ready-made times"):
        read_clinical_text(tmp_path, "patient_id,sample_id,age\nP1,S1,30\n")
    with pytest.raises(ClinicalDataError, match="no patient rows"):
        read_clinical_text(tmp_path, "patient_id,sample_id,os_time,os_event\n")
    with pytest.raises(ClinicalDataError, match="both mean 'diagnosis_date'"):
        read_clinical_text(tmp_path, "patient_id,sample_id,Diagnosis,diagnosis date\n")
    with pytest.raises(FileAccessError, match="file not found"):
        read_clinical(tmp_path / "absent.csv")


def read_clinical_text(folder: Path, text: str) -> None:
    path = folder / "clinical.csv"
    path.write_text(text, encoding="utf-8")
    read_clinical(path)


def test_ready_made_times_in_months() -> None:
    df = pd.DataFrame(
        {"patient_id": ["a", "b", "c"], "os_time": ["12", "6.5", "x"], "os_event": ["1", "0", "1"],
         "cir_time": ["3", "4", "5"], "cir_status": ["2", "3", "0"]}
    )  # fmt: skip
    t = clinical_from_frame(df, time_unit="months")
    assert t.ready_made == ("os", "cir")
    assert t.data["os_time"].iloc[0] == pytest.approx(12 * 365.25 / 12)
    reasons = dict(zip(t.excluded["patient_id"], t.excluded["reason"], strict=True))
    assert reasons == {
        "b": "cir_status: 3 is not one of [0, 1, 2]",
        "c": "os_time: 'x' is not a number",
    }


def test_xlsx_with_date_cells(tmp_path: Path) -> None:
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Patient ID", "Sample ID", "Date of diagnosis", "Last follow-up", "Ph"])
    sheet.append(["P1", "S1", dt.datetime(2019, 3, 4), dt.datetime(2020, 1, 2), "positive"])
    sheet.append(["P2", "S2", "2019-05-06", dt.datetime(2019, 1, 1), "negative"])
    path = tmp_path / "clinical.xlsx"
    book.save(path)
    t = read_clinical(path)
    assert list(t.data["patient_id"]) == ["P1"]
    assert str(t.data["diagnosis_date"].iloc[0].date()) == "2019-03-04"
    assert t.problems[0].line == 3
    assert "last follow-up (2019-01-01) before diagnosis (2019-05-06)" in t.problems[0].message
