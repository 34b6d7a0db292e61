"""docs/api.md: every ``python`` block runs, in order, as one session (issue 13).

The page is the public API's documentation; a block that no longer runs is a broken promise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_every_example_of_the_api_page_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 20
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for i, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"docs/api.md block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            pytest.fail(f"docs/api.md block {i} fails: {type(exc).__name__}: {exc}\n{code}")
    assert "SIM-01" in capsys.readouterr().out
