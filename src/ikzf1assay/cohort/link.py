"""Linking assay calls to patients through ``sample_id``.

Calls come from ``ikzf1assay call`` (``calls.tsv``: ``sample``, ``call``, ``status``) or any
table with ``sample_id`` (or ``sample``) and ``call``; ``status`` and ``run_date`` are used when
present. Without ``status`` a call is valid unless it reads invalid or inconclusive. A cell
that our TSV writers protected against spreadsheet formulas (``'-12``) reads as written
before (``-12``): see :mod:`ikzf1assay._tsv`.

Rule for several calls of one patient (repeat runs, several samples): the **latest valid call**
counts, latest by ``run_date`` when given, otherwise by the order of the tables as passed and
of the rows within them. When a patient's valid calls disagree, none is chosen: the patient is
listed under conflicts and left out of analyses by deletion status until the lab resolves it.
Calls whose sample belongs to no patient, and patients without any call, are both listed.

Sample ids are matched as written; a call whose sample id matches none that way is matched
ignoring case and spaces (``s-01 `` is ``S-01``) when that points to exactly one patient's
sample, and ``notes`` says how many calls were matched so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ikzf1assay._tsv import restore_cell
from ikzf1assay.cohort._table import read_table
from ikzf1assay.errors import ClinicalDataError

__all__ = ["CALLS", "Linked", "link_calls", "normalise_call", "read_calls"]

DELETIONS = ("Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8")
CALLS = (*DELETIONS, "mixed", "not detected")
NOT_VALID = ("invalid", "inconclusive")
_NEGATIVE = {"not detected", "none", "negative", "no deletion", "wild type", "wt", "neg"}
_DELTA = re.compile(r"^(?:Δ|∆|del(?:ta)?\s*)?\s*([2-8])\s*[-–—_]\s*([2-8])$", re.IGNORECASE)


def normalise_call(text: str) -> str | None:
    """A call in this package's vocabulary, or None when it is not one."""
    t = text.strip()
    low = t.casefold()
    if low in _NEGATIVE:
        return "not detected"
    if low in ("mixed", *NOT_VALID):
        return low
    m = _DELTA.match(t)
    if m and f"Δ{m.group(1)}-{m.group(2)}" in DELETIONS:
        return f"Δ{m.group(1)}-{m.group(2)}"
    return None


def read_calls(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Calls from one or more tables, in the order given.

    Parameters
    ----------
    paths
        Tables (CSV, TSV or XLSX) with sample_id (or sample) and call, optionally status
        and run_date.

    Returns
    -------
    pandas.DataFrame
        sample_id, call, valid, run_date, source, line, order.
    """
    frames = []
    order = 0
    for path in paths:
        raw = read_table(Path(path), "calls table")
        header = [h.strip().lower() for h in raw.header]
        sample_col = "sample_id" if "sample_id" in header else "sample"
        if sample_col not in header or "call" not in header:
            raise ClinicalDataError(
                "a calls table needs columns sample_id (or sample) and call; columns found: "
                + ", ".join(raw.header),
                source=raw.source,
            )
        idx = {h: i for i, h in enumerate(header)}
        rows = []
        for line, cells in zip(raw.lines, raw.rows, strict=True):
            row = [restore_cell(c) for c in cells]  # undo our TSVs' apostrophe (CSV injection)
            sample = row[idx[sample_col]].strip()
            call_text = row[idx["call"]].strip()
            if not sample:
                raise ClinicalDataError("empty sample id", source=raw.source, line=line)
            call = normalise_call(call_text)
            if call is None:
                raise ClinicalDataError(
                    f"call {call_text!r} is not one of {', '.join((*CALLS, *NOT_VALID))}",
                    source=raw.source,
                    line=line,
                )
            status = row[idx["status"]].strip().lower() if "status" in idx else ""
            valid = call not in NOT_VALID and status in ("", "valid")
            run_date = row[idx["run_date"]].strip() if "run_date" in idx else ""
            when: object = pd.NaT
            if run_date:
                try:
                    when = pd.Timestamp(dt.date.fromisoformat(run_date[:10]))
                except ValueError:
                    raise ClinicalDataError(
                        f"run_date {run_date!r} is not a date (expected YYYY-MM-DD)",
                        source=raw.source,
                        line=line,
                    ) from None
            rows.append(
                {
                    "sample_id": sample,
                    "call": call,
                    "valid": valid,
                    "run_date": when,
                    "source": raw.source,
                    "line": line,
                    "order": order,
                }
            )
            order += 1
        frames.append(pd.DataFrame(rows))
    if not frames:
        raise ClinicalDataError("no calls table given")
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Linked:
    """``table``: patient_id, call, deletion (``deleted`` / ``not deleted``, NaN when no
    usable call), link (``latest valid call``, ``conflict``, ``no valid call``, ``no call``),
    n_calls. ``conflicts``: patient_id, sample_id, call, source, line for every disagreeing
    valid call. ``unmatched_calls``: calls whose sample is nobody's. ``unmatched_patients``:
    patients with no call at all. ``notes``: how the sample ids were matched when not as
    written (for the report)."""

    table: pd.DataFrame
    conflicts: pd.DataFrame
    unmatched_calls: pd.DataFrame
    unmatched_patients: pd.DataFrame
    notes: tuple[str, ...] = field(default=())


def _loose(sample: str) -> str:
    return "".join(sample.split()).casefold()


def _match_samples(samples: pd.Series, owner: dict[str, str]) -> tuple[pd.Series, list[str]]:
    """The patient of each call's sample: as written, else ignoring case and spaces when
    that names one patient's sample; and a note saying how many matched the second way."""
    exact = samples.map(owner)
    loose: dict[str, set[str]] = {}
    for s, pid in owner.items():
        loose.setdefault(_loose(s), set()).add(pid)
    unique = {k: next(iter(v)) for k, v in loose.items() if len(v) == 1}
    fallback = samples.astype(str).map(_loose).map(unique)
    use = exact.isna() & fallback.notna()
    notes = []
    if use.any():
        notes.append(
            f"{int(use.sum())} call(s) matched to a patient's sample id only when case and "
            "spaces are ignored (e.g. "
            f"{samples[use].iloc[0]!r}); check the spelling of the sample ids"
        )
    return exact.where(~use, fallback), notes


def link_calls(patients: pd.DataFrame, calls: pd.DataFrame) -> Linked:
    """Join calls to patients (``patient_id``, ``sample_id``; several samples split by ``;``).

    Parameters
    ----------
    patients
        patient_id and sample_id per patient (the clinical table's ``data``).
    calls
        As :func:`read_calls` returns them.

    Returns
    -------
    Linked
        One call per patient by the rule in the module text, the conflicts, and the calls and
        patients left unmatched.
    """
    owner: dict[str, str] = {}
    for pid, samples in zip(patients["patient_id"], patients["sample_id"], strict=True):
        for s in str(samples).split(";"):
            s = s.strip()
            if not s:
                continue
            if s in owner and owner[s] != pid:
                raise ClinicalDataError(
                    f"sample {s!r} is listed for patients {owner[s]} and {pid}; a sample "
                    "belongs to one patient"
                )
            owner[s] = str(pid)
    patient, notes = _match_samples(calls["sample_id"], owner)
    calls = calls.assign(patient_id=patient)
    unmatched_calls = calls[calls["patient_id"].isna()].drop(columns=["patient_id", "order"])
    matched = calls[calls["patient_id"].notna()].copy()
    matched["sort_date"] = matched["run_date"].fillna(pd.Timestamp.min)
    matched = matched.sort_values(["patient_id", "sort_date", "order"], kind="stable")
    rows, conflicts = [], []
    by_patient = dict(list(matched.groupby("patient_id", sort=False)))
    for pid in patients["patient_id"].astype(str):
        group = by_patient.get(pid)
        if group is None:
            rows.append({"patient_id": pid, "call": None, "link": "no call", "n_calls": 0})
            continue
        valid = group[group["valid"]]
        if valid.empty:
            link, call = "no valid call", None
        elif valid["call"].nunique() > 1:
            link, call = "conflict", None
            conflicts.append(valid[["patient_id", "sample_id", "call", "source", "line"]])
        else:
            link, call = "latest valid call", str(valid["call"].iloc[-1])
        rows.append({"patient_id": pid, "call": call, "link": link, "n_calls": len(group)})
    table = pd.DataFrame(rows)
    table["deletion"] = table["call"].map(
        lambda c: None if c is None else ("not deleted" if c == "not detected" else "deleted")
    )
    no_call = table[table["link"] == "no call"][["patient_id"]]
    return Linked(
        table=table[["patient_id", "call", "deletion", "link", "n_calls"]],
        conflicts=(
            pd.concat(conflicts, ignore_index=True)
            if conflicts
            else pd.DataFrame(columns=["patient_id", "sample_id", "call", "source", "line"])
        ),
        unmatched_calls=unmatched_calls.reset_index(drop=True),
        unmatched_patients=no_call.reset_index(drop=True),
        notes=tuple(notes),
    )
