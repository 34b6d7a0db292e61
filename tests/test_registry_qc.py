"""Control trends across runs (``ikzf1assay.registry.qc``) and their report (``report.qc``).

The Westgard rules are tested on hand-made series of z values against a fixed baseline of
mean 30, SD 1 (so Ct = 30 + z): each rule fires on its textbook pattern, on the run that
completes it, and not on the neighbouring patterns:

- 1-3s on +3.5 and -3.2; not on +2.5 (1-2s, a warning only);
- 2-2s on +2.5, +2.5 (and -2.5, -2.5); not on +2.5, -2.5 (that is R-4s) nor +2.5, +1.5;
- R-4s on +2.5, -2.5 (either order); not on +3.5, -0.6 (a range of 4.1 SD, but the second
  within 2 SD: the form implemented asks both beyond 2 SD on opposite sides);
- 4-1s on four at +1.5; not on three, nor on four with one at -1.5 or at +0.5;
- 10-x on ten at +0.5 (or -0.5); not on nine, nor on ten with one exactly at the mean.

A control without Ct (NaN) is a rejection ("no Ct") and counts as no value: the rules of the
next runs look back over the previous finite values.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ikzf1assay._outdir import MARKER
from ikzf1assay.errors import ParameterError
from ikzf1assay.registry.qc import (
    RULE_READINGS,
    RULES,
    QCResult,
    baseline,
    order_runs,
    qc_table,
    reference_trend,
    westgard,
)
from ikzf1assay.report.qc import write_qc_report

FIXED = {"R": (30.0, 1.0)}


def controls(
    cts: list[float],
    reaction: str = "R",
    status: str | list[str] = "released",
    start: int = 1,
) -> pd.DataFrame:
    """One run per Ct, one day apart, in order."""
    n = len(cts)
    statuses = [status] * n if isinstance(status, str) else status
    return pd.DataFrame(
        {
            "run_id": range(start, start + n),
            "run_date": [
                f"2024-{1 + (start + i) // 28:02d}-{1 + (start + i) % 28:02d}" for i in range(n)
            ],
            "imported_at": [f"2024-06-01T00:00:{i % 60:02d}" for i in range(n)],
            "status": statuses,
            "reaction": reaction,
            "ct": cts,
            "n_wells": 2,
        }
    )


def rules_on(z: list[float]) -> pd.DataFrame:
    """The rules on a series of z values, against mean 30, SD 1."""
    df = controls([30.0 + v for v in z])
    return westgard(df, baseline(df, fixed=FIXED))


def fired(z: list[float], rule: str) -> list[bool]:
    return rules_on(z)[rule].tolist()


# -- the rules, one by one ---------------------------------------------------------------


def test_1_3s_fires_beyond_3_sd_and_1_2s_only_warns() -> None:
    runs = rules_on([3.5, 0.0, -3.2, 0.0, 2.5, -0.5, 3.0])  # 3.0: not beyond 3 SD
    assert runs["rule_1_3s"].tolist() == [True, False, True, False, False, False, False]
    assert runs["rule_1_2s"].tolist() == [True, False, True, False, True, False, True]
    assert runs["rejected"].tolist() == [True, False, True, False, False, False, False]
    warn = "1-2s (warning)"
    assert runs["violations"].tolist() == ["1-3s", "", "1-3s", "", warn, "", warn]
    assert runs["z"].tolist() == pytest.approx([3.5, 0.0, -3.2, 0.0, 2.5, -0.5, 3.0])


def test_2_2s_fires_on_two_consecutive_beyond_2_sd_on_the_same_side() -> None:
    assert fired([2.5, 2.5], "rule_2_2s") == [False, True]
    assert fired([-2.5, -2.5], "rule_2_2s") == [False, True]
    assert rules_on([2.5, 2.5])["violations"].tolist() == ["1-2s (warning)", "2-2s"]


@pytest.mark.parametrize("z", [[2.5, -2.5], [2.5, 1.5], [2.5, 0.0, 2.5], [2.0, 2.5]])
def test_2_2s_does_not_fire_on_its_neighbours(z: list[float]) -> None:
    assert not any(fired(z, "rule_2_2s"))


def test_r_4s_fires_on_consecutive_runs_beyond_2_sd_on_opposite_sides() -> None:
    assert fired([2.5, -2.5], "rule_R_4s") == [False, True]
    assert fired([-2.5, 2.5], "rule_R_4s") == [False, True]
    runs = rules_on([2.5, -2.5])
    assert runs["violations"].tolist() == ["1-2s (warning)", "R-4s"]
    assert runs["rejected"].tolist() == [False, True]


@pytest.mark.parametrize("z", [[3.5, -0.6], [2.5, 2.5], [2.5, -1.9], [2.5, 0.0, -2.5]])
def test_r_4s_does_not_fire_on_its_neighbours(z: list[float]) -> None:
    # +3.5 then -0.6: a range of 4.1 SD, but only one beyond 2 SD (the form implemented)
    assert not any(fired(z, "rule_R_4s"))


def test_4_1s_fires_on_four_consecutive_beyond_1_sd_on_the_same_side() -> None:
    assert fired([1.5] * 4, "rule_4_1s") == [False, False, False, True]
    assert fired([-1.5] * 5, "rule_4_1s") == [False, False, False, True, True]
    runs = rules_on([1.5] * 4)
    assert runs["rejected"].tolist() == [False, False, False, True]
    assert runs["violations"].iloc[-1] == "4-1s"


@pytest.mark.parametrize(
    "z", [[1.5] * 3, [1.5, 1.5, -1.5, 1.5], [1.5, 1.5, 1.5, 0.5], [1.5, 1.5, 1.5, 1.0]]
)
def test_4_1s_does_not_fire_on_its_neighbours(z: list[float]) -> None:
    assert not any(fired(z, "rule_4_1s"))


def test_10x_fires_on_ten_consecutive_on_the_same_side_of_the_mean() -> None:
    assert fired([0.5] * 10, "rule_10x") == [False] * 9 + [True]
    assert fired([-0.5] * 11, "rule_10x") == [False] * 9 + [True, True]
    runs = rules_on([0.5] * 10)
    assert runs["violations"].iloc[-1] == "10-x"
    assert not runs["rule_4_1s"].any()  # 0.5 SD: not beyond 1 SD


@pytest.mark.parametrize(
    "z",
    [[0.5] * 9, [0.5] * 5 + [0.0] + [0.5] * 4, [0.5] * 9 + [-0.5], [-0.5] + [0.5] * 9],
)
def test_10x_does_not_fire_on_its_neighbours(z: list[float]) -> None:
    # nine; ten with one exactly at the mean; ten with the last or first on the other side
    assert not any(fired(z, "rule_10x"))


def test_one_run_can_break_several_rules() -> None:
    runs = rules_on([2.5, 3.5])
    assert runs.iloc[1][["rule_1_3s", "rule_2_2s", "rule_R_4s"]].tolist() == [True, True, False]
    assert runs["violations"].iloc[1] == "1-3s, 2-2s"


def test_rules_look_only_at_runs_of_the_same_reaction() -> None:
    a = controls([32.5, 30.0], reaction="A", start=1)
    b = controls([30.0, 32.5], reaction="B", start=1)
    both = pd.concat([a, b], ignore_index=True)
    runs = westgard(both, baseline(both, fixed={"A": (30.0, 1.0), "B": (30.0, 1.0)}))
    assert not runs["rule_2_2s"].any()  # run 1 high for A, run 2 high for B


# -- a control that did not amplify -------------------------------------------------------


def test_a_control_without_ct_is_a_rejection_and_counts_as_no_value() -> None:
    runs = rules_on([2.5, math.nan, 2.5])
    assert runs["rejected"].tolist() == [False, True, True]
    assert runs["violations"].tolist() == ["1-2s (warning)", "no Ct", "2-2s"]
    assert not runs.iloc[1][list(RULES)].any()
    assert math.isnan(runs["z"].iloc[1])
    assert math.isnan(runs["ct"].iloc[1])


def test_a_missing_ct_does_not_break_a_10x_series() -> None:
    z = [0.5] * 5 + [math.nan] + [0.5] * 5
    assert fired(z, "rule_10x") == [False] * 10 + [True]
    assert fired([0.5] * 5 + [math.nan] + [0.5] * 4, "rule_10x") == [False] * 10


def test_no_ct_is_a_rejection_even_without_limits() -> None:
    df = controls([30.0, math.nan, 30.5])
    result = qc_table(df)
    assert result.runs["rejected"].tolist() == [False, True, False]
    assert result.flags == {2: "no Ct R"}


# -- order of the runs --------------------------------------------------------------------


def test_runs_are_ordered_by_date_then_import_time_then_id() -> None:
    df = pd.DataFrame(
        {
            "run_id": [1, 2, 3, 4, 5],
            "run_date": ["2024-03-02", "2024-03-01", None, "2024-03-01", "2024-03-01"],
            "imported_at": [
                "2024-03-02T10:00:00",
                "2024-03-05T10:00:00",
                "2024-03-01T12:00:00",  # no run date: placed by its import time
                "2024-03-04T10:00:00",
                "2024-03-04T10:00:00",
            ],
        }
    )
    assert order_runs(df)["run_id"].tolist() == [4, 5, 2, 3, 1]


def test_rules_follow_the_run_order_not_the_run_id() -> None:
    df = controls([32.5, 32.5, 30.0])
    df["run_date"] = ["2024-01-01", "2024-01-03", "2024-01-02"]  # run 3 lies between 1 and 2
    runs = westgard(df, baseline(df, fixed=FIXED))
    assert runs["run_id"].tolist() == [1, 3, 2]
    assert not runs["rule_2_2s"].any()


# -- the baseline -------------------------------------------------------------------------


def _noise(n: int, seed: int = 1) -> list[float]:
    """Cts around 30 that alternate sides of it and stay within 1.5 SD: they break no rule."""
    steps = [0.1, 0.3, 0.2, 0.4, 0.05, 0.25]
    return [30.0 + (-1) ** i * steps[(i + seed) % len(steps)] for i in range(n)]


def test_baseline_from_the_first_20_released_runs() -> None:
    drafts = controls([20.0, 45.0, 25.0], status="draft", start=1)
    released = controls(_noise(30), start=4)
    df = pd.concat([drafts, released], ignore_index=True)
    limits = baseline(df)
    row = limits.iloc[0]
    expected = np.array(_noise(30)[:20])
    assert row["reaction"] == "R"
    assert row["n"] == 20
    assert row["mean"] == pytest.approx(expected.mean())
    assert row["sd"] == pytest.approx(expected.std(ddof=1))
    assert row["source"] == "first 20 released runs"


def test_baseline_leaves_out_a_run_breaking_1_3s_and_takes_the_next_one() -> None:
    cts = _noise(25)
    cts[7] = 40.0  # within the first 20: far beyond 3 SD of a first estimate
    cts[12] = math.nan  # a control that did not amplify never sets limits
    df = controls(cts)
    row = baseline(df).iloc[0]
    kept = np.array([c for i, c in enumerate(cts) if i not in (7, 12)][:20])
    assert row["n"] == 20
    assert row["mean"] == pytest.approx(kept.mean())
    assert row["sd"] == pytest.approx(kept.std(ddof=1))
    runs = westgard(df, baseline(df))
    assert runs.loc[7, "rule_1_3s"]
    assert qc_table(df).flags[8] == "1-3s R"


def test_baseline_with_fewer_runs_than_asked_says_so() -> None:
    df = controls(_noise(8))
    result = qc_table(df)
    assert result.limits.iloc[0]["n"] == 8
    assert result.limits.iloc[0]["source"] == "first 8 released runs"
    assert any("fewer than the 20" in n for n in result.notes)


def test_too_few_released_runs_give_no_limits_and_no_rules() -> None:
    df = controls([30.0, 30.2, 29.8, 30.1, 45.0, 30.0], status=["released"] * 4 + ["draft"] * 2)
    result = qc_table(df)
    row = result.limits.iloc[0]
    assert math.isnan(row["mean"])
    assert math.isnan(row["sd"])
    assert row["n"] == 4
    assert row["source"].startswith("no limits: 4 released run(s)")
    assert not result.runs[list(RULES)].any().any()
    assert result.runs["z"].isna().all()
    assert result.flags == {}
    assert len(result.notes) == 1
    assert result.notes[0].startswith("R: no limits")


def test_fixed_baseline_replaces_the_computed_one() -> None:
    df = controls(_noise(25))
    limits = baseline(df, fixed={"R": (31.0, 0.5), "other": (28.0, 0.4)})
    assert limits["reaction"].tolist() == ["R", "other"]
    assert limits["mean"].tolist() == [31.0, 28.0]
    assert limits["sd"].tolist() == [0.5, 0.4]
    assert limits["source"].tolist() == ["set by the lab"] * 2
    assert limits["n"].isna().all()
    runs = westgard(df, limits)
    assert runs["z"].tolist() == pytest.approx([(c - 31.0) / 0.5 for c in _noise(25)])


@pytest.mark.parametrize("bad", [(30.0, 0.0), (30.0, -1.0), (math.nan, 1.0), (30.0, math.inf)])
def test_a_fixed_baseline_needs_a_finite_mean_and_a_positive_sd(bad: tuple[float, float]) -> None:
    with pytest.raises(ParameterError, match="positive SD"):
        baseline(controls([30.0] * 6), fixed={"R": bad})


def test_a_baseline_of_identical_cts_has_no_limits() -> None:
    row = baseline(controls([30.0] * 6)).iloc[0]
    assert math.isnan(row["sd"])
    assert "SD 0" in row["source"]


def test_bad_tables_are_refused() -> None:
    df = controls([30.0] * 6)
    with pytest.raises(ParameterError, match="more than one positive-control row"):
        baseline(pd.concat([df, df.iloc[:1]], ignore_index=True))
    with pytest.raises(ParameterError, match="lacks the columns ct"):
        baseline(df.drop(columns="ct"))
    with pytest.raises(ParameterError, match="unknown run status"):
        baseline(df.assign(status="signed"))
    with pytest.raises(ParameterError, match="at least 5"):
        baseline(df, n_runs=3)


# -- flags, notes, reference trend --------------------------------------------------------


def _two_reactions() -> pd.DataFrame:
    d47 = controls(_noise(22, seed=2), reaction="Δ4-7")
    alb = controls(_noise(22, seed=3), reaction="ALB")
    d47.loc[21, "ct"] = 40.0
    alb.loc[21, "ct"] = math.nan
    alb.loc[5, "ct"] = math.nan
    return pd.concat([d47, alb], ignore_index=True)


def test_flags_name_the_rules_and_reactions_of_each_rejected_run() -> None:
    result = qc_table(_two_reactions())
    assert isinstance(result, QCResult)
    assert result.flags == {6: "no Ct ALB", 22: "no Ct ALB; 1-3s Δ4-7"}
    assert set(result.runs["reaction"]) == {"ALB", "Δ4-7"}
    assert result.notes == []


def test_reference_trend_is_in_run_order_with_no_rules() -> None:
    ref = pd.DataFrame(
        {
            "run_id": [3, 1, 2],
            "run_date": ["2024-01-03", "2024-01-01", None],
            "imported_at": ["2024-01-04T00:00", "2024-01-02T00:00", "2024-01-02T12:00"],
            "status": ["draft", "released", "released"],
            "median_ct": [24.0, 26.5, 23.0],
            "extra": [0, 0, 0],
        }
    )
    out = reference_trend(ref)
    assert out.columns.tolist() == ["run_id", "run_date", "imported_at", "status", "median_ct"]
    assert out["run_id"].tolist() == [1, 2, 3]
    assert out["median_ct"].tolist() == [26.5, 23.0, 24.0]
    with pytest.raises(ParameterError, match="median_ct"):
        reference_trend(ref.drop(columns="median_ct"))


def test_every_rule_has_a_reading() -> None:
    assert set(RULE_READINGS) == {*RULES.values(), "no Ct"}


# -- the report ---------------------------------------------------------------------------


def _reference(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": range(1, n + 1),
            "run_date": [f"2024-01-{1 + i % 28:02d}" for i in range(n)],
            "imported_at": "2024-02-01T00:00",
            "status": "released",
            "median_ct": _noise(n, seed=5),
        }
    )


def test_report_writes_charts_tables_and_an_escaped_page(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>$x^2$"
    df = _two_reactions()
    df.loc[df["reaction"] == "ALB", "reaction"] = hostile
    result = qc_table(df)
    out = tmp_path / "qc"
    paths = write_qc_report(result, _reference(22), out)
    names = [p.name for p in paths]
    assert names == [
        "lj_01_script_alert_1_script_x_2.png",
        "lj_02_Δ4-7.png",
        "reference_median_ct.png",
        "qc_limits.tsv",
        "qc_runs.tsv",
        "reference_trend.tsv",
        "qc.html",
    ]
    assert all(p.parent == out and p.is_file() for p in paths)
    assert (out / MARKER).is_file()
    for p in paths:
        if p.suffix == ".png":
            assert p.stat().st_size > 1000
            with Image.open(p) as img:
                img.verify()
            with Image.open(p) as img:
                assert img.format == "PNG"
                assert img.size[0] > 500
                assert img.size[1] > 300
    html = (out / "qc.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("data:image/png;base64,") == 3
    assert "Δ4-7" in html
    assert "1-3s" in html
    for name, text in RULE_READINGS.items():
        assert name in html
        assert text.split(":")[0] in html
    runs = pd.read_csv(out / "qc_runs.tsv", sep="\t")
    assert len(runs) == 44


def test_report_replaces_its_folder_and_handles_an_empty_registry(tmp_path: Path) -> None:
    out = tmp_path / "qc"
    write_qc_report(qc_table(controls(_noise(6))), _reference(6), out)
    empty = qc_table(controls([])[:0])
    paths = write_qc_report(empty, _reference(0), out)
    assert [p.name for p in paths] == [
        "qc_limits.tsv",
        "qc_runs.tsv",
        "reference_trend.tsv",
        "qc.html",
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *(p.name for p in paths)])
    html = (out / "qc.html").read_text(encoding="utf-8")
    assert "No positive-control Ct in the registry." in html
    assert "No reference-gene Ct in the registry." in html


def test_report_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "qc").mkdir()
    (tmp_path / "qc" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="marker"):
        write_qc_report(qc_table(controls(_noise(6))), _reference(6), tmp_path / "qc")
    assert (tmp_path / "qc" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_tables_with_a_repeated_index_are_read_row_by_row() -> None:
    # pd.concat without ignore_index repeats the index: each row must still count once
    a = controls(_noise(25), reaction="A")
    b = controls(_noise(25, seed=4), reaction="B")
    result = qc_table(pd.concat([a, b]))
    assert len(result.runs) == 50
    assert result.limits["n"].tolist() == [20, 20]
    assert result.flags == {}


def test_plot_draws_one_controls_chart_with_its_limits() -> None:
    from matplotlib.axes import Axes

    from ikzf1assay import plot

    df = pd.concat([controls([30.0, 30.4, 29.7, 33.5]), controls([25.0, 25.2], "Q", start=5)])
    result = qc_table(df, fixed={"R": (30.0, 1.0), "Q": (25.0, 0.5)})
    ax = plot(result, reaction="R")
    assert isinstance(ax, Axes)
    levels = sorted(round(float(np.asarray(line.get_ydata())[0]), 6) for line in ax.get_lines()[1:])
    assert levels == [27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0]  # mean and 1, 2, 3 SD
    assert "Positive control of R" in ax.get_title(loc="left")
    with pytest.raises(ParameterError, match="choose one of: Q, R"):
        plot(result)  # two reactions: which one?
