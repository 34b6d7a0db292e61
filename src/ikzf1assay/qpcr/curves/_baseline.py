"""Steps 1 and 2: the passive reference, the baseline range and line, the noise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ikzf1assay.qpcr.curves._arrays import masked_line, robust_sd, running_median3

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings


def rox_absent(rox: np.ndarray, n_rows: int) -> np.ndarray:
    """Wells whose passive reference (ROX) reads below 5 % of the plate's median ROX.

    Such a well holds no dye (an empty well): its Rn is a ratio of two background readings and
    swings wildly. The level is the plate's, so this runs over all wells before the per-block
    steps.

    Parameters
    ----------
    rox
        ``passive_ref`` as (wells x cycles); any other shape means no passive reference.
    n_rows
        Number of wells.

    Returns
    -------
    numpy.ndarray
        Boolean per well.
    """
    if rox.shape[0] != n_rows or not np.isfinite(rox).any():
        return np.zeros(n_rows, dtype=bool)
    with np.errstate(all="ignore"):
        level = np.nanmedian(rox, axis=1)
        plate_level = np.nanmedian(level)
    return np.asarray(np.isfinite(level) & (plate_level > 0) & (level < 0.05 * plate_level))


def without_rox(raw: np.ndarray, rox: np.ndarray, absent: np.ndarray) -> np.ndarray:
    """Rn where the passive reference is present; the raw reporter (Rn x ROX) where absent.

    The reporter's own signal is still a measurement, and it shows whether anything amplified.
    """
    if rox.shape != raw.shape or not absent.any():
        return raw
    return np.where(absent[:, None], raw * rox, raw)


def auto_range(
    raw: np.ndarray, x: np.ndarray, finite: np.ndarray, st: CurveSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rise_at, auto_end, noise0): the first sustained rise above a line through the early
    cycles, the automatic baseline end 3 cycles before it, and the early-cycle noise."""
    first = float(st.baseline_first)
    early = (x >= first) & (x < first + 8)
    early_mask = np.broadcast_to(early, raw.shape) & finite
    e_int, e_slope = masked_line(x, raw, early_mask)
    early_line = e_int[:, None] + e_slope[:, None] * x[None, :]
    noise0 = robust_sd(np.where(early_mask, raw - early_line, np.nan))
    noise0 = np.where(np.isfinite(noise0) & (noise0 > 0), noise0, np.nanstd(raw, axis=1) + 1e-12)
    exceed = (raw - early_line) > 10 * noise0[:, None]
    sustained = exceed.copy()
    sustained[:, :-2] &= exceed[:, 1:-1] & exceed[:, 2:]
    sustained &= x >= first + 3
    rise_at = np.where(sustained.any(1), x[np.argmax(sustained, axis=1)], np.inf)
    auto_end = np.clip(rise_at - 3, first + 4, x.max())
    return rise_at, auto_end, noise0


def line_off(
    raw: np.ndarray, x: np.ndarray, finite: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subtract the least-squares line over [start, end]: (corrected, slope, window mask)."""
    window = (x[None, :] >= start[:, None]) & (x[None, :] <= end[:, None]) & finite
    intercept, slope = masked_line(x, raw, window)
    return raw - (intercept[:, None] + slope[:, None] * x[None, :]), slope, window


def baseline(
    raw: np.ndarray,
    x: np.ndarray,
    finite: np.ndarray,
    inst_start: np.ndarray,
    inst_end: np.ndarray,
    st: CurveSettings,
) -> dict[str, np.ndarray]:
    """Steps 1-2: baseline range (instrument's unless it covers the rise), corrected curve, noise.

    The instrument's range covers the rise when, on the automatically corrected curve, the
    reading at the range's last cycle already exceeds 10 % of the rise (and 10 noise units) of
    a curve that rises at least ``snr_min`` noise units.

    Parameters
    ----------
    raw
        Fluorescence (wells x cycles), the reporter's own where ROX is absent.
    x
        Cycles.
    finite
        Where ``raw`` holds a reading.
    inst_start, inst_end
        The instrument's baseline range per well (NaN where the export gives none).
    st
        The settings.

    Returns
    -------
    dict
        ``d_f`` (the corrected curves), ``slope`` of the baseline line, ``noise``, the range
        used (``b_start``, ``b_end``), ``replaced`` (the instrument's range covered the rise),
        and ``rise_at`` (the first cycle of a sustained rise, inf without one).
    """
    rise_at, auto_end, noise0 = auto_range(raw, x, finite, st)
    first = np.full(raw.shape[0], float(st.baseline_first))
    d_auto, _, auto_window = line_off(raw, x, finite, first, auto_end)
    noise_auto = robust_sd(np.where(auto_window, d_auto, np.nan))
    noise_auto = np.where(np.isfinite(noise_auto) & (noise_auto > 0), noise_auto, noise0)
    smooth = running_median3(d_auto)
    del d_auto
    top = np.nanmax(np.where(finite, smooth, -np.inf), axis=1)
    use_inst = np.isfinite(inst_start) & np.isfinite(inst_end) & (inst_end > inst_start)
    level = np.maximum(0.1 * top, 10 * noise_auto)
    risen = (smooth >= level[:, None]) & finite & (x[None, :] <= inst_end[:, None])
    covers = use_inst & (top >= st.snr_min * noise_auto) & risen.any(1)
    use_inst &= ~covers
    b_start = np.where(use_inst, inst_start, first)
    b_end = np.where(use_inst, inst_end, auto_end)
    d_f, slope, window = line_off(raw, x, finite, b_start, b_end)
    noise = robust_sd(np.where(window, d_f, np.nan))
    noise = np.where(np.isfinite(noise) & (noise > 0), noise, noise0)
    return {"d_f": d_f, "slope": slope, "noise": noise, "b_start": b_start, "b_end": b_end,
            "replaced": covers, "rise_at": rise_at}  # fmt: skip
