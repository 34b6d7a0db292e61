"""The cohort jobs: ``ikzf1assay cohort`` (analysis and its outputs) and the SIMULATED cohort's
files (``ikzf1assay simulate cohort``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ikzf1assay.cohort.analysis import CohortAnalysis, CohortSettings, run_cohort
from ikzf1assay.cohort.endpoints import EndpointDefinitions
from ikzf1assay.errors import FileAccessError

__all__ = ["CohortRun", "SimulatedCohortFiles", "analyse_cohort_files", "write_simulated_cohort"]


@dataclass(frozen=True)
class CohortRun:
    """A cohort analysis and the files it wrote.

    Attributes
    ----------
    analysis
        Everything computed.
    files
        The outputs by name: each table's stem, ``provenance``, ``report`` (report.html)...
    """

    analysis: CohortAnalysis
    files: dict[str, Path]


def analyse_cohort_files(
    clinical: Path,
    calls: Sequence[Path],
    outdir: Path,
    settings: CohortSettings | None = None,
    definitions: EndpointDefinitions | None = None,
    strict: bool = False,
    date_order: str = "auto",
    time_unit: str = "days",
    reference: Mapping[str, str] | None = None,
) -> CohortRun:
    """Validate the clinical table, link the calls, analyse, and write every output to ``outdir``.

    Parameters
    ----------
    clinical
        The clinical table (CSV or XLSX).
    calls
        Calls tables (calls.tsv of ``ikzf1assay call``, or sample_id + call); a later table
        wins for a sample.
    outdir
        Folder for the TSVs, ``figures/``, provenance.json and report.html.
    settings, definitions, strict, date_order, time_unit, reference
        As for :func:`ikzf1assay.cohort.analysis.run_cohort` (None: the defaults).

    Returns
    -------
    CohortRun
        The analysis and the paths written.
    """
    # looked up at call time, so that tests can replace the writer
    from ikzf1assay.report.cohort import write_cohort_outputs

    analysis = run_cohort(
        clinical,
        list(calls),
        settings,
        definitions,
        strict=strict,
        date_order=date_order,
        time_unit=time_unit,
        reference=reference,
    )
    files = write_cohort_outputs(analysis, outdir, {"clinical": [clinical], "calls": list(calls)})
    return CohortRun(analysis, files)


@dataclass(frozen=True)
class SimulatedCohortFiles:
    """The files of a SIMULATED cohort: clinical table, calls of other runs, truth."""

    clinical: Path
    calls: Path
    truth: Path


def write_simulated_cohort(seed: int, folder: Path) -> SimulatedCohortFiles:
    """Write clinical_SIMULATED.csv, calls_other_runs_SIMULATED.tsv and truth_SIMULATED.tsv.

    Parameters
    ----------
    seed
        Of :func:`ikzf1assay.cohort.simulate.simulate_cohort`: the same seed, the same files.
    folder
        Created if needed; files of the same names are overwritten.

    Returns
    -------
    SimulatedCohortFiles
        The three paths.

    Raises
    ------
    FileAccessError
        A file cannot be written.
    """
    from ikzf1assay.cohort.simulate import SIMULATED_NOTE, simulate_cohort

    sim = simulate_cohort(seed)
    note = f"# {SIMULATED_NOTE}, seed {seed}\n"
    files = SimulatedCohortFiles(
        clinical=folder / "clinical_SIMULATED.csv",
        calls=folder / "calls_other_runs_SIMULATED.tsv",
        truth=folder / "truth_SIMULATED.tsv",
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files.clinical.write_text(
            note + sim.clinical.to_csv(index=False, lineterminator="\n"), "utf-8"
        )
        files.calls.write_text(
            note + sim.calls.to_csv(sep="\t", index=False, lineterminator="\n"), "utf-8"
        )
        sim.truth.to_csv(files.truth, sep="\t", index=False, lineterminator="\n")
    except OSError as exc:
        raise FileAccessError(f"cannot write the cohort: {exc.strerror}", source=folder) from None
    return files
