"""Deletion calling: every call category, controls, DNA adequacy, replicates, layout, CLI.

Plates come from ``ikzf1assay.simulate`` (SYNTHETIC runs in ABI 7500 v2 text format). The
truth is stated from each design by ``simulate.expected``, independently of any curve; the
tests check that reader + curve analysis + calling reproduce it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.calling import call_run, read_layout
from ikzf1assay.calling.calls import CallSettings, _replicates
from ikzf1assay.cli import main
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import read_run
from ikzf1assay.report.calls import calls_document
from ikzf1assay.simulate import SimSample, simulate_run

REACTIONS = ["Δ2-7", "Δ2-8", "Δ4-7", "Δ4-8"]


def called(assay: Assay, tmp_path: Path, **kwargs: object) -> tuple[pd.DataFrame, object]:
    sim = simulate_run(assay, **kwargs)  # type: ignore[arg-type]
    export = tmp_path / f"sim_{kwargs.get('seed', 1)}.txt"
    export.write_text(sim.text, encoding="utf-8")
    result = call_run(read_run(export), assay)
    truth = sim.truth.rename(columns={"deletions": "true_deletions"})
    return truth.merge(result.samples, on="sample", how="outer"), result


def test_every_call_category(assay: Assay, tmp_path: Path) -> None:
    merged, result = called(assay, tmp_path, seed=1)
    calls = dict(zip(merged["sample"], merged["call"], strict=True))
    assert calls == {
        "SIM-01": "Δ4-7", "SIM-02": "Δ2-7", "SIM-03": "Δ2-8", "SIM-04": "Δ4-8", "SIM-05": "mixed",
        "SIM-06": "not detected", "SIM-07": "invalid", "SIM-08": "inconclusive",
    }  # fmt: skip
    rows = {
        str(r["sample"]): {str(k): str(v) for k, v in r.items()} for r in merged.to_dict("records")
    }
    assert rows["SIM-05"]["deletions"] == rows["SIM-05"]["true_deletions"] == "Δ2-8,Δ4-7"
    assert "MINOR_SUBCLONE:Δ2-8" in rows["SIM-05"]["flags"]
    assert rows["SIM-06"]["reason"] == "no recurrent IKZF1 intragenic deletion detected"
    assert rows["SIM-07"]["reason"].startswith(
        "DNA not amplifiable: ALB not amplified with Ct <= 32"
    )
    assert "only late signal" in rows["SIM-08"]["reason"]
    assert "estimate" in rows["SIM-01"]["load"]
    assert result.threshold_mode == "instrument"  # type: ignore[attr-defined]
    assert bool(result.controls["valid"].all())  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(2, 10))
def test_simulated_plates_are_called_correctly(assay: Assay, tmp_path: Path, seed: int) -> None:
    merged, _ = called(assay, tmp_path, seed=seed)
    wrong = merged[
        (merged["expected_call"] != merged["call"])
        | (merged["expected_status"] != merged["status"])
    ]
    assert wrong.empty, wrong[["sample", "expected_call", "call", "reason"]].to_string()


@pytest.mark.parametrize("reaction", REACTIONS)
def test_contaminated_ntc_invalidates_exactly_its_reaction(
    assay: Assay, tmp_path: Path, reaction: str
) -> None:
    merged, result = called(assay, tmp_path, seed=11, contaminated_ntc=reaction)
    controls = result.controls  # type: ignore[attr-defined]
    mine = controls[controls["reaction"] == reaction]
    assert not mine["valid"].any()
    assert mine["reason"].str.contains("no-template control signal before the cut-off").all()
    assert bool(controls[controls["reaction"] != reaction]["valid"].all())
    wrong = merged[merged["expected_call"] != merged["call"]]
    assert wrong.empty, wrong[["sample", "expected_call", "call", "reason"]].to_string()
    assert (merged["call"] != "not detected").all()  # nothing may read as "no deletion"


def test_failed_reference_gene_never_reads_as_not_detected(assay: Assay, tmp_path: Path) -> None:
    design = [
        SimSample(f"SIM-F{i}", deletions=d, dna_ok=False) for i, d in enumerate([(), ("Δ4-7",), ()])
    ]
    design += [SimSample("SIM-OK")]
    merged, _ = called(assay, tmp_path, seed=3, design=design)
    failed = merged[merged["sample"].str.startswith("SIM-F")]
    assert (failed["call"] == "invalid").all()
    assert failed["reason"].str.startswith("DNA not amplifiable").all()
    assert dict(zip(merged["sample"], merged["call"], strict=True))["SIM-OK"] == "not detected"


def test_replicate_rule() -> None:
    """Issue 12 part 2: any positive beside a negative is a repeat by default; review wells."""

    def group(*results: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "well": [f"A{i + 1}" for i in range(len(results))],
                "result": list(results),
                "omitted": False,
                "crossing": [30.0 if r == "review" else float("nan") for r in results],
                "amplification_reason": "a doubt",
            }
        )

    any_rule = "any-positive"
    assert _replicates(group("positive", "positive"), any_rule, 36)[:2] == (
        "positive",
        "2 of 2 clear replicates positive",
    )
    assert _replicates(group("positive", "negative", "negative"), any_rule, 36)[0] == "inconclusive"
    assert _replicates(group("positive", "positive", "negative"), any_rule, 36)[0] == "inconclusive"
    assert _replicates(group("late", "negative"), any_rule, 36)[0] == "inconclusive"
    assert _replicates(group("negative", "negative"), any_rule, 36)[:2] == (
        "negative",
        "0 of 2 replicates positive",
    )
    assert _replicates(group("positive", "review"), any_rule, 36) == (
        "positive",
        "1 of 1 clear replicates positive",
        ["A2"],
    )
    state, why, _ = _replicates(group("negative", "review"), any_rule, 36)
    assert (state, why) == ("inconclusive", "review the curve of A2: a doubt")
    assert _replicates(group("positive", "positive", "negative"), "majority", 36)[0] == "positive"
    assert _replicates(group("positive", "negative", "negative"), "majority", 36)[:2] == (
        "negative",
        "1 of 3 replicates positive (minority)",
    )
    omitted = group("positive", "positive").assign(omitted=True)
    assert _replicates(omitted, any_rule, 36)[0] == "inconclusive"


def test_layout_overrides_names_and_roles(assay: Assay, tmp_path: Path) -> None:
    sim = simulate_run(assay, seed=2)
    export = tmp_path / "run.txt"
    export.write_text(sim.text.replace("SIM-06", "anonymous"), encoding="utf-8")
    wells = sim.wells[sim.wells["sample"] == "SIM-06"]
    layout = tmp_path / "layout.csv"
    layout.write_text(
        "well;sample;reaction;role\n"
        + "".join(
            f"{w};PATIENT-X;{t.replace('Δ', 'del')};sample\n"
            for w, t in zip(wells["well"], wells["target"], strict=True)
        ),
        encoding="utf-8",
    )
    result = call_run(read_run(export), assay, read_layout(layout, assay))
    calls = dict(zip(result.samples["sample"], result.samples["call"], strict=True))
    assert calls["PATIENT-X"] == "not detected"
    assert "anonymous" not in calls
    digest = hashlib.sha256(layout.read_bytes()).hexdigest()
    assert result.layout_sha256 == digest
    doc = calls_document(result, read_run(export), assay)
    assert doc["provenance"]["parameters"]["layout_sha256"] == digest


def test_layout_errors(assay: Assay, tmp_path: Path) -> None:
    bad = tmp_path / "layout.csv"
    bad.write_text("well,sample,reaction,role\nA1,S1,IK9-9,sample\n", encoding="utf-8")
    with pytest.raises(
        InputFormatError,
        match=r"layout\.csv:2: reaction 'IK9-9' is not a name of the assay; known names: .*IK4-7",
    ):
        read_layout(bad, assay)
    bad.write_text("well,sample,reaction,role\nA1,S1,D4-7,patient\n", encoding="utf-8")
    with pytest.raises(
        InputFormatError, match="role 'patient'; allowed: sample, ntc, positive_control"
    ):
        read_layout(bad, assay)


def test_unknown_target_lists_known_names(assay: Assay, tmp_path: Path) -> None:
    sim = simulate_run(assay, seed=1)
    export = tmp_path / "run.txt"
    export.write_text(sim.text.replace("\tΔ2-8\t", "\tIKZF1-X\t"), encoding="utf-8")
    with pytest.raises(
        InputFormatError,
        match=r"target\(s\) 'IKZF1-X' \(wells .*\) match no reaction of the assay file .*known names: .*Δ2-7",
    ):
        call_run(read_run(export), assay)


def test_cli_call_and_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export, truth, out = tmp_path / "run.txt", tmp_path / "truth.tsv", tmp_path / "out"
    assert main(["simulate", "run", "--seed", "5", "-o", str(export), "--truth", str(truth)]) == 0
    assert main(["call", str(export), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "SIM-06 not detected" in printed.replace("  ", " ")
    calls = pd.read_csv(out / "calls.tsv", sep="\t", keep_default_na=False)
    assert list(calls.columns) == [
        "sample",
        "call",
        "deletions",
        "status",
        "reason",
        "load",
        "evidence",
        "flags",
    ]
    expected = pd.read_csv(truth, sep="\t", keep_default_na=False)
    assert dict(zip(calls["sample"], calls["call"], strict=True)) == dict(
        zip(expected["sample"], expected["expected_call"], strict=True)
    )
    wells = pd.read_csv(out / "wells.tsv", sep="\t", keep_default_na=False)
    assert {"reaction", "role", "positive"} <= set(wells.columns)
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert len(provenance["input_sha256"]) == 64
    assert len(provenance["assay_sha256"]) == 64
    assert main(["call", str(export), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {c["sample"] for c in doc["calls"]} == set(expected["sample"])
    assert "estimate" in doc["note"]


def test_bundled_demo_run_is_the_simulator_output(assay: Assay) -> None:
    """The package's demo export is `ikzf1assay simulate run --seed 1`, byte for byte."""
    from importlib import resources

    data = resources.files("ikzf1assay") / "data"
    bundled = (data / "demo_run_abi7500.txt").read_text(encoding="utf-8")
    assert bundled == simulate_run(assay, seed=1).text
    truth = (data / "demo_run_truth.tsv").read_text(encoding="utf-8")
    assert truth == simulate_run(assay, seed=1).truth.to_csv(
        sep="\t", index=False, lineterminator="\n"
    )


def test_cli_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "-o", str(tmp_path / "demo")]) == 0
    printed = capsys.readouterr().out
    for sample, call in (
        ("SIM-01", "Δ4-7"),
        ("SIM-05", "mixed"),
        ("SIM-06", "not detected"),
        ("SIM-07", "invalid"),
        ("SIM-08", "inconclusive"),
    ):
        assert any(
            line.split()[:2] == [sample, call.split()[0]] for line in printed.splitlines()
        ), sample
    assert (tmp_path / "demo" / "calls.tsv").exists()


def test_cli_batch_folder(assay: Assay, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for seed in (21, 22):
        (runs / f"run{seed}.txt").write_text(simulate_run(assay, seed=seed).text, encoding="utf-8")
    (runs / "notes.txt").write_text("not an export\n", encoding="utf-8")
    broken = simulate_run(assay, seed=23).text.replace("\tΔ4-7\t", "\tIK-unknown\t")
    (runs / "run23.txt").write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["call", str(runs), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2  # one export failed; the others were called
    assert "IK-unknown" in captured.err
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["run21", "run22"]
    assert (out / "run21" / "report.html").exists()
    combined = pd.read_csv(out / "calls_combined.tsv", sep="\t", keep_default_na=False)
    assert sorted(set(combined["export"])) == ["run21.txt", "run22.txt"]
    assert len(combined) == 16
    skipped = pd.read_csv(out / "skipped.tsv", sep="\t")
    assert list(skipped["path"].map(lambda p: Path(p).name)) == ["notes.txt"]
    errors = pd.read_csv(out / "errors.tsv", sep="\t")
    assert list(errors["export"].map(lambda p: Path(p).name)) == ["run23.txt"]
    assert main(["call", str(runs / "run21.txt"), str(runs / "run22.txt")]) == 2  # batch needs -o


def test_user_omit_excludes_the_well_and_names_unknown_wells(assay: Assay, tmp_path: Path) -> None:
    """Issue 12 part 4: --omit takes a well out of calling, with its reason in the call."""
    sim = simulate_run(assay, seed=1)
    export = tmp_path / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    plate = read_run(export)
    well = str(sim.wells[sim.wells["sample"] == "SIM-01"]["well"].iloc[0])
    result = call_run(plate, assay, settings=CallSettings(omit={well: "bubble"}))
    row = result.wells[result.wells["well"] == well].iloc[0]
    assert row["result"] == "omitted"
    assert row["omit_reason"] == "omitted by the user: bubble"
    reason = str(result.samples.set_index("sample").loc["SIM-01", "reason"])
    assert f"omitted: {well} (omitted by the user: bubble)" in reason
    with pytest.raises(InputFormatError, match=r"--omit names well\(s\) not on the plate: P24"):
        call_run(plate, assay, settings=CallSettings(omit={"P24": "x"}))
