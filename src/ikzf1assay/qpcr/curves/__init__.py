"""Curve analysis: baseline, threshold, Ct, three-valued amplification and efficiency per well.

Everything is recomputed from the raw fluorescence (``rn``) of a :class:`Plate`, for all
reactions at once as (reactions x cycles) numpy arrays; no Python loop runs over cycles or
wells. ``_pipeline.analyse_matrix`` runs the steps on blocks of wells, which bounds memory
on large batches. The steps, each a function of this package's modules:

1. **Baseline** (``_baseline.baseline``). The instrument's own range where the export gives one,
   unless that range covers the rise (an exponential onset inside it): then, as for exports
   without a range, an automatic range from cycle ``baseline_first`` up to 3 cycles before the
   onset, flagged BASELINE_REPLACED. A straight line is fitted over the range by least squares
   and subtracted (a drifting baseline is removed, and reported when large). With the
   instrument's range this reproduces QuantStudio's exported dRn. A well whose passive reference
   (ROX) is absent (an empty well: Rn is then a ratio of two background readings) is judged on
   its raw reporter signal instead (NO_PASSIVE_REFERENCE).
2. **Noise** (``_baseline.baseline``). The robust standard deviation (1.4826 x MAD) of the
   baseline residuals.
3. **Shape** (``_shape.shape``, :func:`fit_logistic`). A four-parameter logistic
   ``b + A / (1 + exp(-(c - x0) / s))`` fitted to the baseline-corrected curve (batched
   Levenberg-Marquardt); its rise within the run, in noise units, is the signal-to-noise ratio
   ``snr``.
4. **Window of linearity and efficiency** (``_threshold.second_derivative_max``,
   ``common_window``, ``efficiency``; as LinRegPCR): the exponential phase runs from 10 noise
   units (at least 1 % of the rise) to the maximum of the second derivative (SDM); efficiency
   per well = 10 ** slope of log10(fluorescence) against cycle inside the window.
5. **Threshold** (``_threshold.threshold``). A number given by the user; the instrument's
   exported threshold per target (``instrument``); or the geometric middle of the target's
   common window (``auto``).
6. **Ct** (``_threshold.crossing``). The fractional cycle of the last upward crossing of the
   threshold, by linear interpolation; reported as ``ct`` only where the crossing belongs to the
   exponential rise (at most 1.5 cycles past the SDM); the raw crossing stays in ``crossing``.
7. **Amplification** (``_decision.amplification``): ``yes``, ``no`` or ``review``, with the
   reason in words. ``no`` only where the curve affirmatively shows no amplification; any doubt
   about a rise is ``review`` (the table in docs/curves.md, :data:`AMPLIFICATION_RULE`).

A reaction the export holds no analysable curve for (results-only exports, curves of a few
cycles) takes the instrument's own result where there is one (``ct_source = instrument``,
flag CURVE_NOT_CHECKED): a Ct is ``yes``, Undetermined is ``no``. Without an instrument result
it is ``review``.

Flags (one word each; :data:`FLAG_MEANINGS`) explain every decision and oddity.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.curves._arrays import curve_matrices
from ikzf1assay.qpcr.curves._pipeline import analyse_matrix
from ikzf1assay.qpcr.curves._shape import fit_logistic
from ikzf1assay.qpcr.curves._table import target_table, well_table
from ikzf1assay.qpcr.plate import NON_THRESHOLD_CT_METHODS, Plate

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
#: that holds decides; docs/curves.md shows the same table.
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
    result: dict[str, np.ndarray] = {}
    if plate.curves.empty:
        index = plate.wells[["run", "well", "target"]].iloc[:0]
    else:
        index, x, raw, rox = curve_matrices(plate.curves)
        # Below 5 cycles nothing can be smoothed; every such curve is TOO_SHORT in the table.
        if len(index) and raw.shape[1] >= 5:
            comparable = plate.info.ct_method not in NON_THRESHOLD_CT_METHODS
            facts = _facts(plate.wells, index, comparable)
            result = analyse_matrix(raw, rox, x, facts, st, mode)
        del raw, rox
    if plate.wells.empty:
        table = pd.DataFrame([])
    else:
        keys = pd.MultiIndex.from_frame(index)
        row = keys.get_indexer(pd.MultiIndex.from_frame(plate.wells[["run", "well", "target"]]))
        table = well_table(plate.wells, plate.curves, row, result, st, mode)
    for col in CURVE_TABLE_COLUMNS:
        if col not in table:
            table[col] = math.nan
    table["amplified"] = table["amplification"] == "yes"
    targets = target_table(index, result, mode)
    return CurveCalls(table=table[CURVE_TABLE_COLUMNS], targets=targets, settings=st)


def _facts(
    wells: pd.DataFrame, index: pd.DataFrame, ct_comparable: bool = True
) -> dict[str, np.ndarray]:
    """What the export says about each analysed reaction, in the matrix's row order.

    ``ct_comparable`` is False when the instrument's Ct is not a threshold crossing
    (:data:`~ikzf1assay.qpcr.plate.NON_THRESHOLD_CT_METHODS`): its value is then not compared
    with ours (its yes/no still is)."""
    info = wells.set_index(["run", "well", "target"]).loc[pd.MultiIndex.from_frame(index)]
    codes, groups = pd.factorize(
        (index["run"].astype(str) + "\x00" + index["target"].astype(str)).to_numpy()
    )
    facts = {
        c: info[c].to_numpy(dtype=float)
        for c in ("baseline_start", "baseline_end", "threshold", "instrument_ct")
    }
    facts["instrument_amp"] = info["instrument_amp"].to_numpy(dtype=object)
    facts["has_result"] = info["has_result"].to_numpy(dtype=bool)
    facts["target"] = index["target"].to_numpy(dtype=object)
    facts["codes"] = np.asarray(codes, dtype=np.intp)
    facts["n_groups"] = np.array([len(groups)])
    facts["ct_comparable"] = np.full(len(index), ct_comparable)
    return facts
