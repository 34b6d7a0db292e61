"""What the run report and the CLI table say: controls per reaction, omitted wells, curve plots
grouped by reaction, and why a results-only export has no plots (issue 12)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.calling import call_run, read_layout
from ikzf1assay.calling.calls import CallSettings
from ikzf1assay.cli import main
from ikzf1assay.qpcr import read_run
from ikzf1assay.report.html import render_run_report
from ikzf1assay.simulate import SimulatedRun, simulate_run

GOOD = Path(__file__).parent / "data" / "qpcr" / "good"
RENAMED = {"Δ2-7": "MIX1", "Δ2-8": "MIX2", "Δ4-7": "MIX3", "Δ4-8": "MIX4", "ALB": "REF"}


@pytest.fixture(scope="module")
def sim(assay: Assay) -> SimulatedRun:
    return simulate_run(assay, seed=3)


def _plots(html: str) -> list[str]:
    return re.findall(r'aria-label="amplification curves: ([^"]+)"', html)


def _cell(html: str, well: str) -> str:
    match = re.search(rf'<td class="([^"]*)" title="{well} ([^"]*)"', html)
    assert match, f"no plate-map cell for {well}"
    return f"{match.group(1)}|{match.group(2)}"


def test_plots_are_grouped_by_reaction_when_a_layout_renames_the_targets(
    assay: Assay, sim: SimulatedRun, tmp_path: Path
) -> None:
    text = sim.text
    for old, new in RENAMED.items():
        text = text.replace(f"\t{old}\t", f"\t{new}\t")
    export = tmp_path / "renamed.txt"
    export.write_text(text, encoding="utf-8")
    layout = tmp_path / "layout.csv"
    layout.write_text(
        "well,sample,reaction,role\n"
        + "".join(
            f"{w},{s},{t},{r}\n"
            for w, s, t, r in zip(
                sim.wells["well"],
                sim.wells["sample"],
                sim.wells["target"],
                sim.wells["role"],
                strict=True,
            )
        ),
        encoding="utf-8",
    )
    plate = read_run(export)
    assert set(plate.wells["target"]) == set(RENAMED.values())
    calls = call_run(plate, assay, read_layout(layout, assay))
    html = render_run_report(calls, plate, assay)
    assert sorted(_plots(html)) == sorted(RENAMED)  # reactions, not MIX1..REF


def test_omitted_well_is_greyed_with_its_reason_and_left_out_of_the_plot(
    assay: Assay, sim: SimulatedRun, tmp_path: Path
) -> None:
    export = tmp_path / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    plate = read_run(export)
    well = str(sim.wells.loc[sim.wells["role"] == "sample", "well"].iloc[0])
    calls = call_run(plate, assay, settings=CallSettings(omit={well: "bubble in the well"}))
    html = render_run_report(calls, plate, assay)
    css, title = _cell(html, well).split("|")
    assert css.split() == ["omitted"]
    assert "omitted by the user: bubble in the well" in title
    other = str(sim.wells.loc[sim.wells["role"] == "sample", "well"].iloc[1])
    assert "omitted" not in _cell(html, other).split("|")[0]
    assert f"<td>{well}</td>" in html.split('id="calls"')[0]  # the omitted-wells table
    assert "omitted by the user: bubble in the well" in html.split('id="calls"')[0]


def test_report_lists_the_control_wells_of_each_reaction(
    assay: Assay, sim: SimulatedRun, tmp_path: Path
) -> None:
    export = tmp_path / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    plate = read_run(export)
    calls = call_run(plate, assay)
    html = render_run_report(calls, plate, assay)
    section = html.split('id="controls"')[1].split('id="calls"')[0]
    assert "negative controls (wild-type DNA)" in section
    for target, wells in sim.wells[sim.wells["role"] == "ntc"].groupby("target"):
        row = re.search(rf"<tr><td>{re.escape(str(target))}</td>.*?</tr>", section, re.S)
        assert row, target
        assert ",".join(wells["well"]) in row.group(0)


def test_cli_table_lists_control_wells_per_reaction(sim: SimulatedRun, tmp_path: Path) -> None:
    export = tmp_path / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    out = io.StringIO()
    assert main(["call", str(export)], out=out) == 0
    text = out.getvalue()
    block = text.split("controls per reaction:\n")[1].splitlines()
    assert block[0].split()[:3] == ["reaction", "status", "NTC"]
    rows = {line.split()[0]: line.split() for line in block[1:] if line.strip()}
    for target, wells in sim.wells[sim.wells["role"] == "ntc"].groupby("target"):
        assert rows[str(target)][1] == "valid"
        assert rows[str(target)][2] == ",".join(wells["well"])
    for target, wells in sim.wells[sim.wells["role"] == "positive_control"].groupby("target"):
        assert ",".join(wells["well"]) in rows[str(target)]


def test_results_only_report_has_no_plots_and_says_why(assay: Assay) -> None:
    plate = read_run(GOOD / "abi7500_v2_results_only.txt")
    calls = call_run(plate, assay)
    html = render_run_report(calls, plate, assay)
    assert _plots(html) == []
    assert "No curve plots: the export carries no amplification curves (results only)" in html
    assert "CURVE_NOT_CHECKED" in html


def test_review_well_is_marked_in_the_plate_map(assay: Assay, tmp_path: Path) -> None:
    plate = read_run(Path(__file__).parent / "data" / "qpcr" / "scenarios" / "review_well.txt")
    calls = call_run(plate, assay)
    review = calls.wells[calls.wells["result"] == "review"]
    assert len(review), "the scenario should hold a well in review"
    html = render_run_report(calls, plate, assay)
    row = review.iloc[0]
    css, title = _cell(html, str(row["well"])).split("|")
    assert "review" in css.split()
    assert str(row["amplification_reason"])[:30].replace("'", "&#39;") in title


def test_export_omit_flag_reaches_provenance_and_plate_map(tmp_path: Path) -> None:
    export = Path(__file__).parent / "data" / "qpcr" / "scenarios" / "omit_true.txt"
    out = tmp_path / "out"
    assert main(["call", str(export), "-o", str(out)], out=io.StringIO()) == 0
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    omitted = provenance["parameters"]["omitted_wells"]
    assert sorted(omitted) == ["A6", "A8"]
    assert set(omitted.values()) == {"omitted in the export"}
    html = (out / "report.html").read_text(encoding="utf-8")
    for well in omitted:
        css, title = _cell(html, well).split("|")
        assert css.split()[0] == "omitted"
        assert title.endswith("omitted in the export")


def test_each_curve_is_traceable_to_its_well(
    assay: Assay, sim: SimulatedRun, tmp_path: Path
) -> None:
    """Every drawn curve is a polyline naming its well, sample, amplification and Ct."""
    export = tmp_path / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    plate = read_run(export)
    calls = call_run(plate, assay, settings=CallSettings(omit={"A1": "bubble"}))
    html = render_run_report(calls, plate, assay)
    curves = re.findall(r'<polyline [^>]*data-well="([A-P]\d+)"><title>([^<]*)</title>', html)
    wells = calls.wells[~calls.wells["omitted"]]
    assert sorted(w for w, _ in curves) == sorted(wells["well"])  # each drawn once, A1 left out
    titles = dict(curves)
    for well, sample, amp, ct in zip(
        wells["well"],
        wells["sample"],
        wells["amplification"],
        wells["ct"].astype(float),
        strict=True,
    ):
        title = titles[str(well)]
        assert title.startswith(f"{well} {sample}: {amp}")
        assert (f"Ct {ct:.2f}" in title) if ct == ct else ("no Ct" in title)
