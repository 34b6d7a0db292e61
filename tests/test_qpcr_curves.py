"""Curve analysis against the instrument, published methods and invariants.

Witnesses: the QuantStudio Design & Analysis v2.7.0 export's own Cq, threshold and Amp Status;
StepOne Software v2.3's Cq inside stepone_std.rdml; the per gene x dilution Cq of eight
published methods for the Vermeulen data (Ruijter et al., Methods 2013), in
../shared/validation/qpcr/rdml_vermeulen/data_vermeulen_methods_cq.tsv; scipy's
``curve_fit`` for the batched logistic fit. Real-data tests skip, saying why, without
../shared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import curve_fit

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves, fit_logistic
from ikzf1assay.qpcr.plate import CurvePoint, Plate, Reaction, RunInfo, build_plate

GOOD = Path(__file__).parent / "data" / "qpcr" / "good"
SHARED = Path(__file__).parent.parent.parent / "shared" / "validation" / "qpcr"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real exports not found at {SHARED} (../shared absent)"
)
QS_XLSX = (
    SHARED
    / "quantstudio_xlsx"
    / "appbio_quantstudio_designandanalysis_QS1_Standard_Curve_example01.xlsx"
)
STEPONE = SHARED / "abi_stepone" / "stepone_std.rdml"
VERMEULEN = SHARED / "rdml_vermeulen" / "data_vermeulen_std_150000_15.rdml"
METHODS = SHARED / "rdml_vermeulen" / "data_vermeulen_methods_cq.tsv"


def synthetic_plate(curves: dict[str, np.ndarray]) -> Plate:
    """A Plate of SYNTHETIC curves, one target, wells A1, A2, ..."""
    points = [
        CurvePoint(well, "T", float(c + 1), float(v))
        for well, values in curves.items()
        for c, v in enumerate(values)
    ]
    reactions = [Reaction(well=w, target="T", sample="SYNTHETIC") for w in curves]
    return build_plate(RunInfo("test", "synthetic", "0" * 64), reactions, points)


def logistic_curve(
    ct_shift: float = 0.0, scale: float = 1.0, cycles: int = 45, seed: int = 0
) -> np.ndarray:
    """Exponential-then-plateau curve (E about 1.9 early), baseline 0.5 with noise."""
    rng = np.random.default_rng(seed)
    c = np.arange(1, cycles + 1, dtype=float)
    signal = 2.0 / (1 + np.exp(-(c - 26.0 - ct_shift) / 1.6))
    return scale * (0.5 + signal + rng.normal(0, 0.002, cycles))


# --------------------------------------------------------------------------- fit cross-check


def test_batched_logistic_fit_equals_scipy_curve_fit() -> None:
    """fit_logistic vs scipy.optimize.curve_fit (scipy 1.x, trf/lm) on 20 noisy curves."""
    rng = np.random.default_rng(7)
    x = np.arange(1, 41, dtype=float)
    truths = np.column_stack(
        [
            rng.normal(0, 0.01, 20),
            rng.uniform(0.5, 3, 20),
            rng.uniform(18, 32, 20),
            rng.uniform(1.2, 2.5, 20),
        ]
    )
    y = np.array([b + a / (1 + np.exp(-(x - x0) / s)) for b, a, x0, s in truths]) + rng.normal(
        0, 0.01, (20, 40)
    )
    params, sse = fit_logistic(x, y)

    def model(x: np.ndarray, b: float, a: float, x0: float, s: float) -> np.ndarray:
        return b + a / (1 + np.exp(-(x - x0) / s))

    for i in range(20):
        ref, _ = curve_fit(model, x, y[i], p0=truths[i])
        ref_sse = float(np.sum((y[i] - model(x, *ref)) ** 2))
        assert sse[i] <= ref_sse * (1 + 1e-6) + 1e-12
        np.testing.assert_allclose(params[i], ref, rtol=1e-3, atol=1e-3)


# --------------------------------------------------------------------------- real data


@needs_shared
def test_quantstudio_instrument_threshold_reproduces_cq_and_amp_status() -> None:
    plate = read_run(QS_XLSX)
    table = analyse_curves(plate, CurveSettings(threshold="instrument")).table
    assert set(table["threshold_mode"]) == {"instrument"}
    assert set(table["threshold"]) == {0.1}
    diff = (table["ct"] - table["instrument_ct"]).abs()
    assert diff.median() <= 0.05  # measured: 0.030
    assert diff.max() < 0.1  # measured: 0.091
    status = plate.wells.set_index("well").loc[table["well"], "instrument_amp"].to_numpy()
    assert ((status == "AMP") == table["amplified"].to_numpy()).all()  # 92 AMP, 4 NO_AMP
    # the instrument's baseline range is used, so our baseline-corrected curve is its dRn
    assert (table["baseline_start"] == plate.wells["baseline_start"].to_numpy()).all()


@needs_shared
@pytest.mark.parametrize("mode", ["instrument", "auto"])
def test_stepone_controls_and_between_well_differences(mode: str) -> None:
    """StepOne v2.3 Cq; its RDML has no threshold: instrument mode infers it from the Cq."""
    table = analyse_curves(read_run(STEPONE), CurveSettings(threshold=mode)).table
    ntc = table[table["sample"].str.startswith("NTC")]
    assert len(ntc) == 3
    assert not ntc["amplified"].any()
    amp = table[table["amplified"] & table["instrument_ct"].notna()]
    assert len(amp) == 21
    centred = (amp["ct"] - amp["ct"].mean()) - (amp["instrument_ct"] - amp["instrument_ct"].mean())
    assert centred.abs().max() <= 0.1  # measured: 0.027 (instrument), 0.067 (auto)


def _published() -> pd.DataFrame:
    rows = [line.split(";") for line in METHODS.read_text(encoding="utf-8").splitlines()]
    genes = rows[0][3:]
    records, method = [], ""
    for r in rows[1:]:
        if r[0] == "method":
            method = r[1]
        elif len(r) > 2 and r[2].startswith("STD_"):
            for gene, value in zip(genes, r[3:], strict=False):
                if value.strip():
                    records.append((method, r[2], gene, float(value.replace(",", "."))))
    return pd.DataFrame(records, columns=["method", "sample", "gene", "cq"])


@pytest.fixture(scope="module")
def vermeulen() -> pd.DataFrame:
    plate = read_run(VERMEULEN)
    table = analyse_curves(plate).table.merge(
        plate.wells[["run", "well", "target", "quantity"]], on=["run", "well", "target"]
    )
    table["gene"] = table["target"].str.replace(r"_\d{8}(_bis)?$", "", regex=True)
    return table


@needs_shared
def test_vermeulen_standard_curves_are_linear(vermeulen: pd.DataFrame) -> None:
    assert bool(vermeulen["amplified"].all())  # 960 of 960
    fits = []
    for gene, group in vermeulen.groupby("gene"):
        slope, _ = np.polyfit(np.log10(group["quantity"]), group["ct"], 1)
        r2 = np.corrcoef(np.log10(group["quantity"]), group["ct"])[0, 1] ** 2
        fits.append((gene, slope, r2))
    fits_df = pd.DataFrame(fits, columns=["gene", "slope", "r2"]).set_index("gene")
    linear = fits_df.drop(index="ALUsq(Eurogentec)")  # a repeat element: not copies of one locus
    assert (linear["r2"] > 0.98).all()
    efficiency = 10 ** (-1 / linear["slope"])
    assert efficiency.between(1.8, 2.05).all()


@needs_shared
def test_vermeulen_agrees_with_published_methods(vermeulen: pd.DataFrame) -> None:
    ours = vermeulen.groupby(["gene", "sample"])["ct"].mean()
    published = _published()
    for method, r_min, sd_max in (("Standard-Cq", 0.999, 0.15), ("LinRegPCR", 0.999, 0.2)):
        theirs = published[published["method"] == method].groupby(["gene", "sample"])["cq"].mean()
        joined = pd.concat([ours.rename("ours"), theirs.rename("theirs")], axis=1, join="inner")
        assert len(joined) == 320
        assert np.corrcoef(joined["ours"], joined["theirs"])[0, 1] > r_min
        assert (
            joined["ours"] - joined["theirs"]
        ).std() < sd_max  # a constant offset is a threshold choice


@needs_shared
def test_vermeulen_15_copy_wells(vermeulen: pd.DataFrame) -> None:
    fifteen = vermeulen[vermeulen["sample"] == "STD_15"]
    assert len(fifteen) == 192
    assert int(fifteen["amplified"].sum()) == 192
    assert int((fifteen["ct"] < 36).sum()) == 192


# --------------------------------------------------------------------------- synthetic


def test_synthetic_fixture_ct_recovered() -> None:
    """The fixture places each crossing of its threshold at a known Ct (generate.py)."""
    table = analyse_curves(
        read_run(GOOD / "abi7500_v2_tab.txt"), CurveSettings(threshold="instrument")
    ).table
    t = table.set_index("well").to_dict("index")
    truth = {
        "A1": 28.4,
        "A2": 28.6,
        "A6": 25.1,
        "B1": 24.2,
        "B2": 24.3,
        "B3": 23.9,
        "B4": 24.0,
        "B6": 23.5,
    }
    for well, ct in truth.items():
        assert t[well]["ct"] == pytest.approx(ct, abs=0.15), well
        assert bool(t[well]["amplified"])
    for well in ("A3", "A4", "A5", "B5"):
        assert not bool(t[well]["amplified"])
        assert "NO_AMPLIFICATION" in str(t[well]["flags"])


def test_flags_late_and_threshold_modes() -> None:
    plate = synthetic_plate({"A1": logistic_curve(ct_shift=15.0), "A2": logistic_curve(seed=1)})
    table = analyse_curves(plate, CurveSettings(threshold=0.2, ct_cutoff=36.0)).table
    a1 = table.set_index("well").to_dict("index")["A1"]
    assert a1["ct"] > 36
    assert "LATE" in a1["flags"]
    assert set(table["threshold_mode"]) == {"user"}
    with pytest.raises(ParameterError, match="threshold 'sometimes'"):
        analyse_curves(plate, CurveSettings(threshold="sometimes"))
    with pytest.raises(ParameterError, match="gives no threshold for target"):
        analyse_curves(plate, CurveSettings(threshold="instrument"))


def test_reaction_without_curve_takes_the_instrument_result() -> None:
    """Issue 12 part 5: no curve, but a result: the instrument's Ct, marked as such."""
    table = analyse_curves(read_run(GOOD / "abi7500_v2_unpaired.txt")).table
    b6 = table.set_index("well").to_dict("index")["B6"]
    assert b6["flags"] == "NO_CURVE,CURVE_NOT_CHECKED"
    assert b6["amplification"] == "yes"
    assert b6["ct_source"] == "instrument"
    assert b6["ct"] == pytest.approx(23.5)


@settings(max_examples=30)
@given(k=st.integers(-6, 6), seed=st.integers(0, 1000))
def test_shifting_a_curve_shifts_its_ct(k: int, seed: int) -> None:
    # The same readings moved k cycles: slices of one long noisy curve.
    long = logistic_curve(ct_shift=6.0, seed=seed, cycles=62)
    base = long[6 : 6 + 50]
    shifted = long[6 - k : 6 - k + 50]
    table = analyse_curves(
        synthetic_plate({"A1": base, "A2": shifted}), CurveSettings(threshold=0.3)
    ).table
    ct = table.set_index("well")["ct"].to_dict()
    assert ct["A2"] - ct["A1"] == pytest.approx(k, abs=0.05)


@settings(max_examples=30)
@given(scale=st.floats(0.01, 1000.0), seed=st.integers(0, 1000))
def test_scaling_fluorescence_changes_neither_call_nor_ct(scale: float, seed: int) -> None:
    curves = {"A1": logistic_curve(seed=seed), "A2": logistic_curve(ct_shift=3, seed=seed + 1)}
    scaled = {w: v * scale for w, v in curves.items()}
    a = analyse_curves(synthetic_plate(curves)).table
    b = analyse_curves(synthetic_plate(scaled)).table
    assert list(a["amplified"]) == list(b["amplified"]) == [True, True]
    np.testing.assert_allclose(b["ct"], a["ct"], atol=1e-6)
    np.testing.assert_allclose(b["threshold"], a["threshold"] * scale, rtol=1e-6)


@settings(max_examples=40)
@given(
    level=st.floats(0.1, 10.0),
    drift=st.floats(-0.02, 0.02),
    noise=st.floats(0.0005, 0.05),
    seed=st.integers(0, 10_000),
)
def test_flat_or_drifting_noise_is_never_amplified(
    level: float, drift: float, noise: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    c = np.arange(1, 41, dtype=float)
    flat = level + drift * level * c + rng.normal(0, noise * level, 40)
    table = analyse_curves(synthetic_plate({"A1": flat})).table
    assert not bool(table["amplified"].iloc[0])
