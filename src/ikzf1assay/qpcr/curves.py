"""Curve analysis: baseline, threshold, Ct, real-amplification check and efficiency per well.

Everything is recomputed from the raw fluorescence (``rn``) of a :class:`Plate`, for all
reactions at once as (reactions x cycles) numpy arrays; no Python loop runs over cycles or
wells. The steps, each documented where it is computed:

1. **Baseline.** The instrument's own range where the export gives one; otherwise an automatic
   range: from cycle ``baseline_first`` up to 3 cycles before the first sustained rise above
   10 noise units. A straight line is fitted over the range by least squares and subtracted
   (so a drifting baseline is removed, and reported when large). This reproduces QuantStudio's
   exported dRn exactly when its range is used.
2. **Noise.** The robust standard deviation (1.4826 x MAD) of the baseline residuals.
3. **Shape.** A four-parameter logistic ``b + A / (1 + exp(-(c - x0) / s))`` fitted to the
   baseline-corrected curve (batched Levenberg-Marquardt). ``amplified`` needs all of: the
   fitted rise within the run at least ``snr_min`` noise units (plateau above noise), fit R2 at
   least ``r2_min``, a per-well efficiency inside ``efficiency_range`` (exponential phase
   present, plausible). Each failed condition is a flag.
4. **Window of linearity** (as LinRegPCR): per well, the exponential phase runs from 10 noise
   units (at least 1 % of the rise) to the fluorescence at the fitted curve's maximum second
   derivative (21 % of the rise); per target the common window is the overlap over amplified
   wells. Efficiency per well = 10 ** slope of log10(fluorescence) against cycle inside the
   window; the per-target mean is reported.
5. **Threshold.** A number given by the user; the instrument's exported threshold per target
   (``instrument``); or, per target, the geometric middle of the common window of linearity
   (``auto``, LinRegPCR's common-threshold idea). The mode and value are reported per well.
6. **Ct.** The fractional cycle at which the baseline-corrected curve crosses the threshold
   upward for the last time (it stays above afterwards, so a spike or noise earlier does not
   count), by linear interpolation. It is reported as ``ct`` only for an amplified curve whose
   crossing lies in the exponential phase (at most 1.5 cycles past the SDM); the raw crossing
   is kept in ``crossing`` for review.

Flags (one word each; :data:`FLAG_MEANINGS`) explain every rejection and oddity.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import savgol_filter

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "CURVE_TABLE_COLUMNS",
    "FLAG_MEANINGS",
    "CurveCalls",
    "CurveSettings",
    "analyse_curves",
    "fit_logistic",
]

FLAG_MEANINGS = {
    "NO_CURVE": "the export holds no fluorescence for this reaction: nothing to analyse",
    "NO_AMPLIFICATION": "the rise within the run is below snr_min noise units",
    "NOISY": "the logistic fit explains too little of the curve (R2 below r2_min)",
    "BASELINE_DRIFT": "the fitted baseline moves by more than drift_fraction of the curve's range",
    "NO_PLATEAU": "the curve is still rising at the last cycle: no plateau reached",
    "SPIKE": "one reading departs from the smoothed curve by more than spike_factor noise units "
    "and 5 % of the rise",
    "EFFICIENCY_OUTLIER": "efficiency outside efficiency_range, or off the target's median by "
    "more than efficiency_outlier (a fraction)",
    "LATE": "Ct at or beyond ct_cutoff",
    "CROSSING_OUTSIDE_RISE": "the threshold is crossed after the exponential phase (in the "
    "plateau): no Ct; lower the threshold",
    "THRESHOLD_NOT_CROSSED": "the baseline-corrected curve does not end above the threshold",
    "THRESHOLD_AT_START": "the curve is above the threshold from its first cycle: no crossing",
    "INSTRUMENT_DISAGREES": "only one of the instrument and this analysis calls amplification, or "
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
    "amplified",
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
    "r2",
    "x0",
    "slope",
]


@dataclass(frozen=True)
class CurveSettings:
    """Parameters of :func:`analyse_curves`; the defaults are the documented rule."""

    threshold: str | float = "auto"  # "auto", "instrument", or a number
    ct_cutoff: float = 36.0
    baseline_first: int = 3
    snr_min: float = 20.0
    r2_min: float = 0.98
    efficiency_range: tuple[float, float] = (1.4, 2.6)  # wide: 3-point estimates are noisy
    efficiency_outlier: float = 0.05
    instrument_tolerance: float = 0.5
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
    """One row per reaction (:data:`CURVE_TABLE_COLUMNS`) plus per-target figures."""

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
        ``table``: one row per reaction of ``plate.wells`` (reactions without a curve are
        flagged NO_CURVE); ``targets``: per run and target the threshold, its mode, the common
        window of linearity and the mean efficiency of amplified wells.
    """
    st = settings or CurveSettings()
    mode = st.mode()
    wells = plate.wells.set_index(["run", "well", "target"])
    idx, raw = plate.curve_matrix("rn")
    keys = list(map(tuple, idx.to_numpy())) if len(idx) else []
    info = wells.loc[keys] if keys else wells.iloc[:0]
    x = np.asarray(sorted(plate.curves["cycle"].unique()), dtype=float) if keys else np.zeros(0)
    n = raw.shape[0] if keys else 0

    result: dict[str, np.ndarray] = {}
    flags: list[list[str]] = [[] for _ in range(n)]
    if n:
        result = _analyse_matrix(raw, x, info, st, mode, flags)
    table = _table(plate, keys, info, result, flags, st, mode)
    targets = _targets(table, result, keys, mode)
    return CurveCalls(table=table, targets=targets, settings=st)


def _analyse_matrix(
    raw: np.ndarray,
    x: np.ndarray,
    info: pd.DataFrame,
    st: CurveSettings,
    mode: str,
    flags: list[list[str]],
) -> dict[str, np.ndarray]:
    n, m = raw.shape
    finite = np.isfinite(raw)
    first = float(st.baseline_first)

    # -- 1, 2: baseline range, linear baseline, noise ------------------------------------
    early = (x >= first) & (x < first + 8)
    # Rise detection against a line through the early cycles, so a drifting baseline is not
    # taken for the start of amplification.
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
    inst_start = info["baseline_start"].to_numpy(dtype=float)
    inst_end = info["baseline_end"].to_numpy(dtype=float)
    use_inst = np.isfinite(inst_start) & np.isfinite(inst_end) & (inst_end > inst_start)
    b_start = np.where(use_inst, inst_start, first)
    b_end = np.where(use_inst, inst_end, auto_end)
    window = (x[None, :] >= b_start[:, None]) & (x[None, :] <= b_end[:, None]) & finite
    intercept, slope = _masked_line(x, raw, window)
    base = intercept[:, None] + slope[:, None] * x[None, :]
    d_f = raw - base
    noise = _robust_sd(np.where(window, d_f, np.nan))
    noise = np.where(np.isfinite(noise) & (noise > 0), noise, noise0)

    # -- 3: logistic fit ------------------------------------------------------------------
    params, sse = fit_logistic(x, d_f)
    fitted = _logistic(x, params)
    with np.errstate(all="ignore"):
        mean = np.nanmean(d_f, axis=1, keepdims=True)
        sst = np.nansum(np.where(finite, (d_f - mean) ** 2, 0.0), axis=1)
        r2 = np.where(sst > 0, 1 - sse / sst, 0.0)
    x_last = np.nanmax(np.where(finite, x, np.nan), axis=1)
    x_first = np.nanmin(np.where(finite, x, np.nan), axis=1)
    lo = _logistic(x_first[:, None], params)[:, 0]
    hi = _logistic(x_last[:, None], params)[:, 0]
    rise = hi - lo
    a, x0, s = params[:, 1], params[:, 2], params[:, 3]
    snr = rise / noise
    signal = snr >= st.snr_min
    good_fit = r2 >= st.r2_min

    # -- 4: window of linearity and efficiency ----------------------------------------------
    # The exponential phase ends at the maximum of the second derivative (SDM), taken from the
    # data (a symmetric logistic puts it cycles too late on asymmetric qPCR curves).
    # Savitzky-Golay second derivative (5 points, quadratic): the noise of raw second
    # differences would put the maximum early. NaN tails are padded with the last reading.
    filled = pd.DataFrame(d_f).ffill(axis=1).fillna(0.0).to_numpy()
    d2 = savgol_filter(filled, window_length=min(5, m - (m + 1) % 2), polyorder=2, deriv=2, axis=1)
    d2[~finite] = -np.inf
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
    candidates = signal & good_fit & (lower_w < upper_w)
    for g in np.unique(groups):  # a loop over targets, not wells or cycles
        rows = (groups == g) & candidates
        if rows.any():
            win_lo[groups == g] = float(np.median(lower_w[rows]))
            win_hi[groups == g] = float(np.median(upper_w[rows]))
    before_sdm = x[None, :] <= sdm[:, None]
    common = (d_f >= win_lo[:, None]) & (d_f <= win_hi[:, None]) & finite & before_sdm
    own = (d_f >= lower_w[:, None]) & (d_f <= upper_w[:, None]) & finite & before_sdm
    # At least 3 readings: when neither window holds 3 (a noisy well), the 3 up to the SDM.
    last3 = (x[None, :] <= sdm[:, None]) & (x[None, :] > (sdm - 3)[:, None]) & finite & (d_f > 0)
    in_window = np.where(
        (common.sum(1) >= 3)[:, None], common, np.where((own.sum(1) >= 3)[:, None], own, last3)
    )
    with np.errstate(all="ignore"):
        logf = np.log10(np.where(in_window, d_f, np.nan))
    _, log_slope = _masked_line(x, logf, in_window)
    # no efficiency without a real rise: a log-slope through noise means nothing
    efficiency = np.where((in_window.sum(1) >= 3) & signal, 10**log_slope, np.nan)
    e_lo, e_hi = st.efficiency_range
    plausible = (efficiency >= e_lo) & (efficiency <= e_hi)
    amplified = signal & good_fit & plausible

    # -- 5: threshold ---------------------------------------------------------------------
    if mode == "user":
        threshold = np.full(n, float(st.threshold))
    elif mode == "instrument":
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
    else:
        threshold = np.sqrt(win_lo * win_hi)
        fallback = ~np.isfinite(threshold)  # a target with no amplified well
        threshold = np.where(fallback, 10 * noise, threshold)

    # -- 6: Ct: last upward crossing, linear interpolation --------------------------------
    above = (d_f >= threshold[:, None]) | ~finite
    last_below = np.where((~above).any(1), m - 1 - np.argmax((~above)[:, ::-1], axis=1), -1)
    last_finite = np.where(finite.any(1), m - 1 - np.argmax(finite[:, ::-1], axis=1), -1)
    crossed = (last_below >= 0) & (last_below < last_finite)
    k = np.clip(last_below, 0, m - 2)
    rows = np.arange(n)
    f0, f1 = d_f[rows, k], d_f[rows, k + 1]
    with np.errstate(all="ignore"):
        ct = np.where(crossed, x[k] + (threshold - f0) / (f1 - f0) * (x[k + 1] - x[k]), np.nan)
    at_start = last_below < 0
    # A Ct only where the crossing belongs to the exponential rise of a real amplification:
    # the raw crossing stays visible in 'crossing' for review.
    crossing = ct
    in_rise = amplified & np.isfinite(crossing) & (crossing <= sdm + 1.5)
    ct = np.where(in_rise, crossing, np.nan)

    # -- flags ----------------------------------------------------------------------------
    drift = np.abs(slope) * (x_last - x_first)
    span = np.nanmax(raw, axis=1) - np.nanmin(raw, axis=1)
    smooth = savgol_filter(filled, window_length=min(5, m - (m + 1) % 2), polyorder=2, axis=1)
    biggest = np.nanmax(np.abs(np.where(finite, d_f - smooth, np.nan)), axis=1)
    spike = (biggest > st.spike_factor * noise) & (biggest > 0.05 * rise) & signal
    tail = finite & (x[None, :] >= (x_last - 2)[:, None])
    still_rising = (
        fitted[rows, np.clip(last_finite, 0, m - 1)] < params[:, 0] + 0.9 * a
    ) & amplified
    target_median_e = (
        pd.Series(np.where(amplified, efficiency, np.nan))
        .groupby(groups)
        .transform("median")
        .to_numpy()
    )
    inst_ct = info["instrument_ct"].to_numpy(dtype=float)
    inst_amp = info["instrument_amp"].to_numpy(dtype=object)
    inst_says_amp = np.where(
        np.isin(inst_amp, ["AMP", "NO_AMP"]), inst_amp == "AMP", np.isfinite(inst_ct)
    )
    has_inst = info["has_result"].to_numpy(dtype=bool)
    offset = pd.Series(ct - inst_ct).groupby(groups).transform("median").to_numpy()
    offset = np.where(np.isfinite(offset), offset, 0.0)
    ct_disagrees = np.abs(ct - inst_ct - offset) > st.instrument_tolerance
    off_median = np.isfinite(target_median_e) & (
        np.abs(efficiency - target_median_e) > st.efficiency_outlier * target_median_e
    )
    conditions = {
        "NO_AMPLIFICATION": ~signal,
        "NOISY": signal & ~good_fit,
        "BASELINE_DRIFT": (drift > st.drift_fraction * span) & (drift > 10 * noise),
        "NO_PLATEAU": still_rising & tail.any(1),
        "SPIKE": spike,
        "EFFICIENCY_OUTLIER": signal & good_fit & (~plausible | off_median),
        "THRESHOLD_AT_START": at_start,
        "THRESHOLD_NOT_CROSSED": ~at_start & ~crossed,
        "LATE": np.isfinite(ct) & (ct >= st.ct_cutoff),
        "CROSSING_OUTSIDE_RISE": amplified & np.isfinite(crossing) & ~in_rise,
        "INSTRUMENT_DISAGREES": has_inst & ((inst_says_amp != amplified) | ct_disagrees),
    }
    for word, hit in conditions.items():  # a loop over flag words, not wells
        for i in np.where(hit)[0]:
            flags[i].append(word)
    return {
        "ct": ct,
        "crossing": crossing,
        "amplified": amplified,
        "efficiency": efficiency,
        "baseline_start": b_start,
        "baseline_end": b_end,
        "threshold": threshold,
        "noise": noise,
        "rise": rise,
        "r2": r2,
        "x0": x0,
        "slope": s,
        "win_lo": win_lo,
        "win_hi": win_hi,
        "targets": groups,
    }


def _table(
    plate: Plate,
    keys: list[Any],
    info: pd.DataFrame,
    result: dict[str, np.ndarray],
    flags: list[list[str]],
    st: CurveSettings,
    mode: str,
) -> pd.DataFrame:
    rows = []
    analysed = {k: i for i, k in enumerate(keys)}
    for rec in plate.wells.itertuples(index=False):
        key = (rec.run, rec.well, rec.target)
        i = analysed.get(key)
        base = {
            "run": rec.run,
            "well": rec.well,
            "sample": rec.sample,
            "target": rec.target,
            "reporter": rec.reporter,
            "instrument_ct": rec.instrument_ct,
            "threshold_mode": mode,
        }
        if i is None:
            rows.append({**base, "ct": math.nan, "amplified": False, "flags": "NO_CURVE"})
            continue
        rows.append(
            {
                **base,
                **{
                    k: float(result[k][i])
                    for k in (
                        "ct",
                        "crossing",
                        "efficiency",
                        "baseline_start",
                        "baseline_end",
                        "threshold",
                        "noise",
                        "rise",
                        "r2",
                        "x0",
                        "slope",
                    )
                },
                "amplified": bool(result["amplified"][i]),
                "flags": ",".join(flags[i]),
            }
        )
    table = pd.DataFrame(rows)
    for col in CURVE_TABLE_COLUMNS:
        if col not in table:
            table[col] = math.nan
    return table[CURVE_TABLE_COLUMNS]


def _targets(
    table: pd.DataFrame, result: dict[str, np.ndarray], keys: list[Any], mode: str
) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame(
            columns=[
                "run",
                "target",
                "threshold",
                "threshold_mode",
                "window_low",
                "window_high",
                "efficiency",
                "n_amplified",
            ]
        )
    frame = pd.DataFrame(
        {
            "run": [k[0] for k in keys],
            "target": [k[2] for k in keys],
            "threshold": result["threshold"],
            "window_low": result["win_lo"],
            "window_high": result["win_hi"],
            "efficiency": np.where(result["amplified"], result["efficiency"], np.nan),
            "amplified": result["amplified"],
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
