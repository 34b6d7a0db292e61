"""Quality control across runs: Levey-Jennings limits and Westgard rules for positive controls.

Pure pandas and numpy over tables the registry hands in; nothing here reads the database.

Each reaction of the assay has one positive control per run, hence one control level: the
rules below are read *across consecutive runs of that control* (of the same reaction), never
across reactions. The runs are put in order by run date (a run without one takes its import
time), then import time, then run id (:func:`order_runs`).

Limits (:func:`baseline`)
-------------------------
For each reaction, from the released runs whose control has a finite Ct, in run order:

1. the first ``n_runs`` (20) give a provisional mean and SD (ddof = 1);
2. every released run whose Ct lies more than 3 SD from that provisional mean (it would
   break 1-3s) is left out, and the first ``n_runs`` of those remaining give the mean and SD
   (computed once; no further rounds). Later runs move up to replace the ones left out.

Draft runs and runs whose control did not amplify never enter a baseline. With fewer than
:data:`MIN_RUNS` (5) such runs, or an SD of 0, the reaction has no limits: its Cts are shown
but no rule is applied to them, and :func:`qc_table` says so in its notes (a non-amplified
control is still a rejection). A baseline set by the lab (``fixed``: mean and SD per reaction)
replaces the computed one for that reaction.

Rules (:func:`westgard`), with z = (Ct - mean) / SD and "beyond" meaning strictly beyond
---------------------------------------------------------------------------------------------
For one control level, "consecutive measurements" are consecutive runs:

- **1-2s** (warning only): this run beyond ±2 SD;
- **1-3s**: this run beyond ±3 SD;
- **2-2s**: this run and the previous one beyond 2 SD on the same side of the mean;
- **R-4s**: this run and the previous one on opposite sides, one above +2 SD and the other
  below -2 SD (the common single-level form, whose range is then more than 4 SD; a range over
  4 SD without both beyond 2 SD, say +3.5 and -0.6, does not count);
- **4-1s**: this run and the previous 3 beyond 1 SD on the same side;
- **10-x**: this run and the previous 9 on the same side of the mean (a Ct exactly at the
  mean is on neither side and breaks the series).

Every rule but 1-2s rejects the run. A rule is charged to the run that completes its
pattern; the earlier runs of the pattern keep their own verdict. A positive control that did
not amplify (NaN Ct) is itself a rejection (``no Ct``); it counts as no value: the rules of
later runs look back over the previous *finite* values, skipping it. Nothing is reset after a
rejection.

Westgard recommends R-4s within a run (two control levels) rather than across runs (westgard.com,
"Power function graphs of multirules"); with one level per reaction, consecutive runs are the
only pair there is.

References: J. O. Westgard, P. L. Barry, M. R. Hunt, T. Groth, "A multi-rule Shewhart chart
for quality control in clinical chemistry", Clin. Chem. 27 (1981) 493-501; the table of rules
in https://en.wikipedia.org/wiki/Westgard_rules (read for this module: 2-2s is two consecutive
measurements beyond 2 SD on the same side of the mean; R-4s a 4 SD difference, such as one
beyond +2 SD and another beyond -2 SD; 4-1s four consecutive beyond 1 SD on the same side;
10-x ten consecutive on the same side of the mean; every rule but 1-2s rejects); and the rule
list of the R package ``measure``
(https://jameshwade.github.io/measure/dev/reference/measure_control_chart.html).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ikzf1assay.errors import ParameterError

__all__ = [
    "CONTROL_COLUMNS",
    "MIN_RUNS",
    "REJECTION_RULES",
    "RULES",
    "RULE_READINGS",
    "QCResult",
    "baseline",
    "order_runs",
    "qc_table",
    "reference_trend",
    "westgard",
]

#: the columns :func:`baseline`, :func:`westgard` and :func:`qc_table` need
CONTROL_COLUMNS = ("run_id", "run_date", "imported_at", "status", "reaction", "ct", "n_wells")
#: fewer released runs with a Ct than this: no limits, no rules
MIN_RUNS = 5
#: rule column -> the rule's name, in the order they are reported
RULES = {
    "rule_1_2s": "1-2s",
    "rule_1_3s": "1-3s",
    "rule_2_2s": "2-2s",
    "rule_R_4s": "R-4s",
    "rule_4_1s": "4-1s",
    "rule_10x": "10-x",
}
#: rule name -> how it is read across consecutive runs of one control level (one per reaction)
RULE_READINGS = {
    "1-2s": "warning only: this run's control Ct more than 2 SD from the mean.",
    "1-3s": "rejection: this run's control Ct more than 3 SD from the mean.",
    "2-2s": "rejection: this run and the previous run both more than 2 SD from the mean, on the "
    "same side.",
    "R-4s": "rejection: this run and the previous run on opposite sides, one more than 2 SD above "
    "the mean and the other more than 2 SD below (a range of more than 4 SD between "
    "consecutive runs; Westgard applies R-4s within a run, but with one control level per "
    "reaction consecutive runs are the only pair there is).",
    "4-1s": "rejection: this run and the previous 3 all more than 1 SD from the mean, on the same "
    "side.",
    "10-x": "rejection: this run and the previous 9 all on the same side of the mean (a Ct exactly "
    "at the mean breaks the series).",
    "no Ct": "rejection: the positive control did not amplify. It counts as no value: the rules "
    "of later runs look back over the previous runs that have a Ct.",
}
#: the rules that reject a run (1-2s only warns)
REJECTION_RULES = ("rule_1_3s", "rule_2_2s", "rule_R_4s", "rule_4_1s", "rule_10x")
NO_CT = "no Ct"
SOURCE_RUNS = "first {n} released runs"
SOURCE_FIXED = "set by the lab"
SOURCE_NONE = "no limits"
LIMIT_COLUMNS = ("reaction", "mean", "sd", "n", "source")


@dataclass(frozen=True)
class QCResult:
    """The control trends of a registry.

    Attributes
    ----------
    limits
        :func:`baseline`: reaction, mean, sd, n, source (NaN mean and SD: no limits).
    runs
        :func:`westgard`: one row per run and reaction, in run order.
    flags
        run id -> the rejection rules it breaks, per reaction (``"1-3s Δ4-7; no Ct ALB"``),
        for the runs that break one.
    notes
        Plain sentences: reactions without limits and why, limits from fewer runs than asked.
    n_runs
        The number of released runs the computed limits were asked from.
    """

    limits: pd.DataFrame
    runs: pd.DataFrame
    flags: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    n_runs: int = 20


def _check(controls: pd.DataFrame) -> None:
    missing = [c for c in CONTROL_COLUMNS if c not in controls.columns]
    if missing:
        raise ParameterError(f"the control table lacks the columns {', '.join(missing)}")
    dup = controls.duplicated(["run_id", "reaction"])
    if dup.any():
        first = controls[dup].iloc[0]
        raise ParameterError(
            f"run {first['run_id']} has more than one positive-control row for reaction "
            f"{first['reaction']!r}; give one row (the control's Ct) per run and reaction"
        )
    bad = set(controls["status"].dropna()) - {"draft", "released"}
    if bad:
        raise ParameterError(
            f"unknown run status {', '.join(sorted(map(str, bad)))}; allowed: draft, released"
        )


def _when(row_date: object, imported: object) -> str:
    for value in (row_date, imported):
        if isinstance(value, str) and value:
            return value
    return ""


def order_runs(table: pd.DataFrame) -> pd.DataFrame:
    """Rows put in run order: by run date, then import time, then run id.

    Parameters
    ----------
    table
        Any table with columns ``run_id``, ``run_date`` (ISO text or None) and ``imported_at``
        (ISO text).

    Returns
    -------
    pandas.DataFrame
        The rows in order, with a fresh index. A run without a date is placed by its import
        time. ISO texts are compared as text, so give dates and times in one form
        (``2024-03-01`` sorts before ``2024-03-01T09:00``).
    """
    if table.empty:
        return table.reset_index(drop=True)
    when = [_when(d, i) for d, i in zip(table["run_date"], table["imported_at"], strict=True)]
    imported = [v if isinstance(v, str) else "" for v in table["imported_at"]]
    keys = pd.DataFrame({"when": when, "imported": imported, "run_id": table["run_id"].to_numpy()})
    order = keys.sort_values(["when", "imported", "run_id"], kind="mergesort").index.to_numpy()
    return table.iloc[order].reset_index(drop=True)


def _limit_row(
    reaction: str, mean: float, sd: float, n: int | None, source: str
) -> dict[str, object]:
    return {"reaction": reaction, "mean": mean, "sd": sd, "n": n, "source": source}


def baseline(
    controls: pd.DataFrame,
    n_runs: int = 20,
    fixed: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Mean and SD of each reaction's positive-control Ct (see the module's text).

    Parameters
    ----------
    controls
        One row per run and reaction: the columns of :data:`CONTROL_COLUMNS`.
    n_runs
        How many released runs set the limits (at least :data:`MIN_RUNS`).
    fixed
        Reaction -> (mean, SD) set by the lab; replaces the computed limits of that reaction.

    Returns
    -------
    pandas.DataFrame
        Columns reaction, mean, sd, n (runs behind the limits; missing when set by the lab)
        and source (``"first 20 released runs"``, ``"set by the lab"``, or ``"no limits: ..."``
        with NaN mean and SD), one row per reaction of ``controls`` or ``fixed``, sorted by
        reaction.

    Raises
    ------
    ParameterError
        A missing column, two rows for one run and reaction, an unknown status, ``n_runs``
        below :data:`MIN_RUNS`, or a fixed SD that is not a positive number.
    """
    _check(controls)
    if n_runs < MIN_RUNS:
        raise ParameterError(f"n_runs is {n_runs}; the limits need at least {MIN_RUNS} runs")
    fixed = dict(fixed or {})
    for reaction, (mean, sd) in fixed.items():
        if not (math.isfinite(mean) and math.isfinite(sd) and sd > 0):
            raise ParameterError(
                f"the lab's baseline of {reaction!r} is mean {mean}, SD {sd}; give a finite "
                "mean and a positive SD"
            )
    rows = []
    ordered = order_runs(controls)
    for reaction in sorted(set(ordered["reaction"]) | set(fixed)):
        if reaction in fixed:
            mean, sd = fixed[reaction]
            rows.append(_limit_row(reaction, float(mean), float(sd), None, SOURCE_FIXED))
            continue
        part = ordered[ordered["reaction"] == reaction]
        ct = part["ct"].astype(float)
        usable = ct[(part["status"] == "released") & np.isfinite(ct)].to_numpy()
        if len(usable) < MIN_RUNS:
            why = (
                f"{SOURCE_NONE}: {len(usable)} released run(s) with a control Ct, {MIN_RUNS} needed"
            )
            rows.append(_limit_row(reaction, math.nan, math.nan, len(usable), why))
            continue
        first = usable[:n_runs]
        mean0, sd0 = float(first.mean()), float(first.std(ddof=1))
        kept = usable if sd0 == 0 else usable[np.abs(usable - mean0) <= 3 * sd0]
        kept = kept[:n_runs]
        if len(kept) < MIN_RUNS:
            why = (
                f"{SOURCE_NONE}: {len(kept)} released run(s) with a control Ct within 3 SD, "
                f"{MIN_RUNS} needed"
            )
            rows.append(_limit_row(reaction, math.nan, math.nan, len(kept), why))
            continue
        mean, sd = float(kept.mean()), float(kept.std(ddof=1))
        if not sd > 0:
            why = f"{SOURCE_NONE}: the {len(kept)} baseline runs all have Ct {mean:g} (SD 0)"
            rows.append(_limit_row(reaction, math.nan, math.nan, len(kept), why))
            continue
        rows.append(_limit_row(reaction, mean, sd, len(kept), SOURCE_RUNS.format(n=len(kept))))
    out = pd.DataFrame(rows, columns=list(LIMIT_COLUMNS))
    return out.astype({"reaction": object, "mean": float, "sd": float, "n": "Int64"})


def _all_of(mask: np.ndarray, k: int) -> np.ndarray:
    """True where ``mask`` holds for this value and the previous ``k - 1``."""
    counts = np.cumsum(mask.astype(np.int64))
    window = counts.copy()
    window[k:] -= counts[:-k]
    out: np.ndarray = window == k
    out[: k - 1] = False
    return out


def _rule_columns(z: np.ndarray) -> dict[str, np.ndarray]:
    """The rules for each value of ``z`` (finite z values of one control, in run order)."""
    prev = np.r_[np.nan, z[:-1]]
    with np.errstate(invalid="ignore"):
        return {
            "rule_1_2s": np.abs(z) > 2,
            "rule_1_3s": np.abs(z) > 3,
            "rule_2_2s": ((z > 2) & (prev > 2)) | ((z < -2) & (prev < -2)),
            "rule_R_4s": ((z > 2) & (prev < -2)) | ((z < -2) & (prev > 2)),
            "rule_4_1s": _all_of(z > 1, 4) | _all_of(z < -1, 4),
            "rule_10x": _all_of(z > 0, 10) | _all_of(z < 0, 10),
        }


def _violations(rules: Mapping[str, bool]) -> str:
    names = [RULES[c] for c in REJECTION_RULES if rules[c]]
    if rules["rule_1_2s"] and not names:
        names.append("1-2s (warning)")
    return ", ".join(names)


def westgard(controls: pd.DataFrame, limits: pd.DataFrame) -> pd.DataFrame:
    """The Westgard rules applied to each run's positive control, per reaction.

    Parameters
    ----------
    controls
        One row per run and reaction: the columns of :data:`CONTROL_COLUMNS`.
    limits
        :func:`baseline` (reaction, mean, sd); a reaction absent or with NaN limits gets no
        rule (only ``no Ct``).

    Returns
    -------
    pandas.DataFrame
        One row per run and reaction, reactions in sorted order and runs in run order:
        run_id, run_date, imported_at, status, reaction, ct, n_wells, z (NaN without limits
        or Ct), the boolean columns of :data:`RULES`, ``violations`` (the rejection rules
        broken, ``"no Ct"``, or ``"1-2s (warning)"`` when only that; empty when none) and
        ``rejected`` (a rejection rule broken, or no Ct).

    Raises
    ------
    ParameterError
        As :func:`baseline`.
    """
    _check(controls)
    by_reaction = {
        str(r["reaction"]): (float(r["mean"]), float(r["sd"])) for r in limits.to_dict("records")
    }
    ordered = order_runs(controls[list(CONTROL_COLUMNS)])
    parts = []
    for reaction in sorted(set(ordered["reaction"])):
        part = ordered[ordered["reaction"] == reaction].reset_index(drop=True)
        ct = pd.to_numeric(part["ct"], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(ct)
        mean, sd = by_reaction.get(reaction, (math.nan, math.nan))
        z = np.full(len(part), np.nan)
        rules = {c: np.zeros(len(part), dtype=bool) for c in RULES}
        if math.isfinite(mean) and math.isfinite(sd) and sd > 0:
            z[finite] = (ct[finite] - mean) / sd
            for column, values in _rule_columns(z[finite]).items():
                rules[column][finite] = values
        part = part.assign(ct=ct, z=z, **rules)
        violations = [
            _violations(dict(zip(RULES, flags, strict=True))) if ok else NO_CT
            for ok, *flags in zip(finite, *rules.values(), strict=True)
        ]
        rejected = ~finite | np.logical_or.reduce([rules[c] for c in REJECTION_RULES])
        parts.append(part.assign(violations=violations, rejected=rejected))
    columns = [*CONTROL_COLUMNS, "z", *RULES, "violations", "rejected"]
    types = {"ct": float, "z": float, **dict.fromkeys(RULES, bool), "rejected": bool}
    if not parts:
        empty: pd.DataFrame = pd.DataFrame(columns=columns).astype(types)
        return empty
    out: pd.DataFrame = pd.concat(parts, ignore_index=True)[columns].astype(types)
    return out


def _flags(runs: pd.DataFrame) -> dict[int, str]:
    parts: dict[int, list[str]] = {}
    for row in runs[runs["rejected"]].to_dict("records"):
        parts.setdefault(int(row["run_id"]), []).append(f"{row['violations']} {row['reaction']}")
    return {run: "; ".join(texts) for run, texts in parts.items()}


def qc_table(
    controls: pd.DataFrame,
    n_runs: int = 20,
    fixed: Mapping[str, tuple[float, float]] | None = None,
) -> QCResult:
    """Limits, rules per run, flags of the rejected runs and notes, in one call.

    Parameters
    ----------
    controls
        One row per run and reaction: the columns of :data:`CONTROL_COLUMNS`.
    n_runs, fixed
        As for :func:`baseline`.

    Returns
    -------
    QCResult
        ``flags`` maps each rejected run's id to ``"<rules> <reaction>"`` texts joined by
        ``"; "`` (reactions in sorted order), e.g. ``"1-3s, 2-2s Δ4-7; no Ct ALB"``.

    Raises
    ------
    ParameterError
        As :func:`baseline`.
    """
    limits = baseline(controls, n_runs=n_runs, fixed=fixed)
    runs = westgard(controls, limits)
    notes = []
    for row in limits.to_dict("records"):
        source = str(row["source"])
        if source.startswith(SOURCE_NONE):
            notes.append(
                f"{row['reaction']}: {source}; its control Cts are shown, no Westgard rule "
                "applied (a control that did not amplify is still a rejection)."
            )
        elif source != SOURCE_FIXED and row["n"] is not pd.NA and int(row["n"]) < n_runs:
            notes.append(
                f"{row['reaction']}: limits from {int(row['n'])} released runs, fewer than "
                f"the {n_runs} asked for; they will change as runs are released."
            )
    return QCResult(limits=limits, runs=runs, flags=_flags(runs), notes=notes, n_runs=n_runs)


def reference_trend(reference: pd.DataFrame) -> pd.DataFrame:
    """The median reference-gene Ct of each run's samples, in run order (no rules applied).

    The reference gene's Ct follows the DNA put in each well, so it drifts with the samples,
    not only with the assay: it is shown as a plain trend, never judged against limits.

    Parameters
    ----------
    reference
        Columns run_id, run_date, imported_at, status and median_ct, one row per run.

    Returns
    -------
    pandas.DataFrame
        Those columns, rows in run order (:func:`order_runs`), median_ct as float.

    Raises
    ------
    ParameterError
        A column is missing.
    """
    columns = ["run_id", "run_date", "imported_at", "status", "median_ct"]
    missing = [c for c in columns if c not in reference.columns]
    if missing:
        raise ParameterError(f"the reference table lacks the columns {', '.join(missing)}")
    out = order_runs(reference[columns])
    return out.astype({"median_ct": float})
