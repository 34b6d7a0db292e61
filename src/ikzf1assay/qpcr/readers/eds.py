"""Applied Biosystems ``.eds`` run files (7500, StepOne, QuantStudio, ViiA 7 software).

An ``.eds`` is a zip; detected by content: a member under ``apldbio/sds/``. Read from it:

``analysis_result.txt`` (once analysed in the software)
    Ct, Rn and Delta Rn per well and detector (:mod:`._eds_results`: layout, and how a Ct
    written at the last cycle is read as Undetermined). Curves: ``rn`` = Rn, ``delta_rn`` =
    Delta Rn as exported.
``multicomponent_data.txt``
    raw signal per well, cycle and dye (:mod:`._eds_multi`). With ``analysis_result.txt``
    it gives ``passive_ref`` (and the file's Rn is checked against reporter / passive
    reference: the median relative difference is in ``RunInfo.settings``); without it, the
    curves are computed here: ``rn`` = reporter signal / passive reference signal,
    ``delta_rn`` NaN, and ``RunInfo.settings['rn source']`` says so.
``plate_setup.xml``
    plate size, sample names, detectors (targets) with reporter and quencher dyes, tasks,
    quantities, omitted wells (:mod:`._eds_setup`).
``experiment.xml``, ``Manifest.mf``
    run settings; the instrument (``InstrumentTypeId``) and the software
    (``Implementation-Title`` / ``-Version`` of the manifest, else the title line of the
    multicomponent data).

Wells are numbered from 0, row by row (96-well: index // 12 -> row, % 12 -> column). The
plate size is the plate setup's; without one it is 96, or 384 when an index reaches 96
(``RunInfo.settings['plate size']`` says it was assumed). The passive reference is the plate
setup's or experiment's ``PassiveReference``, else ROX (assumed, and said so). Instrument
Ct: a threshold Ct (``ct_method`` "threshold"). Other members (calibration, protocol,
temperatures, ...) are listed in ``Plate.skipped``.

A ``.eds`` with neither ``analysis_result.txt`` nor ``multicomponent_data.txt`` (such as the
QuantStudio layout with ``multicomponentdata.xml``, or the Design & Analysis JSON layout) is
refused with an :class:`~ikzf1assay.errors.InputFormatError` saying what an ``.eds`` must hold.
"""

from __future__ import annotations

import math
import statistics

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    PLATE_SHAPES,
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    normalise_task,
)
from ikzf1assay.qpcr.readers._eds_members import SDS, Members, member_source, open_members
from ikzf1assay.qpcr.readers._eds_multi import Multicomponent, parse_multicomponent
from ikzf1assay.qpcr.readers._eds_results import ResultRow, parse_results, settle_undetermined
from ikzf1assay.qpcr.readers._eds_setup import (
    Detection,
    Setup,
    parse_experiment,
    parse_plate_setup,
)

__all__ = ["FORMAT", "looks_like", "looks_like_members", "read"]

FORMAT = "abi-eds"
_RESULTS, _MULTI = "analysis_result.txt", "multicomponent_data.txt"


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file start an ``.eds`` archive.

    A zip whose first member lies under ``apldbio/`` (the name is stored in the first local
    header). :func:`looks_like_members` decides from all the member names.
    """
    return head.startswith(b"PK\x03\x04") and b"apldbio/" in head[30:300]


def looks_like_members(names: list[str]) -> bool:
    """Whether a zip archive with these member names is an ``.eds`` run file."""
    return any(SDS in name.lower() for name in names)


def _task(text: str) -> str:
    # analysis_result.txt may write "Target" (the row's detector is a target): no role
    return "" if text.strip().lower() in ("target", "") else normalise_task(text)


class _Wells:
    """Well index (from 0) -> position, for the plate size."""

    def __init__(
        self, setup: Setup | None, indexes: list[int], settings: dict[str, str], where: str
    ) -> None:
        size = None
        if setup is not None and setup.rows and setup.columns:
            size = setup.rows * setup.columns
            if size not in PLATE_SHAPES:
                raise InputFormatError(
                    f"plate setup gives {setup.rows} x {setup.columns} wells; expected one of "
                    + ", ".join(f"{r} x {c}" for r, c in PLATE_SHAPES.values()),
                    source=where,
                )
        if size is None:
            size = 384 if indexes and max(indexes) >= 96 else 96
            settings["plate size"] = f"{size} (assumed: the file does not say; wells from 0)"
        self.size = size
        self.columns = PLATE_SHAPES[size][1]

    def name(self, index: int, where: str, line: int | None = None) -> str:
        if not 0 <= index < self.size:
            raise InputFormatError(
                f"well index {index} is outside a {self.size}-well plate (wells from 0)",
                source=where,
                line=line,
            )
        row, col = divmod(index, self.columns)
        return f"{chr(65 + row)}{col + 1}"


def _setup_of(members: Members, settings: dict[str, str]) -> tuple[Setup | None, set[str]]:
    read: set[str] = set()
    setup = None
    name = members.find("plate_setup.xml")
    if name is not None:
        setup = parse_plate_setup(members.bytes(name), member_source(members.source, name))
        read.add(name)
    name = members.find("experiment.xml")
    if name is not None:
        exp = parse_experiment(members.bytes(name), member_source(members.source, name))
        settings.update({f"experiment {k}": v for k, v in exp.items()})
        read.add(name)
    name = members.find("Manifest.mf")
    if name is not None:
        for line in members.text(name).split("\n"):
            key, _, value = line.partition(":")
            if key.strip().startswith("Implementation-") and value.strip():
                settings[f"manifest {key.strip()}"] = value.strip()
        read.add(name)
    return setup, read


def _refuse(members: Members) -> InputFormatError:
    found = [n for n in members.names if not n.endswith("/")]
    hint = ""
    if any(n.lower().endswith("multicomponentdata.xml") for n in found):
        hint = " (this is the QuantStudio .eds layout, multicomponentdata.xml: not read yet)"
    return InputFormatError(
        f"the .eds archive holds neither {SDS}{_RESULTS} nor {SDS}{_MULTI}{hint}; an .eds run "
        "file must hold the analysis results or the multicomponent (raw dye) data. Members: "
        + (", ".join(found[:12]) + (" ..." if len(found) > 12 else "") or "none"),
        source=members.source,
    )


def _detection(setup: Setup | None, index: int, detector: str) -> Detection | None:
    for d in setup.detections.get(index, []) if setup else []:
        if d.detector == detector:
            return d
    return None


def _from_results(
    rows: list[ResultRow], setup: Setup | None, multi: Multicomponent | None, ctx: _Context
) -> tuple[list[Reaction], list[CurvePoint]]:
    reactions, points = [], []
    for r in rows:
        well = ctx.wells.name(r.index, ctx.results_where, r.line)
        det = _detection(setup, r.index, r.detector)
        sample = r.sample or (setup.samples.get(r.index, "") if setup else "")
        reactions.append(
            Reaction(
                well=well, target=r.detector, sample=sample,
                task=_task(det.task if det else r.task),
                reporter=det.reporter if det else "", quencher=det.quencher if det else "",
                instrument_ct=r.ct, threshold=r.threshold, auto_threshold=r.auto_threshold,
                baseline_start=r.baseline_start, baseline_end=r.baseline_end,
                quantity=r.quantity if math.isfinite(r.quantity) else (
                    det.quantity if det else math.nan),
                omit=bool(setup and r.index in setup.omitted), has_result=r.has_result,
                loc=Loc(line=r.line, file=ctx.results_where),
            )
        )  # fmt: skip
        passive = multi.signal.get((r.index, ctx.passive), {}) if multi else {}
        drn = r.drn or [math.nan] * len(r.rn)
        for k, (rn, d) in enumerate(zip(r.rn, drn, strict=True), start=1):
            points.append(
                CurvePoint(well, r.detector, float(k), rn, delta_rn=d,
                           passive_ref=passive.get(k, math.nan),
                           loc=Loc(line=r.rn_line, file=ctx.results_where))
            )  # fmt: skip
            if det and multi and k in passive and passive[k]:
                reporter = multi.signal.get((r.index, det.reporter), {})
                if k in reporter:
                    ctx.rn_checks.append(abs(reporter[k] / passive[k] - rn) / max(abs(rn), 1e-12))
    return reactions, points


class _Context:
    def __init__(self, source: str, wells: _Wells, passive: str, results_where: str) -> None:
        self.source = source
        self.wells = wells
        self.passive = passive
        self.results_where = results_where
        self.rn_checks: list[float] = []
        self.skipped: list[Skipped] = []


def _detections_of(
    setup: Setup | None, multi: Multicomponent, passive: str
) -> dict[int, list[Detection]]:
    """Detectors per well: the plate setup's, else one per reporter dye of the data."""
    if setup is not None and setup.detections:
        return setup.detections
    out: dict[int, list[Detection]] = {}
    for index, dye in multi.signal:
        if dye != passive:
            out.setdefault(index, []).append(Detection(dye, dye, "", "", math.nan))
    return out


def _from_multicomponent(
    setup: Setup | None, multi: Multicomponent, ctx: _Context, where: str
) -> tuple[list[Reaction], list[CurvePoint]]:
    reactions, points = [], []
    for index, dets in sorted(_detections_of(setup, multi, ctx.passive).items()):
        line = min((v for (i, _), v in multi.lines.items() if i == index), default=None)
        well = ctx.wells.name(index, where, line)
        passive = multi.signal.get((index, ctx.passive), {})
        for det in dets:
            reactions.append(
                Reaction(
                    well=well, target=det.detector,
                    sample=setup.samples.get(index, "") if setup else "",
                    task=_task(det.task), reporter=det.reporter, quencher=det.quencher,
                    quantity=det.quantity, omit=bool(setup and index in setup.omitted),
                    loc=Loc(line=line, file=where),
                )
            )  # fmt: skip
            reporter = multi.signal.get((index, det.reporter), {})
            cycles = sorted(c for c in reporter if passive.get(c))
            if not cycles:
                ctx.skipped.append(Skipped(
                    f"{where}, well {well} detector {det.detector!r}",
                    f"no {det.reporter or 'reporter'} and {ctx.passive} signal to compute Rn "
                    "from; the reaction has no curve",
                ))  # fmt: skip
            for c in cycles:
                points.append(
                    CurvePoint(well, det.detector, float(c), reporter[c] / passive[c],
                               passive_ref=passive[c],
                               loc=Loc(line=multi.lines[(index, det.reporter)], file=where))
                )  # fmt: skip
    return reactions, points


def _run_info(
    source: str, sha256: str, size: int, passive: str, settings: dict[str, str], title: str
) -> RunInfo:
    software = " ".join(
        settings[k] for k in ("manifest Implementation-Title", "manifest Implementation-Version")
        if k in settings
    ) or title.replace("MulticomponentData", "").strip() or None  # fmt: skip
    instrument = settings.get("experiment InstrumentTypeId") or (
        "Applied Biosystems 7500 / StepOne / QuantStudio family (.eds; model not in the file)"
    )
    return RunInfo(
        format=FORMAT, file_name=source, sha256=sha256, instrument=instrument,
        software=software, run_date=settings.get("experiment RunEndTime")
        or settings.get("experiment RunStartTime"), plate_size=size,
        passive_reference=passive, settings=settings, ct_method="threshold",
    )  # fmt: skip


def read(raw: bytes, source: str, sha256: str) -> Plate:
    """Read an ``.eds`` run file into a :class:`~ikzf1assay.qpcr.plate.Plate`.

    Parameters
    ----------
    raw
        The file's bytes (a zip).
    source
        The file's name, for messages.
    sha256
        The file's SHA-256.

    Returns
    -------
    Plate
        Wells (samples, detectors, tasks, dyes and Ct where the file holds them), curves
        (Rn, Delta Rn, passive reference) and what was not read, in ``skipped``.

    Raises
    ------
    InputFormatError
        A damaged archive; neither analysis results nor multicomponent data; a bad number,
        well or duplicate row (the message names the member and line).
    """
    members = open_members(raw, source)
    results_name, multi_name = members.find(_RESULTS), members.find(_MULTI)
    if results_name is None and multi_name is None:
        raise _refuse(members)
    settings: dict[str, str] = {}
    setup, read_names = _setup_of(members, settings)
    skipped: list[Skipped] = list(setup.skipped) if setup else []
    results = multi = None
    results_where = member_source(source, results_name or "")
    if results_name is not None:
        results = parse_results(members.text(results_name), results_where)
        settle_undetermined(results, results_where)
        settings.update(results.settings)
        skipped += results.skipped
        read_names.add(results_name)
    multi_where = member_source(source, multi_name or "")
    if multi_name is not None:
        multi = parse_multicomponent(members.text(multi_name), multi_where)
        skipped += multi.skipped
        read_names.add(multi_name)
    passive = (setup.passive_reference if setup else None) or settings.get(
        "experiment PassiveReference"
    )
    if passive is None:
        passive = "ROX"
        settings["passive reference"] = "ROX (assumed: the file does not name it)"
    indexes = [r.index for r in results.rows] if results else []
    indexes += [i for i, _ in multi.signal] if multi else []
    wells = _Wells(setup, indexes, settings, member_source(source, "plate_setup.xml"))
    ctx = _Context(source, wells, passive, results_where)
    if results is not None:
        reactions, points = _from_results(results.rows, setup, multi, ctx)
        settings["rn source"] = f"Rn and Delta Rn as exported in {_RESULTS}"
        if ctx.rn_checks:
            settings["rn check"] = (
                f"median |Rn - reporter/{passive}| / Rn = {statistics.median(ctx.rn_checks):.2g}"
                f" over {len(ctx.rn_checks)} readings ({_MULTI})"
            )
    else:
        assert multi is not None  # one of the two is present (checked above)
        reactions, points = _from_multicomponent(setup, multi, ctx, multi_where)
        settings["rn source"] = (
            f"computed: reporter signal / {passive} signal from {_MULTI} (no {_RESULTS}: "
            "no instrument Ct, no Delta Rn)"
        )
    skipped += ctx.skipped
    skipped += [Skipped(member_source(source, n), "member not read") for n in members.others(
        read_names)]  # fmt: skip
    info = _run_info(
        source, sha256, ctx.wells.size, passive, settings, multi.title if multi else ""
    )
    return build_plate(info, reactions, points, skipped)
