"""Mutated exports: a reader either reads them or raises InputFormatError, never anything else.

Hypothesis truncates files, flips bytes and deletes lines of the SYNTHETIC fixtures of every
format and of the real exports in ../shared/validation/qpcr (when present), and checks that
:func:`read_run` returns a Plate or raises an :class:`~ikzf1assay.errors.IkzfAssayError` (an
``InputFormatError`` for content). A traceback from inside a reader fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import Plate, read_run

GOOD = Path(__file__).parent / "data" / "qpcr" / "good"
SHARED = Path(__file__).parent.parent.parent / "shared" / "validation" / "qpcr"

FILES = sorted(p for p in GOOD.iterdir() if p.is_file())
FILES.append(next((GOOD / "cfx").glob("*Cq Results.csv")))
if SHARED.is_dir():
    FILES += [
        SHARED / "quantstudio_text" / "appbio_quantstudio_example05.txt",
        SHARED / "quantstudio_text" / "appbio_quantstudio_minimal_test02.txt",
        SHARED / "abi_stepone" / "stepone_std.rdml",
    ]


@st.composite
def mutations(draw: st.DrawFn, raw: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "delete_line", "duplicate_line"]))
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data)
    lines = raw.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete_line":
        del lines[i]
    else:
        lines.insert(i, lines[i])
    return b"\n".join(lines)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_export_reads_or_raises_input_error(
    path: Path, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    raw = path.read_bytes()
    mutated = data.draw(mutations(raw))
    # keep the name (CFX finds its partner files by name): write next to copies of them
    folder = tmp_path_factory.mktemp("mut")
    for sibling in path.parent.iterdir():
        if sibling.is_file() and sibling != path and path.parent.name.startswith("cfx"):
            (folder / sibling.name).write_bytes(sibling.read_bytes())
    target = folder / path.name
    target.write_bytes(mutated)
    try:
        plate = read_run(target)
    except InputFormatError:
        return
    assert isinstance(plate, Plate)
