"""Roles of the wells (sample, NTC, positive and negative control) and the run's control checks.

A well's role comes from the layout file, else the export's task, else its sample name matched
against the assay file's alias lists (:func:`control_matcher`). Each reaction is then judged on
its controls (:func:`judge_controls`):

- **NTC** (no-template control): at least one on the plate when the assay says
  ``ntc_required`` (else the reaction is invalid: "no no-template control on the plate"). An
  NTC whose signal crosses before the cut-off (amplification ``yes``, or ``review`` with a
  crossing before the cut-off) invalidates its reaction; a signal only at or beyond the cut-off
  (or a ``review`` without such a crossing) flags every call of the reaction NTC_LATE_SIGNAL.
  For the reference gene, any signal in its NTC invalidates DNA adequacy for the run.
- **Positive control**: must be ``yes`` with Ct below the cut-off, else the reaction is
  invalid. A missing one flags every call of the reaction PC_MISSING, or invalidates it when
  the assay says ``positive_control_required``.
- **Negative control** (wild-type DNA): a deletion reaction positive in it (or ``review`` with a
  crossing before the cut-off) is invalid. It is never taken as an NTC.

Omitted wells (the export's omit flag, ``--omit``, the layout's ``omit`` column) take no part.

In a dye assay the melt rule (:mod:`ikzf1assay.calling.melt_rule`) adds flags per reaction
(NONSPECIFIC_NTC: a late NTC signal that melts as a primer-dimer; NTC_LATE_PRODUCT: one that
melts as the product); they reach every call of the reaction like the flags above.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ikzf1assay.assay import Assay

__all__ = ["CONTROL_COLUMNS", "control_matcher", "judge_controls", "looks_like_control"]

CONTROL_COLUMNS = [
    "reaction", "present", "valid", "reason", "flags", "ntc_wells", "positive_control_wells",
    "negative_control_wells", "warning",
]  # fmt: skip

_HINTS = ("ntc", "ctrl", "control", "h2o", "water", "blank", "neg", "pos", "templat", "nac")


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def control_matcher(names: Iterable[str]) -> Callable[[str], bool]:
    """Whether a sample name is one of ``names``, ignoring case, spaces, punctuation and a
    trailing number (``NTC1``, ``ntc-2``, ``dH2O``), or begins with one as whole words
    (``PC Δ4-7``, ``PosK-Δ4-7``); ``PCR7`` is not ``PC``."""
    keys = {_key(n) for n in names if _key(n)}

    def match(sample: str) -> bool:
        words = [w for w in re.split(r"[\W_]+", unicodedata.normalize("NFKC", sample)) if w]
        for i in range(1, len(words) + 1):
            head = _key("".join(words[:i]))
            if head in keys or re.sub(r"\d+$", "", head) in keys:
                return True
        return False

    return match


def looks_like_control(sample: str) -> bool:
    """A name that suggests a control (``ctrl``, ``water``, ``neg`` ...) for the warning list."""
    key = _key(sample)
    return any(h in key for h in _HINTS)


def _signal_before(group: pd.DataFrame, cutoff: float) -> pd.DataFrame:
    """Wells whose signal crosses before the cut-off: ``yes`` with Ct < cut-off, or ``review``
    with a raw crossing before it."""
    ct = group["ct"].to_numpy(dtype=float)
    crossing = group["crossing"].to_numpy(dtype=float)
    amp = group["amplification"].to_numpy(dtype=object)
    early = ((amp == "yes") & np.isfinite(ct) & (ct < cutoff)) | (
        (amp == "review") & np.isfinite(crossing) & (crossing < cutoff)
    )
    selected: pd.DataFrame = group.loc[early]
    return selected


def _listing(group: pd.DataFrame) -> str:
    out = []
    for well, ct, crossing, amp in zip(
        group["well"], group["ct"], group["crossing"], group["amplification"], strict=True
    ):
        value = ct if np.isfinite(ct) else crossing
        where = f" at {value:.2f}" if np.isfinite(value) else ""
        out.append(f"{well} ({amp}{where})")
    return ", ".join(out)


def judge_controls(
    wells: pd.DataFrame, assay: Assay, extra_flags: Mapping[str, Iterable[str]] | None = None
) -> pd.DataFrame:
    """Per reaction of the assay (:data:`CONTROL_COLUMNS`): present, valid, reason, flags.

    Parameters
    ----------
    wells : DataFrame
        The wells with ``reaction``, ``role``, ``omitted``, ``amplification``, ``ct`` and
        ``crossing``.
    assay : Assay
        The cut-off, the reference and what the controls require.
    extra_flags : Mapping, optional
        Reaction -> more flags for its calls (the melt rule's), added after the control's own.

    Returns
    -------
    DataFrame
        One row per reaction of the assay, the reference last.
    """
    cutoff = assay.positive_rule.ct_cutoff
    ref = assay.reference.name
    used = wells[~wells["omitted"].astype(bool)]
    rows = []
    for name in [r.deletion for r in assay.reactions] + [ref]:
        w = used[used["reaction"] == name]
        ntc = w[w["role"] == "ntc"]
        pc = w[w["role"] == "positive_control"]
        neg = w[w["role"] == "negative_control"]
        reasons: list[str] = []
        flags: list[str] = []
        warning = ""
        present = not w.empty
        if present and ntc.empty and assay.controls.ntc_required:
            reasons.append("no no-template control on the plate")
        signal = ntc[ntc["amplification"].isin(["yes", "review"])]
        early = _signal_before(ntc, cutoff)
        if name == ref and len(signal):
            reasons.append("signal in the no-template control: " + _listing(signal))
        elif len(early):
            reasons.append("no-template control signal before the cut-off: " + _listing(early))
        elif len(signal):
            flags.append("NTC_LATE_SIGNAL")
            warning = "late signal in no-template control " + _listing(signal)
        if name != ref:
            bad_pc = pc[~((pc["amplification"] == "yes") & (pc["ct"] < cutoff))]
            if len(bad_pc):
                reasons.append("positive control not positive: " + _listing(bad_pc))
            if pc.empty and present:
                if assay.controls.positive_control_required:
                    reasons.append("no positive control on the plate, and the assay requires one")
                else:
                    flags.append("PC_MISSING")
            bad_neg = _signal_before(neg, cutoff)
            if len(bad_neg):
                reasons.append("negative control (wild-type DNA) positive: " + _listing(bad_neg))
        flags.extend(f for f in (extra_flags or {}).get(name, ()) if f not in flags)
        rows.append(
            {
                "reaction": name,
                "present": present,
                "valid": present and not reasons,
                "reason": "; ".join(reasons),
                "flags": ",".join(flags),
                "ntc_wells": ",".join(ntc["well"]),
                "positive_control_wells": ",".join(pc["well"]),
                "negative_control_wells": ",".join(neg["well"]),
                "warning": warning,
            }
        )
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS)
