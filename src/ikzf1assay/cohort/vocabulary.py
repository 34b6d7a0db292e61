"""The vocabulary of categorical values in clinical tables, applied before any analysis.

Values are compared after trimming spaces and ignoring case. A categorical column whose values
all belong to one vocabulary below is recoded to its values; values of such a column outside
it are kept as written and listed as unknown levels.

=========== ======================================================== =========== ==========
kind        written as                                                recoded as  reference
=========== ======================================================== =========== ==========
sex         m, male, man / f, female, woman                           male/female female
presence    positive, pos, +, present, detected / negative, neg, -,   positive/   negative
            −, absent, not detected                                   negative
yes/no      yes, y, true, 1, + / no, n, false, 0, -, −                yes/no      no
=========== ======================================================== =========== ==========

A column with ``+``/``-`` only is read as presence. The reference level (the baseline of a
model's terms and of a table's comparison) of a two-level factor is its absent, negative or no
level (female for sex); of any other factor R's default, the first level in sorted order;
``reference={"column": "level"}`` overrides either.

Columns that hold measurements (age, wbc, ldh...: :data:`NUMERIC_NAMES`) must hold numbers:
one that does not is an error, never a one-level category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ikzf1assay.errors import ParameterError

__all__ = [
    "ALIASES",
    "KINDS",
    "NUMERIC_NAMES",
    "Applied",
    "Recoding",
    "apply_vocabulary",
    "recode_values",
    "reference_level",
]

KINDS: dict[str, dict[str, str]] = {
    "sex": {"m": "male", "male": "male", "man": "male",
            "f": "female", "female": "female", "woman": "female"},
    "presence": {"positive": "positive", "pos": "positive", "+": "positive",
                 "present": "positive", "detected": "positive",
                 "negative": "negative", "neg": "negative", "-": "negative", "−": "negative",
                 "absent": "negative", "not detected": "negative"},
    "yes/no": {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "+": "yes",
               "no": "no", "n": "no", "false": "no", "0": "no", "-": "no", "−": "no"},
}  # fmt: skip
# column names: spellings of the schema's columns (after lower case, spaces and hyphens to _)
ALIASES = {
    "patient": "patient_id",
    "patient_no": "patient_id",
    "sample": "sample_id",
    "samples": "sample_id",
    "diagnosis": "diagnosis_date",
    "date_of_diagnosis": "diagnosis_date",
    "dx_date": "diagnosis_date",
    "remission_date": "cr_date",
    "complete_remission_date": "cr_date",
    "relapse": "relapse_date",
    "death": "death_date",
    "date_of_death": "death_date",
    "hsct_date": "transplant_date",
    "allo_hsct_date": "transplant_date",
    "transplant": "transplant_date",
    "last_follow_up_date": "last_followup_date",
    "last_follow_up": "last_followup_date",
    "last_followup": "last_followup_date",
    "followup_date": "last_followup_date",
    "last_contact": "last_followup_date",
}
REFERENCE = {"sex": "female", "presence": "negative", "yes/no": "no"}
NUMERIC_NAMES = frozenset(
    {"age", "wbc", "ldh", "hb", "hgb", "haemoglobin", "hemoglobin", "plt", "platelets",
     "blasts", "bm_blasts", "pb_blasts", "albumin", "creatinine", "bilirubin", "weight",
     "height", "bmi", "anc", "alc"}
)  # fmt: skip


@dataclass(frozen=True)
class Recoding:
    """How one column was read: its ``kind`` (a key of :data:`KINDS`, or ``""`` when no
    vocabulary fits), the values recoded, ``mapping`` (raw, value, n) for each raw spelling
    that changed, and the ``unknown`` levels (kept as written)."""

    kind: str
    values: list[str | None]
    mapping: tuple[tuple[str, str, int], ...]
    unknown: tuple[str, ...]


def _kind(keys: set[str]) -> str:
    """The vocabulary that covers most of the keys (presence before yes/no for +/-)."""
    best, hits = "", 0
    for kind in ("sex", "presence", "yes/no"):
        covered = len(keys & KINDS[kind].keys())
        if covered > hits and not (kind == "yes/no" and keys <= {"+", "-", "−"}):
            best, hits = kind, covered
    if best and hits * 2 < len(keys):
        return ""  # mostly other words: not this vocabulary
    return best


def recode_values(values: Sequence[str | None]) -> Recoding:
    """Recode one categorical column by the vocabulary (see the module text).

    Parameters
    ----------
    values
        The cells, None where missing.

    Returns
    -------
    Recoding
        The kind, the recoded values, the mapping and the unknown levels.
    """
    trimmed = [None if v is None else " ".join(v.split()) for v in values]
    keys = {v.casefold() for v in trimmed if v is not None}
    kind = _kind(keys)
    if not kind:
        return Recoding("", trimmed, (), ())
    vocab = KINDS[kind]
    out: list[str | None] = []
    counts: dict[tuple[str, str], int] = {}
    unknown: list[str] = []
    for v in trimmed:
        if v is None:
            out.append(None)
            continue
        new = vocab.get(v.casefold())
        if new is None:
            if v not in unknown:
                unknown.append(v)
            out.append(v)
            continue
        out.append(new)
        if new != v:
            counts[(v, new)] = counts.get((v, new), 0) + 1
    mapping = tuple((raw, new, n) for (raw, new), n in sorted(counts.items()))
    return Recoding(kind, out, mapping, tuple(sorted(unknown)))


def reference_level(
    column: str, levels: Sequence[str], kind: str, override: Mapping[str, str] | None = None
) -> str | None:
    """The reference level of a factor (see the module text); None without levels.

    Parameters
    ----------
    column
        The column name (looked up in ``override``).
    levels
        Its levels as recoded.
    kind
        Its vocabulary kind (``""`` for none).
    override
        ``{column: level}`` chosen by the user.

    Returns
    -------
    str or None
        The level.

    Raises
    ------
    KeyError
        An override naming a level the column does not have (the caller words the error).
    """
    present = sorted(set(levels))
    if override and column in override:
        if override[column] not in present:
            raise KeyError(override[column])
        return override[column]
    if not present:
        return None
    if len(present) == 2 and REFERENCE.get(kind) in present:
        return REFERENCE[kind]
    return present[0]


@dataclass(frozen=True)
class Applied:
    """The vocabulary applied to a table's categorical columns: the recoded ``values`` by
    column, ``recoded`` rows (column, raw, value, n), ``reference`` level by column, and
    ``notes`` for the table's comments (unknown levels)."""

    values: dict[str, list[str | None]]
    recoded: list[tuple[str, str, str, int]]
    reference: dict[str, str]
    notes: list[str]


def apply_vocabulary(
    columns: Mapping[str, Sequence[str | None]], override: Mapping[str, str] | None = None
) -> Applied:
    """Recode every categorical column and choose its reference level.

    Parameters
    ----------
    columns
        The categorical columns' cells by name (None where missing).
    override
        ``{column: level}``: reference levels chosen by the user (a level as written or as
        recoded).

    Returns
    -------
    Applied
        As its documentation says.

    Raises
    ------
    ParameterError
        An override naming a column that is not categorical, or a level the column lacks.
    """
    override = dict(override or {})
    unknown_cols = sorted(set(override) - set(columns))
    if unknown_cols:
        raise ParameterError(
            f"reference for {', '.join(unknown_cols)}: not a categorical column of the table "
            f"(categorical: {', '.join(columns) or 'none'})"
        )
    out = Applied({}, [], {}, [])
    for name, cells in columns.items():
        rec = recode_values(cells)
        out.values[name] = rec.values
        out.recoded.extend((name, raw, new, n) for raw, new, n in rec.mapping)
        if rec.unknown:
            out.notes.append(
                f"{name}: level(s) outside the {rec.kind} vocabulary kept as written: "
                + ", ".join(repr(u) for u in rec.unknown)
            )
        if name in override:
            spelled = {raw.casefold(): new for raw, new, _ in rec.mapping}
            override[name] = spelled.get(override[name].strip().casefold(), override[name])
        levels = [v for v in rec.values if v is not None]
        try:
            ref = reference_level(name, levels, rec.kind, override)
        except KeyError:
            raise ParameterError(
                f"reference {name}={override[name]}: {name} has levels "
                f"{', '.join(sorted(set(levels)))}"
            ) from None
        if ref is not None:
            out.reference[name] = ref
    return out
