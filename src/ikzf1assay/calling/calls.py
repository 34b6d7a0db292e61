"""From curve calls to one trustworthy deletion call per sample.

The rule, step by step (every step's outcome is kept as evidence):

1. **Reactions.** Each well's target is mapped to a reaction of the assay file through its
   aliases (or taken from the layout file). A target that maps to nothing is an error naming it
   and listing the names the assay knows.
2. **Roles.** ``ntc``, ``positive_control``, ``negative_control`` (wild-type DNA) or
   ``sample``: from the layout file; otherwise from the export's task or a sample name matching
   the assay's alias lists (case, punctuation and a trailing number ignored: ``NTC1``,
   ``dH2O``, ``PosK-Δ4-7``); names that look like controls but match no alias are listed in
   the notes. Omitted wells (export flag, ``--omit``, layout) take no part in what follows.
3. **Wells.** Each well's amplification is ``yes``, ``no`` or ``review``
   (:mod:`ikzf1assay.qpcr.curves`); in a dye assay (``chemistry = "dye"``) the melt rule
   (:mod:`ikzf1assay.calling.melt_rule`) then turns a proven primer-dimer into ``no`` and a
   product in doubt into ``review`` (in a probe assay melt curves are shown only). A deletion
   well is *positive* when ``yes`` with Ct < the cut-off, *late* when ``yes`` with Ct at or
   beyond it, *review* when ``review``, else *negative*. A reference well is *adequate* when
   ``yes`` with Ct <= ``ct_limit``.
4. **Run validity, per reaction** (:mod:`ikzf1assay.calling.controls`): NTC present (when
   ``ntc_required``) and without signal before the cut-off; positive control positive (flag
   PC_MISSING when absent); negative control negative. A failed control invalidates that
   reaction for the whole run.
5. **Replicates, per sample and reaction.** ``any-positive`` rule (default): positive when
   every clear replicate is positive; a positive beside a negative is *inconclusive* (repeat).
   ``majority`` rule: most clear replicates decide (a minority positive is flagged
   MINORITY_POSITIVE). A ``review`` replicate makes the reaction inconclusive ("review the
   curve of C5: ...") unless the clear replicates are positive on their own (then the
   positive stands, flagged REVIEW:C5). Late-only signal is inconclusive.
6. **DNA adequacy.** The reference must be adequate in most of its replicates; a ``review``
   reference well makes adequacy inconclusive (the sample is ``inconclusive``), an
   inadequate one makes the sample ``invalid: DNA not amplifiable`` -- never "not detected".
7. **Call.** ``invalid`` (DNA not amplifiable, or no reference wells; or a reaction invalid for
   the run and nothing positive), ``inconclusive`` (an inconclusive reaction, an invalid one
   next to a positive, or no positive while some reactions were not on the plate), else one
   deletion (flagged PARTIAL_PANEL when other reactions were not tested), ``mixed`` (two or
   more, listed), or ``not detected``
   (worded "no recurrent IKZF1 intragenic deletion detected": whole-gene losses are not
   detectable by breakpoint PCR).
8. **Load (an estimate).** For each positive deletion, the efficiency-corrected amount relative
   to the reference gene, ``N_del / N_ref = (T_del / T_ref) * E_ref**Ct_ref / E_del**Ct_del``
   (T: threshold, E: mean efficiency of the reaction on the plate), read as the fraction of
   IKZF1 alleles carrying that deletion (both genes have two alleles per cell). In a mixed call
   a deletion more than ``minor_subclone_cycles`` later than the dominant one is flagged
   MINOR_SUBCLONE.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.assay import Assay, Reaction, ReferenceReaction
from ikzf1assay.calling.controls import control_matcher, judge_controls, looks_like_control
from ikzf1assay.calling.layout import Layout, apply_layout
from ikzf1assay.calling.melt_rule import WINDOW_COLUMNS, apply_melt_rule
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.curves import CurveCalls, CurveSettings, analyse_curves
from ikzf1assay.qpcr.melt import MeltCalls, analyse_melt
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "NOT_DETECTED",
    "CallSettings",
    "RunCalls",
    "call_run",
]

NOT_DETECTED = "not detected"
NOT_DETECTED_TEXT = "no recurrent IKZF1 intragenic deletion detected"
ROLES = ("sample", "ntc", "positive_control", "negative_control")


@dataclass(frozen=True)
class CallSettings:
    """Parameters of :func:`call_run` beyond the assay file."""

    threshold: str | float = "prefer-instrument"  # or auto, instrument, a number
    minor_subclone_cycles: float = 3.0
    omit: Mapping[str, str] = field(default_factory=dict)  # well -> reason, the user's --omit
    layout_strict: bool = False  # a layout must name every well of the plate


@dataclass(frozen=True)
class RunCalls:
    """The result of calling one run."""

    samples: pd.DataFrame  # one row per sample: see CALL_COLUMNS
    wells: pd.DataFrame  # the curve table plus reaction, role, omitted, positive, late, result
    controls: pd.DataFrame  # per reaction: calling.controls.CONTROL_COLUMNS
    curves: CurveCalls
    threshold_mode: str
    notes: tuple[str, ...] = field(default=())
    layout_sha256: str = ""
    # the melt analysis (None: the export has no melt curves) and, in a dye assay, the product
    # window of each run and reaction (calling.melt_rule.WINDOW_COLUMNS; empty otherwise)
    melt: MeltCalls | None = None
    melt_windows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WINDOW_COLUMNS))


CALL_COLUMNS = [
    "sample", "call", "deletions", "status", "reason", "load", "evidence", "flags",
]  # fmt: skip


def _reaction_key(target: Reaction | ReferenceReaction) -> str:
    return target.deletion if isinstance(target, Reaction) else target.name


def assign_reactions(
    wells: pd.DataFrame,
    assay: Assay,
    layout: Layout | None,
    source: str,
    *,
    strict: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """``wells`` with ``reaction`` (deletion name or reference name), ``kind``, ``role`` and
    ``omit_reason``; and notes (wells that keep the export's names, control-like names)."""
    notes: list[str] = []
    if layout is not None:
        out, notes = apply_layout(wells, layout, strict=strict, source=source)
    else:
        out = wells.copy()
        out["reaction_name"] = out["target"]
        out["role"] = ""
        out["omit_reason"] = ""
    reactions: list[str] = []
    kinds: list[str] = []
    unknown: dict[str, list[str]] = {}
    for well, name in zip(out["well"], out["reaction_name"], strict=True):
        target = assay.resolve_target(str(name))
        if target is None:
            unknown.setdefault(str(name), []).append(str(well))
            reactions.append("")
            kinds.append("")
            continue
        reactions.append(_reaction_key(target))
        kinds.append("deletion" if isinstance(target, Reaction) else "reference")
    if unknown:
        listed = "; ".join(
            f"{n!r} (wells {', '.join(w[:6])}{' ...' if len(w) > 6 else ''})"
            for n, w in unknown.items()
        )
        raise InputFormatError(
            f"target(s) {listed} match no reaction of the assay file ({assay.path}); known names: "
            + ", ".join(assay.known_target_names())
            + ". Add an alias to the assay file or give a --layout",
            source=source,
        )
    out["reaction"] = reactions
    out["kind"] = kinds
    is_ntc = control_matcher(assay.controls.ntc_names)
    is_pc = control_matcher(assay.controls.positive_control_names)
    is_neg = control_matcher(assay.controls.negative_control_names)
    roles = []
    doubtful: set[str] = set()
    for role, task, sample in zip(out["role"], out["task"], out["sample"], strict=True):
        name = str(sample)
        if role:
            roles.append(role)
        elif task == "NTC" or is_ntc(name):
            roles.append("ntc")
        elif task == "POSITIVE_CONTROL" or is_pc(name):
            roles.append("positive_control")
        elif task == "NEGATIVE_CONTROL" or is_neg(name):
            roles.append("negative_control")
        else:
            roles.append("sample")
            if looks_like_control(name):
                doubtful.add(name)
    if doubtful:
        notes.append(
            "sample name(s) that look like controls but match no control alias of the assay "
            "file, called as patients: " + ", ".join(sorted(doubtful)[:20])
        )
    out["role"] = roles
    return out.drop(columns=["reaction_name"]), notes


def _threshold_mode(plate: Plate, requested: str | float) -> str | float:
    if requested != "prefer-instrument":
        return requested
    return "instrument" if plate.has_instrument_threshold else "auto"


def _omissions(wells: pd.DataFrame, st: CallSettings, source: str) -> pd.Series:
    """The omit reason per well: the user's (--omit), the layout's, or the export's flag."""
    plate_wells = set(wells["well"])
    missing = sorted(set(st.omit) - plate_wells)
    if missing:
        raise InputFormatError(
            f"--omit names well(s) not on the plate: {', '.join(missing)}", source=source
        )
    reason = wells["omit_reason"].astype(str).copy()
    user = wells["well"].map(lambda w: st.omit.get(w, ""))
    reason = reason.where(user == "", "omitted by the user: " + user.astype(str))
    export = wells["omit"].astype(bool) & (reason == "")
    return reason.where(~export, "omitted in the export")


def call_run(
    plate: Plate,
    assay: Assay,
    layout: Layout | None = None,
    settings: CallSettings | None = None,
) -> RunCalls:
    """Call every sample of a run. See the module documentation for the rule.

    The Ct threshold defaults to the instrument's where the export gives one for every target
    (the assay's Ct < 36 cut-off was defined on the instrument software's threshold), else the
    automatic one; ``settings.threshold`` overrides.

    Parameters
    ----------
    plate : Plate
        The run, as :func:`ikzf1assay.qpcr.read_run` returns it.
    assay : Assay
        The assay file (:func:`ikzf1assay.assay.load_assay`): reactions and their target
        names, cut-offs, control names, replicate rule.
    layout : Layout, optional
        A layout file (:func:`ikzf1assay.calling.read_layout`) naming each well's sample,
        reaction and role (and wells to omit); without it the export's names are used.
    settings : CallSettings, optional
        Threshold mode, the user's omitted wells, ``layout_strict``.

    Returns
    -------
    RunCalls
        ``samples`` (one call per sample: :data:`CALL_COLUMNS`), ``wells`` (the curve table
        plus reaction, role, omitted, positive, result), ``controls`` (per reaction:
        :data:`~ikzf1assay.calling.controls.CONTROL_COLUMNS`), the curve analysis, notes.

    Raises
    ------
    InputFormatError
        A target that matches no reaction of the assay file, an omitted well not on the plate,
        a layout that does not fit the plate.

    Examples
    --------
    >>> from ikzf1assay import call_run, load_assay, read_run
    >>> calls = call_run(read_run("run.txt"), load_assay())  # doctest: +SKIP
    >>> calls.samples[["sample", "call", "status"]]  # doctest: +SKIP
    """
    st = settings or CallSettings()
    mode = _threshold_mode(plate, st.threshold)
    source = plate.info.file_name
    curves = analyse_curves(
        plate, CurveSettings(threshold=mode, ct_cutoff=assay.positive_rule.ct_cutoff)
    )
    wells = curves.table.merge(
        plate.wells[["run", "well", "target", "task", "omit"]],
        on=["run", "well", "target"],
        how="left",
    )
    wells, notes = assign_reactions(wells, assay, layout, source, strict=st.layout_strict)
    wells["omit_reason"] = _omissions(wells, st, source)
    wells["omitted"] = wells["omit_reason"] != ""
    melt, reaction_flags, windows = _melt_step(plate, assay, wells, notes)
    rule = assay.positive_rule
    amp = wells["amplification"].to_numpy(dtype=object)
    ct = wells["ct"].to_numpy(dtype=float)
    deletion = (wells["kind"] == "deletion").to_numpy()
    positive = np.array(
        [rule.is_positive(a == "yes", float(c)) for a, c in zip(amp, ct, strict=True)]
    )
    late = (amp == "yes") & ~positive & np.isfinite(ct)
    adequate = (amp == "yes") & np.isfinite(ct) & (ct <= assay.reference.ct_limit)
    review = amp == "review"
    wells["positive"] = np.where(deletion, positive, adequate)
    wells["late"] = np.where(deletion, late, False)
    wells["result"] = np.select(
        [wells["omitted"].to_numpy(), review, deletion & positive, deletion & late, deletion,
         adequate],
        ["omitted", "review", "positive", "late", "negative", "adequate"],
        "inadequate",
    )  # fmt: skip
    controls = judge_controls(wells, assay, reaction_flags)
    samples = _samples(wells, controls, assay, curves, st)
    if layout is not None:
        notes.append(f"layout {layout.path} (SHA-256 {layout.sha256})")
    return RunCalls(
        samples=samples,
        wells=wells,
        controls=controls,
        curves=curves,
        threshold_mode=str(mode),
        notes=tuple(notes),
        layout_sha256=layout.sha256 if layout is not None else "",
        melt=melt,
        melt_windows=windows,
    )


def _melt_step(
    plate: Plate, assay: Assay, wells: pd.DataFrame, notes: list[str]
) -> tuple[MeltCalls | None, dict[str, tuple[str, ...]], pd.DataFrame]:
    """Analyse the melt curves; in a dye assay apply the melt rule to ``wells`` (in place).

    Returns the melt analysis, flags per reaction for the control table, the product windows.
    """
    melt = analyse_melt(plate) if not plate.melt.empty else None
    if assay.chemistry != "dye":
        if melt is not None:
            notes.append("melt curves shown, not used: the assay's chemistry is probe")
        return melt, {}, pd.DataFrame(columns=WINDOW_COLUMNS)
    ruled = apply_melt_rule(wells, melt, assay.positive_rule.ct_cutoff, assay.reference.name)
    wells["amplification"] = ruled.amplification
    wells["amplification_reason"] = ruled.amplification_reason
    wells["flags"] = ruled.flags
    wells["amplified"] = wells["amplification"] == "yes"
    notes.extend(ruled.notes)
    return melt, ruled.reaction_flags, ruled.windows


def _replicates(group: pd.DataFrame, rule: str, cutoff: float) -> tuple[str, str, list[str]]:
    """(positive | negative | inconclusive, explanation, wells in review that were overruled)
    for one sample's reaction. See the module documentation, step 5."""
    usable = group[~group["omitted"].astype(bool)]
    n = len(usable)
    if n == 0:
        return "inconclusive", "no usable replicate (all omitted or missing)", []
    result = usable["result"]
    pos = usable[result == "positive"]
    rev = usable[result == "review"]
    n_pos, n_late, n_rev = len(pos), int((result == "late").sum()), len(rev)
    n_clear = n - n_rev
    reviews = [f"{w}: {r}" for w, r in zip(rev["well"], rev["amplification_reason"], strict=True)]
    if rule == "majority":
        positive_alone = 2 * n_pos > n_clear and n_pos > 0
        split = 2 * n_pos == n_clear and n_pos > 0
    else:
        positive_alone = n_pos > 0 and n_pos == n_clear
        split = 0 < n_pos < n_clear
    if positive_alone:
        return "positive", f"{n_pos} of {n_clear} clear replicates positive", list(rev["well"])
    crossing = rev["crossing"].to_numpy(dtype=float)
    if n_rev and n_pos == 0 and bool((np.isfinite(crossing) & (crossing >= cutoff)).all()):
        return "inconclusive", (
            f"only late signal (crossing at or after the cut-off) in {n_rev + n_late} of {n} "
            "replicates; review the curve of " + "; ".join(reviews)
        ), []  # fmt: skip
    if n_rev:
        return "inconclusive", "review the curve of " + "; ".join(reviews), []
    if split:
        return "inconclusive", f"replicates disagree: {n_pos} of {n} positive (repeat)", []
    if n_late and n_pos == 0:
        return "inconclusive", f"only late signal (Ct >= cut-off) in {n_late} of {n} replicates", []
    if n_pos:
        return "negative", f"{n_pos} of {n} replicates positive (minority)", []
    return "negative", f"0 of {n} replicates positive", []


def _adequacy(group: pd.DataFrame) -> tuple[str, str]:
    """(adequate | inadequate | inconclusive, explanation) of the reference wells."""
    usable = group[~group["omitted"].astype(bool)]
    if usable.empty:
        return "inconclusive", "no usable reference well (all omitted)"
    rev = usable[usable["result"] == "review"]
    if len(rev):
        return "inconclusive", "review the curve of " + "; ".join(
            f"{w}: {r}" for w, r in zip(rev["well"], rev["amplification_reason"], strict=True)
        )
    n, n_ok = len(usable), int((usable["result"] == "adequate").sum())
    if 2 * n_ok > n:
        return "adequate", f"{n_ok} of {n} adequate"
    return "inadequate", f"{n_ok} of {n} adequate"


def _well_cts(group: pd.DataFrame, fallback: bool = False) -> list[tuple[str, float]]:
    """(well, Ct) pairs; with ``fallback`` the raw crossing where no Ct is reported."""
    cts = group["ct"].to_numpy(dtype=float)
    if fallback:
        cts = np.where(np.isfinite(cts), cts, group["crossing"].to_numpy(dtype=float))
    return list(zip(group["well"].astype(str), cts.tolist(), strict=True))


def _ct_text(well: str, ct: float, sep: str = ":") -> str:
    return f"{well}{sep}{ct:.2f}" if math.isfinite(ct) else f"{well}{sep}-"


def _evidence(group: pd.DataFrame) -> str:
    parts = []
    for (well, ct), result, flags in zip(
        _well_cts(group, fallback=True), group["result"], group["flags"].astype(str), strict=True
    ):
        # a Ct beside a negative result needs its why: the melt rule found a primer-dimer
        shown = "non-specific" if "NONSPECIFIC_PRODUCT" in flags.split(",") else result
        parts.append(_ct_text(well, ct) + ("" if shown in _PLAIN_RESULTS else f"({shown})"))
    return " ".join(parts)


_PLAIN_RESULTS = ("positive", "negative", "adequate", "inadequate")


def _samples(
    wells: pd.DataFrame, controls: pd.DataFrame, assay: Assay, curves: CurveCalls, st: CallSettings
) -> pd.DataFrame:
    valid = dict(zip(controls["reaction"], controls["valid"], strict=True))
    control_reason = dict(zip(controls["reaction"], controls["reason"], strict=True))
    control_flags = dict(zip(controls["reaction"], controls["flags"], strict=True))
    targets = curves.targets.groupby("target").agg(
        efficiency=("efficiency", "mean"), threshold=("threshold", "median")
    )
    reaction_of_target = {str(k): v for k, v in wells.groupby("reaction")["target"].first().items()}
    ref = assay.reference.name
    rule = assay.controls.replicate_rule
    rows = []
    sample_wells = wells[wells["role"] == "sample"]
    for sample, group in sample_wells.groupby("sample", sort=True):
        evidence, flags, reasons = [], [], []
        outcome: dict[str, tuple[str, str, list[str]]] = {}
        for reaction, rgroup in group.groupby("reaction", sort=False):
            if reaction != ref:
                outcome[str(reaction)] = _replicates(rgroup, rule, assay.positive_rule.ct_cutoff)
            evidence.append(f"{reaction}[{_evidence(rgroup)}]")
        if group["ct_source"].eq("instrument").any():
            flags.append("CURVE_NOT_CHECKED")
        omitted = group[group["omitted"].astype(bool)]
        ref_group = group[group["reaction"] == ref]
        deletions_done = [r.deletion for r in assay.reactions if r.deletion in outcome]
        for d in deletions_done:
            for word in filter(None, str(control_flags.get(d, "")).split(",")):
                flags.append(f"{word}:{d}")
            flags.extend(f"REVIEW:{w}" for w in outcome[d][2])
        positives = [
            d for d in deletions_done if outcome[d][0] == "positive" and valid.get(d, False)
        ]
        inconclusive = [
            d for d in deletions_done if outcome[d][0] == "inconclusive" and valid.get(d, False)
        ]
        invalid_reactions = [d for d in deletions_done if not valid.get(d, False)]
        missing = [r.deletion for r in assay.reactions if r.deletion not in outcome]
        load = _load(group, positives, ref, targets, reaction_of_target)
        call, status = "", ""
        adequacy, why = _adequacy(ref_group) if not ref_group.empty else ("", "")
        if ref_group.empty:
            call, status = "invalid", "invalid"
            reasons.append(f"no {ref} (reference gene) wells for this sample: DNA adequacy unknown")
        elif not valid.get(ref, False):
            call, status = "invalid", "invalid"
            reasons.append(f"{ref} reaction invalid for this run: {control_reason.get(ref, '')}")
        elif adequacy == "inconclusive":
            call, status = "inconclusive", "inconclusive"
            reasons.append(f"DNA adequacy inconclusive: {why}")
        elif adequacy == "inadequate":
            call, status = "invalid", "invalid"
            cts = ", ".join(_ct_text(w, c, " Ct ") for w, c in _well_cts(ref_group))
            limit = assay.reference.ct_limit
            reasons.append(f"DNA not amplifiable: {ref} not amplified with Ct <= {limit:g} ({cts})")
        if call and positives:
            reasons.append("a deletion reaction was positive nevertheless: " + ", ".join(positives))
        if not call:
            for d in invalid_reactions:
                reasons.append(f"{d} invalid for this run ({control_reason.get(d, '')})")
            for d in inconclusive:
                reasons.append(f"{d} inconclusive: {outcome[d][1]}")
            if missing:
                reasons.append("not tested on this plate: " + ", ".join(missing))
            if missing and positives:
                flags.append("PARTIAL_PANEL")  # the positive stands; mixed cannot be excluded
            if inconclusive or (invalid_reactions and positives) or (missing and not positives):
                call, status = "inconclusive", "inconclusive"
            elif invalid_reactions:
                call, status = "invalid", "invalid"
            elif not positives:
                call, status = NOT_DETECTED, "valid"
                reasons.insert(0, NOT_DETECTED_TEXT)
            elif len(positives) == 1:
                call, status = positives[0], "valid"
                reasons.insert(0, f"{positives[0]}: {outcome[positives[0]][1]}")
            else:
                call, status = "mixed", "valid"
                reasons.insert(0, "mixed: " + "; ".join(f"{d}: {outcome[d][1]}" for d in positives))
            if call == "mixed" and load:
                dominant = min(load.values(), key=lambda v: v["ct"])
                for d, v in load.items():
                    if v["ct"] - dominant["ct"] > st.minor_subclone_cycles:
                        flags.append(f"MINOR_SUBCLONE:{d}")
        if len(omitted):
            reasons.append(
                "omitted: "
                + ", ".join(
                    f"{w} ({r})"
                    for w, r in zip(omitted["well"], omitted["omit_reason"], strict=True)
                )
            )
        for d, (state, why_d, _) in outcome.items():
            if state == "negative" and "minority" in why_d:
                flags.append(f"MINORITY_POSITIVE:{d}")
        rows.append(
            {
                "sample": sample,
                "call": call,
                "deletions": ",".join(positives) if call in ("mixed", *positives) else "",
                "status": status,
                "reason": "; ".join(reasons),
                "load": "; ".join(
                    f"{d}: {_fraction_text(v['fraction'])} (estimate, dCt {v['dct']:.2f})"
                    for d, v in load.items()
                ),
                "evidence": " ".join(evidence),
                "flags": ",".join(dict.fromkeys(flags)),
            }
        )
    return pd.DataFrame(rows, columns=CALL_COLUMNS)


def _fraction_text(fraction: float) -> str:
    """A share of alleles; a raw estimate above 1 (efficiency uncertainty) is shown as such."""
    if fraction > 1:
        return f">=1 of alleles (raw estimate {fraction:.2g})"
    return f"{fraction:.2g} of alleles"


def _load(
    group: pd.DataFrame,
    positives: list[str],
    ref: str,
    targets: pd.DataFrame,
    reaction_of_target: Mapping[str, Any],
) -> dict[str, dict[str, float]]:
    ref_ct = group.loc[(group["reaction"] == ref) & group["positive"].astype(bool), "ct"].mean()
    if not positives or not np.isfinite(ref_ct):
        return {}
    out = {}
    for d in positives:
        del_ct = group.loc[(group["reaction"] == d) & group["positive"].astype(bool), "ct"].mean()
        try:
            e_del, t_del = targets.loc[reaction_of_target[d], ["efficiency", "threshold"]]
            e_ref, t_ref = targets.loc[reaction_of_target[ref], ["efficiency", "threshold"]]
        except KeyError:
            continue
        e_del = e_del if np.isfinite(e_del) else 2.0
        e_ref = e_ref if np.isfinite(e_ref) else 2.0
        ratio = (t_del / t_ref) * math.exp(ref_ct * math.log(e_ref) - del_ct * math.log(e_del))
        out[d] = {"ct": float(del_ct), "dct": float(del_ct - ref_ct), "fraction": float(ratio)}
    return out
