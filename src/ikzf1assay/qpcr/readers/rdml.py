"""RDML v1.0 to v1.4, the MIQE data standard (https://rdml.org).

An RDML file is a zip archive holding one XML document (its name varies), or that XML
document alone. It is parsed with defusedxml (no entity expansion, no external entities) and
the archive is unpacked only within the limits of :mod:`ikzf1assay.qpcr.readers.limits`
(unpacked size and element count, checked while unpacking, before parsing).

Read: samples (id, type -> task, quantity), targets (id, dye), and every ``react`` of every
``run``: sample, target, ``cq``, and the amplification curve ``adp`` (cycle, fluorescence).
Wells: v1.0 reactions are named by position (``A1``); from v1.1 on they are numbered and the
run's ``pcrFormat`` (rows, columns, row and column labels) places them. A file with several
experiments or runs gives one Plate whose ``run`` column tells them apart.

``cq`` conventions: absent, ``NaN`` or ``-1`` mean no Cq; some instruments (StepOne) write
the last cycle (e.g. 40.0) for an undetermined well, which is read as no Cq and listed in
``skipped``. Melting data (``mdp``) is not read.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    column_letter,
    normalise_task,
)
from ikzf1assay.qpcr.readers import limits

__all__ = ["FORMAT", "looks_like_xml", "read", "xml_head", "xml_of"]

FORMAT = "rdml"


def looks_like_xml(head: bytes) -> bool:
    """True when the bytes start an RDML XML document."""
    return b"<rdml" in head[:4096]


def _member(archive: zipfile.ZipFile, source: str) -> zipfile.ZipInfo:
    members = [i for i in archive.infolist() if not i.is_dir()]
    xml_members = [i for i in members if i.filename.lower().endswith(".xml")] or members
    if not xml_members:
        raise InputFormatError("the RDML archive is empty", source=source)
    return xml_members[0]


def _damaged(exc: Exception, source: str) -> InputFormatError:
    return InputFormatError(f"damaged or truncated RDML archive ({exc})", source=source)


# zipfile reports damaged archives through many exception types
_ZIP_ERRORS = (EOFError, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, zlib.error)


def xml_head(raw: bytes, source: str, size: int = 4096) -> bytes:
    """The first bytes of an RDML archive's XML (to recognise it without unpacking it)."""
    try:
        with (
            zipfile.ZipFile(io.BytesIO(raw)) as archive,
            archive.open(_member(archive, source)) as fh,
        ):
            return fh.read(size)
    except zipfile.BadZipFile as exc:
        raise InputFormatError(f"damaged RDML archive ({exc})", source=source) from None
    except _ZIP_ERRORS as exc:
        raise _damaged(exc, source) from None


def _too_many(count: int, source: str) -> InputFormatError:
    return InputFormatError(
        f"the RDML XML holds more than {limits.MAX_XML_ELEMENTS:,} tags (counted {count:,} "
        "before stopping); a run's RDML file has far fewer (the 960-curve Vermeulen run "
        "297,335): refused before parsing (limit: "
        "ikzf1assay.qpcr.readers.limits.MAX_XML_ELEMENTS)",
        source=source,
    )


def _too_large(size: str, source: str) -> InputFormatError:
    return InputFormatError(
        f"the RDML XML is {size}; at most {limits.MAX_XML_BYTES / 2**20:.0f} MiB are read "
        "(limit: ikzf1assay.qpcr.readers.limits.MAX_XML_BYTES)",
        source=source,
    )


def xml_of(raw: bytes, source: str) -> bytes:
    """The RDML XML: the archive's XML member or ``raw``, within the limits.

    The archive is unpacked in chunks while its elements are counted (``<`` bytes), so a
    small archive that unpacks to an absurd document (a zip bomb) is refused after reading
    just past :data:`~.limits.MAX_XML_ELEMENTS` elements or :data:`~.limits.MAX_XML_BYTES`
    bytes, whatever its header claims, and before any parsing.
    """
    max_bytes, max_elements = limits.MAX_XML_BYTES, limits.MAX_XML_ELEMENTS
    if not raw.startswith(b"PK\x03\x04"):
        if len(raw) > max_bytes:
            raise _too_large(f"{len(raw)} bytes", source)
        count = raw.count(b"<")
        if count > max_elements:
            raise _too_many(count, source)
        return raw
    chunks: list[bytes] = []
    total = count = 0
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            info = _member(archive, source)
            if info.file_size > max_bytes:
                raise _too_large(f"{info.file_size} bytes unpacked ({info.filename})", source)
            with archive.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
                    count += chunk.count(b"<")
                    if total > max_bytes:
                        raise _too_large(f"more than {max_bytes} bytes unpacked", source)
                    if count > max_elements:
                        raise _too_many(count, source)
                    chunks.append(chunk)
    except zipfile.BadZipFile as exc:
        raise InputFormatError(f"damaged RDML archive ({exc})", source=source) from None
    except _ZIP_ERRORS as exc:
        raise _damaged(exc, source) from None
    return b"".join(chunks)


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


def read(raw: bytes, source: str, sha256: str) -> Plate:
    """Read an RDML file (zip or bare XML)."""
    xml = xml_of(raw, source)
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

    samples = {s.get("id", ""): s for s in root.findall("sample")}
    dyes: dict[str, str] = {}
    for t in root.findall("target"):
        dye_el = t.find("dyeId")
        dyes[t.get("id", "")] = (
            (dye_el.get("id") or (dye_el.text or "")).strip() if dye_el is not None else ""
        )

    reactions: list[Reaction] = []
    points: list[CurvePoint] = []
    skipped: list[Skipped] = []
    instruments: list[str] = []
    software = run_date = None
    settings: dict[str, str] = {"rdml_version": root.get("version", "")}
    experiments = root.findall("experiment")
    runs = [(e, r) for e in experiments for r in e.findall("run")]
    if not runs:
        raise InputFormatError("the RDML file holds no <run>; expected at least one", source=source)
    last_cycle_cq = 0
    for exp, run in runs:
        run_id = run.get("id", "")
        if len(experiments) > 1:
            run_id = f"{exp.get('id', '')}/{run_id}"
        instrument = _text(run, "instrument")
        if instrument and instrument not in instruments:
            instruments.append(instrument)
        if software is None and run.find("dataCollectionSoftware") is not None:
            sw = run.find("dataCollectionSoftware")
            software = " ".join(x for x in (_text(sw, "name"), _text(sw, "version")) if x)
        run_date = run_date or _text(run, "runDate") or None
        for key in ("backgroundDeterminationMethod", "cqDetectionMethod"):
            if _text(run, key):
                settings.setdefault(key, _text(run, key))
        for react in run.findall("react"):
            react_id = react.get("id", "")
            where = f"run {run_id!r}, react {react_id!r}"
            try:
                well = _well(react_id, run)
            except ValueError as exc:
                raise InputFormatError(str(exc), source=source, where=where) from None
            sample_el = react.find("sample")
            sample_id = sample_el.get("id", "") if sample_el is not None else ""
            sample = samples.get(sample_id)
            task = normalise_task(_text(sample, "type"))  # RDML's unkn, ntc, std, pos, ...
            quantity = _float(_text(sample, "quantity/value")) if sample is not None else math.nan
            for data in react.findall("data"):
                tar_el = data.find("tar")
                target = tar_el.get("id", "") if tar_el is not None else ""
                cycles: list[float] = []
                for adp in data.findall("adp"):
                    cyc, fluor = _text(adp, "cyc"), _text(adp, "fluor")
                    try:
                        cycle, value = float(cyc), float(fluor)
                    except ValueError:
                        raise InputFormatError(
                            f"adp cycle {cyc!r} / fluorescence {fluor!r} is not a number",
                            source=source,
                            where=f"{where}, target {target!r}",
                        ) from None
                    cycles.append(cycle)
                    points.append(
                        CurvePoint(
                            well,
                            target,
                            cycle,
                            value,
                            run=run_id,
                            loc=Loc(note=f"{where}, cycle {cyc}"),
                        )
                    )
                cq_text = _text(data, "cq")
                cq = _float(cq_text) if cq_text else math.nan
                if cq < 0:
                    cq = math.nan
                if cycles and not math.isnan(cq) and cq >= max(cycles):
                    cq = math.nan
                    last_cycle_cq += 1
                reactions.append(
                    Reaction(
                        well=well, target=target, run=run_id, sample=sample_id, task=task,
                        reporter=dyes.get(target, ""), instrument_ct=cq, quantity=quantity,
                        omit=data.find("excl") is not None or react.find("excl") is not None,
                        has_result=bool(cq_text), loc=Loc(note=where),
                    )
                )  # fmt: skip
    if last_cycle_cq:
        skipped.append(
            Skipped(
                "cq", f"{last_cycle_cq} cq values at the last cycle read as no Cq (undetermined)"
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
    )
    return build_plate(info, reactions, points, skipped)
