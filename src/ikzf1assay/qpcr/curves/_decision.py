"""Step 7: amplification ``yes``, ``no`` or ``review`` with its reason, and the flags.

Works on one value per well (the per-cycle steps have run), so it sees the whole plate: the
median offset between this analysis's Ct and the instrument's is a per-target figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings

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


def status_word(status: Any) -> str:
    """The instrument's amplification status as one word: ``Amp`` -> AMP, ``No Amp`` -> NO_AMP."""
    return str(status or "").strip().upper().replace(" ", "_")


def instrument_calls(
    inst_ct: np.ndarray, inst_amp: np.ndarray, has_result: np.ndarray, x_last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(inst_yes, inst_no): whether the instrument calls each well amplified, or not.

    A well with neither (no result, or INCONCLUSIVE/REVIEW) leaves the decision to the curve.
    """
    words = np.asarray([status_word(v) for v in inst_amp])
    inst_yes = has_result & np.where(
        np.isin(words, ["AMP", "NO_AMP"]), words == "AMP", np.isfinite(inst_ct)
    )
    inst_yes &= ~(np.isfinite(inst_ct) & (inst_ct >= x_last))  # "40.0" written for Undetermined
    inst_no = has_result & ~inst_yes & ~np.isin(words, ["INCONCLUSIVE", "REVIEW"])
    return inst_yes, inst_no


def doubts(
    v: dict[str, np.ndarray], st: CurveSettings, codes: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The doubts about a rise, per well, in the order the reason names them; and
    ``ct_disagrees`` (the Ct departs from the target's median offset to the instrument's)."""
    e_lo, e_hi = st.efficiency_range
    # Plausibility is judged on the logistic's exponential phase, exp(1 / s): the window
    # estimate rests on 3-5 readings and scatters too much on drifting real curves.
    fit_efficiency = np.exp(1 / v["slope"])
    plausible = (fit_efficiency >= e_lo) & (fit_efficiency <= e_hi)
    # Not a PCR curve: a rise within less than a cycle (a step or a jump), or a straight rise
    # from a kink that a hinge fits far better than the logistic (on the real runs in
    # ../shared the hinge's error is at least 0.29 x the logistic's; on linear rises < 0.05).
    not_sigmoid = ((v["slope"] <= 0.35) | (v["hinge"] < 0.15 * v["sse"])) & v["signal"]
    # The instrument's Ct of a well whose exported baseline covered the rise is off by design:
    # it neither sets the target's offset nor counts as a disagreement.
    replaced, inst_ct, ct_all = v["replaced"], v["instrument_ct"], v["ct_all"]
    offset = pd.Series(np.where(v["inst_yes"] & ~replaced, ct_all - inst_ct, np.nan))
    offset_med = offset.groupby(codes).transform("median").to_numpy()
    offset_med = np.where(np.isfinite(offset_med), offset_med, 0.0)
    # A Cp or Crt is no threshold crossing: its value is not compared, only its yes/no.
    ct_disagrees = (
        (np.abs(ct_all - inst_ct - offset_med) > st.instrument_tolerance)
        & ~replaced
        & v["ct_comparable"]
    )
    crossed = np.isfinite(v["crossing"])
    found = {
        "NOISY": v["r2"] < st.r2_min,
        "NOT_SIGMOID": not_sigmoid,
        "EFFICIENCY_OUTLIER": ~plausible,
        "THRESHOLD_AT_START": v["at_start"],
        "THRESHOLD_NOT_CROSSED": ~v["at_start"] & ~crossed & ~v["no_rox"],
        "CROSSING_OUTSIDE_RISE": crossed & ~v["in_rise"],
        "NO_PLATEAU": (v["sdm"] >= v["x_last"] - 1) & v["tail_any"],
        "NO_PASSIVE_REFERENCE": v["no_rox"],
        "INSTRUMENT_DISAGREES": v["inst_no"] | (v["inst_yes"] & np.isfinite(ct_all) & ct_disagrees),
    }
    return found, ct_disagrees


def quiet_curves(v: dict[str, np.ndarray], st: CurveSettings) -> tuple[np.ndarray, np.ndarray]:
    """(quiet, subthreshold): curves that show no amplification, and of those the ones whose
    rise goes beyond noise but stays below half the threshold."""
    early_crossing = np.isfinite(v["crossing"]) & (v["crossing"] < st.ct_cutoff)
    flat = (v["snr"] < st.snr_none) & (v["excursion"] < st.snr_none)
    # A rise that never reaches half the threshold cannot give a Ct under the assay's rule
    # (primer-dimer or probe artefacts at the end of a run): not an amplification.
    below = (
        ~np.isfinite(v["crossing"])
        & ~v["at_start"]
        & (v["rise"] < 0.5 * v["threshold"])
        & ~v["no_rox"]
    )
    return (flat & ~early_crossing) | below, below & ~flat


def decide_one(i: int, v: dict[str, np.ndarray], found: dict[str, np.ndarray],
               st: CurveSettings) -> tuple[str, str]:  # fmt: skip
    """The first row of :data:`AMPLIFICATION_RULE` that holds, for well ``i``, in words."""
    snr, excursion = v["snr"][i], v["excursion"][i]
    if v["too_short"][i]:
        return "review", f"curve too short to analyse: {v['n_read'][i]} readings (at least " \
            f"{st.min_cycles} needed)"  # fmt: skip
    quiet, inst_yes = v["quiet"][i], v["inst_yes"][i]
    if quiet and not inst_yes and max(snr, excursion) >= st.snr_none:
        return "no", f"a rise of {snr:.0f} noise units that stays below half the threshold"
    if quiet and not inst_yes:
        return "no", f"no rise beyond noise: {snr:.1f} noise units (< {st.snr_none:g})"
    if quiet:
        return "review", "the instrument calls it amplified; no rise seen in the curve"
    if not v["signal"][i]:
        size = max(snr, excursion)
        if size < st.snr_none:
            return "review", f"the threshold is crossed at cycle {v['crossing'][i]:.1f}, " \
                f"before the cut-off, by a curve rising only {size:.1f} noise units"  # fmt: skip
        return "review", f"weak rise: {size:.1f} noise units (between {st.snr_none:g} and " \
            f"{st.snr_min:g})"  # fmt: skip
    words = [word for word, hit in found.items() if hit[i]]
    if words:
        return "review", f"rise of {snr:.0f} noise units, but " + "; ".join(
            _DOUBT_WORDS[w] for w in words
        )
    return "yes", f"sigmoid rise of {snr:.0f} noise units"


def amplification(
    v: dict[str, np.ndarray], st: CurveSettings, codes: np.ndarray
) -> dict[str, np.ndarray]:
    """Step 7 for every well: ``amplification``, ``reason``, ``ct`` and ``flags`` (text).

    Parameters
    ----------
    v
        One array per figure of the earlier steps (see ``_pipeline.analyse_matrix``).
    st
        The limits of the rule.
    codes
        The run x target group of each well.

    Returns
    -------
    dict
        Arrays of one entry per well.
    """
    v["too_short"] = v["n_read"] < st.min_cycles
    v["quiet"], subthreshold = quiet_curves(v, st)
    found, ct_disagrees = doubts(v, st, codes)
    n = v["snr"].shape[0]
    amp = np.full(n, "review", dtype=object)
    reasons = np.full(n, "", dtype=object)
    for i in range(n):  # wording per well; the decisions above are vectorised
        amp[i], reasons[i] = decide_one(i, v, found, st)
    yes = amp == "yes"
    ct = np.where(yes, v["ct_all"], np.nan)
    too_short, quiet, signal = v["too_short"], v["quiet"], v["signal"]
    inst_yes, inst_no = v["inst_yes"], v["inst_no"]
    drift = np.abs(v["base_slope"]) * (v["x_last"] - v["x_first"])
    noise = v["noise"]
    conditions = {
        "TOO_SHORT": too_short,
        "NO_AMPLIFICATION": ~too_short & quiet & ~subthreshold,
        "SUBTHRESHOLD_RISE": ~too_short & subthreshold,
        "WEAK_RISE": ~too_short & ~quiet & ~signal,
        "BASELINE_DRIFT": (drift > st.drift_fraction * v["span"]) & (drift > 10 * noise),
        "BASELINE_REPLACED": v["replaced"],
        "SPIKE": (v["biggest"] > st.spike_factor * noise) & (v["biggest"] > 0.05 * v["rise"])
        & signal,
        "LATE": np.isfinite(ct) & (ct >= st.ct_cutoff),
        **{w: h & signal & ~too_short for w, h in found.items() if w != "INSTRUMENT_DISAGREES"},
        "INSTRUMENT_DISAGREES": ~too_short & (
            (inst_yes & (amp == "no")) | (inst_no & (amp != "no")) | (inst_yes & yes & ct_disagrees)
        ),
    }  # fmt: skip
    flags: list[list[str]] = [[] for _ in range(n)]
    for word, hit in conditions.items():  # a loop over flag words, not wells
        for well in np.flatnonzero(hit).tolist():
            flags[well].append(word)
    text = np.asarray([",".join(f) for f in flags], dtype=object)
    return {"amplification": amp, "reason": reasons, "ct": ct, "flags": text}
