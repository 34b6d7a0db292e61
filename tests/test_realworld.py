"""Real runs in ../shared/validation/qpcr through benchmarks/validate_realworld.py (issue 12).

(a) safety: on every shared file that carries the instrument's per-well call, no well the
    instrument calls amplified with Cq <= 35 is our ``no``;
(b) every shared run file ends in a successful read or an ``IkzfAssayError``, never a traceback;
(c) the QuantStudio .xlsx QS1 run keeps its agreement: median |ΔCt| <= 0.05 at the instrument
    threshold, AMP <-> yes and NO_AMP <-> no for every well.

The harness is imported from its file; each shared file is evaluated once per session. The
tests on shared files skip when the folder is absent (it is not part of the repository).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "validation" / "qpcr"
HARNESS = REPO / "benchmarks" / "validate_realworld.py"
QS1 = "quantstudio_xlsx/appbio_quantstudio_designandanalysis_QS1_Standard_Curve_example01.xlsx"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real exports not found at {SHARED} (../shared absent)"
)


def _load_harness() -> ModuleType:
    name = "validate_realworld"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, HARNESS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
RUN_FILES: list[str] = (
    [p.relative_to(SHARED).as_posix() for p in harness.run_files(SHARED)] if SHARED.is_dir() else []
)
_RESULTS: dict[str, Any] = {}


def _result(name: str) -> Any:
    """The harness's FileResult of one shared file, computed once."""
    if name not in _RESULTS:
        _RESULTS[name] = harness.evaluate_file(SHARED / name, SHARED)
    return _RESULTS[name]


def _offenders(result: Any) -> str:
    return "\n".join(d.line() for d in result.disagreements if d.unsafe)


# --------------------------------------------------------------------------- shared files


@needs_shared
@pytest.mark.parametrize("name", RUN_FILES)
def test_no_instrument_amplified_well_is_no(name: str) -> None:
    """(a) An instrument-amplified well with Cq <= 35 is never our `no`."""
    result = _result(name)
    if result.outcome in ("not read", "no amplification data", "read with its run"):
        pytest.skip(f"{result.outcome}: {result.message}")
    assert result.outcome == "read", (
        f"{name}: the safety property cannot be checked, the file ended in a traceback "
        f"({result.stage}): {result.message} at {result.where}"
    )
    if not result.has_instrument_call:
        pytest.skip(f"{name} carries no per-well instrument call (Amp Status or Cq)")
    assert result.unsafe == 0, (
        f"{name}: {result.unsafe} wells the instrument calls amplified (Cq <= 35) are 'no':\n"
        + _offenders(result)
    )


@needs_shared
@pytest.mark.parametrize("name", RUN_FILES)
def test_no_traceback(name: str) -> None:
    """(b) A shared run file is read, or refused with an IkzfAssayError; never a traceback."""
    result = _result(name)
    assert result.outcome in ("read", "not read", "no amplification data", "read with its run"), (
        f"{name}: {result.stage} ended in a traceback: {result.message} at {result.where}\n"
        + result.traceback_text
    )


@needs_shared
def test_quantstudio_xlsx_agrees_with_the_instrument() -> None:
    """(c) QS1 .xlsx: |ΔCt| median <= 0.05 at the instrument threshold; AMP = yes, NO_AMP = no."""
    result = _result(QS1)
    assert result.outcome == "read", result.message
    assert result.threshold_mode == "instrument"
    assert result.status_sources == {"Amp Status": result.reactions}
    assert result.disagreements == (), "\n".join(d.line() for d in result.disagreements)
    assert result.count("amp", "yes") == 92
    assert result.count("not_amp", "no") == 4
    assert result.n_delta_ct == 92
    assert result.median_abs_delta_ct is not None
    assert result.median_abs_delta_ct <= 0.05


# --------------------------------------------------------------------------- the harness itself


def test_harness_skips_only_documentation() -> None:
    assert not harness.is_run_file(Path("x/README.md"))
    assert not harness.is_run_file(Path("x/LICENSE"))
    assert not harness.is_run_file(Path("x/LICENSE.txt"))
    assert not harness.is_run_file(Path("x/qpcR_datasets.rd"))
    assert not harness.is_run_file(Path("x/data_vermeulen_methods_cq.tsv"))
    for run in ("a.rdml", "a.eds", "a.rex", "a.csv", "a.txt", "a.xls", "a.xlsx", "b.tsv"):
        assert harness.is_run_file(Path("x") / run), run


def test_our_calls_from_either_column() -> None:
    old = pd.DataFrame({"amplified": [True, False]})
    assert harness.our_calls(old)[0] == ["yes", "no"]
    new = pd.DataFrame(
        {
            "amplified": [True, False, False],
            "amplification": ["yes", "Review", "no"],
            "amplification_reason": ["", "efficiency 1.2", None],
        }
    )
    values, reasons, column = harness.our_calls(new)
    assert (values, reasons, column) == (
        ["yes", "review", "no"],
        ["", "efficiency 1.2", ""],
        "amplification",
    )


def test_summary_line_and_exit_code() -> None:
    unsafe = harness.Disagreement(
        run="1", well="A1", sample="s", target="t", instrument="amp", instrument_status="AMP",
        instrument_ct=30.0, ours="no", our_ct=None, crossing=30.1, flags="NOISY", reason="",
        unsafe=True,
    )  # fmt: skip
    good = harness.FileResult(
        name="a", outcome="read", counts={"amp": {"yes": 9, "review": 1, "no": 0}}
    )
    bad = harness.FileResult(
        name="b", outcome="read", counts={"amp": {"yes": 0, "review": 0, "no": 1}},
        disagreements=(unsafe,),
    )  # fmt: skip
    crash = harness.FileResult(name="c", outcome="traceback", message="ValueError: x")
    refused = harness.FileResult(name="d", outcome="not read", message="not a qPCR export")
    melt = harness.FileResult(name="e", outcome="no amplification data", message="melt only")
    assert harness.summarise([good, refused]).exit_code == 0
    assert harness.summarise([good, crash]).exit_code == 1
    assert harness.summarise([good, melt]).exit_code == 0
    summary = harness.summarise([good, bad, crash, refused, melt])
    assert summary.exit_code == 1
    line = summary.line()
    assert line.startswith(
        "SUMMARY: files read 2 (+1 without amplification data), not read 1, tracebacks 1;"
    )
    assert "instrument-amp 11: yes 9 / review 1 / no 1 (review 9.1%)" in line
    assert "UNSAFE 1 " in line


def _assay_for(targets: list[str], folder: Path) -> Path:
    """The bundled assay file with the export's target names spread over its five reactions as
    aliases (reference first), so a real run can be called end to end."""
    text = (REPO / "src" / "ikzf1assay" / "data" / "ikzf1_breakpoint.toml").read_text("utf-8")
    lines = text.splitlines(keepends=True)
    alias_lines = [i for i, line in enumerate(lines) if line.startswith("aliases = [")]
    assert len(alias_lines) == 5, "the bundled assay file changed: ALB + four reactions"
    for k, i in enumerate(alias_lines):
        extra = "".join(f', "{t}"' for t in targets[k::5])
        lines[i] = lines[i].rstrip().removesuffix("]") + extra + "]\n"
    path = folder / "assay.toml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _layout_for(wells: pd.DataFrame, folder: Path) -> Path:
    """A layout giving every well without a target one of the assay's reactions in turn."""
    import csv

    reactions = ["ALB", "Δ2-7", "Δ2-8", "Δ4-7", "Δ4-8"]
    untargeted = wells[wells["target"] == ""].drop_duplicates("well")
    path = folder / "layout.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["well", "sample", "reaction", "role"])
        for k, (well, sample) in enumerate(
            zip(untargeted["well"], untargeted["sample"], strict=True)
        ):
            writer.writerow([well, sample or f"S{k}", reactions[k % 5], "sample"])
    return path


@needs_shared
@pytest.mark.parametrize("name", RUN_FILES)
def test_call_writes_complete_outputs(name: str, tmp_path: Path) -> None:
    """Every readable shared run is called end to end (`ikzf1assay call -o`) with its targets
    mapped onto the assay's reactions: four complete output files, or a clear error."""
    from ikzf1assay.cli import main
    from ikzf1assay.qpcr import read_run

    result = _result(name)
    if result.outcome != "read":
        pytest.skip(f"{result.outcome}: {result.message}")
    plate = read_run(SHARED / name)
    targets = sorted({str(t) for t in plate.wells["target"]})
    layout: list[str] = []
    if "" in targets:  # curves without target names (wide tables): a layout names them
        targets.remove("")
        layout = ["--layout", str(_layout_for(plate.wells, tmp_path))]
    assay = _assay_for(targets, tmp_path)
    out = tmp_path / "out"
    argv = ["call", str(SHARED / name), "--assay", str(assay), "-o", str(out), *layout]
    code = main(argv)
    assert code == 0
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == ["calls.tsv", "provenance.json", "report.html", "wells.tsv"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Run validity per reaction" in html
    assert html.rstrip().endswith("</html>")
    plotted = '<figure class="curves"' in html
    assert ("No curve plots" in html) is not plotted  # no plots, and the report says why
    longest = plate.curves.groupby(["run", "well", "target"]).size().max()
    assert plotted is bool(longest >= 15), f"longest curve {longest} cycles"
