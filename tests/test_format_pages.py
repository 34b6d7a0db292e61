"""The examples of the export format pages (``docs/formats/*.md``) cannot go stale.

Conventions the pages follow, and this test reads:

- **Excerpt of a fixture.** An HTML comment naming the fixture, directly followed by a fenced
  ``text`` block::

      <!-- excerpt: tests/data/qpcr/good/tidy.csv -->
      ```text
      well,sample,target,...
      ```

  For a zip archive (RDML, ``.eds``) the comment names the member too:
  ``<!-- excerpt: tests/data/qpcr/eds/SYNTHETIC_eds_full.eds member apldbio/sds/analysis_result.txt -->``.
  The block must be a verbatim substring of the fixture (or member) as the readers decode it
  (:func:`ikzf1assay._text.decode_text`: BOM, UTF-16, legacy code pages; CRLF made LF).
- **Output of ``inspect``.** A fenced ``bash`` block holding the one command
  ``ikzf1assay inspect PATH`` (PATH a fixture under ``tests/``, relative to the repository
  root, shell-quoted when it holds spaces), followed by a fenced ``text`` block: what that command prints today, run
  in-process through :func:`ikzf1assay.cli.main` from the repository root.

Besides: every format of :data:`ikzf1assay.qpcr.FORMATS` is named in backticks on some format
page, every page in ``docs/formats/`` is in the nav of ``mkdocs.yml``, and every format page
carries at least one ``inspect`` example.
"""

from __future__ import annotations

import io
import re
import shlex
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ikzf1assay._text import decode_text
from ikzf1assay.cli import main
from ikzf1assay.qpcr import FORMATS

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "docs" / "formats"
PAGES = sorted(PAGES_DIR.glob("*.md"))

_EXCERPT = re.compile(
    r"^<!-- excerpt: (?P<path>.+?)(?: member (?P<member>.+?))? -->\n```text\n(?P<body>.*?)\n```$",
    re.M | re.S,
)
_INSPECT = re.compile(
    r"^```bash\n(?P<command>ikzf1assay inspect [^\n]+)\n```\n\s*```text\n(?P<body>.*?)\n```$",
    re.M | re.S,
)
# every example command runs on a fixture; a usage line (``inspect RUN_EXPORT``) is no example
_MARKERS = re.compile(r"<!-- excerpt:|^'?ikzf1assay inspect '?tests/", re.M)


@dataclass(frozen=True)
class Excerpt:
    page: str
    path: str
    member: str | None
    body: str


@dataclass(frozen=True)
class Inspect:
    page: str
    argv: list[str]
    body: str


def _excerpts(page: Path) -> list[Excerpt]:
    text = page.read_text(encoding="utf-8")
    return [Excerpt(page.name, m["path"], m["member"], m["body"]) for m in _EXCERPT.finditer(text)]


def _inspects(page: Path) -> list[Inspect]:
    text = page.read_text(encoding="utf-8")
    return [
        Inspect(page.name, shlex.split(m["command"])[1:], m["body"])
        for m in _INSPECT.finditer(text)
    ]


EXCERPTS = [e for page in PAGES for e in _excerpts(page)]
INSPECTS = [i for page in PAGES for i in _inspects(page)]


def _fixture_text(path: str, member: str | None) -> str:
    raw = (ROOT / path).read_bytes()
    if member is not None:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = archive.read(member)
    return decode_text(raw, path).replace("\r\n", "\n")


def test_pages_exist_and_hold_examples() -> None:
    assert PAGES, f"no pages in {PAGES_DIR}"
    assert EXCERPTS, "no excerpt found: has the marker convention changed?"
    assert INSPECTS, "no inspect example found: has the convention changed?"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_marker_is_parsed(page: Path) -> None:
    """A marker whose block does not follow the convention would be silently unchecked."""
    text = page.read_text(encoding="utf-8")
    markers = len(_MARKERS.findall(text))
    assert markers == len(_excerpts(page)) + len(_inspects(page)), (
        f"{page.name}: an excerpt comment or inspect command is not followed by its text block"
    )


@pytest.mark.parametrize(
    "excerpt", EXCERPTS, ids=lambda e: f"{e.page}:{Path(e.path).name}:{e.member or ''}"
)
def test_excerpt_is_verbatim_in_its_fixture(excerpt: Excerpt) -> None:
    assert excerpt.path.startswith("tests/data/qpcr/"), excerpt.path
    assert (ROOT / excerpt.path).is_file(), f"{excerpt.page}: no fixture {excerpt.path}"
    text = _fixture_text(excerpt.path, excerpt.member)
    assert excerpt.body.strip(), f"{excerpt.page}: empty excerpt of {excerpt.path}"
    assert excerpt.body in text, (
        f"{excerpt.page}: the excerpt of {excerpt.path} is not in the fixture (regenerated?)"
    )


@pytest.mark.parametrize("example", INSPECTS, ids=lambda i: f"{i.page}:{Path(i.argv[-1]).name}")
def test_inspect_output_is_current(
    example: Inspect, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert example.argv[0] == "inspect", example.argv
    out = io.StringIO()
    code = main(example.argv, out=out)
    assert code == 0, f"{example.page}: ikzf1assay {shlex.join(example.argv)} failed:\n" + (
        capsys.readouterr().err
    )
    assert out.getvalue().rstrip("\n") == example.body, (
        f"{example.page}: `ikzf1assay {shlex.join(example.argv)}` prints something else now"
    )


def test_every_format_has_a_page() -> None:
    named = {
        name
        for page in PAGES
        if page.name != "index.md"
        for name in re.findall(r"`([a-z0-9-]+)`", page.read_text(encoding="utf-8"))
    }
    missing = [name for name in FORMATS if name != "auto" and name not in named]
    assert not missing, f"formats without a page in docs/formats/: {missing}"


def test_every_format_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*-\s*(?:[^\n:]+:\s*)?(formats/[^\s/]+\.md)\s*$", nav, re.M))
    missing = [p.name for p in PAGES if f"formats/{p.name}" not in listed]
    assert not missing, f"pages of docs/formats/ not in mkdocs.yml's nav: {missing}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "index.md"], ids=lambda p: p.name)
def test_every_format_page_shows_inspect(page: Path) -> None:
    assert _inspects(page), f"{page.name}: no `ikzf1assay inspect` example"
