"""Golden outputs: the CLI on the bundled run must write exactly what it wrote before.

The expected files in ``tests/data/expected/`` are the outputs of the bundled SIMULATED run
``src/ikzf1assay/data/demo_run_abi7500.txt``:

- ``calls.tsv`` and ``wells.tsv``: ``ikzf1assay call RUN -o DIR``
- ``call.json``: ``ikzf1assay call RUN --format json``
- ``primers_check.json``: ``ikzf1assay primers check --format json``
- ``curves.tsv``: ``ikzf1assay curves RUN --format tsv``

Each is normalised before the comparison (:func:`normalise`): volatile fields (time stamps,
package and dependency versions, absolute paths) become ``<masked>``, and every float is
rounded to 6 significant digits (``'%.6g'``), because BLAS libraries and CPUs differ in the
last digits. The comparison is then byte for byte; a mismatch shows a unified diff.

A mismatch is a change of behaviour. If it is intended, regenerate the files from the repository
root with::

    .venv/bin/python scripts/regen_golden.py

(``--output DIR`` writes elsewhere; the script uses whichever ``ikzf1assay`` is first on
``sys.path``, so ``PYTHONPATH=/some/checkout/src`` makes the files of another checkout) and
review the diff of ``tests/data/expected/`` like any other change.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

EXPECTED = Path(__file__).parent / "data" / "expected"
MASK = "<masked>"
#: keys whose values depend on the machine or the moment, wherever they are in a JSON document
VOLATILE_KEYS = frozenset({"created", "python", "ikzf1assay", "primer3-py", "tools"})
#: a cell that is a number written with a decimal point or an exponent (a float)
FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
#: a cell that is any number (the column test: a column is numeric if every filled cell is one)
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf)", re.IGNORECASE)
#: the golden files and how each is normalised
KINDS: dict[str, str] = {
    "calls.tsv": "tsv",
    "wells.tsv": "tsv",
    "call.json": "json",
    "primers_check.json": "json",
    "curves.tsv": "tsv",
}


def bundled_run() -> Path:
    """The bundled SIMULATED ABI 7500 export of the imported ``ikzf1assay``."""
    return Path(str(resources.files("ikzf1assay") / "data" / "demo_run_abi7500.txt"))


def roots(*extra: Path) -> list[str]:
    """Absolute folders to mask inside strings, longest first (the checkout, the package)."""
    import ikzf1assay

    package = Path(ikzf1assay.__file__).resolve().parent
    found = {str(package.parents[1]), str(package), *(str(p) for p in extra)}
    found |= {str(Path(p).resolve()) for p in list(found)}
    return sorted(found, key=len, reverse=True)


def _float6(value: float) -> float:
    rounded = float(f"{value:.6g}")
    return 0.0 if rounded == 0 else rounded  # -0.0 and 0.0 are the same number


def _mask_text(text: str, folders: list[str]) -> str:
    for folder in folders:
        text = text.replace(folder, MASK)
    return MASK if text.startswith("/") else text  # any other absolute path


def normalise_json(text: str, folders: list[str]) -> str:
    """Mask volatile keys and absolute paths, round floats to 6 significant digits."""

    def walk(value: Any, key: str | None = None) -> Any:
        if key in VOLATILE_KEYS:
            return MASK
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, float) and math.isfinite(value):
            return _float6(value)
        if isinstance(value, str):
            return _mask_text(value, folders)
        return value  # int, bool, None, nan, inf

    return json.dumps(walk(json.loads(text)), indent=2, ensure_ascii=False) + "\n"


def normalise_tsv(text: str, folders: list[str]) -> str:
    """Round the float cells of numeric columns, mask absolute paths; the header as it is.

    A column is numeric when every filled cell is a number; in it, only cells written with a
    decimal point or an exponent are rounded, so integers, wells and IDs stay as they are and
    a text column holding number-like strings (a sample "-12" among "SIM-01") is not touched.
    """
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    numeric = [
        all(NUMBER.fullmatch(r[i]) for r in rows[1:] if i < len(r) and r[i] != "")
        for i in range(width)
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        cells = []
        for i, cell in enumerate(row):
            if numeric[i] and FLOAT.fullmatch(cell):
                cells.append(f"{_float6(float(cell)):.6g}")
            else:
                cells.append(_mask_text(cell, folders))
        writer.writerow(cells)
    return out.getvalue()


def normalise(name: str, text: str, folders: list[str]) -> str:
    """The stable form of the golden file ``name`` (see the module docstring)."""
    kind = KINDS[name]
    return normalise_json(text, folders) if kind == "json" else normalise_tsv(text, folders)


def golden_outputs(workdir: Path) -> dict[str, str]:
    """Run the CLI in-process on the bundled run; the normalised text of each golden file."""
    from ikzf1assay.cli import main

    run = bundled_run()
    raw: dict[str, str] = {}

    def cli(*argv: str) -> str:
        out = io.StringIO()
        code = main(list(argv), out=out)
        assert code == 0, f"ikzf1assay {' '.join(argv)} exited {code}"
        return out.getvalue()

    folder = workdir / "call"
    cli("call", str(run), "-o", str(folder))
    raw["calls.tsv"] = (folder / "calls.tsv").read_text(encoding="utf-8")
    raw["wells.tsv"] = (folder / "wells.tsv").read_text(encoding="utf-8")
    raw["call.json"] = cli("call", str(run), "--format", "json")
    raw["primers_check.json"] = cli("primers", "check", "--format", "json")
    raw["curves.tsv"] = cli("curves", str(run), "--format", "tsv")
    folders = roots(workdir, run.parent)
    return {name: normalise(name, raw[name], folders) for name in KINDS}


def first_difference(expected: str, actual: str, name: str, context: int = 3) -> str:
    """A unified diff of the first differing lines (at most 40 lines of it)."""
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"tests/data/expected/{name}",
        tofile=f"{name} (now)",
        n=context,
    )
    lines = [line if line.endswith("\n") else line + "\n" for line in itertools.islice(diff, 40)]
    return "".join(lines)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return golden_outputs(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", list(KINDS))
def test_output_equals_its_golden_file(name: str, outputs: dict[str, str]) -> None:
    path = EXPECTED / name
    assert path.is_file(), f"{path} missing: run scripts/regen_golden.py"
    expected = path.read_bytes()
    actual = outputs[name].encode("utf-8")
    if actual != expected:
        diff = first_difference(expected.decode("utf-8"), outputs[name], name)
        pytest.fail(
            f"{name} differs from its golden file (regenerate with scripts/regen_golden.py "
            f"only if the change is intended):\n{diff}",
            pytrace=False,
        )


def test_every_golden_file_is_checked() -> None:
    present = {p.name for p in EXPECTED.iterdir() if p.name != "README.md"}
    assert present == set(KINDS), f"unexpected or missing files: {present ^ set(KINDS)}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\tb\n-12\t3.0000\nSIM-01\t-0.0000\n", "a\tb\n-12\t3\nSIM-01\t0\n"),
        ("well\tct\nA1\t27.123456789\nA2\t\n", "well\tct\nA1\t27.1235\nA2\t\n"),
        ("n\tx\n1\t1e-07\n2\t12345678.5\n", "n\tx\n1\t1e-07\n2\t1.23457e+07\n"),
        ("s\tx\n1.50\t2.5\nSIM\t2\n", "s\tx\n1.50\t2.5\nSIM\t2\n"),
        ('t\n"a\tb"\n', 't\n"a\tb"\n'),
    ],
)
def test_tsv_normalisation(text: str, expected: str) -> None:
    assert normalise_tsv(text, ["/root/x"]) == expected


def test_json_normalisation() -> None:
    doc = {
        "provenance": {"created": "2026-01-01T00:00:00+00:00", "python": "3.11.7"},
        "assay_file": "/root/x/primers/a.toml",
        "warnings": ["/root/x/primers/a.toml: line 3"],
        "other": "/elsewhere/file",
        "values": [1, 2.0, 0.1234567891, -0.0, True, None, "1.23456789"],
    }
    got = json.loads(normalise_json(json.dumps(doc), ["/root/x"]))
    assert got == {
        "provenance": {"created": MASK, "python": MASK},
        "assay_file": f"{MASK}/primers/a.toml",
        "warnings": [f"{MASK}/primers/a.toml: line 3"],
        "other": MASK,
        "values": [1, 2.0, 0.123457, 0.0, True, None, "1.23456789"],
    }
