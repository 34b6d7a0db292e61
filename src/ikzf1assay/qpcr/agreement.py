"""Our amplification calls beside the instrument's own, well by well.

Real instrument runs are the judge of the curve analysis: :func:`compare_with_instrument` puts
each reaction's ``yes`` / ``no`` / ``review`` next to what the instrument said of the same
curve, and :func:`comparison_threshold` picks the threshold to analyse a plate at for that
comparison. ``benchmarks/validate_realworld.py`` runs them over every real file in
``../shared/validation/qpcr``; the notebook ``04_real_runs`` shows them on a few.

The instrument's call of a well (:func:`instrument_calls`) is its Amp Status (``AMP`` /
``NO_AMP``, any case or spelling) where the export has one; otherwise "Cq present": a finite Cq
is amplified, a result without a Cq is not. A whole-number Cq at or beyond the run's last
cycle is how some software writes Undetermined (StepOne RDML, ``.eds`` files: 40.0) and is
read as not amplified. A well without any instrument result has no instrument call (``none``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ikzf1assay.qpcr.curves import CurveCalls
from ikzf1assay.qpcr.plate import NON_THRESHOLD_CT_METHODS, Plate

__all__ = [
    "COMPARISON_COLUMNS",
    "UNSAFE_CQ",
    "CtAgreement",
    "compare_with_instrument",
    "comparison_threshold",
    "ct_agreement",
    "instrument_calls",
]

UNSAFE_CQ = 35.0
"""An instrument-amplified well at or below this Cq must never be called ``no`` by us."""

INSTRUMENT_CALL_COLUMNS = [
    "instrument",
    "instrument_status",
    "instrument_source",
    "undetermined_as_last_cycle",
]
COMPARISON_COLUMNS = [
    "run",
    "well",
    "sample",
    "target",
    "instrument",
    "instrument_status",
    "instrument_source",
    "instrument_ct",
    "amplification",
    "amplification_reason",
    "ct",
    "crossing",
    "flags",
    "undetermined_as_last_cycle",
    "agree",
    "unsafe",
]
"""Columns of :func:`compare_with_instrument`'s table."""

_STATUS_WORDS = {"AMP": "amp", "NO_AMP": "not_amp", "NOAMP": "not_amp", "NOT_AMP": "not_amp"}


def comparison_threshold(plate: Plate) -> Literal["instrument", "auto"]:
    """The threshold mode to analyse ``plate`` at when comparing with its instrument.

    ``instrument`` (the instrument's own threshold, so that Ct values compare cycle for cycle)
    when every target has a threshold or a threshold Ct in the export; ``auto`` when some
    target has neither, or when the instrument's Ct is not a threshold crossing at all (a
    LightCycler Cp, a QuantStudio Crt: :data:`~ikzf1assay.qpcr.plate.NON_THRESHOLD_CT_METHODS`),
    which is then compared by correlation and offset instead.

    Parameters
    ----------
    plate
        A run read by :func:`~ikzf1assay.qpcr.read_run`.

    Returns
    -------
    str
        ``"instrument"`` or ``"auto"``, for :class:`~ikzf1assay.qpcr.CurveSettings` ``threshold``.
    """
    if plate.info.ct_method in NON_THRESHOLD_CT_METHODS or plate.wells.empty:
        return "auto"  # no Ct of theirs to compare cycle for cycle, even at an exported threshold
    return "instrument" if plate.has_instrument_threshold else "auto"


def instrument_calls(wells: pd.DataFrame, last_cycle: float | None) -> pd.DataFrame:
    """The instrument's own call of each well.

    Parameters
    ----------
    wells
        Rows with ``instrument_amp``, ``instrument_ct`` and ``has_result`` (as
        ``Plate.wells``).
    last_cycle
        The run's last cycle, or None: a whole-number Cq at or beyond it is Undetermined.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``wells``: ``instrument`` (``amp``, ``not_amp`` or ``none``),
        ``instrument_status`` (what it is based on, e.g. ``AMP``, ``No Amp``, ``Cq present``,
        ``Cq 40 >= last cycle``), ``instrument_source`` (``Amp Status``, ``Cq present /
        absent`` or ``none``, with a status the reader did not know in brackets) and
        ``undetermined_as_last_cycle``.
    """
    rows = []
    for status, ct, has_result in zip(
        wells["instrument_amp"], wells["instrument_ct"], wells["has_result"], strict=True
    ):
        text = "" if _missing(status) else str(status).strip()
        word = text.upper().replace(" ", "_").replace("-", "_")
        cq = math.nan if _missing(ct) else float(ct)
        if word in _STATUS_WORDS:
            rows.append((_STATUS_WORDS[word], text, "Amp Status", False))
            continue
        other = f" (status {text})" if text else ""
        if not (math.isfinite(cq) or bool(has_result)):
            rows.append(("none", "no call", "none" + other, False))
        elif _undetermined_as_number(cq, last_cycle):
            label = f"Cq {cq:g} >= last cycle{other}"
            rows.append(("not_amp", label, "Cq present / absent" + other, True))
        elif math.isfinite(cq):
            rows.append(("amp", f"Cq present{other}", "Cq present / absent" + other, False))
        else:
            rows.append(("not_amp", f"no Cq{other}", "Cq present / absent" + other, False))
    return pd.DataFrame(rows, columns=INSTRUMENT_CALL_COLUMNS, index=wells.index)


def compare_with_instrument(plate: Plate, calls: CurveCalls) -> pd.DataFrame:
    """Each reaction's call by us beside the instrument's.

    Parameters
    ----------
    plate
        The run, as read.
    calls
        :func:`~ikzf1assay.qpcr.analyse_curves` of ``plate`` (at
        :func:`comparison_threshold` for Ct values that compare cycle for cycle).

    Returns
    -------
    pandas.DataFrame
        One row per reaction, :data:`COMPARISON_COLUMNS`: the instrument's call
        (:func:`instrument_calls`) and Cq, ours (``amplification``, its reason, ``ct``, the raw
        ``crossing``, ``flags``), ``agree`` (instrument ``amp`` and ours ``yes``, ``not_amp``
        and ``no``, or no instrument call) and ``unsafe`` (instrument ``amp`` with Cq <=
        :data:`UNSAFE_CQ` that we call ``no``: the error that must never happen). ``review``
        against a definite instrument call is a disagreement, never unsafe.
    """
    table = calls.table
    extra = [c for c in ("has_result", "instrument_amp") if c not in table]
    merged = table.merge(
        plate.wells[["run", "well", "target", *extra]],
        on=["run", "well", "target"],
        how="left",
        validate="one_to_one",
    )
    last_cycle = float(plate.curves["cycle"].max()) if not plate.curves.empty else None
    merged = pd.concat([merged, instrument_calls(merged, last_cycle)], axis=1)
    inst = merged["instrument"]
    ours = merged["amplification"].astype(str).str.strip().str.lower()
    merged["amplification"] = ours
    merged["agree"] = (
        ((inst == "amp") & (ours == "yes"))
        | ((inst == "not_amp") & (ours == "no"))
        | (inst == "none")
    )
    cq = merged["instrument_ct"].to_numpy(dtype=float)
    merged["unsafe"] = (
        (inst == "amp") & (ours == "no") & (np.nan_to_num(cq, nan=np.inf) <= UNSAFE_CQ)
    )
    for col in ("amplification_reason", "flags"):
        merged[col] = merged[col].fillna("").astype(str) if col in merged else ""
    if "crossing" not in merged:
        merged["crossing"] = math.nan
    return merged[COMPARISON_COLUMNS]


@dataclass(frozen=True)
class CtAgreement:
    """How our Ct compares with the instrument's over the wells both call amplified."""

    n: int
    """Wells the instrument calls ``amp`` and we ``yes``, both with a Ct."""
    median_abs_delta: float | None
    """Median |our Ct - instrument Ct| (cycles), when analysed at the instrument's threshold."""
    r: float | None
    """Pearson correlation, when the Cts are of different definitions (automatic threshold,
    Cp, Crt) and at least 3 wells vary."""
    median_offset: float | None
    """Median of (our Ct - instrument Ct), in that case too."""


def ct_agreement(table: pd.DataFrame, threshold: str) -> CtAgreement:
    """Our Ct against the instrument's, from :func:`compare_with_instrument`'s table.

    At the instrument's own threshold both are the crossing of one threshold and compare
    cycle for cycle (the median absolute difference); otherwise (``auto``: our threshold, or a
    Cp or Crt) they are different definitions, compared by correlation and median offset.

    Parameters
    ----------
    table
        :func:`compare_with_instrument`'s table for one run file.
    threshold
        The ``CurveSettings.threshold`` the plate was analysed at (``instrument`` or other).

    Returns
    -------
    CtAgreement
        The figures; None where they do not apply or no well has both Cts.
    """
    ours = table["ct"].to_numpy(dtype=float)
    theirs = table["instrument_ct"].to_numpy(dtype=float)
    both = (
        (table["instrument"] == "amp").to_numpy()
        & (table["amplification"] == "yes").to_numpy()
        & np.isfinite(ours)
        & np.isfinite(theirs)
    )
    n = int(both.sum())
    if n == 0:
        return CtAgreement(n=0, median_abs_delta=None, r=None, median_offset=None)
    delta = ours[both] - theirs[both]
    if threshold == "instrument":
        return CtAgreement(n, float(np.median(np.abs(delta))), None, None)
    r = None
    if n >= 3 and np.std(theirs[both]) > 0 and np.std(ours[both]) > 0:
        r = float(np.corrcoef(ours[both], theirs[both])[0, 1])
    return CtAgreement(n, None, r, float(np.median(delta)))


def _undetermined_as_number(cq: float, last_cycle: float | None) -> bool:
    """A whole-number Cq at or beyond the run's last cycle: how StepOne RDML and ``.eds``
    files write Undetermined (40.0). A fractional Cq beyond the last exported cycle is a
    real Cq of a run whose curves were truncated in the export."""
    return last_cycle is not None and math.isfinite(cq) and cq >= last_cycle and cq.is_integer()


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
