"""Row-wise array helpers of the curve analysis: lines, robust spread, smoothing, the matrix.

Every function works on (wells x cycles) float64 arrays, one curve per row, and treats rows
independently, so the analysis can run over any block of rows and give the same numbers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd


def masked_line(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through ``y[i, mask[i]]`` against ``x``, per row.

    Parameters
    ----------
    x
        Cycles, shape (cycles,).
    y
        Values, shape (wells, cycles); NaN readings are left out.
    mask
        Readings to use, same shape as ``y``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(intercept, slope)`` per row; 0 where a row has too few readings.
    """
    m = mask & np.isfinite(y)
    w = m.astype(float)
    yy = np.where(m, y, 0.0)
    n = w.sum(1)
    sx = (w * x).sum(1)
    sy = yy.sum(1)
    sxx = (w * x * x).sum(1)
    sxy = (yy * x).sum(1)
    den = n * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(den > 0, (n * sxy - sx * sy) / den, 0.0)
        intercept = np.where(n > 0, (sy - slope * sx) / np.maximum(n, 1), 0.0)
    return intercept, slope


def robust_sd(values: np.ndarray) -> np.ndarray:
    """1.4826 x median absolute deviation per row, ignoring NaN."""
    with np.errstate(all="ignore"):
        med = np.nanmedian(values, axis=1, keepdims=True)
        return np.asarray(1.4826 * np.nanmedian(np.abs(values - med), axis=1), dtype=float)


def running_median3(values: np.ndarray) -> np.ndarray:
    """Median of each reading with its two neighbours (a single spike never survives)."""
    padded = np.pad(values, ((0, 0), (1, 1)), mode="edge")
    stack = np.stack([padded[:, :-2], padded[:, 1:-1], padded[:, 2:]], axis=2)
    with warnings.catch_warnings():  # all-NaN triples (missing readings) give NaN, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(stack, axis=2), dtype=float)


def forward_filled(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last reading before it in its row, leading NaN by 0."""
    m = values.shape[1]
    last = np.where(np.isnan(values), 0, np.arange(m))
    np.maximum.accumulate(last, axis=1, out=last)
    out = np.take_along_axis(values, last, axis=1)
    return np.where(np.isnan(out), 0.0, out)


def savgol_coeffs(window: int, polyorder: int, deriv: int) -> np.ndarray:
    """Savitzky-Golay convolution coefficients, computed as ``scipy.signal.savgol_coeffs``.

    Parameters
    ----------
    window
        Odd number of readings the polynomial is fitted to.
    polyorder
        Degree of the polynomial.
    deriv
        Order of the derivative (0 smooths).

    Returns
    -------
    numpy.ndarray
        ``window`` coefficients, in convolution order (bit for bit scipy's: the same least
        squares problem solved by the same LAPACK driver).
    """
    half = window // 2
    t = np.arange(-half, window - half, dtype=float)[::-1]
    design = t ** np.arange(polyorder + 1, dtype=float).reshape(-1, 1)
    target = np.zeros(polyorder + 1)
    target[deriv] = float(math.factorial(deriv))
    rcond = np.finfo(float).eps * max(design.shape)
    return np.asarray(np.linalg.lstsq(design, target, rcond=rcond)[0], dtype=float)


def _edge_fit(edge: np.ndarray, polyorder: int, deriv: int, at: np.ndarray) -> np.ndarray:
    """Fit a polynomial to each row of ``edge`` (wells x window) and evaluate its ``deriv``-th
    derivative at positions ``at``: (wells x len(at)), in scipy's order of operations."""
    window = edge.shape[1]
    t = np.arange(window, dtype=float)
    lhs = t[:, None] ** np.arange(polyorder, -1, -1, dtype=float)[None, :]
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs /= scale
    coef = np.linalg.lstsq(lhs, edge.T, rcond=window * np.finfo(float).eps)[0]
    coef = (coef.T / scale).T  # (polyorder + 1, wells), highest power first
    n = coef.shape[0]
    if deriv:
        coef = coef[:-deriv].copy()
        for k in range(deriv):
            coef *= np.arange(n - k - 1, deriv - k - 1, -1, dtype=float).reshape(-1, 1)
    values = np.zeros((at.size, 1))
    for row in coef:  # Horner, as numpy.polyval
        values = values * at[:, None] + row
    return np.asarray(values.T, dtype=float)


def _correlate(values: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.correlate1d`` along rows, interior only, in its order of operations.

    Like scipy.ndimage, a filter symmetric (or antisymmetric) to within machine epsilon is
    applied as sums (or differences) of mirrored readings, the centre first; any other filter
    from its last tap.
    """
    size = taps.size
    half = size // 2
    n_inner = values.shape[1] - size + 1

    def tap(j: int) -> np.ndarray:
        return values[:, j : j + n_inner]

    mirrored = taps[::-1]
    if size % 2 and np.all(np.abs(taps - mirrored) <= np.finfo(float).eps):
        out: np.ndarray = tap(half) * taps[half]
        for j in range(half):
            out += (tap(j) + tap(size - 1 - j)) * taps[j]
        return out
    if size % 2 and np.all(np.abs(taps + mirrored) <= np.finfo(float).eps):
        out = np.asarray(tap(half) * taps[half])
        for j in range(half):
            out += (tap(j) - tap(size - 1 - j)) * taps[j]
        return out
    out = np.asarray(tap(size - 1) * taps[size - 1])
    for j in range(size - 1):
        out += tap(j) * taps[j]
    return out


def savgol(values: np.ndarray, deriv: int = 0) -> np.ndarray:
    """Savitzky-Golay filter along each row: window 5 (fewer on shorter rows), degree 2.

    Gives ``scipy.signal.savgol_filter(values, window_length=min(5, m - (m + 1) % 2),
    polyorder=2, deriv=deriv, axis=1)`` (mode ``interp``) bit for bit, with numpy alone:
    importing scipy.signal costs the command line more than half a second. Bit for bit
    matters: the second derivative of a quadratic is the same at the last three cycles, and
    which of the three is the maximum (the SDM) is decided by rounding.

    Parameters
    ----------
    values
        Shape (wells, cycles), at least 3 cycles, no NaN.
    deriv
        0 smooths; 2 gives the second derivative per cycle.

    Returns
    -------
    numpy.ndarray
        Same shape as ``values``.
    """
    m = values.shape[1]
    window = min(5, m - (m + 1) % 2)
    half = window // 2
    taps = savgol_coeffs(window, 2, deriv)[::-1]  # correlation order
    out = np.empty(values.shape, dtype=float)
    inner = _correlate(values, taps)
    out[:, half : m - half] = inner
    at = np.arange(half, dtype=float)
    out[:, :half] = _edge_fit(values[:, :window], 2, deriv, at)
    out[:, m - half :] = _edge_fit(values[:, m - window :], 2, deriv, at + window - half)
    return out


def curve_matrices(curves: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The long curve table as (reactions x cycles) arrays of ``rn`` and ``passive_ref``.

    The same rows, columns and values as ``Plate.curve_matrix`` (reactions sorted by run, well
    and target, cycle ``k`` in column ``k - 1``), built by scattering the readings into arrays
    instead of unstacking a four-level index: on 100,000 wells the unstack holds several
    copies of the long table at once.

    Parameters
    ----------
    curves
        ``Plate.curves``, not empty.

    Returns
    -------
    tuple
        ``(index, cycles, rn, passive_ref)``: the ``run, well, target`` frame in row order, the
        sorted cycles, and the two (reactions x cycles) arrays with NaN padding;
        ``passive_ref`` is an empty (0 x 0) array when the export has no passive reference.
    """
    # One integer per reaction, combined level by level so that at most two arrays of the
    # long table's length are alive at once.
    key = np.zeros(len(curves), dtype=np.int64)
    levels = []
    for column in ("run", "well", "target"):
        code, level = pd.factorize(curves[column], sort=True)
        levels.append(np.asarray(level, dtype=object))
        key *= len(level)
        key += code
        del code
    n_well, n_target = len(levels[1]), len(levels[2])
    row, keys = pd.factorize(key, sort=True)
    del key
    column_code, cycles = pd.factorize(curves["cycle"], sort=True)
    shape = (len(keys), len(cycles))
    matrices = []
    for name in ("rn", "passive_ref"):
        values = curves[name].to_numpy(dtype=float)
        if name == "passive_ref" and not np.isfinite(values).any():
            matrices.append(np.empty((0, 0)))  # no passive reference: no matrix of NaN
            continue
        matrix = np.full(shape, np.nan)
        matrix[row, column_code] = values
        matrices.append(matrix)
    keys = np.asarray(keys, dtype=np.int64)
    index = pd.DataFrame(
        {
            "run": levels[0][keys // (n_well * n_target)],
            "well": levels[1][keys // n_target % n_well],
            "target": levels[2][keys % n_target],
        }
    )
    return index, np.asarray(cycles, dtype=float), matrices[0], matrices[1]
