"""The curve analysis's steps: the numpy Savitzky-Golay filter and the curve matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import savgol_filter

from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.curves._arrays import curve_matrices, forward_filled, savgol, savgol_coeffs
from ikzf1assay.qpcr.curves._threshold import group_median

DEMO = (
    Path(__file__).resolve().parent.parent / "src" / "ikzf1assay" / "data" / "demo_run_abi7500.txt"
)


def _scipy(values: np.ndarray, deriv: int) -> np.ndarray:
    m = values.shape[1]
    window = min(5, m - (m + 1) % 2)
    return np.asarray(savgol_filter(values, window, 2, deriv=deriv, axis=1))


@pytest.mark.parametrize("deriv", [0, 2])
@pytest.mark.parametrize("cycles", [3, 4, 5, 6, 7, 8, 40, 45])
@pytest.mark.parametrize("rows", [1, 7, 300])
def test_savgol_equals_scipy_bit_for_bit(deriv: int, cycles: int, rows: int) -> None:
    rng = np.random.default_rng(cycles * 100 + rows + deriv)
    values = rng.normal(size=(rows, cycles)) * rng.uniform(0.001, 1000) + rng.uniform(-5, 5)
    assert np.array_equal(savgol(values, deriv), _scipy(values, deriv))


@pytest.mark.parametrize("deriv", [0, 2])
def test_savgol_edge_cases(deriv: int) -> None:
    c = np.arange(1, 46, dtype=float)
    cases = np.vstack(
        [
            np.zeros(45),  # flat
            np.full(45, 3.25),  # constant
            0.01 * c,  # straight line: the second derivative is zero everywhere
            0.5 + 2 / (1 + np.exp(-(c - 30) / 1.6)),  # a sigmoid still rising at the end
            np.where(c == 20, 5.0, 0.0),  # a single spike
            np.r_[np.zeros(40), np.full(5, 1.0)],  # forward-filled tail
        ]
    )
    assert np.array_equal(savgol(cases, deriv), _scipy(cases, deriv))


def test_savgol_coeffs_equal_scipy() -> None:
    from scipy.signal import savgol_coeffs as scipy_coeffs

    for window, deriv in [(3, 0), (3, 2), (5, 0), (5, 1), (5, 2)]:
        assert np.array_equal(savgol_coeffs(window, 2, deriv), scipy_coeffs(window, 2, deriv))


def test_forward_filled_equals_pandas() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(50, 12))
    values[rng.random(values.shape) < 0.3] = np.nan
    expected = pd.DataFrame(values).ffill(axis=1).fillna(0.0).to_numpy()
    assert np.array_equal(forward_filled(values), expected)


def test_group_median_equals_per_group_median() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(size=200)
    codes = rng.integers(0, 7, 200)
    use = rng.random(200) < 0.5
    got = group_median(values, codes, 8, use)
    for g in range(8):
        part = values[(codes == g) & use]
        assert (np.isnan(got[g]) and part.size == 0) or got[g] == np.median(part)


def test_curve_matrices_equal_plate_curve_matrix() -> None:
    plate = read_run(DEMO)
    index, x, rn, rox = curve_matrices(plate.curves)
    expected_index, expected_rn = plate.curve_matrix("rn")
    _, expected_rox = plate.curve_matrix("passive_ref")
    pd.testing.assert_frame_equal(index, expected_index)
    assert np.array_equal(rn, expected_rn, equal_nan=True)
    assert rox.size == 0 or np.array_equal(rox, expected_rox, equal_nan=True)
    assert np.array_equal(x, np.sort(plate.curves["cycle"].unique()))


def test_curves_import_does_not_load_scipy_signal() -> None:
    import subprocess
    import sys

    code = "import sys, ikzf1assay.qpcr.curves; print('scipy.signal' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
