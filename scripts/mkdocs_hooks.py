"""MkDocs hook: put the notebooks into the site under "Notebooks".

The notebooks come from the folder named by ``$IKZF1ASSAY_NOTEBOOKS`` (``scripts/docs.sh`` sets
it to the executed copies, so the site shows their outputs and nothing runs twice), else from
``notebooks/`` as committed (no outputs); either folder is named ``notebooks``. A link in a
page to a notebook that is not there is turned into plain text, so the site builds with any
set of notebooks, none included. Notebook pages get their table of contents mended.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[([^\]]+)\]\(((?:\.\./)*notebooks/([\w.-]+\.ipynb))(#[^)]*)?\)")


def _folder() -> Path:
    folder = Path(os.environ.get("IKZF1ASSAY_NOTEBOOKS") or ROOT / "notebooks").resolve()
    if folder.name != "notebooks":
        raise PluginError(f"IKZF1ASSAY_NOTEBOOKS must name a folder called notebooks: {folder}")
    return folder


def _notebooks() -> list[Path]:
    return sorted(_folder().glob("*.ipynb"))


def _title(path: Path) -> str:
    """The notebook's first Markdown heading, else its file name."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    entries: list[Any] = [{"Overview": "notebooks.md"}]
    entries += [{_title(p): f"notebooks/{p.name}"} for p in _notebooks()]
    nav = config.nav or []
    for i, item in enumerate(nav):
        if isinstance(item, dict) and "Notebooks" in item:
            nav[i] = {"Notebooks": entries}
    return config


@event_priority(100)  # before mkdocs-jupyter, which turns .ipynb files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path in _notebooks():
        # a plain File (mkdocs-jupyter's wrapper loses a generated file's path): the folder's
        # parent is its src_dir, so the folder must be named notebooks/ (docs_build.py's is)
        files.append(
            File(
                f"notebooks/{path.name}",
                src_dir=str(path.parent.parent),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    present = {p.name for p in _notebooks()}

    def keep(match: re.Match[str]) -> str:
        if match.group(3) in present:
            return match.group(0)
        return f"{match.group(1)} (`notebooks/{match.group(3)}`, not in this build)"

    return LINK.sub(keep, markdown)


ID = re.compile(r'\sid="([^"]+)"')
HREF = re.compile(r'href="#([^"]+)"')


def _subsequence(short: list[str], long: list[str]) -> bool:
    words = iter(long)
    return all(word in words for word in short)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Mend a notebook page's table of contents: mkdocs-jupyter slugs a heading without its
    inline code (`invalid`), nbconvert's anchor keeps it; point each such entry to the one
    anchor whose words contain the entry's, in order."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    ids = set(ID.findall(output))

    def mend(match: re.Match[str]) -> str:
        slug = match.group(1)
        if slug in ids:
            return match.group(0)
        found = [i for i in ids if _subsequence(slug.split("-"), i.split("-"))]
        return f'href="#{found[0]}"' if len(found) == 1 else match.group(0)

    return HREF.sub(mend, output)
