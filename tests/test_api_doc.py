"""The API reference (docs/reference/*.md): every ``python`` block runs, in the order of the
site's navigation, as one session (issue 13, issue 18).

The pages are the public API's documentation; a block that no longer runs is a broken promise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def reference_pages() -> list[Path]:
    """The API reference pages in the order mkdocs.yml's navigation lists them."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = re.findall(r"^\s*- [^:\n]+: (reference/[\w-]+\.md)\s*$", text, re.M)
    assert pages, "mkdocs.yml lists no reference/ page"
    return [DOCS / p for p in pages]


def test_every_reference_page_is_in_the_navigation() -> None:
    listed = {p.name for p in reference_pages()}
    on_disk = {p.name for p in (DOCS / "reference").glob("*.md")}
    assert listed == on_disk
    assert not (DOCS / "api.md").exists(), "the hand-kept API page came back"


def test_every_example_of_the_api_reference_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "api_doc"}
    count = 0
    for page in reference_pages():
        text = page.read_text(encoding="utf-8")
        for i, code in enumerate(re.findall(r"```python\n(.*?)```", text, re.S), 1):
            count += 1
            where = f"docs/reference/{page.name} block {i}"
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as exc:  # name the block that failed
                pytest.fail(f"{where} fails: {type(exc).__name__}: {exc}\n{code}")
    assert count >= 25
    assert "SIM-01" in capsys.readouterr().out
