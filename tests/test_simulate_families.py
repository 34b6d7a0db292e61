"""The seeded curve families of ikzf1assay.simulate: deterministic, shaped, and as documented."""

from __future__ import annotations

import numpy as np
import pytest

from ikzf1assay.simulate import (
    CURVE_FAMILIES,
    NOISE_SD,
    THRESHOLD,
    curve_family,
    curve_family_plate,
)

AMPLIFYING = {"clean", "low_plateau", "shallow_slope", "late_rise", "spike_on_amplification"}
N = 60


def _crossing(signal: np.ndarray, cycles: np.ndarray) -> float:
    """First upward crossing of THRESHOLD, linear interpolation (NaN when none)."""
    above = np.flatnonzero(signal >= THRESHOLD)
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    k = int(above[0])
    y0, y1 = signal[k - 1], signal[k]
    return float(cycles[k - 1] + (THRESHOLD - y0) / (y1 - y0))


@pytest.mark.parametrize("kind", CURVE_FAMILIES)
def test_same_seed_same_arrays(kind: str) -> None:
    a, b = curve_family(kind, n=12, seed=7), curve_family(kind, n=12, seed=7)
    for name in ("cycles", "rn", "amplifies", "design_ct", "rn_true", "signal_ct"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.params.equals(b.params)
    other = curve_family(kind, n=12, seed=8)
    assert other.rn.shape != a.rn.shape or not np.array_equal(other.rn, a.rn)


@pytest.mark.parametrize("kind", CURVE_FAMILIES)
def test_shapes_baseline_and_noise(kind: str) -> None:
    fam = curve_family(kind, n=N, seed=1)
    m = len(fam.cycles)
    assert fam.kind == kind
    assert fam.rn.shape == fam.rn_true.shape == (N, m)
    assert fam.amplifies.shape == fam.design_ct.shape == fam.signal_ct.shape == (N,)
    assert fam.amplifies.dtype == bool
    assert len(fam.params) == N
    np.testing.assert_array_equal(fam.cycles, np.arange(1, m + 1, dtype=float))
    assert ((fam.params["b0"] >= 0.45) & (fam.params["b0"] <= 0.75)).all()
    if kind == "short":
        assert 1 <= m <= 10
    else:
        assert m == 40
    rel = fam.rn / fam.rn_true - 1
    assert 0.0010 < float(rel.std()) < 0.0020  # multiplicative noise ~0.15 %


@pytest.mark.parametrize("kind", CURVE_FAMILIES)
def test_amplifies_matches_kind(kind: str) -> None:
    fam = curve_family(kind, n=N, seed=2)
    if kind == "short":
        assert fam.amplifies.any()
        assert (~fam.amplifies).any()
        assert not fam.visible.any()  # every Ct lies beyond a 1-10 cycle run
        return
    assert fam.amplifies.all() == (kind in AMPLIFYING)
    assert fam.amplifies.any() == (kind in AMPLIFYING)
    np.testing.assert_array_equal(np.isnan(fam.design_ct), ~fam.amplifies)
    np.testing.assert_array_equal(fam.visible, fam.amplifies)


@pytest.mark.parametrize(
    ("kind", "ct", "plateau", "s"),
    [
        ("clean", (18, 32), (1.2, 2.2), (1.4, 1.8)),
        ("spike_on_amplification", (18, 32), (1.2, 2.2), (1.4, 1.8)),
        ("low_plateau", (25, 33), (0.25, 0.5), (1.4, 1.8)),
        ("shallow_slope", (26, 34), (1.2, 2.2), (3.0, 5.0)),
        ("late_rise", (33, 39), (1.2, 2.2), (1.4, 1.8)),
    ],
)
def test_amplification_ranges_and_design_ct(
    kind: str, ct: tuple[float, float], plateau: tuple[float, float], s: tuple[float, float]
) -> None:
    fam = curve_family(kind, n=N, seed=3)
    p = fam.params
    for col, (lo, hi) in (("ct", ct), ("plateau", plateau), ("s", s)):
        assert p[col].between(lo, hi).all(), col
    np.testing.assert_allclose(fam.design_ct, p["ct"])
    baseline = p["b0"].to_numpy()[:, None] + p["drift"].to_numpy()[:, None] * fam.cycles
    signal = fam.rn_true - baseline
    if kind == "spike_on_amplification":  # the spike is no part of the amplification
        for i, (cyc, size) in enumerate(zip(p["spike_cycle"], p["spike_size"], strict=True)):
            signal[i, int(cyc) - 1] -= size * NOISE_SD * p["b0"].iloc[i]
    found = np.array([_crossing(row, fam.cycles) for row in signal])
    # linear interpolation of a convex rise crosses a little late; never by a cycle
    assert np.all(np.abs(found - fam.design_ct) < 0.3)


def test_shallow_slope_mostly_without_plateau() -> None:
    fam = curve_family("shallow_slope", n=N, seed=4)
    p = fam.params
    share_at_end = (fam.rn_true[:, -1] - p["b0"]) / p["plateau"]
    assert (share_at_end < 0.9).mean() > 0.5


@pytest.mark.parametrize("kind", ["drift_up", "drift_down"])
def test_drift_totals(kind: str) -> None:
    fam = curve_family(kind, n=N, seed=5)
    b0 = fam.params["b0"].to_numpy()
    total = (fam.rn_true[:, -1] - fam.rn_true[:, 0]) / b0
    sign = 1 if kind == "drift_up" else -1
    assert np.all((sign * total >= 0.10 - 1e-12) & (sign * total <= 0.40 + 1e-12))
    # straight: second differences vanish
    np.testing.assert_allclose(np.diff(fam.rn_true, 2, axis=1), 0, atol=1e-12)
    assert np.isnan(fam.signal_ct).all()


def test_baseline_step() -> None:
    fam = curve_family("baseline_step", n=N, seed=6)
    p = fam.params
    assert p["step_cycle"].between(10, 35).all()
    assert p["step_size"].abs().between(0.02, 0.05).all()
    jumps = np.diff(fam.rn_true, axis=1)
    for i in range(N):
        k = int(p["step_cycle"].iloc[i])
        np.testing.assert_allclose(jumps[i, k - 2], p["step_size"].iloc[i] * p["b0"].iloc[i])
        others = np.delete(jumps[i], k - 2)
        np.testing.assert_allclose(others, 0, atol=1e-12)


@pytest.mark.parametrize("kind", ["spike", "spike_on_amplification"])
def test_spike_height(kind: str) -> None:
    fam = curve_family(kind, n=N, seed=7)
    p = fam.params
    assert p["spike_size"].between(10, 50).all()
    assert p["spike_cycle"].between(3, 40).all()
    for i in range(N):
        k = int(p["spike_cycle"].iloc[i]) - 1
        noise = NOISE_SD * p["b0"].iloc[i]
        smooth = p["b0"].iloc[i] + p["drift"].iloc[i] * fam.cycles[k]
        if kind == "spike_on_amplification":  # the sigmoid of the module docstring
            ct, plateau, s = p["ct"].iloc[i], p["plateau"].iloc[i], p["s"].iloc[i]
            x0 = ct + s * np.log(plateau / THRESHOLD - 1)
            smooth += plateau / (1 + np.exp(-(fam.cycles[k] - x0) / s))
        height = fam.rn_true[i, k] - smooth
        np.testing.assert_allclose(height, p["spike_size"].iloc[i] * noise, rtol=1e-6)
    if kind == "spike":
        assert (fam.rn_true.max(1) - fam.params["b0"] < THRESHOLD).all()


def test_linear_rise() -> None:
    fam = curve_family("linear_rise", n=N, seed=8)
    p = fam.params
    assert p["rise_start"].between(15, 30).all()
    assert p["rise_height"].between(0.3, 1.0).all()
    above = fam.rn_true[:, -1] - p["b0"]
    np.testing.assert_allclose(above, p["rise_height"])
    assert not fam.amplifies.any()
    assert np.isnan(fam.design_ct).all()
    found = np.array([_crossing(fam.rn_true[i] - p["b0"].iloc[i], fam.cycles) for i in range(N)])
    np.testing.assert_allclose(found, fam.signal_ct, atol=1e-9)
    assert (fam.signal_ct < 36).any()  # an instrument would call some of them Ct < 36
    for i in range(N):  # flat before its start
        before = fam.cycles <= p["rise_start"].iloc[i]
        np.testing.assert_allclose(fam.rn_true[i, before], p["b0"].iloc[i])


def test_short_length_from_seed_or_argument() -> None:
    lengths = {len(curve_family("short", n=3, seed=s).cycles) for s in range(40)}
    assert lengths <= set(range(1, 11))
    assert len(lengths) > 3
    fam = curve_family("short", n=5, seed=0, cycles=2)
    assert fam.rn.shape == (5, 2)
    assert curve_family("short", n=5, seed=0, cycles=1).rn.shape == (5, 1)


@pytest.mark.parametrize(
    ("kind", "cycles", "match"),
    [
        ("nonsense", None, "unknown curve family"),
        ("short", 11, "1-10 cycles"),
        ("short", 0, "1-10 cycles"),
        ("clean", 30, "at least 40 cycles"),
    ],
)
def test_bad_arguments(kind: str, cycles: int | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        curve_family(kind, n=3, seed=0, cycles=cycles)


def test_longer_runs() -> None:
    fam = curve_family("drift_up", n=4, seed=0, cycles=45)
    assert fam.rn.shape == (4, 45)


@pytest.mark.parametrize("kind", ["clean", "short", "linear_rise"])
def test_plate(kind: str) -> None:
    fam = curve_family(kind, n=14, seed=9)
    plate = curve_family_plate(kind, n=14, seed=9)
    w = plate.wells
    assert w["well"].tolist()[:3] == ["A1", "A2", "A3"]
    assert w["well"].tolist()[12] == "B1"
    assert set(w["target"]) == {"T"}
    assert w["sample"].iloc[0] == f"SIM-{kind}-1"
    assert not w["has_result"].any()
    assert w["instrument_ct"].isna().all()
    assert w["has_curve"].all()
    assert plate.info.plate_size == 96
    index, matrix = plate.curve_matrix()
    order = [int(sample.split("-")[-1]) - 1 for sample in index.merge(w)["sample"]]
    np.testing.assert_array_equal(matrix, fam.rn[order])
    assert plate.cycles == len(fam.cycles)


def test_plate_384() -> None:
    plate = curve_family_plate("flat", n=100, seed=0)
    assert plate.info.plate_size == 384
    assert "E4" in set(plate.wells["well"])  # 100th curve: row E (5th), column 4
