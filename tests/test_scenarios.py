"""Issue 12's scenario plates, called end to end through the CLI and checked against expected.tsv.

The plates are SYNTHETIC ABI 7500 v2 text exports written by
``tests/data/qpcr/scenarios/generate.py`` (see its docstring for the columns of expected.tsv);
the last test checks that the generator reproduces the committed files byte for byte.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ikzf1assay import cli
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import read_run

HERE = Path(__file__).parent / "data" / "qpcr" / "scenarios"
EXPECTED = list(
    csv.DictReader(io.StringIO((HERE / "expected.tsv").read_text(encoding="utf-8")), delimiter="\t")
)
CALLED_FILES = sorted({r["file"] for r in EXPECTED if r["level"] != "read"})


def _row_id(row: dict[str, str]) -> str:
    return f"{row['file'].removesuffix('.txt')}:{row['level']}:{row['sample'] or '-'}"


Called = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def called(tmp_path_factory: pytest.TempPathFactory) -> Called:
    """Call a scenario plate once (``ikzf1assay call PLATE -o DIR --format json``)."""
    cache: dict[str, dict[str, Any]] = {}

    def call(file: str) -> dict[str, Any]:
        if file not in cache:
            out = io.StringIO()
            outdir = tmp_path_factory.mktemp("called") / file.removesuffix(".txt")
            code = cli.main(["call", str(HERE / file), "-o", str(outdir), "--format", "json"], out)
            assert code == 0, f"{file}: exit code {code}"
            cache[file] = json.loads(out.getvalue())
            cache[file]["outdir"] = str(outdir)
        return cache[file]

    return call


def _flags(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else str(value or "")


def _parts(text: str) -> list[str]:
    return [p for p in text.split(";") if p]


@pytest.mark.parametrize("row", EXPECTED, ids=[_row_id(r) for r in EXPECTED])
def test_scenario(row: dict[str, str], called: Called) -> None:
    """One row of expected.tsv; its ``why`` says which demand of issue 12 it checks."""
    path = HERE / row["file"]
    if row["level"] == "read":
        with pytest.raises(InputFormatError) as info:
            read_run(path)
        for part in _parts(row["reason_contains"]):
            assert part in str(info.value), f"{row['why']}: {part!r} not in {info.value}"
        return
    doc = called(row["file"])
    calls = {c["sample"]: c for c in doc["calls"]}
    if row["level"] == "absent":
        assert row["sample"] not in calls, f"{row['why']}: {calls.get(row['sample'])}"
        return
    if row["level"] == "reaction":
        controls = {c["reaction"]: c for c in doc["controls"]}
        assert row["sample"] in controls, f"no controls row for {row['sample']}"
        valid = "valid" if controls[row["sample"]]["valid"] else "invalid"
        assert valid == row["expected_status"], f"{row['why']}: {controls[row['sample']]}"
        return
    assert row["level"] == "sample"
    assert row["sample"] in calls, f"{row['sample']} not called; samples: {sorted(calls)}"
    got = calls[row["sample"]]
    summary = f"{row['why']}: got {got['call']!r} ({got['status']}: {got['reason']!r})"
    assert got["call"] in row["acceptable"].split("|"), summary
    assert got["status"] in row["expected_status"].split("|"), summary
    for part in _parts(row["must_have_flag"]):
        assert part in _flags(got.get("flags")), f"{summary}; flags {got.get('flags')!r}"
    for part in _parts(row["reason_contains"]):
        assert part in str(got["reason"]), summary


@pytest.mark.parametrize("file", CALLED_FILES)
def test_outputs_written(file: str, called: Called) -> None:
    """No scenario ends in a traceback, and the run's files are written."""
    outdir = Path(called(file)["outdir"])
    assert (outdir / "calls.tsv").is_file()


def test_inconsistent_export_exit_code(tmp_path: Path) -> None:
    """An export whose sections disagree is bad input (exit 2) through the CLI too."""
    out = io.StringIO()
    code = cli.main(
        ["call", str(HERE / "setup_results_disagree.txt"), "-o", str(tmp_path / "o")], out
    )
    assert code == 2


def test_generator_reproduces_committed_files() -> None:
    """``.venv/bin/python tests/data/qpcr/scenarios/generate.py`` writes exactly these bytes."""
    spec = importlib.util.spec_from_file_location("scenario_generate", HERE / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    files: dict[str, str] = module.render()
    committed = {p.name for p in HERE.iterdir() if p.suffix in (".txt", ".tsv")}
    assert committed == set(files)
    for name, text in files.items():
        assert (HERE / name).read_bytes() == text.encode("utf-8"), name
