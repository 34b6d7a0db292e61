"""The demo: call the bundled SIMULATED run, then analyse it within a SIMULATED cohort.

Everything is run with the library's own defaults: the bundled assay, default call settings,
default cohort settings and endpoint definitions, seed 1 for the simulated cohort.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ikzf1assay._outdir import atomic_output
from ikzf1assay.workflows.cohort import CohortRun, analyse_cohort_files, write_simulated_cohort
from ikzf1assay.workflows.run import CalledRun, call_into, cannot_write

__all__ = ["DEMO_SEED", "Demo", "demo_export", "run_demo"]

DEMO_SEED = 1  # the seed the bundled run and its cohort were simulated with


@dataclass(frozen=True)
class Demo:
    """What the demo did.

    Attributes
    ----------
    export
        The bundled export that was called.
    run
        Its calls; ``run.files`` in ``outdir`` (or the removed temporary folder).
    truth
        The simulator's truth for the run, as TSV text.
    cohort
        The cohort analysis; its files in ``outdir/cohort``.
    outdir
        The output folder; None when the outputs went to a temporary folder, removed now.
    """

    export: Path
    run: CalledRun
    truth: str
    cohort: CohortRun
    outdir: Path | None


def demo_export() -> tuple[Path, Path]:
    """The bundled SIMULATED ABI 7500 export and its truth table (TSV).

    Returns
    -------
    tuple of Path
        ``(export, truth)``.
    """
    data = resources.files("ikzf1assay") / "data"
    return Path(str(data / "demo_run_abi7500.txt")), Path(str(data / "demo_run_truth.tsv"))


def _call_demo(
    base: Path, folder: Path, on_run: Callable[[Path, CalledRun, str], None] | None
) -> tuple[Path, CalledRun, str]:
    """Call the bundled run into ``folder`` (its files named as in ``base``)."""
    from ikzf1assay.assay import load_assay
    from ikzf1assay.calling import CallSettings

    export, truth = demo_export()
    run = call_into(export, load_assay(None), folder, settings=CallSettings())
    run = CalledRun(
        run.plate, run.calls, run.assay, run.settings, [base / p.name for p in run.files]
    )
    text = truth.read_text(encoding="utf-8")
    if on_run is not None:
        on_run(export, run, text)
    return export, run, text


def _cohort_demo(base: Path) -> CohortRun:
    """Link ``base/calls.tsv`` to a SIMULATED cohort; outputs in ``base/cohort``."""
    sim = write_simulated_cohort(DEMO_SEED, base / "cohort_input")
    return analyse_cohort_files(sim.clinical, [base / "calls.tsv", sim.calls], base / "cohort")


def run_demo(
    outdir: Path | None = None, on_run: Callable[[Path, CalledRun, str], None] | None = None
) -> Demo:
    """Call the bundled SIMULATED run and analyse a SIMULATED cohort holding its samples.

    Parameters
    ----------
    outdir
        Folder for every output (the run's files, ``cohort_input/`` and ``cohort/``); it is
        replaced as a whole, an earlier demo's cohort with it. None: a temporary folder,
        removed before this returns.
    on_run
        Called with the export, its calls and the truth as soon as the run is called, before
        the longer cohort analysis (to show the calls meanwhile).

    Returns
    -------
    Demo
        The calls, the truth and the cohort analysis, with the paths written.

    Raises
    ------
    FileAccessError
        The outputs cannot be written.
    """
    if outdir is None:
        with tempfile.TemporaryDirectory() as tmp:
            export, run, truth = _call_demo(Path(tmp), Path(tmp), on_run)
            cohort = _cohort_demo(Path(tmp))
        return Demo(export, run, truth, cohort, None)
    try:
        # the cohort is written into the final folder, so that its provenance names final paths
        with atomic_output(outdir) as stage:
            export, run, truth = _call_demo(outdir, stage, on_run)
        cohort = _cohort_demo(outdir)
    except OSError as exc:
        raise cannot_write(exc, outdir) from None
    return Demo(export, run, truth, cohort, outdir)
