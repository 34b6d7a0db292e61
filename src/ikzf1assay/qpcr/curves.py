"""Curve analysis: baseline, threshold, Ct, three-valued amplification and efficiency per well.

Everything is recomputed from the raw fluorescence (``rn``) of a :class:`Plate`, for all
reactions at once as (reactions x cycles) numpy arrays; no Python loop runs over cycles or
wells. The steps, each a function below:

1. **Baseline** (:func:`_baseline`). The instrument's own range where the export gives one,
   unless that range covers the rise (an exponential onset inside it): then, as for exports
   without a range, an automatic range from cycle ``baseline_first`` up to 3 cycles before the
   onset, flagged BASELINE_REPLACED. A straight line is fitted over the range by least squares
   and subtracted (a drifting baseline is removed, and reported when large). With the
   instrument's range this reproduces QuantStudio's exported dRn. A well whose passive
   reference (ROX) is absent (an empty well: Rn is then a ratio of two background readings) is
   judged on its raw reporter signal instead (NO_PASSIVE_REFERENCE).
2. **Noise.** The robust standard deviation (1.4826 x MAD) of the baseline residuals.
3. **Shape.** A four-parameter logistic ``b + A / (1 + exp(-(c - x0) / s))`` fitted to the
   baseline-corrected curve (batched Levenberg-Marquardt); its rise within the run, in noise
   units, is the signal-to-noise ratio ``snr``.
4. **Window of linearity and efficiency** (as LinRegPCR): the exponential phase runs from
   10 noise units (at least 1 % of the rise) to the maximum of the second derivative (SDM);
   efficiency per well = 10 ** slope of log10(fluorescence) against cycle inside the window.
5. **Threshold.** A number given by the user; the instrument's exported threshold per target
   (``instrument``); or the geometric middle of the target's common window (``auto``).
6. **Ct.** The fractional cycle of the last upward crossing of the threshold, by linear
   interpolation; reported as ``ct`` only where the crossing belongs to the exponential rise
   (at most 1.5 cycles past the SDM); the raw crossing stays in ``crossing``.
7. **Amplification** (:func:`_amplification`): ``yes``, ``no`` or ``review``, with the reason
   in words. ``no`` only where the curve affirmatively shows no amplification; any doubt about a
   rise is ``review`` (the table in the README, :data:`AMPLIFICATION_RULE`).

A reaction the export holds no analysable curve for (results-only exports, curves of a few
cycles) takes the instrument's own result where there is one (``ct_source = instrument``,
flag CURVE_NOT_CHECKED): a Ct is ``yes``, Undetermined is ``no``. Without an instrument result
it is ``review``.

Flags (one word each; :data:`FLAG_MEANINGS`) explain every decision and oddity.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import savgol_filter

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "AMPLIFICATION_RULE",
    "AMPLIFICATION_VALUES",
    "CURVE_TABLE_COLUMNS",
    "FLAG_MEANINGS",
    "CurveCalls",
    "CurveSettings",
    "analyse_curves",
    "fit_logistic",
]

AMPLIFICATION_VALUES = ("yes", "no", "review")

#: The decision rule, in the order it is applied: (condition, amplification). The first row
#: that holds decides; the README shows the same table.
AMPLIFICATION_RULE: tuple[tuple[str, str], ...] = (
    ("no curve in the export, or fewer than min_cycles readings, and an instrument result",
     "the instrument's: Ct -> yes, Undetermined -> no (CURVE_NOT_CHECKED)"),
    ("no curve, or fewer than min_cycles readings, and no instrument result", "review"),
    ("after baseline correction the rise stays below snr_none noise units, no reading run "
     "exceeds snr_none noise units, and the threshold is not crossed before ct_cutoff", "no"),
    ("the curve never crosses the threshold and its whole rise stays below half the threshold",
     "no (SUBTHRESHOLD_RISE)"),
    ("the instrument calls the well amplified (or gives a Ct before ct_cutoff) where the rule "
     "above says no", "review (INSTRUMENT_DISAGREES)"),
    ("a rise between snr_none and snr_min noise units", "review (WEAK_RISE)"),
    ("a rise of at least snr_min noise units with any doubt: logistic fit R2 below r2_min, no "
     "exponential onset (NOT_SIGMOID), efficiency outside efficiency_range, threshold crossed "
     "from the start or after the exponential phase, still accelerating at the last cycle "
     "(NO_PLATEAU), passive reference absent, or the instrument disagrees", "review"),
    ("a rise of at least snr_min noise units without doubt", "yes"),
)  # fmt: skip

FLAG_MEANINGS = {
    "NO_CURVE": "the export holds no fluorescence for this reaction: nothing to analyse",
    "TOO_SHORT": "fewer readings than min_cycles: the curve cannot be analysed",
    "CURVE_NOT_CHECKED": "the amplification and Ct are the instrument's: no curve was analysed",
    "NO_AMPLIFICATION": "the rise within the run is below snr_none noise units",
    "SUBTHRESHOLD_RISE": "a rise beyond noise that stays below half the threshold over the whole "
    "run (an artefact such as primer-dimer): no amplification under the assay's rule",
    "WEAK_RISE": "a rise between snr_none and snr_min noise units: too small to call",
    "NOISY": "the logistic fit explains too little of the curve (R2 below r2_min)",
    "NOT_SIGMOID": "no exponential onset: the rise does not accelerate over consecutive cycles "
    "(a linear rise, a step or a single jump)",
    "BASELINE_DRIFT": "the fitted baseline moves by more than drift_fraction of the curve's range",
    "BASELINE_REPLACED": "the instrument's baseline range covers the rise; a fitted range was "
    "used instead",
    "NO_PASSIVE_REFERENCE": "the passive reference (ROX) signal is absent (empty well?): judged "
    "on the raw reporter signal",
    "NO_PLATEAU": "the curve is still accelerating at the last cycle: its shape cannot be judged",
    "SPIKE": "one reading departs from the smoothed curve by more than spike_factor noise units "
    "and 5 % of the rise",
    "EFFICIENCY_OUTLIER": "efficiency outside efficiency_range",
    "LATE": "Ct at or beyond ct_cutoff",
    "CROSSING_OUTSIDE_RISE": "the threshold is crossed after the exponential phase (in the "
    "plateau): no Ct; lower the threshold",
    "THRESHOLD_NOT_CROSSED": "the baseline-corrected curve does not end above the threshold",
    "THRESHOLD_AT_START": "the curve is above the threshold from its first cycle: no crossing",
    "INSTRUMENT_DISAGREES": "only one of the instrument and this analysis sees amplification, or "
    "their Ct difference departs from the target's median difference by more than "
    "instrument_tolerance cycles",
}

CURVE_TABLE_COLUMNS = [
    "run",
    "well",
    "sample",
    "target",
    "reporter",
    "ct",
    "amplification",
    "amplification_reason",
    "amplified",
    "ct_source",
    "efficiency",
    "baseline_start",
    "baseline_end",
    "threshold",
    "threshold_mode",
    "instrument_ct",
    "flags",
    "crossing",
    "noise",
    "rise",
    "snr",
    "r2",
    "x0",
    "slope",
    "cycles",
]


@dataclass(frozen=True)
class CurveSettings:
    """Parameters of :func:`analyse_curves`; the defaults are the documented rule."""

    threshold: str | float = "auto"  # "auto", "instrument", or a number
    ct_cutoff: float = 36.0
    baseline_first: int = 3
    min_cycles: int = 15
    snr_none: float = 10.0
    snr_min: float = 20.0
    r2_min: float = 0.95
    efficiency_range: tuple[float, float] = (1.15, 3.0)  # wide: per-well estimates are noisy
    instrument_tolerance: float = 1.0
    drift_fraction: float = 0.1
    spike_factor: float = 8.0

    def mode(self) -> str:
        """``auto``, ``instrument`` or ``user``."""
        if isinstance(self.threshold, str):
            if self.threshold not in ("auto", "instrument"):
                raise ParameterError(
                    f"threshold {self.threshold!r}: give auto, instrument or a number"
                )
            return self.threshold
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise ParameterError(f"threshold {self.threshold!r}: a fixed threshold must be > 0")
        return "user"


@dataclass(frozen=True)
class CurveCalls:
    """One row per reaction (:data:`CURVE_TABLE_COLUMNS`) plus per-target figures.

    ``table["amplification"]`` is ``yes``, ``no`` or ``review`` with the reason in
    ``amplification_reason``; ``amplified`` is ``amplification == "yes"``. ``ct_source`` is
    ``curve`` or ``instrument`` (no analysable curve: the instrument's own result).
    """

    table: pd.DataFrame
    targets: (
        pd.DataFrame
    )  # run, target, threshold, threshold_mode, window_low, window_high, efficiency, n_amplified
    settings: CurveSettings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, per-target figures, wells (flags as lists)."""
        wells = self.table.astype(object).where(self.table.notna(), None)
        return {
            "settings": {k: v for k, v in asdict(self.settings).items()},
            "targets": self.targets.astype(object)
            .where(self.targets.notna(), None)
            .to_dict("records"),
            "wells": wells.to_dict("records"),
            "flag_meanings": FLAG_MEANINGS,
            "amplification_rule": [list(r) for r in AMPLIFICATION_RULE],
        }


# --------------------------------------------------------------------------- array helpers


def _masked_line(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through y[i, mask[i]] against x, per row: (intercept, slope)."""
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


def _robust_sd(values: np.ndarray) -> np.ndarray:
    """1.4826 x median absolute deviation per row, ignoring NaN."""
    with np.errstate(all="ignore"):
        med = np.nanmedian(values, axis=1, keepdims=True)
        return np.asarray(1.4826 * np.nanmedian(np.abs(values - med), axis=1), dtype=float)


def _logistic(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    b, a, x0, s = (p[:, i : i + 1] for i in range(4))
    z = np.clip(-(x - x0) / s, -60, 60)
    return np.asarray(b + a / (1 + np.exp(z)), dtype=float)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, iterations: int = 60, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``b + A / (1 + exp(-(x - x0)/s))`` to every row of ``y`` at once.

    A batched Levenberg-Marquardt: each iteration solves the damped 4x4 normal equations of all
    rows together; a step is kept per row only when it lowers that row's squared error. NaN
    readings are ignored. Returns ``(params, sse)`` with params columns ``b, A, x0, s``.
    Cross-checked against ``scipy.optimize.curve_fit`` in the tests. Rows are fitted ``chunk``
    at a time, which keeps the temporaries in cache and bounds memory on large batches.
    """
    if y.shape[0] > chunk:
        parts = [
            fit_logistic(x, y[i : i + chunk], iterations, chunk)
            for i in range(0, y.shape[0], chunk)
        ]
        return np.concatenate([p for p, _ in parts]), np.concatenate([e for _, e in parts])
    n_rows = y.shape[0]
    ok = np.isfinite(y)
    yz = np.where(ok, y, 0.0)
    w = ok.astype(float)
    top = np.nanmax(np.where(ok, y, -np.inf), axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    half = (y >= (top / 2)[:, None]) & ok
    first_half = np.where(half.any(1), x[np.argmax(half, axis=1)], x.mean())
    p = np.column_stack(
        [np.zeros(n_rows), np.maximum(top, 1e-12), first_half, np.full(n_rows, 1.5)]
    )
    lam = np.full(n_rows, 1e-2)

    def sse_of(params: np.ndarray) -> np.ndarray:
        return np.asarray((w * (yz - _logistic(x, params)) ** 2).sum(1), dtype=float)

    sse = sse_of(p)
    span = float(x.max() - x.min()) or 1.0
    active = np.arange(n_rows)  # rows still improving; converged rows stop costing time
    for _ in range(iterations):
        if active.size == 0:
            break
        pa, wa, ya, la = p[active], w[active], yz[active], lam[active]
        b, a, x0, s = (pa[:, i : i + 1] for i in range(4))
        z = np.clip(-(x - x0) / s, -60, 60)
        e = np.exp(z)
        g = 1 / (1 + e)  # logistic value
        dg = e * g * g  # d g / d u, u = (x - x0)/s
        jac = np.stack([np.ones_like(g), g, -a * dg / s, -a * dg * (x - x0) / (s * s)], axis=2)
        jac *= wa[:, :, None]
        r = (ya - (b + a * g)) * wa
        jt = jac.transpose(0, 2, 1)
        jtj = jt @ jac  # batched BLAS: (rows, 4, 4)
        jtr = (jt @ r[:, :, None])[:, :, 0]
        diag = np.diagonal(jtj, axis1=1, axis2=2)
        damped = jtj + (la[:, None] * np.maximum(diag, 1e-12))[:, :, None] * np.eye(4)
        try:
            step = np.linalg.solve(damped, jtr[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack(
                [np.linalg.lstsq(d, v, rcond=None)[0] for d, v in zip(damped, jtr, strict=True)]
            )
        trial = pa + step
        trial[:, 3] = np.clip(trial[:, 3], 0.2, 20.0)
        trial[:, 1] = np.maximum(trial[:, 1], 0.0)
        trial[:, 2] = np.clip(trial[:, 2], x.min() - span, x.max() + span)
        new_sse = np.asarray((wa * (ya - _logistic(x, trial)) ** 2).sum(1), dtype=float)
        old_sse = sse[active]
        better = np.isfinite(new_sse) & (new_sse < old_sse)
        p[active] = np.where(better[:, None], trial, pa)
        sse[active] = np.where(better, new_sse, old_sse)
        lam[active] = np.clip(np.where(better, la * 0.3, la * 4.0), 1e-9, 1e9)
        gain = (old_sse - sse[active]) / np.maximum(old_sse, 1e-300)
        # keep iterating while a row still gains, or has only just been damped
        active = active[(better & (gain > 1e-7)) | (~better & (lam[active] < 1e6))]
    return p, sse


# --------------------------------------------------------------------------- the analysis


def analyse_curves(plate: Plate, settings: CurveSettings | None = None) -> CurveCalls:
    """Recompute baseline, threshold, Ct, amplification and efficiency for every reaction.

    Parameters
    ----------
    plate
        From :func:`ikzf1assay.qpcr.read_run`.
    settings
        Threshold mode and the limits of the rule; :class:`CurveSettings` defaults otherwise.

    Returns
    -------
    CurveCalls
        ``table``: one row per reaction of ``plate.wells`` with ``amplification`` (``yes``,
        ``no``, ``review``) and its reason; ``targets``: per run and target the threshold, its
        mode, the common window of linearity and the mean efficiency of ``yes`` wells.
    """
    st = settings or CurveSettings()
    mode = st.mode()
    wells = plate.wells.set_index(["run", "well", "target"])
    idx, raw = plate.curve_matrix("rn")
    keys = list(map(tuple, idx.to_numpy())) if len(idx) else []
    info = wells.loc[keys] if keys else wells.iloc[:0]
    x = np.asarray(sorted(plate.curves["cycle"].unique()), dtype=float) if keys else np.zeros(0)
    result: dict[str, np.ndarray] = {}
    flags: list[list[str]] = [[] for _ in keys]
    # Below 5 columns nothing can be smoothed; every such curve is TOO_SHORT in _table.
    if keys and raw.shape[1] >= 5:
        _, rox = plate.curve_matrix("passive_ref")
        result = _analyse_matrix(raw, rox, x, info, st, mode, flags)
    table = _table(plate, keys, result, flags, st, mode)
    targets = _targets(table, result, keys, mode)
    return CurveCalls(table=table, targets=targets, settings=st)


def _running_median3(values: np.ndarray) -> np.ndarray:
    """Median of each reading with its two neighbours (a single spike never survives)."""
    padded = np.pad(values, ((0, 0), (1, 1)), mode="edge")
    stack = np.stack([padded[:, :-2], padded[:, 1:-1], padded[:, 2:]], axis=2)
    with warnings.catch_warnings():  # all-NaN triples (missing readings) give NaN, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(stack, axis=2), dtype=float)


def _savgol(values: np.ndarray, deriv: int = 0) -> np.ndarray:
    m = values.shape[1]
    return np.asarray(
        savgol_filter(values, window_length=min(5, m - (m + 1) % 2), polyorder=2, deriv=deriv,
                      axis=1),
        dtype=float,
    )  # fmt: skip


def _without_rox(raw: np.ndarray, rox: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rn where the passive reference is present; the raw reporter where it is absent.

    A well whose ROX reads below 5 % of the plate's median ROX holds no dye (an empty well):
    its Rn is a ratio of two background readings and swings wildly. The reporter's own signal
    (Rn x ROX) is still a measurement, and it is what shows whether anything amplified.
    """
    if rox.shape != raw.shape or not np.isfinite(rox).any():
        return raw, np.zeros(raw.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        level = np.nanmedian(rox, axis=1)
        plate_level = np.nanmedian(level)
    absent = np.isfinite(level) & (plate_level > 0) & (level < 0.05 * plate_level)
    out = np.where(absent[:, None], raw * rox, raw)
    return out, absent


def _auto_range(
    raw: np.ndarray, x: np.ndarray, finite: np.ndarray, st: CurveSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rise_at, auto_end, noise0): the first sustained rise above a line through the early
    cycles, the automatic baseline end 3 cycles before it, and the early-cycle noise."""
    first = float(st.baseline_first)
    early = (x >= first) & (x < first + 8)
    early_mask = np.broadcast_to(early, raw.shape) & finite
    e_int, e_slope = _masked_line(x, raw, early_mask)
    early_line = e_int[:, None] + e_slope[:, None] * x[None, :]
    noise0 = _robust_sd(np.where(early_mask, raw - early_line, np.nan))
    noise0 = np.where(np.isfinite(noise0) & (noise0 > 0), noise0, np.nanstd(raw, axis=1) + 1e-12)
    exceed = (raw - early_line) > 10 * noise0[:, None]
    sustained = exceed.copy()
    sustained[:, :-2] &= exceed[:, 1:-1] & exceed[:, 2:]
    sustained &= x >= first + 3
    rise_at = np.where(sustained.any(1), x[np.argmax(sustained, axis=1)], np.inf)
    auto_end = np.clip(rise_at - 3, first + 4, x.max())
    return rise_at, auto_end, noise0


def _line_off(
    raw: np.ndarray, x: np.ndarray, finite: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subtract the least-squares line over [start, end]: (corrected, slope, window mask)."""
    window = (x[None, :] >= start[:, None]) & (x[None, :] <= end[:, None]) & finite
    intercept, slope = _masked_line(x, raw, window)
    return raw - (intercept[:, None] + slope[:, None] * x[None, :]), slope, window


def _baseline(
    raw: np.ndarray, x: np.ndarray, finite: np.ndarray, info: pd.DataFrame, st: CurveSettings
) -> dict[str, np.ndarray]:
    """Step 1-2: baseline range (instrument's unless it covers the rise), corrected curve, noise.

    The instrument's range covers the rise when, on the automatically corrected curve, the
    reading at the range's last cycle already exceeds 10 % of the rise (and 10 noise units) of
    a curve that rises at least ``snr_min`` noise units.
    """
    rise_at, auto_end, noise0 = _auto_range(raw, x, finite, st)
    first = np.full(raw.shape[0], float(st.baseline_first))
    d_auto, _, auto_window = _line_off(raw, x, finite, first, auto_end)
    noise_auto = _robust_sd(np.where(auto_window, d_auto, np.nan))
    noise_auto = np.where(np.isfinite(noise_auto) & (noise_auto > 0), noise_auto, noise0)
    smooth = _running_median3(d_auto)
    top = np.nanmax(np.where(finite, smooth, -np.inf), axis=1)
    inst_start = info["baseline_start"].to_numpy(dtype=float)
    inst_end = info["baseline_end"].to_numpy(dtype=float)
    use_inst = np.isfinite(inst_start) & np.isfinite(inst_end) & (inst_end > inst_start)
    level = np.maximum(0.1 * top, 10 * noise_auto)
    risen = (smooth >= level[:, None]) & finite & (x[None, :] <= inst_end[:, None])
    covers = use_inst & (top >= st.snr_min * noise_auto) & risen.any(1)
    use_inst &= ~covers
    b_start = np.where(use_inst, inst_start, first)
    b_end = np.where(use_inst, inst_end, auto_end)
    d_f, slope, window = _line_off(raw, x, finite, b_start, b_end)
    noise = _robust_sd(np.where(window, d_f, np.nan))
    noise = np.where(np.isfinite(noise) & (noise > 0), noise, noise0)
    return {"d_f": d_f, "slope": slope, "noise": noise, "b_start": b_start, "b_end": b_end,
            "replaced": covers, "rise_at": rise_at}  # fmt: skip


def _hinge_sse(d_f: np.ndarray, x: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Least squared error of the best hinge per well: flat, then a straight rise from a kink
    at one of the cycles (the shape of a linear-rise artefact)."""
    y = np.where(finite, d_f, 0.0)
    w = finite.astype(float)
    best = np.full(y.shape[0], np.inf)
    for k in x[2:-3]:  # a loop over candidate kinks (cycles), each vectorised over wells
        h = np.maximum(x - k, 0.0)[None, :] * w
        n, sh, sy = w.sum(1), h.sum(1), y.sum(1)
        shh, shy = (h * h).sum(1), (h * y).sum(1)
        den = n * shh - sh * sh
        with np.errstate(all="ignore"):
            b1 = np.where(den > 0, (n * shy - sh * sy) / den, 0.0)
            b0 = (sy - b1 * sh) / np.maximum(n, 1)
        resid = (y - b0[:, None] - b1[:, None] * h) * w
        best = np.minimum(best, (resid**2).sum(1))
    return best


def _analyse_matrix(
    raw: np.ndarray,
    rox: np.ndarray,
    x: np.ndarray,
    info: pd.DataFrame,
    st: CurveSettings,
    mode: str,
    flags: list[list[str]],
) -> dict[str, np.ndarray]:
    n, m = raw.shape
    finite = np.isfinite(raw)
    raw, no_rox = _without_rox(raw, rox)
    base = _baseline(raw, x, finite, info, st)
    d_f, noise = base["d_f"], base["noise"]

    # -- 3: logistic fit ------------------------------------------------------------------
    params, sse = fit_logistic(x, d_f)
    with np.errstate(all="ignore"):
        mean = np.nanmean(d_f, axis=1, keepdims=True)
        sst = np.nansum(np.where(finite, (d_f - mean) ** 2, 0.0), axis=1)
        r2 = np.where(sst > 0, 1 - sse / sst, 0.0)
    x_last = np.nanmax(np.where(finite, x, np.nan), axis=1)
    x_first = np.nanmin(np.where(finite, x, np.nan), axis=1)
    lo = _logistic(x_first[:, None], params)[:, 0]
    hi = _logistic(x_last[:, None], params)[:, 0]
    rise = hi - lo
    x0, s = params[:, 2], params[:, 3]
    snr = rise / noise
    smooth = _running_median3(d_f)
    excursion = np.nanmax(np.where(finite, smooth, -np.inf), axis=1) / noise  # upward only
    signal = snr >= st.snr_min

    # -- 4: window of linearity and efficiency ----------------------------------------------
    filled = pd.DataFrame(d_f).ffill(axis=1).fillna(0.0).to_numpy()
    d2 = _savgol(filled, deriv=2)
    d2[~finite] = -np.inf
    rise_at = base["rise_at"]
    d2[x[None, :] < np.minimum(rise_at, x.max())[:, None] - 1] = -np.inf  # not before the rise
    sdm_index = np.argmax(d2, axis=1)
    sdm = x[sdm_index]
    upper_w = d_f[np.arange(n), sdm_index]
    lower_w = np.maximum(10 * noise, 0.01 * rise)
    groups = (
        info.index.get_level_values("run") + "\x00" + info.index.get_level_values("target")
    ).to_numpy()
    win_lo = np.full(n, np.nan)
    win_hi = np.full(n, np.nan)
    candidates = signal & (r2 >= st.r2_min) & (lower_w < upper_w)
    for g in np.unique(groups):  # a loop over targets, not wells or cycles
        rows = (groups == g) & candidates
        if rows.any():
            win_lo[groups == g] = float(np.median(lower_w[rows]))
            win_hi[groups == g] = float(np.median(upper_w[rows]))
    before_sdm = x[None, :] <= sdm[:, None]
    common = (d_f >= win_lo[:, None]) & (d_f <= win_hi[:, None]) & finite & before_sdm
    own = (d_f >= lower_w[:, None]) & (d_f <= upper_w[:, None]) & finite & before_sdm
    last3 = (x[None, :] <= sdm[:, None]) & (x[None, :] > (sdm - 3)[:, None]) & finite & (d_f > 0)
    in_window = np.where(
        (own.sum(1) >= 3)[:, None], own, np.where((common.sum(1) >= 3)[:, None], common, last3)
    )
    with np.errstate(all="ignore"):
        logf = np.log10(np.where(in_window, d_f, np.nan))
    _, log_slope = _masked_line(x, logf, in_window)
    efficiency = np.where((in_window.sum(1) >= 3) & signal, 10**log_slope, np.nan)
    # Plausibility is judged on the logistic's exponential phase, exp(1 / s): the window
    # estimate above rests on 3-5 readings and scatters too much on drifting real curves.
    e_lo, e_hi = st.efficiency_range
    fit_efficiency = np.exp(1 / s)
    plausible = (fit_efficiency >= e_lo) & (fit_efficiency <= e_hi)

    # -- 5: threshold ---------------------------------------------------------------------
    threshold = _threshold(d_f, x, finite, info, groups, win_lo, win_hi, noise, st, mode)

    # -- 6: Ct: last upward crossing, linear interpolation --------------------------------
    above = (d_f >= threshold[:, None]) | ~finite
    last_below = np.where((~above).any(1), m - 1 - np.argmax((~above)[:, ::-1], axis=1), -1)
    last_finite = np.where(finite.any(1), m - 1 - np.argmax(finite[:, ::-1], axis=1), -1)
    crossed = (last_below >= 0) & (last_below < last_finite)
    k = np.clip(last_below, 0, m - 2)
    rows = np.arange(n)
    f0, f1 = d_f[rows, k], d_f[rows, k + 1]
    with np.errstate(all="ignore"):
        crossing = np.where(
            crossed, x[k] + (threshold - f0) / (f1 - f0) * (x[k + 1] - x[k]), np.nan
        )
    crossing = np.where(no_rox, np.nan, crossing)  # Rn units do not apply to the raw reporter
    at_start = (last_below < 0) & ~no_rox
    in_rise = np.isfinite(crossing) & (crossing <= sdm + 1.5)

    # -- 7: amplification -----------------------------------------------------------------
    inst_ct = info["instrument_ct"].to_numpy(dtype=float)
    inst_amp = np.asarray([_status_word(v) for v in info["instrument_amp"]])
    has_inst = info["has_result"].to_numpy(dtype=bool)
    inst_yes = has_inst & np.where(
        np.isin(inst_amp, ["AMP", "NO_AMP"]), inst_amp == "AMP", np.isfinite(inst_ct)
    )
    inst_yes &= ~(np.isfinite(inst_ct) & (inst_ct >= x_last))  # "40.0" written for Undetermined
    inst_no = has_inst & ~inst_yes & ~np.isin(inst_amp, ["INCONCLUSIVE", "REVIEW"])
    tail = finite & (x[None, :] >= (x_last - 2)[:, None])
    accelerating = (sdm >= x_last - 1) & tail.any(1)
    # Not a PCR curve: a rise within less than a cycle (a step or a jump), or a straight rise
    # from a kink that a hinge fits far better than the logistic (on the real runs in
    # ../shared the hinge's error is at least 0.29 x the logistic's; on linear rises < 0.05).
    not_sigmoid = ((s <= 0.35) | (_hinge_sse(d_f, x, finite) < 0.15 * sse)) & signal
    n_read = finite.sum(1)
    too_short = n_read < st.min_cycles
    early_crossing = np.isfinite(crossing) & (crossing < st.ct_cutoff)
    flat = (snr < st.snr_none) & (excursion < st.snr_none)
    # A rise that never reaches half the threshold cannot give a Ct under the assay's rule
    # (primer-dimer or probe artefacts at the end of a run): not an amplification.
    below = ~np.isfinite(crossing) & ~at_start & (rise < 0.5 * threshold) & ~no_rox
    quiet = (flat & ~early_crossing) | below
    flags_below = below & ~flat
    ct_all = np.where(in_rise, crossing, np.nan)
    # The instrument's Ct of a well whose exported baseline covered the rise is off by design:
    # it neither sets the target's offset nor counts as a disagreement.
    replaced = base["replaced"]
    offset = pd.Series(np.where(inst_yes & ~replaced, ct_all - inst_ct, np.nan)).groupby(groups)
    offset_med = offset.transform("median").to_numpy()
    offset_med = np.where(np.isfinite(offset_med), offset_med, 0.0)
    ct_disagrees = (np.abs(ct_all - inst_ct - offset_med) > st.instrument_tolerance) & ~replaced
    doubts: dict[str, np.ndarray] = {
        "NOISY": r2 < st.r2_min,
        "NOT_SIGMOID": not_sigmoid,
        "EFFICIENCY_OUTLIER": ~plausible,
        "THRESHOLD_AT_START": at_start,
        "THRESHOLD_NOT_CROSSED": ~at_start & ~np.isfinite(crossing) & ~no_rox,
        "CROSSING_OUTSIDE_RISE": np.isfinite(crossing) & ~in_rise,
        "NO_PLATEAU": accelerating,
        "NO_PASSIVE_REFERENCE": no_rox,
        "INSTRUMENT_DISAGREES": inst_no | (inst_yes & np.isfinite(ct_all) & ct_disagrees),
    }
    amplification = np.full(n, "review", dtype=object)
    reasons = np.full(n, "", dtype=object)
    for i in range(n):  # wording per well; the decisions above are vectorised
        amplification[i], reasons[i] = _decide(
            i, too_short, quiet, signal, inst_yes, doubts, n_read, snr, excursion, crossing, st
        )
    yes = amplification == "yes"
    ct = np.where(yes, ct_all, np.nan)

    # -- flags ----------------------------------------------------------------------------
    drift = np.abs(base["slope"]) * (x_last - x_first)
    span = np.nanmax(raw, axis=1) - np.nanmin(raw, axis=1)
    smooth5 = _savgol(filled)
    biggest = np.nanmax(np.abs(np.where(finite, d_f - smooth5, np.nan)), axis=1)
    conditions = {
        "TOO_SHORT": too_short,
        "NO_AMPLIFICATION": ~too_short & quiet & ~flags_below,
        "SUBTHRESHOLD_RISE": ~too_short & flags_below,
        "WEAK_RISE": ~too_short & ~quiet & ~signal,
        "BASELINE_DRIFT": (drift > st.drift_fraction * span) & (drift > 10 * noise),
        "BASELINE_REPLACED": base["replaced"],
        "SPIKE": (biggest > st.spike_factor * noise) & (biggest > 0.05 * rise) & signal,
        "LATE": np.isfinite(ct) & (ct >= st.ct_cutoff),
        **{w: h & signal & ~too_short for w, h in doubts.items() if w != "INSTRUMENT_DISAGREES"},
        "INSTRUMENT_DISAGREES": ~too_short & (
            (inst_yes & (amplification == "no")) | (inst_no & (amplification != "no"))
            | (inst_yes & yes & ct_disagrees)
        ),
    }  # fmt: skip
    for word, hit in conditions.items():  # a loop over flag words, not wells
        for i in np.where(hit)[0]:
            flags[i].append(word)
    return {
        "ct": ct, "crossing": crossing, "amplification": amplification, "reason": reasons,
        "efficiency": efficiency, "baseline_start": base["b_start"],
        "baseline_end": base["b_end"], "threshold": threshold, "noise": noise, "rise": rise,
        "snr": snr, "r2": r2, "x0": x0, "slope": s, "cycles": n_read.astype(float),
        "win_lo": win_lo, "win_hi": win_hi, "targets": groups,
    }  # fmt: skip


_DOUBT_WORDS = {
    "NOISY": "the logistic fit explains too little of the curve",
    "NOT_SIGMOID": "the rise is not sigmoid (a straight rise or a step fits as well)",
    "EFFICIENCY_OUTLIER": "efficiency outside the plausible range",
    "THRESHOLD_AT_START": "above the threshold from the first cycle",
    "THRESHOLD_NOT_CROSSED": "the threshold is not crossed",
    "CROSSING_OUTSIDE_RISE": "the threshold is crossed after the exponential phase",
    "NO_PLATEAU": "still accelerating at the last cycle",
    "NO_PASSIVE_REFERENCE": "no passive reference signal (empty well?)",
    "INSTRUMENT_DISAGREES": "the instrument disagrees",
}


def _decide(
    i: int,
    too_short: np.ndarray,
    quiet: np.ndarray,
    signal: np.ndarray,
    inst_yes: np.ndarray,
    doubts: dict[str, np.ndarray],
    n_read: np.ndarray,
    snr: np.ndarray,
    excursion: np.ndarray,
    crossing: np.ndarray,
    st: CurveSettings,
) -> tuple[str, str]:
    """The first row of :data:`AMPLIFICATION_RULE` that holds, for well ``i``, in words."""
    if too_short[i]:
        return "review", f"curve too short to analyse: {n_read[i]} readings (at least " \
            f"{st.min_cycles} needed)"  # fmt: skip
    if quiet[i] and not inst_yes[i] and max(snr[i], excursion[i]) >= st.snr_none:
        return "no", f"a rise of {snr[i]:.0f} noise units that stays below half the threshold"
    if quiet[i] and not inst_yes[i]:
        return "no", f"no rise beyond noise: {snr[i]:.1f} noise units (< {st.snr_none:g})"
    if quiet[i]:
        return "review", "the instrument calls it amplified; no rise seen in the curve"
    if not signal[i]:
        size = max(snr[i], excursion[i])
        if size < st.snr_none:
            return "review", f"the threshold is crossed at cycle {crossing[i]:.1f}, before the " \
                f"cut-off, by a curve rising only {size:.1f} noise units"  # fmt: skip
        return "review", f"weak rise: {size:.1f} noise units (between {st.snr_none:g} and " \
            f"{st.snr_min:g})"  # fmt: skip
    found = [word for word, hit in doubts.items() if hit[i]]
    if found:
        return "review", f"rise of {snr[i]:.0f} noise units, but " + "; ".join(
            _DOUBT_WORDS[w] for w in found
        )
    return "yes", f"sigmoid rise of {snr[i]:.0f} noise units"


def _threshold(
    d_f: np.ndarray,
    x: np.ndarray,
    finite: np.ndarray,
    info: pd.DataFrame,
    groups: np.ndarray,
    win_lo: np.ndarray,
    win_hi: np.ndarray,
    noise: np.ndarray,
    st: CurveSettings,
    mode: str,
) -> np.ndarray:
    """Step 5: the threshold per well (user's number, instrument's, or automatic)."""
    n = d_f.shape[0]
    if mode == "user":
        return np.full(n, float(st.threshold))
    if mode == "auto":
        threshold = np.sqrt(win_lo * win_hi)
        return np.where(np.isfinite(threshold), threshold, 10 * noise)
    threshold = info["threshold"].to_numpy(dtype=float, copy=True)
    inst = info["instrument_ct"].to_numpy(dtype=float)
    for g in np.unique(groups):  # exports with Ct but no threshold (RDML): infer it
        rows = (groups == g) & ~np.isfinite(threshold)
        known = rows & np.isfinite(inst) & (inst > x.min()) & (inst < x.max())
        if rows.any() and known.any():
            at_ct = [
                np.interp(inst[i], x[finite[i]], d_f[i, finite[i]]) for i in np.where(known)[0]
            ]
            threshold[rows] = float(np.median(at_ct))
    missing = ~np.isfinite(threshold)
    if missing.any():
        lost = sorted(set(info.index.get_level_values("target")[missing]))
        raise ParameterError(
            "--threshold instrument: the export gives no threshold for target(s) "
            + ", ".join(repr(t) for t in lost)
            + "; use --threshold auto or a number"
        )
    return threshold


_NUMERIC = ("crossing", "efficiency", "baseline_start", "baseline_end", "threshold", "noise",
            "rise", "snr", "r2", "x0", "slope", "cycles")  # fmt: skip


def _status_word(status: Any) -> str:
    """The instrument's amplification status as one word: ``Amp`` -> AMP, ``No Amp`` -> NO_AMP."""
    return str(status or "").strip().upper().replace(" ", "_")


def _instrument_result(rec: Any) -> tuple[str, str, float]:
    """(amplification, reason, ct) from the instrument's own result for a reaction."""
    status = _status_word(rec.instrument_amp)
    ct = float(rec.instrument_ct)
    if status == "AMP" or (status != "NO_AMP" and math.isfinite(ct)):
        if math.isfinite(ct):
            return "yes", f"no curve to check: the instrument's Ct {ct:.2f}", ct
        return (
            "review",
            "no curve to check: the instrument says amplified but gives no Ct",
            math.nan,
        )
    if status in ("INCONCLUSIVE", "REVIEW"):
        return "review", f"no curve to check: the instrument says {rec.instrument_amp}", math.nan
    return "no", "no curve to check: the instrument's result is Undetermined", math.nan


def _table(
    plate: Plate,
    keys: list[Any],
    result: dict[str, np.ndarray],
    flags: list[list[str]],
    st: CurveSettings,
    mode: str,
) -> pd.DataFrame:
    rows = []
    analysed = {k: i for i, k in enumerate(keys)}
    cycles = plate.curves.groupby(["run", "well", "target"])["rn"].count().to_dict()
    for rec in plate.wells.itertuples(index=False):
        key = (rec.run, rec.well, rec.target)
        i = analysed.get(key)
        row: dict[str, Any] = {
            "run": rec.run, "well": rec.well, "sample": rec.sample, "target": rec.target,
            "reporter": rec.reporter, "instrument_ct": rec.instrument_ct,
            "threshold_mode": mode, "ct_source": "curve",
        }  # fmt: skip
        if i is not None and result:
            row.update({k: float(result[k][i]) for k in _NUMERIC})
            row.update(
                ct=float(result["ct"][i]),
                amplification=str(result["amplification"][i]),
                amplification_reason=str(result["reason"][i]),
                flags=",".join(flags[i]),
            )
            usable = "TOO_SHORT" not in flags[i]
        else:
            n = int(cycles.get(key, 0))
            word = "TOO_SHORT" if n else "NO_CURVE"
            row.update(cycles=float(n), ct=math.nan, flags=word, amplification="review",
                       amplification_reason=(f"curve too short to analyse: {n} readings (at "
                                             f"least {st.min_cycles} needed)") if n else
                       "the export holds no curve for this reaction")  # fmt: skip
            usable = False
        if not usable and bool(rec.has_result):
            amp, reason, ct = _instrument_result(rec)
            flag_text = f"{row['flags']},CURVE_NOT_CHECKED"
            row.update(amplification=amp, amplification_reason=reason, ct=ct,
                       ct_source="instrument", flags=flag_text)  # fmt: skip
            if math.isfinite(ct) and ct >= st.ct_cutoff:
                row["flags"] += ",LATE"
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in CURVE_TABLE_COLUMNS:
        if col not in table:
            table[col] = math.nan
    table["amplified"] = table["amplification"] == "yes"
    return table[CURVE_TABLE_COLUMNS]


def _targets(
    table: pd.DataFrame, result: dict[str, np.ndarray], keys: list[Any], mode: str
) -> pd.DataFrame:
    columns = ["run", "target", "threshold", "threshold_mode", "window_low", "window_high",
               "efficiency", "n_amplified"]  # fmt: skip
    if not keys or not result:
        return pd.DataFrame(columns=columns)
    yes = result["amplification"] == "yes"
    frame = pd.DataFrame(
        {
            "run": [k[0] for k in keys],
            "target": [k[2] for k in keys],
            "threshold": result["threshold"],
            "window_low": result["win_lo"],
            "window_high": result["win_hi"],
            "efficiency": np.where(yes, result["efficiency"], np.nan),
            "amplified": yes,
        }
    )
    out = frame.groupby(["run", "target"], sort=True).agg(
        threshold=("threshold", "median"),
        window_low=("window_low", "first"),
        window_high=("window_high", "first"),
        efficiency=("efficiency", "mean"),
        n_amplified=("amplified", "sum"),
    )
    out.insert(1, "threshold_mode", mode)
    return out.reset_index()
