"""The documentation site (issue 18): builds with no warning and works opened from disk.

The site is built once with ``mkdocs build --strict`` from the notebooks the session executed
(the ``executed_notebooks`` fixture), then every page is loaded by headless Chromium from
file:// and every internal link (href and src, anchors included) is resolved against the files.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from docs_build import Executed, build_site, notebooks

DOCS = Path(__file__).resolve().parents[1] / "docs"


class _Page(HTMLParser):
    """The links (href, src) and the anchor targets (id, name) of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in ("href", "src") and tag in ("a", "link", "script", "img", "iframe"):
                self.links.append(value)
            elif key == "id" or (key == "name" and tag == "a"):
                self.ids.add(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(executed_notebooks: dict[str, Executed], tmp_path_factory: pytest.TempPathFactory) -> Path:
    ran = [e for e in executed_notebooks.values() if e.ok]
    executed = ran[0].copy.parent if ran else tmp_path_factory.mktemp("none") / "notebooks"
    executed.mkdir(parents=True, exist_ok=True)
    out = tmp_path_factory.mktemp("site")
    done = build_site(executed, out)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_site_has_every_section(site: Path) -> None:
    expected = [
        "index",
        "getting-started",
        "guides/lab-staff",
        "guides/bioinformaticians",
        "guides/clinical-researchers",
        *(f"formats/{page.stem}" for page in (DOCS / "formats").glob("*.md")),
        "calling",
        "curves",
        "statistics",
        "registry",
        "assay-file",
        *(f"reference/{page.stem}" for page in (DOCS / "reference").glob("*.md")),
    ]
    missing = [name for name in expected if not (site / f"{name}.html").is_file()]
    assert not missing, f"pages not built: {missing}"
    # the API reference is generated from the docstrings, not empty
    cohort = (site / "reference" / "cohort.html").read_text(encoding="utf-8")
    assert "kaplan_meier" in cohort
    assert "doc-heading" in cohort
    # Sphinx roles of the docstrings are shown as code, not printed literally
    assert ":func:" not in cohort
    assert ":class:" not in cohort
    # offline search: the index is inlined as a script, no web worker fetching JSON
    assert (site / "search" / "search_index.js").is_file()


def test_every_notebook_is_a_page(site: Path, executed_notebooks: dict[str, Executed]) -> None:
    if not notebooks():
        pytest.skip("notebooks/ holds no *.ipynb: the site is built without notebooks")
    for name, run in executed_notebooks.items():
        page = site / "notebooks" / name.replace(".ipynb", ".html")
        if run.ok:
            assert page.is_file(), f"{name} executed but is not in the site"
    nav = (site / "index.html").read_text(encoding="utf-8")
    for name in executed_notebooks:
        if executed_notebooks[name].ok:
            assert f"notebooks/{name.replace('.ipynb', '.html')}" in nav


def test_no_internal_link_is_broken(site: Path) -> None:
    broken: list[str] = []
    ids: dict[Path, set[str]] = {}
    pages = {path: _parse(path) for path in _pages(site)}
    assert len(pages) >= 20
    for path, page in pages.items():
        if path == site / "404.html":
            continue  # served by a web server for a missing URL, so its links are absolute
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("//"):
                continue  # external (https:, mailto:, data:, javascript:)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site)}: {link}"
            if not target.is_file():
                broken.append(f"{where} (no file {target})")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{where} (no anchor #{parts.fragment})")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def _chromium_dom(url: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium not found: install Debian's chromium package (scripts/test.sh does)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--allow-file-access-from-files"]  # fmt: skip
    return subprocess.run(
        [exe, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False
    )


def test_every_page_loads_in_chromium_from_disk(site: Path) -> None:
    pages = _pages(site)
    with ThreadPoolExecutor(max_workers=4) as pool:
        doms = list(pool.map(lambda p: _chromium_dom(p.as_uri()), pages))
    failed = []
    for path, dom in zip(pages, doms, strict=True):
        name = path.relative_to(site)
        if dom.returncode != 0:
            failed.append(f"{name}: chromium exit {dom.returncode}: {dom.stderr[-500:]}")
        elif 'class="md-content"' not in dom.stdout or "md-nav" not in dom.stdout:
            failed.append(f"{name}: no Material page content in the rendered DOM")
    assert not failed, "\n".join(failed)
    # the home page's navigation reaches every section, rendered in the browser
    home = doms[pages.index(site / "index.html")].stdout
    for href in ("getting-started.html", "statistics.html", "reference/cohort.html"):
        assert f'href="{href}"' in home, href
