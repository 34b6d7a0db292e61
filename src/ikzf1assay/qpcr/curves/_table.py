"""The per-well table and the per-target figures of :class:`CurveCalls`, from the arrays."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ikzf1assay.qpcr.curves._decision import status_word

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings

_NUMERIC = ("crossing", "efficiency", "baseline_start", "baseline_end", "threshold", "noise",
            "rise", "snr", "r2", "x0", "slope", "cycles")  # fmt: skip
_FROM_WELLS = ("run", "well", "sample", "target", "reporter", "instrument_ct")


def instrument_result(amp: Any, ct: float) -> tuple[str, str, float]:
    """(amplification, reason, ct) from the instrument's own result for a reaction."""
    status = status_word(amp)
    if status == "AMP" or (status != "NO_AMP" and math.isfinite(ct)):
        if math.isfinite(ct):
            return "yes", f"no curve to check: the instrument's Ct {ct:.2f}", ct
        return (
            "review",
            "no curve to check: the instrument says amplified but gives no Ct",
            math.nan,
        )
    if status in ("INCONCLUSIVE", "REVIEW"):
        return "review", f"no curve to check: the instrument says {amp}", math.nan
    return "no", "no curve to check: the instrument's result is Undetermined", math.nan


def _unanalysed(curves: pd.DataFrame, wells: pd.DataFrame, st: CurveSettings) -> dict[str, Any]:
    """Columns of reactions without an analysable curve: NO_CURVE or TOO_SHORT, review."""
    counts = curves.groupby(["run", "well", "target"])["rn"].count()
    keys = pd.MultiIndex.from_frame(wells[["run", "well", "target"]])
    n = counts.reindex(keys).fillna(0).astype(int).to_numpy()
    reason = [
        f"curve too short to analyse: {k} readings (at least {st.min_cycles} needed)"
        if k
        else "the export holds no curve for this reaction"
        for k in n
    ]
    return {
        "cycles": n.astype(float),
        "flags": np.where(n > 0, "TOO_SHORT", "NO_CURVE").astype(object),
        "amplification_reason": np.asarray(reason, dtype=object),
    }


def well_table(
    wells: pd.DataFrame,
    curves: pd.DataFrame,
    row: np.ndarray,
    result: dict[str, np.ndarray],
    st: CurveSettings,
    mode: str,
) -> pd.DataFrame:
    """One row per reaction of ``wells``, in its order (columns not yet in the final order).

    Parameters
    ----------
    wells, curves
        ``Plate.wells`` and ``Plate.curves``.
    row
        Per reaction of ``wells``, its row in the analysed arrays (-1: not analysed).
    result
        The analysis's arrays (empty when nothing could be analysed).
    st, mode
        The settings and the threshold mode.

    Returns
    -------
    pandas.DataFrame
        The table before :data:`CURVE_TABLE_COLUMNS` orders it.
    """
    n = len(wells)
    analysed = row >= 0 if result else np.zeros(n, dtype=bool)
    take = np.where(analysed, row, 0)
    # infer_objects: the dtypes a frame built from the values row by row would have
    columns: dict[str, Any] = {
        c: wells[c].reset_index(drop=True).infer_objects() for c in _FROM_WELLS
    }
    columns["ct_source"] = _filled(n, "curve")
    if result:
        for c in _NUMERIC:
            columns[c] = np.where(analysed, result[c][take].astype(float), np.nan)
    columns["ct"] = np.where(analysed, result["ct"][take], np.nan) if result else np.full(n, np.nan)
    texts = {"amplification": "amplification", "amplification_reason": "reason", "flags": "flags"}
    for c, k in texts.items():
        columns[c] = result[k][take] if result else _filled(n, "")
        columns[c][~analysed] = "review" if c == "amplification" else ""
    if not analysed.all():
        rest = _unanalysed(curves, wells, st)
        cycles = columns.get("cycles", np.full(n, np.nan))
        columns["cycles"] = np.where(analysed, cycles, rest["cycles"])
        for c in ("flags", "amplification_reason"):
            columns[c] = np.where(analysed, columns[c], rest[c])
    too_short = result["too_short"][take] if result else np.zeros(n, dtype=bool)
    _instrument_where_unchecked(columns, wells, analysed & ~too_short, st)
    table = pd.DataFrame(columns, index=pd.RangeIndex(n))
    table["threshold_mode"] = mode
    return table


def _filled(n: int, text: str) -> np.ndarray:
    """An object array of ``n`` references to one string (np.full would copy it n times)."""
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def _instrument_where_unchecked(
    columns: dict[str, Any], wells: pd.DataFrame, usable: np.ndarray, st: CurveSettings
) -> None:
    """Reactions without a usable curve take the instrument's result, where it gives one."""
    flags = columns["flags"]
    has_result = wells["has_result"].to_numpy(dtype=bool)
    amp_in = wells["instrument_amp"].to_numpy(dtype=object)
    ct_in = wells["instrument_ct"].to_numpy(dtype=float)
    for i in np.flatnonzero(~usable & has_result):
        amp, reason, ct = instrument_result(amp_in[i], float(ct_in[i]))
        columns["amplification"][i] = amp
        columns["amplification_reason"][i] = reason
        columns["ct"][i] = ct
        columns["ct_source"][i] = "instrument"
        flags[i] = f"{flags[i]},CURVE_NOT_CHECKED"
        if math.isfinite(ct) and ct >= st.ct_cutoff:
            flags[i] += ",LATE"


def target_table(index: pd.DataFrame, result: dict[str, np.ndarray], mode: str) -> pd.DataFrame:
    """Per run and target: threshold, its mode, the common window, mean efficiency of ``yes``.

    Parameters
    ----------
    index
        The ``run, well, target`` frame of the analysed rows.
    result
        The analysis's arrays (empty when nothing could be analysed).
    mode
        The threshold mode.

    Returns
    -------
    pandas.DataFrame
        Columns ``run, target, threshold, threshold_mode, window_low, window_high, efficiency,
        n_amplified``.
    """
    columns = ["run", "target", "threshold", "threshold_mode", "window_low", "window_high",
               "efficiency", "n_amplified"]  # fmt: skip
    if not len(index) or not result:
        return pd.DataFrame(columns=columns)
    yes = result["amplification"] == "yes"
    frame = pd.DataFrame(
        {
            "run": index["run"].tolist(),
            "target": index["target"].tolist(),
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
