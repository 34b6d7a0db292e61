"""The files of one Bio-Rad CFX run, found beside each other by their names.

CFX Manager and CFX Maestro write each table of a run as its own file, named
``<run> -  <table>[_<fluor>].csv`` (two spaces after the hyphen) or ``.xlsx``. File shares
rename them: ``<run>_Quantification_Amplification_Results_FAM.csv``,
``<run>-Quantification-Cq-Results.csv``. The pairing rule: a file's **run name** is what is
left when the table's own name (and the fluorophore) is removed from the end of its file name;
spaces, hyphens and underscores count alike, and so do upper and lower case. Files pair when
their run names and their form (``.csv`` with ``.csv``, ``.xlsx`` with ``.xlsx``) agree.

A run is read through one file, its **entry**: the Cq results file when there is one, else its
first amplification file by name, else its first melt RFU file. Two files that fit the same
place (two Cq results files, or two amplification files of one fluorophore) make the pairing
ambiguous: an :class:`~ikzf1assay.errors.InputFormatError` lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ikzf1assay.errors import InputFormatError

__all__ = ["CfxName", "RunFiles", "name_of", "read_through", "run_files", "run_key"]

_SEP = r"[\s_-]+"
_FLUOR = r"(?:[\s_-]+(?P<fluor>[A-Za-z0-9][A-Za-z0-9 .+]*?))?"
# the tables this reader reads, and how each is named at the end of a file name
_TABLES = {
    "amplification": rf"quantification{_SEP}amplification{_SEP}results{_FLUOR}",
    "cq": rf"quantification{_SEP}cq{_SEP}results(?:[\s_-]*\d+)?",
    "melt": rf"melt{_SEP}curve{_SEP}rfu{_SEP}results{_FLUOR}",
}
# the other tables CFX writes beside them: recognised so that a folder reports them by name
_OTHER = (
    "melt curve derivative results", "melt curve peak results", "melt curve plate view results",
    "melt curve amplification results", "end point results", "quantification summary",
    "quantification plate view results", "standard curve results", "run information",
    "allelic discrimination results", "gene expression results", "ANOVA results", "headers",
)  # fmt: skip
_PATTERNS = {
    **{kind: re.compile(rf"^(?P<base>.*?)[\s_-]*{tail}$", re.I) for kind, tail in _TABLES.items()},
    **{
        "other": re.compile(
            r"^(?P<base>.*?)[\s_-]*(?P<table>"
            + "|".join(_SEP.join(re.escape(w) for w in t.split()) for t in _OTHER)
            + rf"){_FLUOR}$",
            re.I,
        )
    },
}
_FORMS = {".csv": "csv", ".xlsx": "xlsx"}
_LABEL = {
    "amplification": "Quantification Amplification Results",
    "cq": "Quantification Cq Results",
    "melt": "Melt Curve RFU Results",
}


def run_key(base: str) -> str:
    """A run name compared: case folded, runs of spaces, hyphens and underscores as one."""
    return re.sub(r"[\s_-]+", " ", base).strip(" ").casefold()


@dataclass(frozen=True)
class CfxName:
    """What a file's name says: its table, run name (compared as :func:`run_key`), fluor."""

    kind: str  # "amplification", "cq", "melt" or "other"
    key: str
    form: str  # "csv" or "xlsx"
    fluor: str = ""
    table: str = ""  # the table's name as CFX writes it

    @property
    def label(self) -> str:
        """The table as a reason names it, e.g. ``Quantification Amplification Results_FAM``."""
        return self.table + (f"_{self.fluor}" if self.fluor else "")


def name_of(path: Path) -> CfxName | None:
    """What the name of ``path`` says about it as a CFX table; None for any other name."""
    form = _FORMS.get(path.suffix.lower())
    if form is None:
        return None
    stem = path.name[: -len(path.suffix)]
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(stem)
        if m:
            fluor = (m.groupdict().get("fluor") or "").strip()
            table = _LABEL.get(kind) or re.sub(_SEP, " ", m.group("table")).title()
            return CfxName(kind, run_key(m.group("base")), form, fluor, table)
    return None


@dataclass
class RunFiles:
    """The files of one run beside each other, by table."""

    cq: Path | None = None
    amplification: list[Path] = field(default_factory=list)
    melt: list[Path] = field(default_factory=list)

    @property
    def entry(self) -> Path | None:
        """The file the run is read through (see the module documentation)."""
        return self.cq or next(iter(self.amplification + self.melt), None)

    def all(self) -> list[Path]:
        """Every file of the run, the entry first."""
        return [*([self.cq] if self.cq else []), *self.amplification, *self.melt]


def _ambiguous(path: Path, what: str, candidates: list[Path]) -> InputFormatError:
    names = ", ".join(repr(c.name) for c in candidates)
    return InputFormatError(
        f"ambiguous CFX run: {len(candidates)} files fit its {what}: {names}; expected one. "
        "Move or rename all but one (files pair by the run name before the table's name, "
        "spaces, hyphens, underscores and case alike)",
        source=str(path),
    )


def run_files(path: Path, strict: bool = True) -> RunFiles:
    """The files of the run ``path`` belongs to, found beside it by the pairing rule.

    A file whose name is no CFX table name is a run of its own (its kind is decided from its
    content by the reader). A folder that cannot be listed gives the file alone.

    Raises
    ------
    InputFormatError
        When two files fit one place of the run (the message lists them), unless ``strict``
        is False (then the first by name is taken, to find the run's entry).
    """
    me = name_of(path)
    if me is None or me.kind == "other":
        return RunFiles()
    try:
        siblings = sorted(p for p in path.parent.iterdir() if p.is_file())
    except OSError:
        siblings = [path]
    if path not in siblings:
        siblings.append(path)
    cqs: list[Path] = []
    amps: dict[str, list[Path]] = {}
    melts: dict[str, list[Path]] = {}
    for other in siblings:
        them = name_of(other)
        if them is None or (them.key, them.form) != (me.key, me.form):
            continue
        if them.kind == "cq":
            cqs.append(other)
        elif them.kind == "amplification":
            amps.setdefault(them.fluor.casefold(), []).append(other)
        elif them.kind == "melt":
            melts.setdefault(them.fluor.casefold(), []).append(other)
    if len(cqs) > 1 and strict:
        raise _ambiguous(path, "Quantification Cq Results file", cqs)
    for table, files in (("Quantification Amplification Results", amps), ("Melt", melts)):
        for fluor, same in files.items():
            if len(same) > 1 and strict:
                raise _ambiguous(path, f"{table} file{' of ' + fluor if fluor else ''}", same)
    return RunFiles(
        cq=cqs[0] if cqs else None,
        amplification=[f for fs in amps.values() for f in fs],
        melt=[f for fs in melts.values() for f in fs],
    )


def read_through(path: Path) -> str | None:
    """Why ``path`` is not taken on its own from a folder, or None when it may be taken.

    A partner file of a run is read with the run's entry file; a table this reader does not
    read (melt derivative, end point, summary, ...) is named. A partner whose folder cannot be
    searched is judged from its name alone.
    """
    me = name_of(path)
    if me is None:
        return None
    if me.kind == "other":
        return f"CFX {me.label} file: a table not read (the Cq, amplification and melt RFU are)"
    if me.kind == "cq":
        return None
    what = {"amplification": "CFX amplification file", "melt": "CFX melt RFU file"}[me.kind]
    # not strict: with two Cq files, both are taken and reading each reports the ambiguity
    files = run_files(path, strict=False) if path.exists() else None
    if files is None:
        return f"{what}: read with its Cq results file" if me.kind == "amplification" else None
    entry = files.entry
    if entry is None or entry == path:
        return None
    if entry == files.cq:
        return f"{what}: read with its Cq results file {entry.name!r}"
    return (
        f"{what}: read with {entry.name!r}, the file its run (no Cq results file) is read through"
    )
