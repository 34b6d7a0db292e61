"""RDML v1.0 to v1.4, the MIQE data standard (https://rdml.org).

An RDML file is a zip archive holding one XML document (its name varies: the member read is
the one whose content starts an ``<rdml`` document), or that XML document alone; see
:mod:`._rdml_archive` for the container and its limits. It is parsed with defusedxml (no
entity expansion, no external entities).

Read: samples (id, type -> task, quantity), targets (id, dye), and every ``react`` of every
``run``: sample, target, ``cq``, the amplification curve ``adp`` (cycle, fluorescence) and the
melting curve ``mdp`` (temperature, fluorescence) into ``Plate.melt``. Wells: v1.0 reactions
are named by position (``A1``); from v1.1 on they are numbered and the run's ``pcrFormat``
(rows, columns, row and column labels) places them. A file with several experiments or runs
gives one Plate whose ``run`` column tells them apart. A file with melting curves only (no
``adp``, no ``cq``) reads: its Plate has no amplification data. Melting curves start where the
temperature rises steadily (:func:`._qs_melt.settled`: readings taken while the block settles
are listed in ``skipped``).

``cq`` conventions: absent, ``NaN`` or ``-1`` mean no Cq; some instruments (StepOne) write
the last cycle (e.g. 40.0) for an undetermined well, which is read as no Cq and listed in
``skipped``. ``RunInfo.ct_method``: the run's ``cqDetectionMethod`` where it names one
("automated/manual threshold and baseline settings" -> "threshold", "second derivative
maximum" -> "second-derivative maximum"), else "as exported (RDML cq)"; None without any cq.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    MeltPoint,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    column_letter,
    normalise_task,
)
from ikzf1assay.qpcr.readers._qs_melt import settled
from ikzf1assay.qpcr.readers._rdml_archive import is_archive, looks_like_xml, xml_head, xml_of

__all__ = ["FORMAT", "is_archive", "looks_like_xml", "read", "xml_head", "xml_of"]

FORMAT = "rdml"
# cqDetectionMethod (RDML v1.1+) -> RunInfo.ct_method; "other" says nothing
_CQ_METHODS = {
    "automated threshold and baseline settings": "threshold",
    "manual threshold and baseline settings": "threshold",
    "second derivative maximum": "second-derivative maximum",
}
AS_EXPORTED = "as exported (RDML cq)"


def _strip(root: Element) -> Element:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _text(el: Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _label(index: int, labels: str) -> str:
    """0-based index -> row/column label in RDML's ``ABC`` or ``123`` convention."""
    return column_letter(index) if labels.upper() == "ABC" else str(index + 1)


def _well(react_id: str, run: Element) -> str:
    fmt = run.find("pcrFormat")
    if fmt is None or not react_id.isdigit() or fmt.find("columns") is None:
        return react_id  # v1.0: the id is the position
    columns = int(_text(fmt, "columns") or 0)
    if columns <= 0:
        return react_id
    row, col = divmod(int(react_id) - 1, columns)
    row_labels = _text(fmt, "rowLabel") or "ABC"
    col_labels = _text(fmt, "columnLabel") or "123"
    if row_labels.upper() != "ABC" or col_labels != "123":
        raise ValueError(f"pcrFormat labels {row_labels}/{col_labels} are not a plate layout")
    return f"{_label(row, row_labels)}{_label(col, col_labels)}"


def _parse(xml: bytes, source: str) -> Element:
    try:
        root = _strip(SafeET.fromstring(xml))
    except DefusedXmlException as exc:
        raise InputFormatError(
            f"RDML XML uses a forbidden construct ({exc})", source=source
        ) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputFormatError(
            f"RDML XML is not well-formed ({exc}); is the file truncated?", source=source, line=line
        ) from None
    if root.tag != "rdml":
        raise InputFormatError(f"XML root is <{root.tag}>, expected <rdml>", source=source)
    return root


@dataclass
class _Records:
    """What the runs of one file hold, as they are read."""

    source: str
    samples: dict[str, Element]
    dyes: dict[str, str]
    reactions: list[Reaction] = field(default_factory=list)
    points: list[CurvePoint] = field(default_factory=list)
    melt: list[MeltPoint] = field(default_factory=list)
    last_cycle_cq: int = 0
    methods: list[str] = field(default_factory=list)  # cqDetectionMethod of runs with a cq

    def numbers(self, el: Element, x: str, where: str) -> tuple[str, float, float]:
        """An ``adp`` / ``mdp`` point: (x text, x, fluorescence); a located error if no number."""
        x_text, fluor = _text(el, x), _text(el, "fluor")
        try:
            return x_text, float(x_text), float(fluor)
        except ValueError:
            what = "cycle" if x == "cyc" else "temperature"
            raise InputFormatError(
                f"{el.tag} {what} {x_text!r} / fluorescence {fluor!r} is not a number",
                source=self.source,
                where=where,
            ) from None


def _read_data(rec: _Records, data: Element, r: Reaction, method: str) -> None:
    """One ``data`` element of a react: its curve, melting curve and cq into ``rec``."""
    where = f"{r.loc.note}, target {r.target!r}"
    cycles: list[float] = []
    for adp in data.findall("adp"):
        cyc, cycle, value = rec.numbers(adp, "cyc", where)
        cycles.append(cycle)
        loc = Loc(note=f"{r.loc.note}, cycle {cyc}")
        rec.points.append(CurvePoint(r.well, r.target, cycle, value, run=r.run, loc=loc))
    for mdp in data.findall("mdp"):
        tmp, temperature, value = rec.numbers(mdp, "tmp", where)
        loc = Loc(note=f"{r.loc.note}, target {r.target!r}, {tmp} °C")
        rec.melt.append(MeltPoint(r.well, r.target, temperature, value, run=r.run, loc=loc))
    cq_text = _text(data, "cq")
    cq = _float(cq_text) if cq_text else math.nan
    if cq < 0:
        cq = math.nan
    if cycles and not math.isnan(cq) and cq >= max(cycles):
        cq = math.nan
        rec.last_cycle_cq += 1
    r.instrument_ct = cq
    r.has_result = bool(cq_text)
    r.omit = r.omit or data.find("excl") is not None
    if cq_text and method not in rec.methods:
        rec.methods.append(method)
    rec.reactions.append(r)


def _read_run(rec: _Records, run: Element, run_id: str) -> None:
    method = _CQ_METHODS.get(_text(run, "cqDetectionMethod").lower(), AS_EXPORTED)
    for react in run.findall("react"):
        react_id = react.get("id", "")
        where = f"run {run_id!r}, react {react_id!r}"
        try:
            well = _well(react_id, run)
        except ValueError as exc:
            raise InputFormatError(str(exc), source=rec.source, where=where) from None
        sample_el = react.find("sample")
        sample_id = sample_el.get("id", "") if sample_el is not None else ""
        sample = rec.samples.get(sample_id)
        task = normalise_task(_text(sample, "type"))  # RDML's unkn, ntc, std, pos, ...
        quantity = _float(_text(sample, "quantity/value")) if sample is not None else math.nan
        for data in react.findall("data"):
            tar_el = data.find("tar")
            target = tar_el.get("id", "") if tar_el is not None else ""
            r = Reaction(
                well=well, target=target, run=run_id, sample=sample_id, task=task,
                reporter=rec.dyes.get(target, ""), quantity=quantity,
                omit=react.find("excl") is not None, loc=Loc(note=where),
            )  # fmt: skip
            _read_data(rec, data, r, method)


def read(raw: bytes, source: str, sha256: str) -> Plate:
    """Read an RDML file (zip or bare XML).

    Parameters
    ----------
    raw
        The file's bytes: a zip archive (any member name; a marker record before the first
        entry is allowed) or the XML document.
    source, sha256
        The file's name (for messages) and hash.

    Returns
    -------
    Plate
        Wells, amplification curves, melting curves (``melt``) and the instrument's cq.

    Raises
    ------
    InputFormatError
        A damaged archive, XML that is not well-formed or not RDML, a file without a run, a
        reading that is not a number; each message names the file and the run and react.
    """
    root = _parse(xml_of(raw, source), source)
    dyes: dict[str, str] = {}
    for t in root.findall("target"):
        dye_el = t.find("dyeId")
        dyes[t.get("id", "")] = (
            (dye_el.get("id") or (dye_el.text or "")).strip() if dye_el is not None else ""
        )
    rec = _Records(source, {s.get("id", ""): s for s in root.findall("sample")}, dyes)
    instruments: list[str] = []
    software = run_date = None
    settings: dict[str, str] = {"rdml_version": root.get("version", "")}
    experiments = root.findall("experiment")
    runs = [(e, r) for e in experiments for r in e.findall("run")]
    if not runs:
        raise InputFormatError("the RDML file holds no <run>; expected at least one", source=source)
    for exp, run in runs:
        run_id = run.get("id", "")
        if len(experiments) > 1:
            run_id = f"{exp.get('id', '')}/{run_id}"
        instrument = _text(run, "instrument")
        if instrument and instrument not in instruments:
            instruments.append(instrument)
        if software is None and (sw := run.find("dataCollectionSoftware")) is not None:
            software = " ".join(x for x in (_text(sw, "name"), _text(sw, "version")) if x)
        run_date = run_date or _text(run, "runDate") or None
        for key in ("backgroundDeterminationMethod", "cqDetectionMethod"):
            if _text(run, key):
                settings.setdefault(key, _text(run, key))
        _read_run(rec, run, run_id)
    skipped: list[Skipped] = []
    if rec.last_cycle_cq:
        skipped.append(
            Skipped(
                "cq",
                f"{rec.last_cycle_cq} cq values at the last cycle read as no Cq (undetermined)",
            )
        )
    info = RunInfo(
        format=FORMAT,
        file_name=source,
        sha256=sha256,
        instrument="; ".join(instruments) or None,
        software=software or None,
        run_date=run_date,
        settings=settings,
        ct_method="; ".join(rec.methods) or None,
    )
    melt = settled(rec.melt, "mdp", skipped)
    return build_plate(info, rec.reactions, rec.points, skipped, melt)
