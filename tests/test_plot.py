"""``ikzf1assay.report.plot.plot``: each registered result type draws its own numbers, onto a
given axes or a new figure (Agg); an unregistered type is refused with the types that draw.

Data: 120 SYNTHETIC patients in 2 groups, seeded; times in days.
"""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ikzf1assay.cohort import (
    cox,
    cumulative_incidence,
    fine_gray,
    kaplan_meier,
    landmark,
    logrank,
    nelson_aalen,
)
from ikzf1assay.cohort.timevarying import cox_time_varying
from ikzf1assay.errors import ParameterError
from ikzf1assay.report.cohort_figures import four_group_figure
from ikzf1assay.report.plot import plot, plottable_types


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    n = 120
    group = np.repeat(["a", "b"], n // 2)
    t = np.ceil(rng.exponential(np.where(group == "a", 700.0, 400.0)))
    cens = np.ceil(rng.uniform(200, 1500, n))
    event = (t <= cens).astype(float)
    cause = np.where(event == 1, rng.choice([1, 2], n, p=[0.7, 0.3]), 0)
    tx = np.where(rng.random(n) < 0.4, np.ceil(rng.uniform(30, 300, n)), np.nan)
    return pd.DataFrame(
        {
            "time": np.minimum(t, cens),
            "event": event,
            "status": cause,
            "group": group,
            "x": (group == "b").astype(float),
            "age": rng.normal(40, 10, n).round(),
            "tx_time": tx,
        }
    )


def _rendered(ax: Axes) -> Axes:
    figure = ax.figure
    assert isinstance(figure, Figure)
    figure.savefig(io.BytesIO(), format="png")  # the whole figure renders (Agg)
    return ax


def _given_and_new(result: Any, **kwargs: Any) -> list[Axes]:
    given = Figure().subplots()
    drawn = plot(result, given, **kwargs)
    assert drawn is given
    new = plot(result, **kwargs)
    assert isinstance(new, Axes)
    assert new is not given
    return [_rendered(given), _rendered(new)]


def test_kaplan_meier_steps_are_the_estimate(cohort: pd.DataFrame) -> None:
    km = kaplan_meier(cohort, "time", "event", group="group")
    for ax in _given_and_new(km, labels={"a": "arm A"}):
        steps = ax.lines[::2]  # each group: its steps, then its censoring marks
        marks = ax.lines[1::2]
        assert len(steps) == 2
        for line, mark, name in zip(steps, marks, ["a", "b"], strict=True):
            table = km.table[km.table["group"] == name]
            y = np.asarray(line.get_ydata(), dtype=float)
            x = np.asarray(line.get_xdata(), dtype=float)  # days: the result's own unit
            assert y[0] == 1.0
            np.testing.assert_allclose(y[1:-1], table["survival"])
            np.testing.assert_allclose(x[1:-1], table["time"])
            g = cohort[cohort["group"] == name]
            assert x[-1] == pytest.approx(g["time"].max())
            n_censored = int((g["event"] == 0).sum())
            assert len(np.asarray(mark.get_xdata())) == n_censored
        legend = ax.get_legend()
        assert legend is not None
        labels = [t.get_text() for t in legend.get_texts()]
        assert labels == ["arm A (n=60)", "b (n=60)"]


def test_numbers_at_risk_count_the_patients_followed(cohort: pd.DataFrame) -> None:
    km = kaplan_meier(cohort, "time", "event", group="group")
    risk = km.at_risk([0.0, 365.0, 730.0])
    for name, g in cohort.groupby("group"):
        got = risk.loc[risk["group"] == name, "n_risk"].tolist()
        assert got == [int((g["time"] >= x).sum()) for x in (0.0, 365.0, 730.0)]


def test_landmark_draws_its_kaplan_meier(cohort: pd.DataFrame) -> None:
    lm = landmark(cohort, "time", "event", "tx_time", 180.0)
    for ax in _given_and_new(lm):
        for name in lm.km.median["group"]:
            line = next(x for x in ax.lines if x.get_gid() == f"curve:{name}")
            table = lm.km.table[lm.km.table["group"] == name]
            y = np.asarray(line.get_ydata())[1 : len(table) + 1]
            np.testing.assert_allclose(y, table["survival"])
        assert "180 days" in ax.get_title()


def test_cumulative_incidence_steps_are_the_estimate(cohort: pd.DataFrame) -> None:
    cif = cumulative_incidence(cohort, "time", "status", "group")
    for cause in (1, 2):
        for ax in _given_and_new(cif, cause=cause):
            assert len(ax.lines) == 2
            for line, name in zip(ax.lines, ["a", "b"], strict=True):
                t = cif.table[(cif.table["group"] == name) & (cif.table["cause"] == cause)]
                y = np.asarray(line.get_ydata(), dtype=float)
                assert y[0] == 0.0
                np.testing.assert_allclose(y[1:], t["estimate"])


def _forest_points(ax: Axes) -> tuple[np.ndarray, list[str]]:
    """The point estimates (errorbar's data line) and the terms from the top row down."""
    line = ax.containers[0].lines[0]  # type: ignore[attr-defined]  # an ErrorbarContainer
    ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda t: -t[0])
    return np.asarray(line.get_xdata(), dtype=float), [label.get_text() for _, label in ticks]


def test_cox_forest_shows_the_hazard_ratios(cohort: pd.DataFrame) -> None:
    fit = cox(cohort, "time", "event", ["group", "age"])
    for ax in _given_and_new(fit, title="OS"):
        hr, terms = _forest_points(ax)
        np.testing.assert_allclose(hr, fit.table["hr"])
        assert terms == ["group b vs a", "age"]  # first term on top, level vs reference
        assert ax.get_xscale() == "log"
        assert ax.get_title() == "OS"


def test_fine_gray_and_time_dependent_cox_draw_forests(cohort: pd.DataFrame) -> None:
    fg = fine_gray(cohort, "time", "status", ["x"])
    for ax in _given_and_new(fg):
        np.testing.assert_allclose(_forest_points(ax)[0], fg.table["hr"])
        assert "Subdistribution" in ax.get_xlabel()
    tv = cox_time_varying(cohort, "time", "event", "tx_time", ["x"])
    for ax in _given_and_new(tv):
        np.testing.assert_allclose(_forest_points(ax)[0], tv.table["hr"])


def test_unregistered_type_is_refused_with_the_types_that_plot(cohort: pd.DataFrame) -> None:
    test = logrank(cohort, "time", "event", "group")
    with pytest.raises(ParameterError, match="LogRank") as info:
        plot(test)
    for name in ("KaplanMeier", "CumulativeIncidenceResult", "CoxResult", "FineGrayResult"):
        assert name in str(info.value)
    assert {t.__name__ for t in plottable_types()} >= {"KaplanMeier", "Landmark"}


def test_another_module_can_register_a_drawing() -> None:
    class Thing:
        values = (1.0, 3.0, 2.0)

    @plot.register(Thing)
    def _(result: Thing, ax: Axes | None = None, **kwargs: Any) -> Axes:
        ax = ax if ax is not None else Figure().subplots()
        ax.plot(result.values)
        return ax

    ax = plot(Thing())
    assert np.asarray(ax.lines[0].get_ydata()).tolist() == [1.0, 3.0, 2.0]


def test_command_start_up_imports_neither_plot_nor_matplotlib() -> None:
    code = (
        "import sys, ikzf1assay.cli; "
        "print(sorted(m for m in sys.modules if m == 'ikzf1assay.report.plot' "
        "or m.startswith('matplotlib')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_curve_calls_draw_one_line_per_well_of_the_group() -> None:
    """``plot(curve_calls, plate=..., group=...)``: each drawn line is a well of the group."""
    from ikzf1assay.assay import load_assay
    from ikzf1assay.qpcr import analyse_curves, read_run
    from ikzf1assay.simulate import simulate_run

    sim = simulate_run(load_assay(None), seed=2)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "run.txt"
        export.write_text(sim.text, encoding="utf-8")
        plate = read_run(export)
    calls = analyse_curves(plate)
    ax = plot(calls, plate=plate, group="ALB")
    wells = sorted(str(w) for w in calls.table.loc[calls.table["target"] == "ALB", "well"])
    assert sorted(str(line.get_gid()) for line in ax.get_lines() if line.get_gid()) == wells
    assert "ALB" in ax.get_title()
    with pytest.raises(ParameterError, match="needs plate="):
        plot(calls)
    with pytest.raises(ParameterError, match=r"group='nope'; choose one of: ALB, "):
        plot(calls, plate=plate, group="nope")


def _at_risk_texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == "at_risk"]


def _ticks_in(ax: Axes) -> list[float]:
    return [float(x) for x in ax.get_xticks()]


def test_kaplan_meier_shows_numbers_at_risk_at_its_ticks(cohort: pd.DataFrame) -> None:
    km = kaplan_meier(cohort, "time", "event", group="group")
    ax = plot(km, show_in="months")
    months = _ticks_in(ax)
    days = [m * 365.25 / 12 for m in months]
    risk = km.at_risk(days)
    expected = [str(n) for g in ("a", "b") for n in risk.loc[risk["group"] == g, "n_risk"]]
    assert _at_risk_texts(ax) == expected
    assert expected[0] == "60"
    assert expected[len(months) - 1] == "0"
    assert ax.get_xlabel() == "Months"
    assert not _at_risk_texts(plot(km, at_risk=False))


def test_confidence_bands_are_the_result_limits(cohort: pd.DataFrame) -> None:
    km = kaplan_meier(cohort, "time", "event", group="group")
    ax = plot(km)
    bands = [c for c in ax.collections if str(c.get_gid()).startswith("ci:")]
    assert [b.get_gid() for b in bands] == ["ci:a", "ci:b"]
    a = km.table[km.table["group"] == "a"]
    ys = np.asarray(bands[0].get_paths()[0].vertices, dtype=float)[:, 1]
    finite = a["lower"].dropna()
    assert np.isclose(ys, finite.min()).any()
    assert np.isclose(ys, a["upper"].max()).any()
    assert not [c for c in plot(km, ci=False).collections if str(c.get_gid()).startswith("ci:")]
    cif = cumulative_incidence(cohort, "time", "status", "group")
    t = cif.table
    assert (t["lower"] <= t["estimate"] + 1e-12).all()
    assert (t["estimate"] <= t["upper"]).all()
    assert len([c for c in plot(cif).collections if str(c.get_gid()).startswith("ci:")]) == 2


def test_time_unit_is_carried_and_labels_the_axis(cohort: pd.DataFrame) -> None:
    in_months = cohort.assign(time=cohort["time"] / (365.25 / 12))
    km = kaplan_meier(in_months, "time", "event", group="group", time_unit="months")
    assert km.time_unit == "months"
    ax = plot(km)
    assert ax.get_xlabel() == "Months"
    right = ax.get_xlim()[1]
    assert in_months["time"].max() <= right < 1.5 * in_months["time"].max()
    assert plot(km, show_in="years").get_xlabel() == "Years"
    with pytest.raises(ParameterError, match="time unit 'fortnights'"):
        kaplan_meier(in_months, "time", "event", time_unit="fortnights")


def test_cumulative_incidence_and_four_group_panel_show_numbers_at_risk(
    cohort: pd.DataFrame,
) -> None:
    cif = cumulative_incidence(cohort, "time", "status", "group")
    ax = plot(cif)
    risk = cif.at_risk(_ticks_in(ax))
    assert _at_risk_texts(ax) == [str(n) for n in risk["n_risk"]]
    assert risk["n_risk"].iloc[0] == 60
    km = kaplan_meier(cohort, "time", "event", group="group")
    fig = four_group_figure({"os": km, "efs": km, "dfs": km}, cif, {"os": "P = 0.1"})
    fig.savefig(io.BytesIO(), format="png")
    assert all(_at_risk_texts(a) for a in fig.axes)


def test_nelson_aalen_and_predicted_survival_draw_their_estimates(cohort: pd.DataFrame) -> None:
    na = nelson_aalen(cohort, "time", "event", group="group")
    for ax in _given_and_new(na):
        line = next(x for x in ax.lines if x.get_gid() == "curve:a")
        a = na.table[na.table["group"] == "a"]
        np.testing.assert_allclose(np.asarray(line.get_ydata())[1:], a["cumhaz"])
        assert ax.get_ylabel() == "Cumulative hazard"
    fit = cox(cohort, "time", "event", ["group", "age"])
    pred = fit.predict_survival(pd.DataFrame({"group": ["a", "b"], "age": [40.0, 40.0]}))
    for ax in _given_and_new(pred):
        for i in (0, 1):
            line = next(x for x in ax.lines if x.get_gid() == f"curve:{i}")
            rows = pred.table[(pred.table["profile"] == i) & (pred.table["time"] > 0)]
            np.testing.assert_allclose(np.asarray(line.get_ydata())[1:], rows["surv"])
        # one stratum: a single row of numbers at risk, the whole cohort at 0
        assert _at_risk_texts(ax)[0] == str(len(cohort))
        assert len(_at_risk_texts(ax)) == len(_ticks_in(ax))
