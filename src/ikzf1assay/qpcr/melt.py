"""Melt-curve analysis: -dF/dT and its peak temperatures, per reaction of a Plate's ``melt``.

Method, per reaction (run x well x target):

1. **Uniform grid.** Instruments read a melt curve at nearly, not exactly, even temperature
   steps (and a filter needs even steps), so the fluorescence is linearly interpolated onto
   a uniform grid from the first to the last reading, its step the median step of the
   readings.
2. **-dF/dT.** A Savitzky-Golay first derivative (degree 2, ``smooth_window`` readings of the
   grid, edges by a polynomial fit to the first and last window: ``scipy.signal``'s
   ``savgol_filter(..., deriv=1, delta=step, mode="interp")``, with numpy alone: importing
   scipy.signal costs the command line more than half a second), negated so that a melting
   transition is a peak.
3. **Peaks.** The baseline is the derivative's 10th percentile (where -dF/dT returns beside
   the transitions). A local maximum is a peak when both its height above the baseline and
   its prominence (the rise above the deeper of the two minima separating it from higher
   points, as ``scipy.signal.peak_prominences`` defines it) reach the cut: ``min_peak_height``
   times the height of the highest maximum, and at least :data:`NOISE_FACTOR` times the
   derivative's noise. The prominence rule keeps the ripples of a dye's background slope
   (which lifts -dF/dT all along the pre-melt range) from counting as transitions; the noise
   rule keeps a flat curve from having "peaks" of pure noise (a relative cut alone scales
   with the noise). The noise is the robust SD of the fluorescence around its
   Savitzky-Golay smoothing, carried through the derivative filter. Peaks closer than
   ``min_peak_separation`` to a higher one are merged into it. Each peak's temperature is
   refined by a parabola through the grid point and its two neighbours.

A reaction with fewer than :data:`MIN_READINGS` grid points has no derivative and no peak.
Nothing here decides a call: :mod:`ikzf1assay.calling` does, and only in a dye assay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.curves._arrays import savgol_coeffs
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "DERIVATIVE_COLUMNS",
    "MELT_CALL_COLUMNS",
    "MIN_READINGS",
    "NOISE_FACTOR",
    "MeltCalls",
    "MeltSettings",
    "analyse_melt",
]

MELT_CALL_COLUMNS = [
    "run", "well", "target", "sample", "n_peaks", "main_peak", "main_height", "peaks", "readings",
]  # fmt: skip
DERIVATIVE_COLUMNS = ["run", "well", "target", "temperature", "neg_dfdt"]
# A peak's height and prominence must reach this many noise SDs of -dF/dT: the largest of
# ~30 independent noise excursions of a 100-reading curve is about 3 SD.
NOISE_FACTOR = 5.0
MIN_READINGS = 5
_POLYORDER = 2
_BASELINE_PERCENTILE = 10.0


@dataclass(frozen=True)
class MeltSettings:
    """How melt curves are analysed.

    Attributes
    ----------
    smooth_window
        Odd number of grid readings of the Savitzky-Golay derivative (at least 3; shorter
        curves use the largest odd window they hold).
    min_peak_height
        A peak's height above the baseline as a fraction of the well's highest peak (0-1].
    min_peak_separation
        Peaks closer than this (°C) to a higher peak are merged into it.
    product_margin
        Half-width (°C) of the product window around the positive control's main peak, used
        by the calling of a dye assay; not used by the analysis itself.
    """

    smooth_window: int = 7
    min_peak_height: float = 0.1
    min_peak_separation: float = 2.0
    product_margin: float = 2.0

    def __post_init__(self) -> None:
        w = self.smooth_window
        if isinstance(w, bool) or not isinstance(w, int) or w < 3 or w % 2 == 0:
            raise ParameterError(f"smooth_window must be an odd integer >= 3, not {w!r}")
        if not 0 < self.min_peak_height <= 1:
            raise ParameterError(f"min_peak_height must lie in (0, 1], not {self.min_peak_height}")
        for name in ("min_peak_separation", "product_margin"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ParameterError(f"{name} must be a number >= 0 (°C), not {value!r}")


@dataclass(frozen=True)
class MeltCalls:
    """The melt analysis of a Plate.

    Attributes
    ----------
    table
        One row per reaction with melt data (:data:`MELT_CALL_COLUMNS`): ``run, well, target,
        sample``; ``n_peaks`` (int); ``main_peak`` (°C of the highest peak, NaN without a
        peak); ``main_height`` (its -dF/dT above the baseline, fluorescence per °C; NaN
        without a peak); ``peaks`` (the peak temperatures, °C with one decimal, highest peak
        first, joined by ``,``; "" without a peak); ``readings`` (melt readings in the
        export).
    derivative
        :data:`DERIVATIVE_COLUMNS`: ``run, well, target, temperature`` (the uniform grid) and
        ``neg_dfdt`` (-dF/dT, not baseline-subtracted), for plots.
    settings
        What the analysis used.
    """

    table: pd.DataFrame
    derivative: pd.DataFrame
    settings: MeltSettings


def _empty(columns: list[str], text: tuple[str, ...], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    dtypes = {c: object if c in text else (np.int64 if c in ints else float) for c in columns}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def savgol_rows(values: np.ndarray, window: int, deriv: int) -> np.ndarray:
    """Savitzky-Golay filter (degree 2, unit step) along each row, scipy's ``interp`` mode.

    Parameters
    ----------
    values
        Shape (rows, readings), readings >= ``window``, no NaN.
    window
        Odd filter length.
    deriv
        0 smooths, 1 differentiates (per grid step: divide by the step for per °C).

    Returns
    -------
    numpy.ndarray
        Same shape as ``values``.
    """
    m = values.shape[1]
    half = window // 2
    taps = savgol_coeffs(window, _POLYORDER, deriv)[::-1]  # correlation order
    out = np.empty(values.shape, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=1)
    out[:, half : m - half] = windows @ taps
    # edges: the derivative of the polynomial fitted to the first (last) window
    t = np.arange(window, dtype=float)
    design = t[:, None] ** np.arange(_POLYORDER + 1, dtype=float)
    powers = np.arange(_POLYORDER + 1)
    factor = np.array([math.perm(int(k), deriv) for k in powers], dtype=float)

    def at(points: np.ndarray) -> np.ndarray:
        exponent = np.maximum(powers - deriv, 0)
        return np.asarray(factor * points[:, None] ** exponent, dtype=float)

    head = np.arange(half, dtype=float)
    for edge, points, where in (
        (values[:, :window], head, slice(0, half)),
        (values[:, m - window :], head + window - half, slice(m - half, m)),
    ):
        coef = np.linalg.lstsq(design, edge.T, rcond=None)[0]
        out[:, where] = (at(points) @ coef).T
    return out


def _grid(temperature: np.ndarray, fluorescence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The readings linearly interpolated onto a uniform grid of their median step."""
    step = float(np.median(np.diff(temperature)))
    n = math.floor(float(temperature[-1] - temperature[0]) / step + 1e-9) + 1
    grid = temperature[0] + step * np.arange(n)
    return grid, np.interp(grid, temperature, fluorescence)


def _derivatives(
    grids: list[np.ndarray], values: list[np.ndarray], window: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """-dF/dT per reaction and its noise SD, filtering reactions of one grid length at once."""
    out: list[np.ndarray] = [np.empty(0)] * len(grids)
    noise = np.full(len(grids), np.nan)
    lengths = np.array([g.size for g in grids])
    for n in np.unique(lengths[lengths >= MIN_READINGS]):
        rows = np.flatnonzero(lengths == n)
        w = min(window, int(n) - (int(n) + 1) % 2)
        block = np.vstack([values[i] for i in rows])
        step = np.array([grids[i][1] - grids[i][0] for i in rows])
        neg = -savgol_rows(block, w, 1) / step[:, None]
        residual = block - savgol_rows(block, w, 0)
        mad = np.median(np.abs(residual - np.median(residual, axis=1, keepdims=True)), axis=1)
        # residuals around a smoothing lack the part of the noise the smoothing keeps
        centre = savgol_coeffs(w, _POLYORDER, 0)[w // 2]
        sd_f = 1.4826 * mad / math.sqrt(max(1.0 - centre, 1e-6))
        # a noiseless curve still has rounding: no "peak" of 1e-16 on a flat line
        sd_f = np.maximum(sd_f, 1e-9 * np.max(np.abs(block), axis=1))
        gain = float(np.sqrt(np.sum(savgol_coeffs(w, _POLYORDER, 1) ** 2)))
        noise[rows] = sd_f * gain / step
        for k, i in enumerate(rows):
            out[i] = neg[k]
    return out, noise


def _prominence(y: np.ndarray, i: int) -> float:
    """``scipy.signal.peak_prominences`` of the local maximum ``i`` of ``y``."""
    higher_left = np.flatnonzero(y[:i] > y[i])
    higher_right = np.flatnonzero(y[i + 1 :] > y[i])
    left = y[(higher_left[-1] + 1 if higher_left.size else 0) : i + 1]
    right = y[i : (i + 1 + higher_right[0] if higher_right.size else y.size)]
    return float(y[i] - max(left.min(), right.min()))


def find_melt_peaks(
    grid: np.ndarray, neg_dfdt: np.ndarray, noise: float, settings: MeltSettings
) -> tuple[list[float], list[float]]:
    """Peak temperatures and heights above the baseline of one -dF/dT, highest first.

    Parameters
    ----------
    grid, neg_dfdt
        The uniform temperature grid and -dF/dT on it.
    noise
        SD of the noise of ``neg_dfdt``.
    settings
        ``min_peak_height`` and ``min_peak_separation`` are used.

    Returns
    -------
    tuple of list of float
        ``(temperatures, heights)``, highest peak first; empty lists without a peak.
    """
    y = neg_dfdt
    if y.size < 3:
        return [], []
    baseline = float(np.percentile(y, _BASELINE_PERCENTILE))
    # local maxima; a plateau counts once, at its first reading
    inner = np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1
    if inner.size == 0:
        return [], []
    floor = NOISE_FACTOR * noise
    heights = y[inner] - baseline
    cut = max(settings.min_peak_height * float(heights.max()), floor)
    candidates = [int(i) for i in inner[heights >= cut]]
    # the prominence too: a dye's background slope raises -dF/dT before the melt, and its
    # ripples stand above the baseline without being transitions
    candidates = [i for i in candidates if _prominence(y, i) >= cut]
    step = float(grid[1] - grid[0])
    kept: list[tuple[float, float]] = []
    for i in sorted(candidates, key=lambda j: -y[j]):
        a, b, c = y[i - 1], y[i], y[i + 1]
        curvature = a - 2 * b + c
        shift = 0.5 * (a - c) / curvature if curvature < 0 else 0.0
        temperature = float(grid[i] + step * shift)
        if all(abs(temperature - t) >= settings.min_peak_separation for t, _ in kept):
            kept.append((temperature, float(b - baseline)))
    return [t for t, _ in kept], [h for _, h in kept]


def analyse_melt(plate: Plate, settings: MeltSettings | None = None) -> MeltCalls:
    """-dF/dT and the peak temperatures of every melt curve of a Plate.

    Parameters
    ----------
    plate : Plate
        Its ``melt`` table is analysed (an empty one gives empty tables).
    settings : MeltSettings, optional
        The defaults when None.

    Returns
    -------
    MeltCalls
        ``table`` (one row per reaction with melt data, in the order of ``plate.wells``),
        ``derivative`` (-dF/dT on each reaction's uniform grid) and the settings.
    """
    settings = settings or MeltSettings()
    empty_table = _empty(MELT_CALL_COLUMNS, ("run", "well", "target", "sample", "peaks"),
                         ("n_peaks", "readings"))  # fmt: skip
    empty_derivative = _empty(DERIVATIVE_COLUMNS, ("run", "well", "target"))
    if plate.melt.empty:
        return MeltCalls(empty_table, empty_derivative, settings)
    keys = ["run", "well", "target"]
    order = plate.wells[[*keys, "sample"]].drop_duplicates(keys)
    order = order.assign(_order=np.arange(len(order)))
    melt = plate.melt.sort_values([*keys, "temperature"], kind="stable")
    reactions = []
    grids: list[np.ndarray] = []
    values: list[np.ndarray] = []
    # one split of the sorted columns, not a pandas group per reaction (384 wells: 0.1 s)
    code = melt.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    temperature = np.split(melt["temperature"].to_numpy(dtype=float), starts[1:])
    fluorescence = np.split(melt["fluorescence"].to_numpy(dtype=float), starts[1:])
    names = melt[keys].to_numpy()[starts]
    for (run, well, target), t, f in zip(names, temperature, fluorescence, strict=True):
        grid, on_grid = _grid(t, f) if t.size >= 2 else (t, f)
        reactions.append((run, well, target, t.size))
        grids.append(grid)
        values.append(on_grid)
    derivatives, noise = _derivatives(grids, values, settings.smooth_window)
    records = []
    for (run, well, target, readings), grid, y, sd in zip(
        reactions, grids, derivatives, noise, strict=True
    ):
        temps, heights = find_melt_peaks(grid, y, sd, settings) if y.size else ([], [])
        records.append({
            "run": run, "well": well, "target": target, "n_peaks": len(temps),
            "main_peak": temps[0] if temps else math.nan,
            "main_height": heights[0] if heights else math.nan,
            "peaks": ",".join(f"{t:.1f}" for t in temps), "readings": readings,
        })  # fmt: skip
    found = pd.DataFrame(records)
    # a melt curve of a reaction missing from ``wells`` (a hand-made Plate) is kept, last
    table = found.merge(order, on=keys, how="left").fillna({"sample": ""})
    table = table.sort_values("_order", kind="stable", na_position="last")
    table = table.astype({"n_peaks": np.int64, "readings": np.int64})[MELT_CALL_COLUMNS]
    lengths = [y.size for y in derivatives]
    derivative = pd.DataFrame(
        {
            "run": np.repeat([r[0] for r in reactions], lengths).astype(object),
            "well": np.repeat([r[1] for r in reactions], lengths).astype(object),
            "target": np.repeat([r[2] for r in reactions], lengths).astype(object),
            "temperature": np.concatenate(
                [g if y.size else g[:0] for g, y in zip(grids, derivatives, strict=True)]
            ),
            "neg_dfdt": np.concatenate(derivatives),
        },
        columns=DERIVATIVE_COLUMNS,
    )
    return MeltCalls(table.reset_index(drop=True), derivative, settings)
