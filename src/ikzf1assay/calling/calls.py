"""From curve calls to one trustworthy deletion call per sample.

The rule, step by step (every step's outcome is kept as evidence):

1. **Reactions.** Each well's target is mapped to a reaction of the assay file through its
   aliases (or taken from the layout file). A target that maps to nothing is an error naming it
   and listing the names the assay knows.
2. **Roles.** ``ntc``, ``positive_control`` or ``sample``: from the layout file; otherwise from
   the export's task (NTC, positive control) or a sample name that is, or starts with as a word,
   one of the assay's ``ntc_names`` / ``positive_control_names`` (``PC Δ4-7``, ``NTC-2``).
3. **Wells.** A deletion well is *positive* when the assay's positive rule holds (amplified and
   Ct < cut-off); *late* when amplified with Ct at or beyond the cut-off. A reference well is
   *adequate* when amplified with Ct at or below the reference's ``ct_limit``.
4. **Run validity, per reaction.** Every no-template control must be negative; a positive
   control, where present, must be positive (and must be present when the assay says so). A
   failed control invalidates that reaction for the whole run.
5. **Replicates, per sample and reaction.** Positive when most valid replicates are positive;
   *inconclusive* when they split evenly, or when the only signal is late; otherwise negative.
6. **DNA adequacy.** The reference reaction must be adequate by the same majority; otherwise the
   sample is ``invalid: DNA not amplifiable`` -- never "not detected".
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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.assay import Assay, Reaction, ReferenceReaction
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.curves import CurveCalls, CurveSettings, analyse_curves
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "NOT_DETECTED",
    "CallSettings",
    "RunCalls",
    "call_run",
]

NOT_DETECTED = "not detected"
NOT_DETECTED_TEXT = "no recurrent IKZF1 intragenic deletion detected"
ROLES = ("sample", "ntc", "positive_control")


@dataclass(frozen=True)
class CallSettings:
    """Parameters of :func:`call_run` beyond the assay file."""

    threshold: str | float = "prefer-instrument"  # or auto, instrument, a number
    minor_subclone_cycles: float = 3.0


@dataclass(frozen=True)
class RunCalls:
    """The result of calling one run."""

    samples: pd.DataFrame  # one row per sample: see CALL_COLUMNS
    wells: pd.DataFrame  # the curve table plus reaction, role, positive, late, result
    controls: pd.DataFrame  # per reaction: valid, reason, NTC and positive-control evidence
    curves: CurveCalls
    threshold_mode: str
    notes: tuple[str, ...] = field(default=())


CALL_COLUMNS = [
    "sample", "call", "deletions", "status", "reason", "load", "evidence", "flags",
]  # fmt: skip


def _reaction_key(target: Reaction | ReferenceReaction) -> str:
    return target.deletion if isinstance(target, Reaction) else target.name


def assign_reactions(
    wells: pd.DataFrame, assay: Assay, layout: pd.DataFrame | None, source: str
) -> pd.DataFrame:
    """``wells`` with ``reaction`` (deletion name or reference name), ``kind`` and ``role``."""
    out = wells.copy()
    if layout is not None:
        merged = out.merge(layout, on="well", how="left", suffixes=("", "_layout"))
        has = merged["reaction_layout"].notna()
        out["sample"] = np.where(has, merged["sample_layout"], out["sample"])
        out["reaction_name"] = np.where(has, merged["reaction_layout"], out["target"])
        out["role"] = np.where(has, merged["role_layout"], "")
    else:
        out["reaction_name"] = out["target"]
        out["role"] = ""
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
    is_ntc = _name_matcher(assay.controls.ntc_names)
    is_pc = _name_matcher(assay.controls.positive_control_names)
    roles = []
    for role, task, sample in zip(out["role"], out["task"], out["sample"], strict=True):
        if role:
            roles.append(role)
        elif task == "NTC" or is_ntc(str(sample)):
            roles.append("ntc")
        elif task == "POSITIVE_CONTROL" or is_pc(str(sample)):
            roles.append("positive_control")
        else:
            roles.append("sample")
    out["role"] = roles
    return out.drop(columns=["reaction_name"])


def _name_matcher(names: tuple[str, ...]) -> Any:
    """Matches a sample name that is one of ``names`` or starts with one as a word
    (``PC``, ``PC Δ4-7``, ``NTC-2``), ignoring case; ``PCR7`` does not match ``PC``."""
    words = "|".join(re.escape(n.strip()) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"^\s*(?:{words})(?:$|[\s\-_:#./(])", re.IGNORECASE)
    return lambda sample: bool(pattern.match(sample))


def _threshold_mode(plate: Plate, requested: str | float) -> str | float:
    if requested != "prefer-instrument":
        return requested
    w = plate.wells
    has = w["threshold"].notna() | w["instrument_ct"].notna()
    return "instrument" if bool(has.groupby(w["target"]).any().all()) else "auto"


def call_run(
    plate: Plate,
    assay: Assay,
    layout: pd.DataFrame | None = None,
    settings: CallSettings | None = None,
) -> RunCalls:
    """Call every sample of a run. See the module documentation for the rule.

    The Ct threshold defaults to the instrument's where the export gives one for every target
    (the assay's Ct < 36 cut-off was defined on the instrument software's threshold), else the
    automatic one; ``settings.threshold`` overrides.
    """
    st = settings or CallSettings()
    mode = _threshold_mode(plate, st.threshold)
    curves = analyse_curves(
        plate, CurveSettings(threshold=mode, ct_cutoff=assay.positive_rule.ct_cutoff)
    )
    wells = curves.table.merge(
        plate.wells[["run", "well", "target", "task"]], on=["run", "well", "target"], how="left"
    )
    wells = assign_reactions(wells, assay, layout, plate.info.file_name)
    rule = assay.positive_rule
    amplified = wells["amplified"].astype(bool).to_numpy()
    ct = wells["ct"].to_numpy(dtype=float)
    crossing = wells["crossing"].to_numpy(dtype=float)
    deletion = (wells["kind"] == "deletion").to_numpy()
    positive = np.array(
        [rule.is_positive(bool(a), float(c)) for a, c in zip(amplified, ct, strict=True)]
    )
    late = amplified & ~positive & np.isfinite(np.where(np.isfinite(ct), ct, crossing))
    adequate = amplified & np.isfinite(ct) & (ct <= assay.reference.ct_limit)
    wells["positive"] = np.where(deletion, positive, adequate)
    wells["late"] = np.where(deletion, late, False)
    wells["result"] = [
        _well_result(bool(d), bool(p), bool(lt))
        for d, p, lt in zip(deletion, wells["positive"], wells["late"], strict=True)
    ]
    controls = _controls(wells, assay)
    samples = _samples(wells, controls, assay, curves, st)
    return RunCalls(
        samples=samples, wells=wells, controls=controls, curves=curves, threshold_mode=str(mode)
    )


def _well_result(is_deletion: bool, positive: bool, late: bool) -> str:
    if is_deletion:
        return "positive" if positive else ("late" if late else "negative")
    return "adequate" if positive else "inadequate"


def _controls(wells: pd.DataFrame, assay: Assay) -> pd.DataFrame:
    rows = []
    names = [r.deletion for r in assay.reactions] + [assay.reference.name]
    for name in names:
        w = wells[wells["reaction"] == name]
        ntc = w[w["role"] == "ntc"]
        pc = w[w["role"] == "positive_control"]
        reasons = []
        bad_ntc = ntc[ntc["amplified"].astype(bool) & ntc["positive"].astype(bool)]
        if len(bad_ntc):
            reasons.append(
                "no-template control positive ("
                + ", ".join(_ct_text(w, c, " Ct ") for w, c in _well_cts(bad_ntc))
                + ")"
            )
        if name != assay.reference.name:
            bad_pc = pc[~pc["positive"].astype(bool)]
            if len(bad_pc):
                reasons.append("positive control negative (" + ", ".join(bad_pc["well"]) + ")")
            if assay.controls.positive_control_required and pc.empty and not w.empty:
                reasons.append("no positive control on the plate, and the assay requires one")
        late_ntc = ntc[ntc["late"].astype(bool)]
        rows.append(
            {
                "reaction": name,
                "valid": not reasons,
                "reason": "; ".join(reasons),
                "ntc_wells": ",".join(ntc["well"]),
                "positive_control_wells": ",".join(pc["well"]),
                "warning": ("late signal in no-template control " + ", ".join(late_ntc["well"]))
                if len(late_ntc)
                else "",
                "present": not w.empty,
            }
        )
    return pd.DataFrame(rows)


def _replicates(group: pd.DataFrame) -> tuple[str, str]:
    """(positive | negative | inconclusive, explanation) for one sample's reaction."""
    usable = group[~group["flags"].astype(str).str.contains("NO_CURVE")]
    n = len(usable)
    if n == 0:
        return "inconclusive", "no analysable replicate"
    n_pos = int(usable["positive"].astype(bool).sum())
    n_late = int(usable["late"].astype(bool).sum())
    if 2 * n_pos > n:
        return "positive", f"{n_pos} of {n} replicates positive"
    if 2 * n_pos == n and n_pos > 0:
        return "inconclusive", f"replicates split: {n_pos} of {n} positive"
    if n_late and n_pos == 0:
        return "inconclusive", f"only late signal (Ct >= cut-off) in {n_late} of {n} replicates"
    return "negative", (
        f"{n_pos} of {n} replicates positive (minority)"
        if n_pos
        else f"0 of {n} replicates positive"
    )


def _well_cts(group: pd.DataFrame, fallback: bool = False) -> list[tuple[str, float]]:
    """(well, Ct) pairs; with ``fallback`` the raw crossing where no Ct is reported."""
    cts = group["ct"].to_numpy(dtype=float)
    if fallback:
        cts = np.where(np.isfinite(cts), cts, group["crossing"].to_numpy(dtype=float))
    return list(zip(group["well"].astype(str), cts.tolist(), strict=True))


def _ct_text(well: str, ct: float, sep: str = ":") -> str:
    return f"{well}{sep}{ct:.2f}" if math.isfinite(ct) else f"{well}{sep}-"


def _evidence(group: pd.DataFrame) -> str:
    return " ".join(_ct_text(w, c) for w, c in _well_cts(group, fallback=True))


def _samples(
    wells: pd.DataFrame, controls: pd.DataFrame, assay: Assay, curves: CurveCalls, st: CallSettings
) -> pd.DataFrame:
    valid = dict(zip(controls["reaction"], controls["valid"], strict=True))
    control_reason = dict(zip(controls["reaction"], controls["reason"], strict=True))
    targets = curves.targets.groupby("target").agg(
        efficiency=("efficiency", "mean"), threshold=("threshold", "median")
    )
    reaction_of_target = {str(k): v for k, v in wells.groupby("reaction")["target"].first().items()}
    ref = assay.reference.name
    rows = []
    sample_wells = wells[wells["role"] == "sample"]
    for sample, group in sample_wells.groupby("sample", sort=True):
        evidence, flags, reasons = [], [], []
        outcome: dict[str, tuple[str, str]] = {}
        for reaction, rgroup in group.groupby("reaction", sort=False):
            outcome[str(reaction)] = _replicates(rgroup)
            evidence.append(f"{reaction}[{_evidence(rgroup)}]")
        ref_group = group[group["reaction"] == ref]
        deletions_done = [r.deletion for r in assay.reactions if r.deletion in outcome]
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
        if ref_group.empty:
            call, status = "invalid", "invalid"
            reasons.append(f"no {ref} (reference gene) wells for this sample: DNA adequacy unknown")
        elif not valid.get(ref, False):
            call, status = "invalid", "invalid"
            reasons.append(f"{ref} reaction invalid for this run: {control_reason.get(ref, '')}")
        elif outcome[ref][0] != "positive":
            call, status = "invalid", "invalid"
            cts = ", ".join(_ct_text(w, c, " Ct ") for w, c in _well_cts(ref_group))
            limit = assay.reference.ct_limit
            reasons.append(f"DNA not amplifiable: {ref} not amplified with Ct <= {limit:g} ({cts})")
            if positives:
                reasons.append(
                    "a deletion reaction was positive nevertheless: " + ", ".join(positives)
                )
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
            if call in ("mixed",) and load:
                dominant = min(load.values(), key=lambda v: v["ct"])
                for d, v in load.items():
                    if v["ct"] - dominant["ct"] > st.minor_subclone_cycles:
                        flags.append(f"MINOR_SUBCLONE:{d}")
        for d, (state, why) in outcome.items():
            if state == "negative" and "minority" in why:
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
                "flags": ",".join(flags),
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
