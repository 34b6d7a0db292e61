"""The registry jobs: a called run into the registry, released calls out of it, control trends.

``ikzf1assay call EXPORT -o OUTDIR --db URL`` ends in :func:`register_call`: the run's outputs
are written first (as without ``--db``), then the run, its analysis, every well and call go
into the registry in one transaction. The same export with the same parameters again is a
no-op that says so and leaves OUTDIR as it is (:func:`already_registered` is asked before
anything is written). ``ikzf1assay cohort --db URL`` reads the released calls through
:func:`registry_calls_file`; ``ikzf1assay registry qc`` is :func:`registry_qc`.

The database is named by ``--db URL`` or the environment variable ``IKZF1ASSAY_DB``
(:func:`database_url`); the user by ``--user`` or the operating-system login
(:func:`user_name`).
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ikzf1assay import __version__
from ikzf1assay._outdir import atomic_output
from ikzf1assay._tsv import restore_cell, write_tsv
from ikzf1assay.errors import FileAccessError, ParameterError
from ikzf1assay.qpcr.readers import partner_files

if TYPE_CHECKING:
    from ikzf1assay.assay import Assay
    from ikzf1assay.calling import CallSettings
    from ikzf1assay.calling.layout import Layout
    from ikzf1assay.qpcr.plate import RunInfo
    from ikzf1assay.registry import ImportResult, Registry, RunRecord
    from ikzf1assay.workflows.batch import BatchResult
    from ikzf1assay.workflows.run import CalledRun

__all__ = [
    "DB_ENV",
    "Registered",
    "already_registered",
    "call_and_register",
    "control_trend",
    "database_url",
    "open_database",
    "register_batch",
    "register_call",
    "registry_calls_file",
    "registry_qc",
    "run_files",
    "run_record",
    "user_name",
]

DB_ENV = "IKZF1ASSAY_DB"


def database_url(given: str | None, required: bool = True) -> str | None:
    """``--db URL``, else the environment variable ``IKZF1ASSAY_DB``.

    Parameters
    ----------
    given
        The URL or path given on the command line, or None.
    required
        Raise when neither is set (else return None).

    Returns
    -------
    str or None
        A SQLite path (or ``sqlite:///path``) or a ``postgresql://`` URL.
    """
    url = given or os.environ.get(DB_ENV) or None
    if url is None and required:
        raise ParameterError(
            f"no registry named: give --db URL (a SQLite file path or postgresql://...) or set "
            f"{DB_ENV}"
        )
    return url


def user_name(given: str | None) -> str:
    """``--user``, else the operating-system login name.

    Parameters
    ----------
    given
        The name given, or None.

    Returns
    -------
    str
        The name recorded with every change.
    """
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ParameterError("no user name: give --user NAME") from None


@contextmanager
def open_database(url: str, create: bool = True) -> Iterator[Registry]:
    """The registry at ``url``, closed on exit (``create``: make a new SQLite file).

    Parameters
    ----------
    url
        As :func:`database_url` returns it.
    create
        Create an empty registry when there is none (commands that only read pass False).

    Yields
    ------
    Registry
        The open registry.
    """
    from ikzf1assay.registry import open_registry

    registry = open_registry(url, create=create)
    try:
        yield registry
    finally:
        registry.close()


def run_files(export: Path, format: str) -> list[Path]:
    """The files of ``export``'s run: itself and, for multi-file formats, its partners.

    Parameters
    ----------
    export
        The export as given.
    format
        Its reader's name (``plate.info.format``).

    Returns
    -------
    list of pathlib.Path
        Sorted by name, each once.
    """
    files = {export.resolve(), *(p.resolve() for p in partner_files(export, format))}
    return sorted(files, key=lambda p: p.name)


def _read_bytes(paths: list[Path]) -> list[tuple[str, bytes]]:
    try:
        return [(p.name, p.read_bytes()) for p in paths]
    except OSError as exc:
        raise FileAccessError(
            f"cannot read the export: {exc.strerror}", source=exc.filename
        ) from None


def _read_output(path: Path) -> pd.DataFrame:
    """A TSV this package wrote, every cell as the text it stood for (neutralising undone)."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return table.map(restore_cell)


def run_record(
    info: RunInfo, export: Path, outdir: Path, files: list[tuple[str, bytes]] | None = None
) -> RunRecord:
    """What the registry keeps of a called run, from the outputs written to ``outdir``.

    Parameters
    ----------
    info
        The export's run facts (``plate.info``: format, instrument, run date).
    export
        The export as given (its partner files are found from it).
    outdir
        The run's output folder: calls.tsv, wells.tsv and provenance.json are read from it,
        so that the registry holds what the outputs say.
    files
        The run's files as (name, bytes) when the caller has read them already; None: read
        here (:func:`run_files`).

    Returns
    -------
    RunRecord
        The export's bytes, the analysis parameters and every well and call.
    """
    from ikzf1assay.registry import RunRecord

    try:
        provenance = json.loads((outdir / "provenance.json").read_text(encoding="utf-8"))
        wells, calls = (_read_output(outdir / name) for name in ("wells.tsv", "calls.tsv"))
    except (OSError, ValueError) as exc:
        raise FileAccessError(f"cannot read the run's outputs back: {exc}", source=outdir) from None
    wells["ct"] = pd.to_numeric(wells["ct"], errors="coerce")
    parameters = dict(provenance.get("parameters", {}))
    parameters["input_format"] = provenance.get("input_format", info.format)
    return RunRecord(
        files=files if files is not None else _read_bytes(run_files(export, info.format)),
        format=info.format,
        instrument=info.instrument or "",
        run_date=info.run_date,
        parameters=parameters,
        assay_sha256=str(provenance.get("assay_sha256", "")),
        package_version=__version__,
        provenance=provenance,
        wells=wells,
        calls=calls,
    )


@dataclass(frozen=True)
class Registered:
    """A run's place in the registry: ``run_id``, ``analysis_id``, and whether this call
    added the run (``new_run``) or an analysis of a run already there (``new_analysis``);
    both False: nothing was added (the same export with the same parameters)."""

    run_id: int
    analysis_id: int
    new_run: bool
    new_analysis: bool

    def message(self, url: str) -> str:
        """One line for the user: what happened in which registry."""
        if not self.new_analysis:
            return (
                f"already in the registry as run {self.run_id} (analysis {self.analysis_id}) "
                f"at {url}: nothing added"
            )
        what = "run" if self.new_run else f"new analysis {self.analysis_id} of run"
        return f"registry {url}: stored as {what} {self.run_id}"


def _registered(result: ImportResult) -> Registered:
    return Registered(
        result.run_id, result.analysis_id, result.created_run, result.created_analysis
    )


def already_registered(
    registry: Registry,
    files: list[tuple[str, bytes]],
    parameters: Mapping[str, Any],
    assay_sha: str,
) -> tuple[Registered | None, int | None]:
    """The run and analysis already stored for this export with these parameters.

    Parameters
    ----------
    registry
        The open registry.
    files
        The run's files as (name, bytes) (:func:`run_files`).
    parameters
        The analysis parameters, as provenance.json's ``parameters`` plus ``input_format``.
    assay_sha
        SHA-256 of the assay file.

    Returns
    -------
    tuple
        The :class:`Registered` place (``new_run`` and ``new_analysis`` False) when this
        analysis is stored, else None; and the run's id when the run is stored, else None.
    """
    found = registry.find(files, dict(parameters), assay_sha, __version__)
    if found is None:
        return None, None
    run_id, analysis_id = found
    done = None if analysis_id is None else Registered(run_id, analysis_id, False, False)
    return done, run_id


def register_call(
    registry: Registry,
    called: CalledRun,
    export: Path,
    user: str,
    files: list[tuple[str, bytes]] | None = None,
) -> Registered:
    """Store a called run whose outputs are in ``called.files`` (one transaction).

    Parameters
    ----------
    registry
        The open registry.
    called
        The run as :func:`ikzf1assay.workflows.call_export` returned it, with its files.
    export
        The export as given.
    user
        Who imports it.
    files
        The run's files as (name, bytes) if already read; None: read from ``export``.

    Returns
    -------
    Registered
        Where it went.
    """
    if not called.files:
        raise ParameterError("the run has no outputs to store: call it with an output folder")
    outdir = called.files[0].parent
    record = run_record(called.plate.info, export, outdir, files)
    return _registered(registry.import_run(record, user))


def register_batch(
    url: str, user: str, batch: BatchResult, outdir: Path
) -> list[tuple[Path, Registered]]:
    """Store every run a batch called (``call A B ... -o OUTDIR --db URL``), each in its own
    transaction, from its folder of the batch's outputs; a run already stored with the same
    parameters is left as it is.

    Parameters
    ----------
    url, user
        The registry and who imports.
    batch
        What :func:`ikzf1assay.workflows.call_batch` returned.
    outdir
        The batch's output folder.

    Returns
    -------
    list of (pathlib.Path, Registered)
        Each export and where it went.
    """
    from ikzf1assay.qpcr import read_run

    done = []
    with open_database(url) as registry:
        for export, folder in batch.folders.items():
            record = run_record(read_run(export).info, export, outdir / folder)
            done.append((export, _registered(registry.import_run(record, user))))
    return done


def call_and_register(
    export: Path,
    assay: Assay,
    outdir: Path,
    url: str,
    user: str,
    layout: Layout | None = None,
    settings: CallSettings | None = None,
    input_format: str = "auto",
    inputs: Iterable[Path] = (),
    predicted_tm: pd.DataFrame | None = None,
) -> tuple[CalledRun, Registered]:
    """``ikzf1assay call EXPORT -o OUTDIR --db URL``: call, write the outputs, store the run.

    When the registry already holds this export analysed with the same parameters, assay
    file and package version, nothing is written (OUTDIR stays as it is) and nothing is
    stored: the returned :class:`Registered` says where it is. Otherwise the outputs are
    written (complete or absent, as :func:`ikzf1assay.workflows.call_export`) and then the
    run, its analysis, wells and calls are stored in one transaction.

    Parameters
    ----------
    export, assay, outdir, layout, settings, input_format, inputs, predicted_tm
        As :func:`ikzf1assay.workflows.call_export`.
    url
        The registry (:func:`database_url`).
    user
        Who imports it (:func:`user_name`).

    Returns
    -------
    tuple of CalledRun and Registered
        The called run (``files`` empty when nothing was written) and its place in the
        registry.
    """
    from ikzf1assay.report.calls import run_provenance
    from ikzf1assay.report.run import write_run_files
    from ikzf1assay.workflows.run import CalledRun, call_export, cannot_write

    called = call_export(export, assay, None, layout, settings, input_format, inputs, predicted_tm)
    prov = run_provenance(called.calls, called.plate, assay, settings)
    parameters = {**prov["parameters"], "input_format": prov["input_format"]}
    run_bytes = _read_bytes(run_files(export, called.plate.info.format))  # read once
    with open_database(url) as registry:
        found, run_id = already_registered(registry, run_bytes, parameters, assay.sha256)
        if found is not None:
            return called, found
        trend = control_trend(registry, called, run_id)
        try:
            with atomic_output(outdir, [export, *inputs]) as stage:
                files = write_run_files(
                    called.calls, called.plate, assay, stage, settings, predicted_tm, trend
                )
        except OSError as exc:
            raise cannot_write(exc, outdir) from None
        written = CalledRun(
            called.plate, called.calls, assay, settings, [outdir / p.name for p in files]
        )
        return written, register_call(registry, written, export, user, run_bytes)


def control_trend(registry: Registry, called: CalledRun, run_id: int | None) -> list[str]:
    """This run's positive controls against the registry's limits and Westgard rules, one
    line per reaction, for the run report's control section (before the run is stored).

    Parameters
    ----------
    registry
        The open registry (its runs so far give the limits and the previous runs).
    called
        The called run.
    run_id
        The run's id when it is stored already (a re-analysis replaces that run's own Ct),
        else None.

    Returns
    -------
    list of str
        E.g. ``Δ4-7: Ct 27.02 (z +0.4): no rule broken``, or why there are no limits.
    """
    from ikzf1assay.registry.qc import qc_table

    series = registry.control_series()
    this = -1 if run_id is None else run_id
    series = series[series["run_id"] != this]
    wells = called.calls.wells
    pos = wells[wells["role"] == "positive_control"].copy()
    if pos.empty:
        return ["no positive-control wells in this run: nothing to compare"]
    pos["ct"] = pd.to_numeric(pos["ct"], errors="coerce")
    now = pd.Timestamp.now(tz="UTC").isoformat()
    rows = [
        {"run_id": this, "run_date": called.plate.info.run_date, "imported_at": now,
         "status": "draft", "reaction": str(reaction), "ct": float(g["ct"].mean()),
         "n_wells": len(g), "n_amplified": int(g["ct"].notna().sum())}
        for reaction, g in pos.groupby("reaction", sort=True)
    ]  # fmt: skip
    new = pd.DataFrame(rows)
    parts = [p for p in (series, new[[c for c in new.columns if c in series.columns]]) if len(p)]
    combined = pd.concat(parts)
    result = qc_table(
        combined.reset_index(drop=True), fixed=_fixed_limits(registry.get_setting("qc_limits"))
    )
    limits = result.limits.set_index("reaction")
    lines = []
    for rec in result.runs[result.runs["run_id"] == this].to_dict("records"):
        reaction = rec["reaction"]
        mean = limits["mean"].get(reaction, float("nan"))
        if pd.isna(rec["ct"]):
            lines.append(f"{reaction}: the positive control has no Ct: rejection")
        elif pd.isna(mean):
            source = limits["source"].get(reaction, "no limits")
            lines.append(f"{reaction}: Ct {rec['ct']:.2f}; {source}: no rule applied")
        else:
            said = rec["violations"] or "no rule broken"
            lines.append(f"{reaction}: Ct {rec['ct']:.2f} (z {rec['z']:+.1f}): {said}")
    return lines


def registry_calls_file(registry: Registry, folder: Path, include_draft: bool = False) -> Path:
    """The registry's calls as a calls table ``folder/registry_calls.tsv`` for the cohort.

    Parameters
    ----------
    registry
        The open registry.
    folder
        Where to write it (a temporary folder of the caller's).
    include_draft
        Also the calls of runs not released yet.

    Returns
    -------
    pathlib.Path
        The table (sample, call, status, reason, run_date, run_id, ...): the reviewed call
        where a reviewer changed it, released runs only unless ``include_draft``.
    """
    calls = registry.export_calls(include_draft=include_draft)
    if calls.empty:
        which = "runs" if include_draft else "released runs (see --include-draft)"
        raise ParameterError(f"the registry {registry.url_display} holds no calls of {which}")
    path = folder / "registry_calls.tsv"
    write_tsv(calls, path)
    return path


def registry_qc(
    registry: Registry, outdir: Path | None, baseline_runs: int = 20
) -> tuple[Any, list[Path]]:
    """Levey-Jennings and Westgard rules of every reaction's positive control across runs.

    Flags the runs that break a rejection rule in the registry (shown by ``registry list``)
    and, with ``outdir``, writes the charts and qc.html there.

    Parameters
    ----------
    registry
        The open registry.
    outdir
        Folder for the charts and qc.html; None: compute and flag only.
    baseline_runs
        Released runs the limits are computed from (the lab's fixed limits, set with
        ``registry settings``, win).

    Returns
    -------
    tuple
        The :class:`ikzf1assay.registry.qc.QCResult` and the files written.
    """
    from ikzf1assay.registry.qc import qc_table, reference_trend

    fixed = _fixed_limits(registry.get_setting("qc_limits"))
    result = qc_table(registry.control_series(), n_runs=baseline_runs, fixed=fixed)
    flags = {int(r): "" for r in registry.runs()["run_id"]}
    flags.update(result.flags)
    registry.set_qc_flags(flags)
    reference = reference_trend(registry.reference_series())
    if outdir is None:
        return result, []
    from ikzf1assay.report.qc import write_qc_report

    return result, write_qc_report(result, reference, outdir)


def _fixed_limits(text: str | None) -> dict[str, tuple[float, float]] | None:
    """The lab's limits ``{"reaction": [mean, sd], ...}`` (JSON) from the settings."""
    if not text:
        return None
    try:
        raw = json.loads(text)
        return {str(k): (float(v[0]), float(v[1])) for k, v in raw.items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        raise ParameterError(
            'registry setting qc_limits: expected JSON {"REACTION": [mean, sd], ...}'
        ) from None
