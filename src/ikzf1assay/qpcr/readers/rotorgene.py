"""Qiagen Rotor-Gene Q / Rotor-Gene 6000 run files (``.rex``: XML, REX 3.x).

An ``<Experiment>`` root with ``<RexHeader>REX 3.14</RexHeader>``: the sample list
(``Samples/Page/Sample``), channels (``ChannelTypes``), run record (``Record/Field``: rotor
type, versions), profile, and raw readings (``RawChannels/RawChannel``: one ``Reading`` per
tube in tube order, values separated by spaces, x = ``StartX + k * StepX``). Parsed with
defusedxml within the limits of :mod:`ikzf1assay.qpcr.readers.limits`.

Read:

* raw channels whose x axis is ``Cycle`` -> curves (``rn`` = the reading, the software's raw
  fluorescence, 0-100), target = the channel's name (``Green``, ``Yellow``; the raw channel's
  full name such as ``Cycling A.Green`` when two cycling steps acquire the same channel);
* raw channels whose x axis is in degrees -> melt curves (``Plate.melt``): of the run's
  cycling target when there is only one (``HRM`` melt of a ``Green`` single-plex run ->
  target ``Green``), else under the melt channel's own name (``HRM``), since nothing in the
  file says which product of a multiplex it melts; ``settings["channels_read"]`` lists
  which raw channel went to which target;
* sample names per tube position from the first sample page; a non-zero given concentration
  as ``quantity``. Sample types are Rotor-Gene codes and are not mapped (``task`` is "").

Rotor positions -> wells: a rotor has no rows and columns, so tube position ``n`` is placed
row by row on a grid of 12 columns: positions 1-12 -> A1-A12, 13 -> B1, ..., 72 -> F12 (a
36-position rotor A1-C12, a 100-position Rotor-Disc A1-I4). ``RunInfo.plate_size`` is the
rotor size and ``RunInfo.settings["positions"]`` states the mapping, so a well can be traced
back to its tube.

No instrument Ct: a ``.rex`` file holds raw readings; the Rotor-Gene software computes Ct
when a run is analysed and does not store it there. ``RunInfo.ct_method`` is None and
``inspect`` shows no instrument results. Readings of tubes the sample list does not name
(empty rotor positions), other sample pages, the software's analysis settings and its
temperature traces are listed in ``Plate.skipped``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
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
)
from ikzf1assay.qpcr.readers import limits

__all__ = ["COLUMNS", "FORMAT", "ROTOR_SIZES", "looks_like", "looks_like_members", "read", "well"]

FORMAT = "rotorgene-rex"
COLUMNS = 12  # wells per row when rotor positions are laid out as a plate
ROTOR_SIZES = (36, 72, 100)
_MARK = b"<RexHeader>"
_READING_TAG = re.compile(rb"<Reading[\s>/]")


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file start a Rotor-Gene ``.rex`` run file.

    Parameters
    ----------
    head
        The file's first bytes (4096 are enough).

    Returns
    -------
    bool
        True when they hold an ``<Experiment>`` root and a ``<RexHeader>`` (UTF-8 or UTF-16).
    """
    head = head[:4096]
    if _MARK in head and b"<Experiment" in head:
        return True
    return any(
        _MARK.decode().encode(enc) in head and "<Experiment".encode(enc) in head
        for enc in ("utf-16-le", "utf-16-be")
    )


def looks_like_members(names: list[str]) -> bool:
    """Whether a zip archive with these member names is this format: never, as Rotor-Gene
    software saves ``.rex`` files as bare XML (kept so that every reader can be asked)."""
    return False


def well(position: int) -> str:
    """The well label of rotor position ``position`` (1 -> A1, 13 -> B1, 72 -> F12).

    Parameters
    ----------
    position
        1-based tube position on the rotor.

    Returns
    -------
    str
        Row letter and column number on a grid of :data:`COLUMNS` columns.
    """
    row, col = divmod(position - 1, COLUMNS)
    return f"{chr(65 + row)}{col + 1}"


def _refuse(message: str, source: str, line: int | None = None) -> InputFormatError:
    return InputFormatError(message, source=source, line=line)


def _xml(raw: bytes, source: str) -> Element:
    """The parsed document, refused above the size and tag-count limits before parsing."""
    where = "(limit: ikzf1assay.qpcr.readers.limits.MAX_XML_"
    if len(raw) > limits.MAX_XML_BYTES:
        mib = limits.MAX_XML_BYTES / 2**20
        raise _refuse(
            f"the .rex XML is {len(raw)} bytes; at most {mib:.0f} MiB {where}BYTES)", source
        )
    count = raw.count(b"<")
    if count > limits.MAX_XML_ELEMENTS:
        raise _refuse(
            f"the .rex XML holds {count:,} tags, more than {limits.MAX_XML_ELEMENTS:,}; a run of "
            f"100 tubes with melt data has a few thousand: refused before parsing {where}ELEMENTS)",
            source,
        )
    try:
        root: Element = SafeET.fromstring(raw)
    except DefusedXmlException as exc:
        raise _refuse(f".rex XML uses a forbidden construct ({exc})", source) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise _refuse(f".rex XML is not well-formed ({exc}); truncated?", source, line) from None
    header = _text(root, "RexHeader")
    if root.tag != "Experiment" or not header.startswith("REX"):
        raise _refuse(
            f"XML root <{root.tag}> with RexHeader {header!r}; expected a Rotor-Gene run file "
            "(<Experiment> with <RexHeader>REX 3.x</RexHeader>)",
            source,
        )
    return root


def _reading_lines(raw: bytes) -> list[int]:
    """1-based line of each ``<Reading>`` tag, in document order (for messages)."""
    lines, line, pos = [], 1, 0
    for m in _READING_TAG.finditer(raw):
        line += raw.count(b"\n", pos, m.start())
        pos = m.start()
        lines.append(line)
    return lines


@dataclass(frozen=True)
class _Channel:
    name: str  # the raw channel's name, e.g. "Cycling A.Green"
    channel: str  # the channel's name, e.g. "Green"
    kind: str  # "cycle" or "melt"
    start: float
    step: float
    readings: list[Element]


def _text(el: Element, path: str) -> str:
    """The stripped text at ``path`` under ``el`` ("" when absent)."""
    return (el.findtext(path) or "").strip()


def _number(text: str, what: str, source: str, line: int | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputFormatError(f"{what} {text!r} is not a number", source=source, line=line)
    return value


def _channels(root: Element, source: str, skipped: list[Skipped]) -> list[_Channel]:
    """The raw channels with cycle or temperature readings; others go to ``skipped``."""
    types = {_text(t, "Key"): _text(t, "Name") for t in root.iterfind("ChannelTypes/ChannelType")}
    found = []
    for rc in root.iterfind("RawChannels/RawChannel"):
        name = _text(rc, "Name")
        label = _text(rc, "XAxisLabel").lower()
        kind = "cycle" if label.startswith("cycle") else "melt" if "deg" in label else ""
        where = f"RawChannel {name!r}"
        if not kind:
            skipped.append(Skipped(where, f"x axis {label!r} is neither cycles nor degrees"))
            continue
        channel = types.get(_text(rc, "ChannelTypeRef")) or name.rsplit(".", 1)[-1]
        start = _number(_text(rc, "StartX"), f"{where}: StartX", source)
        step = _number(_text(rc, "StepX"), f"{where}: StepX", source)
        found.append(_Channel(name, channel, kind, start, step, rc.findall("Reading")))
    return found


def _channel_targets(channels: list[_Channel]) -> dict[str, str]:
    """Target of each raw channel (see the module documentation): a melt channel joins the
    run's only cycling target; with several, nothing says which product it melts."""
    seen: dict[tuple[str, str], int] = {}
    for c in channels:
        seen[(c.kind, c.channel)] = seen.get((c.kind, c.channel), 0) + 1
    names = {c.name: c.channel if seen[(c.kind, c.channel)] == 1 else c.name for c in channels}
    cycling = {names[c.name] for c in channels if c.kind == "cycle"}
    if len(cycling) == 1:
        only = next(iter(cycling))
        names.update({c.name: only for c in channels if c.kind == "melt"})
    return names


def _samples(root: Element, source: str, skipped: list[Skipped]) -> dict[int, tuple[str, float]]:
    """Tube position -> (sample name, given concentration) from the first sample page."""
    pages = root.findall("Samples/Page")
    why = "another sample page; the first page names the tubes"
    skipped.extend(Skipped(f"Samples page {_text(p, 'Name')!r}", why) for p in pages[1:])
    samples: dict[int, tuple[str, float]] = {}
    for s in pages[0].iterfind("Sample") if pages else ():
        text, name = _text(s, "TubePosition"), _text(s, "Name")
        where = f"Samples: sample {name!r}"
        position = int(_number(text, f"{where}: TubePosition", source))
        if position < 1 or (position in samples and samples[position][0] != name):
            raise InputFormatError(
                f"tube position {text} is not a position or names two samples; expected each "
                "position 1, 2, ... once",
                source=source,
                where=where,
            )
        conc = _text(s, "GivenConc")
        quantity = _number(conc, f"{where}: GivenConc", source) if conc else 0.0
        samples[position] = (name, quantity if quantity > 0 else math.nan)
    return samples


def _rotor_size(fields: dict[str, str], positions: int, source: str) -> int:
    """The rotor's number of positions, from its type (``Gene-Disc 72``) or the readings."""
    numbers = re.findall(r"\d+", fields.get("Rotor Type", ""))
    size = int(numbers[-1]) if numbers else 0
    if size not in ROTOR_SIZES:
        size = next((s for s in ROTOR_SIZES if s >= positions), 0)
    if positions > size:
        sizes = ", ".join(map(str, ROTOR_SIZES))
        raise _refuse(f"{positions} tubes read, more than any rotor holds ({sizes})", source)
    return size


def _records(root: Element) -> dict[str, str]:
    """The run record's named fields (``Rotor Type``, ``Program Version``, ...)."""
    fields: dict[str, str] = {}
    for f in root.iterfind("Record/Field"):
        name, value = _text(f, "Name"), _text(f, "Value")
        if name and value:
            fields.setdefault(name, value)
    return fields


@dataclass
class _Read:
    """What the readings of a run give, gathered channel by channel."""

    points: list[CurvePoint]
    melt: list[MeltPoint]
    tubes: dict[tuple[int, str], Loc]  # (position, target) -> where its readings are


def _readings(
    channels: list[_Channel], targets: dict[str, str], named: set[int], lines: dict[int, int],
    source: str, skipped: list[Skipped],
) -> _Read:  # fmt: skip
    """Curves and melt curves of every tube; tubes outside ``named`` (when any is named)
    are empty rotor positions and go to ``skipped``."""
    out = _Read([], [], {})
    for c in channels:
        target, unnamed = targets[c.name], []
        for index, reading in enumerate(c.readings):
            position, values = index + 1, (reading.text or "").split()
            where = f"RawChannel {c.name!r}, tube {position}"
            loc = Loc(line=lines.get(id(reading)), note=where)
            if not values:
                skipped.append(Skipped(where, "no readings for this tube"))
                continue
            if named and position not in named:
                unnamed.append(str(position))
                continue
            out.tubes.setdefault((position, target), loc)
            for k, text in enumerate(values):
                value = _number(text, f"{where}: reading {k + 1}", source, loc.line)
                x = round(c.start + k * c.step, 6)  # 65 + 0.2 k, without binary noise
                if c.kind == "cycle":
                    out.points.append(CurvePoint(well(position), target, x, value, loc=loc))
                else:
                    out.melt.append(MeltPoint(well(position), target, x, value, loc=loc))
        if unnamed:
            why = "readings of tubes the sample list does not name (empty rotor positions)"
            skipped.append(Skipped(f"RawChannel {c.name!r}", f"{why}: {', '.join(unnamed)}"))
    return out


def _reactions(
    samples: dict[int, tuple[str, float]], got: _Read, skipped: list[Skipped]
) -> list[Reaction]:
    """One reaction per tube and target read, named from the sample list."""
    for position in sorted(set(samples) - {p for p, _ in got.tubes}):
        skipped.append(
            Skipped(f"Samples: tube {position}", f"{samples[position][0]!r}: no readings")
        )
    return [
        Reaction(well=well(position), target=target, loc=loc,
                 sample=samples.get(position, ("", math.nan))[0],
                 quantity=samples.get(position, ("", math.nan))[1])
        for (position, target), loc in got.tubes.items()
    ]  # fmt: skip


_TAGS = {"notes": "Notes", "operator": "Operator", "finish_time": "FinishTime",
         "reaction_volume": "ReactionVolume", "cycles": "Profile/Cycle/RepeatCount"}  # fmt: skip


def _settings(
    root: Element, fields: dict[str, str], size: int, targets: dict[str, str]
) -> dict[str, str]:
    """Run settings as exported, the position -> well mapping and the channels read."""
    steps = (f"{_text(p, 'Temperature')} °C {_text(p, 'RemainFor')} s"
             for p in root.iterfind("Profile/Cycle/NormalCyclePoint"))  # fmt: skip
    settings = {
        "rex_version": _text(root, "RexHeader"),
        "rotor_type": fields.get("Rotor Type", ""),
        "positions": f"rotor position n -> well, row by row, {COLUMNS} per row: 1 -> A1, "
        f"13 -> B1, {size} -> {well(size)}",
        **{key: _text(root, tag) for key, tag in _TAGS.items()},
        "cycle_steps": ", ".join(steps),
        "machine_serial": fields.get("Machine Serial No", ""),
        "instrument_ct": "none: a .rex file holds raw readings, not the software's Ct",
        "channels_read": "; ".join(f"{raw} -> target {t}" for raw, t in targets.items()),
        **{f"gain {_text(t, 'Name')}": _text(t, "Gain")
           for t in root.iterfind("ChannelTypes/ChannelType")},
    }  # fmt: skip
    return {k: v for k, v in settings.items() if v}


def _unused(root: Element, skipped: list[Skipped]) -> None:
    """The software's analyses and temperature traces: noted, not read."""
    why = "the Rotor-Gene software's analysis settings; the raw readings are analysed here"
    for analysis in root.iterfind("Analyses/*"):
        channel = _text(analysis, "RawChannelRef")
        skipped.append(Skipped(f"Analyses/{analysis.tag} ({channel})", why))
    traces = [t.tag for t in root.iterfind("Traces/*")]
    if traces:
        skipped.append(Skipped("Traces", f"temperature logs ({', '.join(traces)}) not read"))


def read(raw: bytes, source: str, sha256: str) -> Plate:
    """Read a Rotor-Gene ``.rex`` run file (see the module documentation).

    Parameters
    ----------
    raw
        The file's bytes.
    source
        The file's name, for messages and :class:`RunInfo`.
    sha256
        The file's SHA-256.

    Returns
    -------
    Plate
        One reaction per tube and channel, its curve (and melt curve); no instrument Ct.

    Raises
    ------
    InputFormatError
        Not well-formed XML or not a Rotor-Gene run, above the limits, a reading that is not
        a number (with its line), a tube position given twice, no readings at all.
    """
    root = _xml(raw, source)
    skipped: list[Skipped] = []
    fields = _records(root)
    samples = _samples(root, source, skipped)
    channels = _channels(root, source, skipped)
    if not any(c.kind == "cycle" for c in channels):
        skipped.append(Skipped("RawChannels", "no channel read per cycle: no amplification data"))
    tubes = max((len(c.readings) for c in channels), default=0)
    size = _rotor_size(fields, max([tubes, *samples]), source)
    lines = dict(zip(map(id, root.iter("Reading")), _reading_lines(raw), strict=False))
    targets = _channel_targets(channels)
    got = _readings(channels, targets, set(samples), lines, source, skipped)
    reactions = _reactions(samples, got, skipped)
    _unused(root, skipped)
    version = fields.get("Machine Version", "")
    info = RunInfo(
        format=FORMAT,
        file_name=source,
        sha256=sha256,
        instrument=version.split(",")[0].strip() or "Rotor-Gene",
        software=fields.get("Program Version"),
        run_date=_text(root, "StartTime") or None,
        plate_size=size,
        settings=_settings(root, fields, size, targets),
        ct_method=None,
    )
    return build_plate(info, reactions, got.points, skipped, melt=got.melt)
