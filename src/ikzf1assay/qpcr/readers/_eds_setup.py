"""``plate_setup.xml`` and ``experiment.xml`` of an ``.eds`` run file (parsed with defusedxml).

``plate_setup.xml`` (root ``<Plate>``): ``<Rows>``/``<Columns>`` (or ``<PlateKind>`` with
``<RowCount>``/``<ColumnCount>``); ``<FeatureMap>`` elements, each a ``<Feature><Id>`` and
``<FeatureValue>`` entries with the well ``<Index>`` (from 0, row by row) and a
``<FeatureItem>``: for ``sample`` a ``<Sample><Name>``, for ``detector-task`` a
``<DetectorTaskList>`` of ``<DetectorTask>`` (``<Task>``, ``<Concentration>``, ``<Detector>``
with ``<Name>``, ``<Reporter>``, ``<Quencher>``); ``<Wells><Well>`` with ``<Index>`` and
``<IsOmit>``. Other features (``marker-task`` of genotyping runs, ...) are listed as
skipped. ``experiment.xml`` (root ``<Experiment>``): its simple child elements (``Name``,
``Operator``, ``InstrumentTypeId``, ``RunStartTime``, ...) become run settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Skipped

__all__ = ["Detection", "Setup", "parse_experiment", "parse_plate_setup", "parse_xml"]


@dataclass(frozen=True)
class Detection:
    """One detector of a well, as the plate setup gives it."""

    detector: str
    reporter: str
    quencher: str
    task: str
    quantity: float


@dataclass
class Setup:
    """What ``plate_setup.xml`` holds."""

    rows: int | None = None
    columns: int | None = None
    samples: dict[int, str] = field(default_factory=dict)
    detections: dict[int, list[Detection]] = field(default_factory=dict)
    omitted: set[int] = field(default_factory=set)
    passive_reference: str | None = None
    skipped: list[Skipped] = field(default_factory=list)


def parse_xml(data: bytes, where: str, root_tag: str) -> Element:
    """The document's root, namespaces stripped; ``root_tag`` is the expected root.

    Raises
    ------
    InputFormatError
        Not well-formed, a forbidden construct (entities), or another root.
    """
    try:
        root: Element = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise InputFormatError(f"XML uses a forbidden construct ({exc})", source=where) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputFormatError(
            f"XML is not well-formed ({exc}); is the file truncated?", source=where, line=line
        ) from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    if root.tag != root_tag:
        raise InputFormatError(f"XML root is <{root.tag}>, expected <{root_tag}>", source=where)
    return root


def _text(el: Element | None, path: str) -> str:
    found = el.find(path) if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def _int(text: str, where: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputFormatError(
            f"{what} {text!r} is not a whole number", source=where, where=what
        ) from None


def _float(text: str, where: str, what: str) -> float:
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise InputFormatError(
            f"{what} {text!r} is not a number", source=where, where=what
        ) from None


def _detections(value: Element, where: str, index: int) -> list[Detection]:
    out = []
    for task in value.iter("DetectorTask"):
        out.append(
            Detection(
                detector=_text(task, "Detector/Name"),
                reporter=_text(task, "Detector/Reporter"),
                quencher=_text(task, "Detector/Quencher"),
                task=_text(task, "Task"),
                quantity=_float(
                    _text(task, "Concentration"), where, f"well index {index} Concentration"
                ),
            )
        )
    return out


def parse_plate_setup(data: bytes, where: str) -> Setup:
    """Samples, detectors, tasks, dyes and omitted wells by well index (from 0).

    Raises
    ------
    InputFormatError
        Bad XML, a well index or number that is not one, a well listed twice in a feature.
    """
    root = parse_xml(data, where, "Plate")
    setup = Setup()
    rows = _text(root, "Rows") or _text(root, "PlateKind/RowCount")
    cols = _text(root, "Columns") or _text(root, "PlateKind/ColumnCount")
    if rows and cols:
        setup.rows, setup.columns = _int(rows, where, "Rows"), _int(cols, where, "Columns")
    for fmap in root.iter("FeatureMap"):
        feature = _text(fmap, "Feature/Id")
        if feature not in ("sample", "detector-task"):
            count = len(fmap.findall("FeatureValue"))
            setup.skipped.append(
                Skipped(f"{where}, FeatureMap {feature!r}", f"{count} entries; not read")
            )
            continue
        seen: set[int] = set()
        for value in fmap.findall("FeatureValue"):
            index = _int(_text(value, "Index"), where, f"FeatureMap {feature!r} Index")
            if index in seen:
                raise InputFormatError(
                    f"well index {index} is listed twice in FeatureMap {feature!r}; expected "
                    "one entry per well",
                    source=where,
                )
            seen.add(index)
            if feature == "sample":
                setup.samples[index] = _text(value, "FeatureItem/Sample/Name")
            else:
                setup.detections[index] = _detections(value, where, index)
    for well in root.iter("Well"):
        if _text(well, "IsOmit").lower() == "true":
            setup.omitted.add(_int(_text(well, "Index"), where, "Well Index"))
    for el in root.iter():
        if el.tag in ("PassiveReference", "PassiveReferenceDye") and (el.text or "").strip():
            setup.passive_reference = (el.text or "").strip()
    return setup


def parse_experiment(data: bytes, where: str) -> dict[str, str]:
    """The simple child elements of ``<Experiment>`` (name -> text), and ``Type/Name``."""
    root = parse_xml(data, where, "Experiment")
    out: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and len(child) == 0 and (child.text or "").strip():
            out.setdefault(child.tag, (child.text or "").strip())
    if _text(root, "Type/Name"):
        out["Type"] = _text(root, "Type/Name")
    return out
