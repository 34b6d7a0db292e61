"""Steps 4 to 6: window of linearity and efficiency, threshold, Ct."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.curves._arrays import masked_line

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings


def second_derivative_max(
    filled: np.ndarray, d2: np.ndarray, x: np.ndarray, finite: np.ndarray, rise_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 4a: the cycle of the second derivative's maximum (SDM), not before the rise.

    Parameters
    ----------
    filled
        Baseline-corrected curves with gaps filled (wells x cycles).
    d2
        Their Savitzky-Golay second derivative; overwritten.
    x
        Cycles.
    finite
        Where a reading exists.
    rise_at
        First cycle of a sustained rise per well (inf without one).

    Returns
    -------
    tuple of numpy.ndarray
        ``(sdm_index, sdm)``: column and cycle of the maximum per well.
    """
    d2[~finite] = -np.inf
    d2[x[None, :] < np.minimum(rise_at, x.max())[:, None] - 1] = -np.inf  # not before the rise
    sdm_index = np.argmax(d2, axis=1)
    return sdm_index, x[sdm_index]


def group_median(
    values: np.ndarray, codes: np.ndarray, n_groups: int, use: np.ndarray
) -> np.ndarray:
    """Median of ``values[use]`` per group code; NaN for a group without such rows."""
    out = np.full(n_groups, np.nan)
    rows = np.flatnonzero(use)
    if rows.size == 0:
        return out
    rows = rows[np.argsort(codes[rows], kind="stable")]
    present, starts = np.unique(codes[rows], return_index=True)
    for g, part in zip(present, np.split(values[rows], starts[1:]), strict=True):
        out[g] = float(np.median(part))
    return out


def common_window(
    codes: np.ndarray,
    n_groups: int,
    lower_w: np.ndarray,
    upper_w: np.ndarray,
    candidates: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 4b: each target's common window of linearity, per well: (win_lo, win_hi).

    The medians of the wells' own window bounds over the target's clear amplifications
    (``candidates``); NaN for a target without any.
    """
    win_lo = group_median(lower_w, codes, n_groups, candidates)[codes]
    win_hi = group_median(upper_w, codes, n_groups, candidates)[codes]
    return win_lo, win_hi


def efficiency(
    d_f: np.ndarray,
    x: np.ndarray,
    finite: np.ndarray,
    sdm: np.ndarray,
    own: tuple[np.ndarray, np.ndarray],
    common: tuple[np.ndarray, np.ndarray],
    signal: np.ndarray,
) -> np.ndarray:
    """Step 4c: efficiency = 10 ** slope of log10(fluorescence) inside the window of linearity.

    The window is the well's own (``own``: lower and upper bound) where it holds 3 readings,
    else the target's common window, else the last 3 positive readings up to the SDM. NaN
    without 3 readings or without a signal.
    """
    before_sdm = x[None, :] <= sdm[:, None]
    in_common = (d_f >= common[0][:, None]) & (d_f <= common[1][:, None]) & finite & before_sdm
    in_own = (d_f >= own[0][:, None]) & (d_f <= own[1][:, None]) & finite & before_sdm
    last3 = before_sdm & (x[None, :] > (sdm - 3)[:, None]) & finite & (d_f > 0)
    in_window = np.where(
        (in_own.sum(1) >= 3)[:, None],
        in_own,
        np.where((in_common.sum(1) >= 3)[:, None], in_common, last3),
    )
    with np.errstate(all="ignore"):
        logf = np.log10(np.where(in_window, d_f, np.nan))
    _, log_slope = masked_line(x, logf, in_window)
    return np.asarray(np.where((in_window.sum(1) >= 3) & signal, 10**log_slope, np.nan))


def known_instrument_ct(
    x: np.ndarray, inst_ct: np.ndarray, inst_threshold: np.ndarray
) -> np.ndarray:
    """Wells with an instrument Ct inside the run but no exported threshold (RDML exports)."""
    return np.asarray(
        ~np.isfinite(inst_threshold)
        & np.isfinite(inst_ct)
        & (inst_ct > x.min())
        & (inst_ct < x.max())
    )


def value_at_instrument_ct(
    d_f: np.ndarray, x: np.ndarray, finite: np.ndarray, inst_ct: np.ndarray, known: np.ndarray
) -> np.ndarray:
    """The corrected curve's value at the instrument's Ct for the ``known`` wells, else NaN.

    The threshold of a target the export gives none for is the median of these values.
    """
    out = np.full(d_f.shape[0], np.nan)
    for i in np.flatnonzero(known):
        out[i] = np.interp(inst_ct[i], x[finite[i]], d_f[i, finite[i]])
    return out


def threshold(
    mode: str,
    st: CurveSettings,
    window: tuple[np.ndarray, np.ndarray],
    noise: np.ndarray,
    instrument: dict[str, np.ndarray],
    codes: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Step 5: the threshold per well: the user's number, the instrument's, or automatic.

    Parameters
    ----------
    mode
        ``user``, ``auto`` or ``instrument``.
    st
        The settings (the user's number).
    window
        ``(win_lo, win_hi)`` per well: ``auto`` takes their geometric middle (10 noise units
        where the target has no window).
    noise
        Noise per well.
    instrument
        ``threshold`` (exported, NaN where absent), ``known`` (from
        :func:`known_instrument_ct`), ``at_ct`` (from :func:`value_at_instrument_ct`) and
        ``target`` per well.
    codes, n_groups
        The run x target group of each well, as integer codes.

    Returns
    -------
    numpy.ndarray
        Threshold per well.

    Raises
    ------
    ParameterError
        ``instrument`` mode where a target has neither an exported nor an inferable threshold.
    """
    n = noise.shape[0]
    if mode == "user":
        return np.full(n, float(st.threshold))
    if mode == "auto":
        auto = np.sqrt(window[0] * window[1])
        return np.asarray(np.where(np.isfinite(auto), auto, 10 * noise))
    out = np.array(instrument["threshold"], dtype=float, copy=True)
    at_ct = instrument["at_ct"]
    inferred = group_median(at_ct, codes, n_groups, instrument["known"])
    fill = ~np.isfinite(out) & np.isfinite(inferred[codes])
    out[fill] = inferred[codes][fill]
    missing = ~np.isfinite(out)
    if missing.any():
        lost = sorted(set(instrument["target"][missing]))
        raise ParameterError(
            "--threshold instrument: the export gives no threshold for target(s) "
            + ", ".join(repr(t) for t in lost)
            + "; use --threshold auto or a number"
        )
    return out


def crossing(
    d_f: np.ndarray, x: np.ndarray, finite: np.ndarray, thresh: np.ndarray, no_rox: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: the last upward crossing of the threshold, by linear interpolation.

    Returns
    -------
    tuple of numpy.ndarray
        ``(crossing, at_start)``: the fractional cycle (NaN where not crossed, and where the
        passive reference is absent: Rn units do not apply to the raw reporter), and whether
        the curve is above the threshold from its first reading.
    """
    n, m = d_f.shape
    above = (d_f >= thresh[:, None]) | ~finite
    last_below = np.where((~above).any(1), m - 1 - np.argmax((~above)[:, ::-1], axis=1), -1)
    last_finite = np.where(finite.any(1), m - 1 - np.argmax(finite[:, ::-1], axis=1), -1)
    crossed = (last_below >= 0) & (last_below < last_finite)
    k = np.clip(last_below, 0, m - 2)
    rows = np.arange(n)
    f0, f1 = d_f[rows, k], d_f[rows, k + 1]
    with np.errstate(all="ignore"):
        cross = np.where(crossed, x[k] + (thresh - f0) / (f1 - f0) * (x[k + 1] - x[k]), np.nan)
    cross = np.where(no_rox, np.nan, cross)
    return cross, (last_below < 0) & ~no_rox
