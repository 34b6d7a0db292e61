"""The melt rule of a dye assay: is what amplified the product, or a primer-dimer?

In a probe assay (``chemistry = "probe"``, the published one) a curve comes from a labelled
oligo only the product releases; melt curves are shown and decide nothing, and this module is
not used. An intercalating dye (``chemistry = "dye"``: SYBR Green, EvaGreen) lights up any
double-stranded DNA, so :func:`~ikzf1assay.calling.call_run` applies :func:`apply_melt_rule`
to the wells before they are judged positive, late or negative:

**Product window**, per run and reaction: the mean main melt peak of the run's positive-control
wells of that reaction (amplified, not omitted; several wells: their mean) ± ``product_margin``
(:class:`~ikzf1assay.qpcr.melt.MeltSettings`, 2 °C). There is no window when the reaction has
no positive control, when its positive control has no melt peak, or when several positive
controls' peaks lie further apart than the margin (then which one is the product is itself a
doubt).

**Wells** (not omitted; amplification ``yes`` or ``review``; a ``no`` well stays ``no``: melt
never turns an absent curve into a product):

========================================  ==============================  =====================
melt of the well                          sample / negative control       no-template control
========================================  ==============================  =====================
peak(s) only in the window                unchanged (product confirmed)   flag NTC_LATE_PRODUCT
                                                                          (when late)
peak(s) only below the window             ``no``: "non-specific product   flag NONSPECIFIC_NTC
(primer-dimer)                            only (peak at X °C)"            (when late)
product peak and another peak             ``review``                      --
no peak in the window, one above it       ``review``                      --
no melt peak / no melt curve for the well ``review``                      --
no window (see above)                     ``review``                      --
dye run without any melt data             ``review`` ("dye assay without  --
                                          melt curves: product identity
                                          not checked")
========================================  ==============================  =====================

"Late" in an NTC: no signal before the cut-off (as :mod:`~ikzf1assay.calling.controls` reads
it); an NTC signal before the cut-off still invalidates its reaction whatever it melts as
(the reason names the melt), because a reaction making dimers that early in water is not one
to trust in a sample either. The NTC's amplification itself is never changed, so the control
check sees what the curve showed.

Why ``review`` when melt data are missing: in a dye assay an amplification curve alone does not
prove the product, and a primer-dimer read as a deletion is a false positive that changes a
patient's risk group. ``review`` makes a sample with such a well ``inconclusive`` (repeat with a
melt step), never "not detected": wells that did not amplify are unaffected, so a sample
without any deletion signal is still called as before. The same holds for the other doubts of
the table. Only a proven primer-dimer (the positive control's product peak exists in the same
run and the well melts clearly below it) makes a well negative.

Which reactions: every deletion reaction; the reference reaction only when it has a positive
control in the run (otherwise its melt is shown, not used: the reference proves that the DNA
amplifies, and a reference primer-dimer typically crosses beyond its Ct limit). A melt curve
is matched to a well by run, well and target, else by run and well when the well has one
melt curve (exports that name the melt channel rather than the target).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.qpcr.melt import MeltCalls, MeltSettings

__all__ = ["NO_MELT_DATA", "WINDOW_COLUMNS", "MeltRuleResult", "apply_melt_rule"]

NO_MELT_DATA = "dye assay without melt curves: product identity not checked"
WINDOW_COLUMNS = ["run", "reaction", "positive_control_wells", "peaks", "low", "center", "high",
                  "status"]  # fmt: skip
_JUDGED_ROLES = ("sample", "negative_control")
_NO_CURVE = ("review", "no melt curve for this well: product identity not checked",
             "MELT_NOT_CHECKED")  # fmt: skip


@dataclass(frozen=True)
class MeltRuleResult:
    """What the melt rule changes: aligned with the wells table it was given.

    Attributes
    ----------
    amplification, amplification_reason, flags
        The wells' columns after the rule (``flags``: the curve flags plus NONSPECIFIC_PRODUCT,
        MELT_EXTRA_PEAK, MELT_OFF_WINDOW, MELT_NO_PEAK, MELT_NO_WINDOW, MELT_NOT_CHECKED).
    reaction_flags
        Per reaction, flags for every call of it (NONSPECIFIC_NTC, NTC_LATE_PRODUCT).
    windows
        :data:`WINDOW_COLUMNS`, one row per run and judged reaction; ``status`` is "" for a
        usable window, else why there is none.
    notes
        One line per run, for the run's notes.
    """

    amplification: pd.Series
    amplification_reason: pd.Series
    flags: pd.Series
    reaction_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    windows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WINDOW_COLUMNS))
    notes: tuple[str, ...] = ()


def _peaks(text: Any) -> list[float]:
    return [float(t) for t in str(text).split(",") if t.strip()] if isinstance(text, str) else []


def _degrees(values: Sequence[float]) -> str:
    word = "peak" if len(values) == 1 else "peaks"
    return f"{word} at " + ", ".join(f"{v:.1f}" for v in values) + " °C"


def _melt_lookup(melt: pd.DataFrame) -> dict[tuple[str, ...], dict[str, Any]]:
    """Melt rows by (run, well, target), and by (run, well) where a well has one melt curve."""
    rows = [{str(k): v for k, v in r.items()} for r in melt.to_dict("records")]
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    per_well: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out[(str(r["run"]), str(r["well"]), str(r["target"]))] = r
        per_well.setdefault((str(r["run"]), str(r["well"])), []).append(r)
    for key, found in per_well.items():
        if len(found) == 1:
            out[key] = found[0]
    return out


def _windows(
    wells: pd.DataFrame, melt: dict[tuple[str, ...], dict[str, Any]], margin: float
) -> pd.DataFrame:
    """The product window of every run and reaction (see the module documentation)."""
    rows = []
    used = wells[~wells["omitted"].astype(bool)]
    for (run, reaction), group in used.groupby(["run", "reaction"], sort=False):
        pcs = group[(group["role"] == "positive_control") & (group["amplification"] == "yes")]
        names, peaks = [], []
        for w in pcs.itertuples():
            row = _melt_row(melt, str(run), str(w.well), str(w.target))
            if row is not None and math.isfinite(float(row["main_peak"])):
                names.append(str(w.well))
                peaks.append(float(row["main_peak"]))
        status = ""
        if group["role"].eq("positive_control").sum() == 0:
            status = "no positive control"
        elif not peaks:
            status = "positive control without a melt peak"
        elif max(peaks) - min(peaks) > margin:
            status = "positive-control melt peaks disagree (" + _degrees(peaks) + ")"
        center = float(np.mean(peaks)) if peaks and not status else math.nan
        rows.append({"run": run, "reaction": reaction, "positive_control_wells": ",".join(names),
                     "peaks": ",".join(f"{p:.1f}" for p in peaks), "low": center - margin,
                     "center": center, "high": center + margin, "status": status})  # fmt: skip
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)


def _melt_row(
    melt: dict[tuple[str, ...], dict[str, Any]], run: str, well: str, target: str
) -> dict[str, Any] | None:
    return melt.get((run, well, target)) or melt.get((run, well))


def _judge_sample(peaks: list[float], window: dict[str, Any] | None) -> tuple[str, str, str]:
    """(amplification or "", reason, well flag) of an amplified sample well; "" keeps it."""
    if not peaks:
        return (
            "review",
            "amplified without a melt peak: product identity not checked",
            ("MELT_NO_PEAK"),
        )
    if window is None or window["status"]:
        why = window["status"] if window is not None else "not on the plate"
        return "review", (
            f"no product window for this reaction in the run ({why}): product identity not "
            f"checked ({_degrees(peaks)})"
        ), "MELT_NO_WINDOW"  # fmt: skip
    low, high = float(window["low"]), float(window["high"])
    inside = [p for p in peaks if low <= p <= high]
    span = f"product window {low:.1f}-{high:.1f} °C (positive control {window['peaks']} °C)"
    if inside and len(inside) == len(peaks):
        return "", "", ""
    if inside:
        others = [p for p in peaks if p not in inside]
        return "review", (
            f"product peak at {inside[0]:.1f} °C and another peak ({_degrees(others)}); {span}: "
            "review the melt curve"
        ), "MELT_EXTRA_PEAK"  # fmt: skip
    if all(p < low for p in peaks):
        return (
            "no",
            f"non-specific product only ({_degrees(peaks)}); {span}",
            ("NONSPECIFIC_PRODUCT"),
        )
    return (
        "review",
        f"no peak in the product window ({_degrees(peaks)}); {span}",
        ("MELT_OFF_WINDOW"),
    )


def _signal_before(amp: str, ct: float, crossing: float, cutoff: float) -> bool:
    return (amp == "yes" and math.isfinite(ct) and ct < cutoff) or (
        amp == "review" and math.isfinite(crossing) and crossing < cutoff
    )


def _judge_ntc(peaks: list[float], window: dict[str, Any] | None, early: bool) -> tuple[str, str]:
    """(reason, reaction flag) of an amplified NTC; the NTC's amplification is kept."""
    if not peaks or window is None or window["status"]:
        return "", ""
    low, high = float(window["low"]), float(window["high"])
    if all(p < low for p in peaks):
        return f"non-specific product only ({_degrees(peaks)})", "" if early else "NONSPECIFIC_NTC"
    if any(low <= p <= high for p in peaks):
        return f"product peak in the no-template control ({_degrees(peaks)})", (
            "" if early else "NTC_LATE_PRODUCT"
        )
    return "", ""


def _join(first: str, rest: Any) -> str:
    rest = "" if rest is None or (isinstance(rest, float) and math.isnan(rest)) else str(rest)
    return f"{first}; curve: {rest}" if first and rest else first or rest


def apply_melt_rule(
    wells: pd.DataFrame,
    melt: MeltCalls | None,
    ct_cutoff: float,
    reference: str,
    settings: MeltSettings | None = None,
) -> MeltRuleResult:
    """Adjust a dye assay's wells by their melt curves (see the module documentation).

    Parameters
    ----------
    wells : DataFrame
        As :func:`~ikzf1assay.calling.call_run` builds it before judging: ``run, well,
        target, reaction, kind, role, omitted, amplification, amplification_reason, ct,
        crossing, flags``.
    melt : MeltCalls or None
        :func:`~ikzf1assay.qpcr.melt.analyse_melt` of the plate; None (or an empty table):
        the run has no melt data.
    ct_cutoff : float
        The positive rule's cut-off (an NTC signal before it is the control check's matter).
    reference : str
        The reference reaction's name (judged only where it has a positive control).
    settings : MeltSettings, optional
        ``product_margin`` (°C); the analysis's own settings, else the defaults.

    Returns
    -------
    MeltRuleResult
        The new ``amplification``, ``amplification_reason`` and ``flags`` columns, flags
        per reaction, the product windows and notes.
    """
    margin = (settings or (melt.settings if melt is not None else MeltSettings())).product_margin
    index = wells.index
    amp: list[str] = [str(a) for a in wells["amplification"]]
    reason: list[str] = [_join("", r) for r in wells["amplification_reason"]]
    flags: list[str] = [_join("", f) for f in wells["flags"]]
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in wells.to_dict("records")
    ]
    todo = [
        i for i, r in enumerate(records) if amp[i] in ("yes", "review") and not bool(r["omitted"])
    ]
    windows = pd.DataFrame(columns=WINDOW_COLUMNS)
    reaction_flags: dict[str, list[str]] = {}
    if melt is None or melt.table.empty:
        for i in todo:
            if records[i]["kind"] == "deletion" and records[i]["role"] in _JUDGED_ROLES:
                amp[i], reason[i] = "review", _join(NO_MELT_DATA, reason[i])
                flags[i] = ",".join(filter(None, [flags[i], "MELT_NOT_CHECKED"]))
        notes = [f"{NO_MELT_DATA}: every amplified deletion well is in review"]
    else:
        lookup = _melt_lookup(melt.table)
        windows = _windows(wells, lookup, margin)
        by_key = {(str(r["run"]), str(r["reaction"])): {str(k): v for k, v in r.items()}
                  for r in windows.to_dict("records")}  # fmt: skip
        for i in todo:
            w = records[i]
            window = by_key.get((str(w["run"]), str(w["reaction"])))
            if w["reaction"] == reference and (window is None or window["status"]):
                continue  # no positive control of the reference: its melt is shown, not used
            row = _melt_row(lookup, str(w["run"]), str(w["well"]), str(w["target"]))
            peaks = _peaks(row["peaks"]) if row is not None else []
            if w["role"] == "ntc":
                early = _signal_before(amp[i], float(w["ct"]), float(w["crossing"]), ct_cutoff)
                why, flag = _judge_ntc(peaks, window, early)
                reason[i] = _join(why, reason[i])
                if flag:
                    reaction_flags.setdefault(str(w["reaction"]), []).append(flag)
                continue
            if w["role"] not in _JUDGED_ROLES:
                continue
            new, why, flag = _NO_CURVE if row is None else _judge_sample(peaks, window)
            if new:
                amp[i], reason[i] = new, _join(why, reason[i])
                flags[i] = ",".join(filter(None, [flags[i], flag]))
        notes = _window_notes(windows, margin)
    return MeltRuleResult(
        pd.Series(amp, index=index, dtype=object),
        pd.Series(reason, index=index, dtype=object),
        pd.Series(flags, index=index, dtype=object),
        reaction_flags={k: tuple(dict.fromkeys(v)) for k, v in reaction_flags.items()},
        windows=windows,
        notes=tuple(notes),
    )


def _window_notes(windows: pd.DataFrame, margin: float) -> list[str]:
    notes = []
    for run, group in windows.groupby("run", sort=False):
        parts = [
            f"{r['reaction']} {r['low']:.1f}-{r['high']:.1f} °C ({r['positive_control_wells']})"
            if not r["status"]
            else f"{r['reaction']}: none, {r['status']}"
            for r in group.to_dict("records")
        ]
        notes.append(
            f"dye assay, run {run!s}: product window = positive control's melt peak "
            f"± {margin:g} °C: " + "; ".join(parts)
        )
    return notes
