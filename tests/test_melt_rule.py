"""The dye-assay melt rule: each branch on constructed wells, then call_run end to end.

The wells and melt tables of the branch tests are written by hand (the rule's input as
``call_run`` builds it); the end-to-end tests attach SYNTHETIC melt curves (sums of sigmoid
melting transitions with noise) to a simulated run and load the bundled assay with
``chemistry = "dye"`` from a copy in ``tmp_path``.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.assay import Assay, load_assay
from ikzf1assay.calling import call_run
from ikzf1assay.calling.melt_rule import NO_MELT_DATA, apply_melt_rule
from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.melt import MELT_CALL_COLUMNS, MeltCalls, MeltSettings
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.simulate import SimulatedRun, simulate_run

CUTOFF = 36.0
REF = "ALB"

# ----------------------------------------------------------------------------- constructed


def well(
    name: str,
    role: str = "sample",
    amp: str = "yes",
    ct: float = 28.0,
    reaction: str = "Δ4-7",
    omitted: bool = False,
) -> dict[str, object]:
    return {
        "run": "1", "well": name, "target": reaction, "sample": name, "reaction": reaction,
        "kind": "reference" if reaction == REF else "deletion", "role": role, "omitted": omitted,
        "amplification": amp, "amplification_reason": "sigmoid rise", "ct": ct,
        "crossing": ct, "flags": "",
    }  # fmt: skip


def melt_row(name: str, *peaks: float, target: str = "Δ4-7") -> dict[str, object]:
    return {
        "run": "1", "well": name, "target": target, "sample": name, "n_peaks": len(peaks),
        "main_peak": peaks[0] if peaks else math.nan, "main_height": 1.0 if peaks else math.nan,
        "peaks": ",".join(f"{p:.1f}" for p in peaks), "readings": 121,
    }  # fmt: skip


def melt_calls(*rows: dict[str, object]) -> MeltCalls:
    table = pd.DataFrame(list(rows), columns=MELT_CALL_COLUMNS)
    return MeltCalls(table, pd.DataFrame(), MeltSettings())


def rule(wells: list[dict[str, object]], melt: MeltCalls | None) -> pd.DataFrame:
    frame = pd.DataFrame(wells)
    out = apply_melt_rule(frame, melt, CUTOFF, REF)
    result = frame.assign(
        amplification=out.amplification, amplification_reason=out.amplification_reason,
        flags=out.flags,
    )  # fmt: skip
    result.attrs["reaction_flags"] = out.reaction_flags
    result.attrs["windows"] = out.windows
    result.attrs["notes"] = out.notes
    return result.set_index("well")


PC = well("PC", role="positive_control", ct=27.0)
PC_MELT = melt_row("PC", 85.0)


@pytest.mark.parametrize(
    ("peaks", "amp", "reason", "flag"),
    [
        ((85.3,), "yes", "sigmoid rise", ""),
        ((78.0,), "no", "non-specific product only (peak at 78.0 °C)", "NONSPECIFIC_PRODUCT"),
        ((77.0, 74.5), "no", "non-specific product only (peaks at 77.0, 74.5 °C)", "NONSPECIFIC"),
        ((85.1, 78.0), "review", "product peak at 85.1 °C and another peak", "MELT_EXTRA_PEAK"),
        ((78.0, 85.1), "review", "product peak at 85.1 °C and another peak", "MELT_EXTRA_PEAK"),
        ((90.0,), "review", "no peak in the product window (peak at 90.0 °C)", "MELT_OFF_WINDOW"),
        ((78.0, 90.0), "review", "no peak in the product window", "MELT_OFF_WINDOW"),
        ((), "review", "amplified without a melt peak", "MELT_NO_PEAK"),
    ],
)
def test_sample_well_by_its_peaks(
    peaks: tuple[float, ...], amp: str, reason: str, flag: str
) -> None:
    out = rule([PC, well("S1")], melt_calls(PC_MELT, melt_row("S1", *peaks)))
    assert out.loc["S1", "amplification"] == amp
    assert str(out.loc["S1", "amplification_reason"]).startswith(reason)
    assert flag in str(out.loc["S1", "flags"])
    assert out.loc["PC", "amplification"] == "yes"  # the control itself is never changed
    window = out.attrs["windows"].iloc[0]
    assert (window["low"], window["center"], window["high"]) == (83.0, 85.0, 87.0)


def test_negative_needs_the_positive_controls_peak_in_the_same_run() -> None:
    dimer = melt_row("S1", 78.0)
    no_peak = rule([PC, well("S1")], melt_calls(melt_row("PC"), dimer))
    assert no_peak.loc["S1", "amplification"] == "review"
    assert "positive control without a melt peak" in str(no_peak.loc["S1", "amplification_reason"])
    no_pc = rule([well("S1")], melt_calls(dimer))
    assert no_pc.loc["S1", "amplification"] == "review"
    assert "no positive control" in str(no_pc.loc["S1", "amplification_reason"])
    other_run = {**PC, "run": "2"}
    elsewhere = rule([other_run, well("S1")], melt_calls({**PC_MELT, "run": "2"}, dimer))
    assert elsewhere.loc["S1", "amplification"] == "review"


def test_several_positive_controls_give_their_mean_unless_they_disagree() -> None:
    pc2 = well("PC2", role="positive_control")
    agree = rule([PC, pc2, well("S1")],
                 melt_calls(PC_MELT, melt_row("PC2", 85.6), melt_row("S1", 82.5)))  # fmt: skip
    window = agree.attrs["windows"].iloc[0]
    assert window["center"] == pytest.approx(85.3)
    assert window["positive_control_wells"] == "PC,PC2"
    assert agree.loc["S1", "amplification"] == "no"  # 82.5 < 83.3: below the mean's window
    split = rule([PC, pc2, well("S1")],
                 melt_calls(PC_MELT, melt_row("PC2", 88.0), melt_row("S1", 78.0)))  # fmt: skip
    assert split.loc["S1", "amplification"] == "review"
    assert "positive-control melt peaks disagree" in str(split.loc["S1", "amplification_reason"])


def test_ntc_primer_dimer_is_a_flag_when_late_and_never_changes_the_ntc() -> None:
    late = rule([PC, well("N1", role="ntc", ct=37.2)], melt_calls(PC_MELT, melt_row("N1", 77.0)))
    assert late.loc["N1", "amplification"] == "yes"
    assert str(late.loc["N1", "amplification_reason"]).startswith(
        "non-specific product only (peak at 77.0 °C)"
    )
    assert late.attrs["reaction_flags"] == {"Δ4-7": ("NONSPECIFIC_NTC",)}
    early = rule([PC, well("N1", role="ntc", ct=31.0)], melt_calls(PC_MELT, melt_row("N1", 77.0)))
    assert early.attrs["reaction_flags"] == {}  # the control check invalidates it instead
    assert early.loc["N1", "amplification"] == "yes"
    product = rule([PC, well("N1", role="ntc", amp="review", ct=math.nan)],
                   melt_calls(PC_MELT, melt_row("N1", 85.2)))  # fmt: skip
    assert product.attrs["reaction_flags"] == {"Δ4-7": ("NTC_LATE_PRODUCT",)}


def test_wells_the_rule_leaves_alone() -> None:
    wells = [
        PC,
        well("S-no", amp="no", ct=math.nan),  # no curve: melt never makes a product
        well("S-omit", omitted=True),
        well("R1", reaction=REF, ct=24.0),  # the reference without a positive control
        well("NEG", role="negative_control"),  # wild-type DNA: judged like a sample
    ]
    melt = melt_calls(PC_MELT, melt_row("S-no", 78.0), melt_row("S-omit", 78.0),
                      melt_row("R1", 76.0, target=REF), melt_row("NEG", 78.0))  # fmt: skip
    out = rule(wells, melt)
    assert list(out["amplification"]) == ["yes", "no", "yes", "yes", "no"]
    assert out.loc["R1", "amplification_reason"] == "sigmoid rise"


def test_melt_named_by_channel_is_matched_by_well() -> None:
    out = rule([PC, well("S1")],
               melt_calls(melt_row("PC", 85.0, target="SYBR"), melt_row("S1", 78.0, target="SYBR")))  # fmt: skip
    assert out.loc["S1", "amplification"] == "no"


def test_missing_melt_curve_of_one_well_is_review() -> None:
    out = rule([PC, well("S1")], melt_calls(PC_MELT))
    assert out.loc["S1", "amplification"] == "review"
    assert "no melt curve for this well" in str(out.loc["S1", "amplification_reason"])


def test_dye_run_without_melt_data_puts_amplified_deletion_wells_in_review() -> None:
    wells = [PC, well("S1"), well("S2", amp="no", ct=math.nan), well("N1", role="ntc", ct=37.0),
             well("R1", reaction=REF, ct=24.0)]  # fmt: skip
    for melt in (None, melt_calls()):
        out = rule(wells, melt)
        assert list(out["amplification"]) == ["yes", "review", "no", "yes", "yes"]
        assert str(out.loc["S1", "amplification_reason"]).startswith(NO_MELT_DATA)
        assert "MELT_NOT_CHECKED" in str(out.loc["S1", "flags"])
        assert out.attrs["notes"] == (
            f"{NO_MELT_DATA}: every amplified deletion well is in review",
        )


# ----------------------------------------------------------------------------- end to end

# product Tm per reaction of the synthetic melt curves (any values a real assay could give)
PRODUCT_TM = {"Δ2-7": 84.0, "Δ2-8": 86.0, "Δ4-7": 85.0, "Δ4-8": 87.0, "ALB": 82.0}
DIMER_TM = 76.0
TEMPERATURES = np.arange(65.0, 95.01, 0.25)


def _melt_curve(transitions: list[tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """Fluorescence of a dye melt: background slope plus one sigmoid fall per duplex."""
    f = 0.05 + 0.002 * (95.0 - TEMPERATURES)
    for tm, height in transitions:
        f = f + height / (1.0 + np.exp((TEMPERATURES - tm) / 0.6))
    noisy: np.ndarray = f * (1.0 + rng.normal(0.0, 0.002, TEMPERATURES.size))
    return noisy


def with_melt(plate: Plate, sim: SimulatedRun, dimer: set[str], extra: set[str]) -> Plate:
    """The plate with a melt curve per well: the product where the design amplifies, a
    primer-dimer only in the wells of ``dimer``, product plus dimer in ``extra``."""
    rng = np.random.default_rng(4)
    frames = []
    for w in sim.wells.itertuples():
        amplifies = math.isfinite(float(str(w.design_ct)))
        product = [(PRODUCT_TM[str(w.target)], 1.0)] if amplifies else []
        transitions = {str(w.well): product}
        if w.well in dimer:
            transitions[str(w.well)] = [(DIMER_TM, 0.6)]
        elif w.well in extra:
            transitions[str(w.well)] = [*product, (DIMER_TM, 0.6)]
        frames.append(pd.DataFrame({
            "run": "1", "well": w.well, "target": w.target, "temperature": TEMPERATURES,
            "fluorescence": _melt_curve(transitions[str(w.well)], rng),
        }))  # fmt: skip
    return dataclasses.replace(plate, melt=pd.concat(frames, ignore_index=True))


@pytest.fixture(scope="module")
def run(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulatedRun, Plate]:
    sim = simulate_run(assay, seed=1)
    export = tmp_path_factory.mktemp("melt") / "sim_1.txt"
    export.write_text(sim.text, encoding="utf-8")
    return sim, read_run(export)


@pytest.fixture(scope="module")
def dye_assay(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> Assay:
    text = Path(assay.path).read_text(encoding="utf-8")
    copy = tmp_path_factory.mktemp("dye") / "dye.toml"
    copy.write_text(text.replace("format_version = 1", 'format_version = 1\nchemistry = "dye"'))
    loaded = load_assay(copy)
    assert loaded.chemistry == "dye"
    return loaded


def _wells(sim: SimulatedRun, sample: str, target: str) -> set[str]:
    w = sim.wells
    return set(w.loc[(w["sample"] == sample) & (w["target"] == target), "well"])


def test_dye_run_end_to_end(
    assay: Assay, dye_assay: Assay, run: tuple[SimulatedRun, Plate]
) -> None:
    sim, plate = run
    dimer = _wells(sim, "SIM-01", "Δ4-7")  # the deletion's curves are a primer-dimer
    extra = _wells(sim, "SIM-02", "Δ2-7")  # product and dimer
    melted = with_melt(plate, sim, dimer, extra)
    probe = call_run(plate, assay).samples.set_index("sample")
    dye = call_run(melted, dye_assay)
    calls = dye.samples.set_index("sample")
    assert calls.loc["SIM-01", "call"] == "not detected"
    assert "(non-specific)" in str(calls.loc["SIM-01", "evidence"])
    assert calls.loc["SIM-02", "call"] == "inconclusive"
    assert "product peak at 84.0 °C and another peak" in str(calls.loc["SIM-02", "reason"])
    same = [s for s in probe.index if s not in ("SIM-01", "SIM-02")]
    assert calls.loc[same, "call"].to_dict() == probe.loc[same, "call"].to_dict()
    windows = dye.melt_windows.set_index("reaction")
    assert windows.loc["Δ4-7", "center"] == pytest.approx(85.0, abs=0.2)
    assert windows.loc["ALB", "status"] == "no positive control"
    assert dye.melt is not None
    assert len(dye.melt.table) == len(plate.wells)
    assert any(n.startswith("dye assay, run 1: product window") for n in dye.notes)
    wells = dye.wells.set_index("well")
    assert set(wells.loc[sorted(dimer), "amplification"]) == {"no"}
    assert not wells.loc[sorted(dimer), "amplified"].any()


def test_probe_run_with_melt_curves_is_called_as_without(
    assay: Assay, run: tuple[SimulatedRun, Plate]
) -> None:
    sim, plate = run
    melted = with_melt(plate, sim, _wells(sim, "SIM-01", "Δ4-7"), set())
    before, after = call_run(plate, assay), call_run(melted, assay)
    pd.testing.assert_frame_equal(before.samples, after.samples)
    pd.testing.assert_frame_equal(before.wells, after.wells)
    assert after.melt is not None
    assert before.melt is None
    assert "melt curves shown, not used: the assay's chemistry is probe" in after.notes


def test_dye_run_without_melt_data_makes_positives_inconclusive(
    assay: Assay, dye_assay: Assay, run: tuple[SimulatedRun, Plate]
) -> None:
    _, plate = run
    probe = call_run(plate, assay).samples
    dye = call_run(plate, dye_assay).samples.set_index("sample")
    for sample, call in zip(probe["sample"].astype(str), probe["call"], strict=True):
        if call in ("not detected", "invalid"):  # no deletion signal: nothing to doubt
            assert dye.loc[sample, "call"] == call
        else:  # a curve in a dye assay is not proof of the product
            assert dye.loc[sample, "call"] == "inconclusive"
            assert "product identity not checked" in str(dye.loc[sample, "reason"])


def test_call_with_a_locus_shows_the_predicted_product_tm(tmp_path: Path) -> None:
    """`call --locus FILE`: the report's melt section gives each reaction's product Tm
    predicted from the locus (SYNTHETIC stand-in written as a locus file), equal to
    predicted_product_tms on that locus; without --locus it says how to get it."""
    import io
    import re

    from ikzf1assay.assay import load_assay
    from ikzf1assay.cli import main
    from ikzf1assay.primers.product_tm import predicted_product_tms
    from ikzf1assay.reference import all_alleles, locus_contig_name, synthetic_locus
    from ikzf1assay.reference.synthetic import write_fasta

    assay = load_assay(None)
    locus = synthetic_locus(assay)
    locus_file = write_fasta(
        tmp_path / "SYNTHETIC_locus.fa", {locus_contig_name(locus.model): locus.sequence}
    )
    export = Path(__file__).parent.parent / "src" / "ikzf1assay" / "data" / "demo_run_abi7500.txt"
    out = tmp_path / "out"
    argv = ["call", str(export), "-o", str(out), "--locus", str(locus_file)]
    assert main(argv, out=io.StringIO()) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    expected = predicted_product_tms(assay, all_alleles(locus))
    for r in assay.reactions:
        own = expected[(expected["deletion"] == r.deletion) & (expected["allele"] == r.deletion)]
        tm = float(own.loc[own["counts"].astype(bool), "predicted_tm"].iloc[0])
        row = re.search(
            rf"<tr><td>{re.escape(r.deletion)}</td><td>[^<]*</td><td>([^<]*)</td>", html
        )
        assert row, r.deletion
        assert row.group(1).startswith(f"{tm:.1f} °C ("), (r.deletion, row.group(1))
    plain = tmp_path / "plain"
    assert main(["call", str(export), "-o", str(plain)], out=io.StringIO()) == 0
    assert "pass <code>--locus FILE</code>" not in (plain / "report.html").read_text("utf-8")
