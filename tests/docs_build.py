"""Execute the notebooks once and build the documentation site from the executed copies.

Shared by ``scripts/docs.sh`` (``python tests/docs_build.py SITE_DIR``) and the tests
(``test_notebooks.py`` executes, ``test_docs_site.py`` builds from what was executed), so the
site CI builds is the one a user builds, and no notebook runs twice.

Each notebook runs top to bottom with nbclient in its own process (all at once, in parallel),
from the ``notebooks/`` folder as working directory (so relative paths read as in Jupyter),
and its executed copy is written to the output folder only when every cell ran.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
TIMEOUT = 600  # seconds per cell, and per notebook's process
ENV = {
    "JUPYTER_PLATFORM_DIRS": "1",  # jupyter_core's platformdirs migration warns without it
    "NO_MKDOCS_2_WARNING": "1",  # Material's banner about its successor
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # the kernel's debugger warns about frozen modules
}


def notebooks() -> list[Path]:
    """The committed notebooks, in name order."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@dataclass(frozen=True)
class Executed:
    """One notebook's execution: ``ok`` when every cell ran; ``log`` says why not."""

    source: Path
    copy: Path
    ok: bool
    log: str


def rendered_modules() -> set[str]:
    """The modules the API reference renders (``::: module`` lines of docs/reference/*.md):
    the documented public API is the ``__all__`` of these."""
    found: set[str] = set()
    for page in (REPO / "docs" / "reference").glob("*.md"):
        found.update(re.findall(r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), re.M))
    return found


def _env() -> dict[str, str]:
    return {**os.environ, **ENV}


def _execute_one(source: Path, copy: Path) -> None:
    """Run in a child process: execute ``source`` and write it to ``copy`` (exit 1 on error)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(source, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        sys.exit(f"{source.name}: a cell failed:\n{exc}")
    nbformat.write(nb, copy)  # type: ignore[no-untyped-call]


def execute_all(out: Path, sources: list[Path] | None = None) -> list[Executed]:
    """Execute every notebook (in parallel, one process each) into ``out``.

    ``out`` is named ``notebooks`` when the site is to be built from it (see ``build_site``).
    """
    out.mkdir(parents=True, exist_ok=True)
    sources = notebooks() if sources is None else sources

    def run(source: Path) -> Executed:
        copy = out / source.name
        cmd = [sys.executable, __file__, "--execute-one", str(source), str(copy)]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=TIMEOUT * 2, env=_env(), check=False
            )
        except subprocess.TimeoutExpired:
            return Executed(source, copy, False, f"{source.name}: over {TIMEOUT * 2} s")
        ok = done.returncode == 0 and copy.is_file()
        return Executed(source, copy, ok, (done.stdout + done.stderr)[-8000:])

    with ThreadPoolExecutor(max_workers=max(1, min(4, len(sources)))) as pool:
        return list(pool.map(run, sources))


def docs_tools_missing() -> str | None:
    """Why the notebooks cannot run or the site cannot be built here, or None."""
    for name in ("nbclient", "nbformat", "ipykernel", "mkdocs", "mkdocs_jupyter", "mkdocstrings"):
        if importlib.util.find_spec(name) is None:
            return f"{name} is not installed (bash scripts/setup.sh --test installs the docs tools)"
    return None


def build_site(executed: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` into ``site``, the notebooks rendered from ``executed``.

    ``executed`` is a folder named ``notebooks`` (scripts/mkdocs_hooks.py reads it).
    """
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
    cmd += ["-f", str(REPO / "mkdocs.yml"), "-d", str(site.resolve())]
    env = {**_env(), "IKZF1ASSAY_NOTEBOOKS": str(executed.resolve())}
    return subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env, check=False
    )


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--execute-one":
        _execute_one(Path(argv[1]), Path(argv[2]))
        return 0
    if len(argv) > 1:
        print("usage: python tests/docs_build.py [SITE_DIR]", file=sys.stderr)
        return 2
    site = Path(argv[0] if argv else REPO / "site")
    why = docs_tools_missing()
    if why:
        print(f"docs: {why}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ikzf1assay-notebooks-") as tmp:
        sources = notebooks()
        print(f"docs: executing {len(sources)} notebook(s) into {tmp}", file=sys.stderr)
        executed = Path(tmp) / "notebooks"  # the name the site's hook expects
        failed = [e for e in execute_all(executed, sources) if not e.ok]
        for e in failed:
            print(f"docs: {e.source.name} failed:\n{e.log}", file=sys.stderr)
        if failed:
            return 1
        done = build_site(executed, site)
        sys.stderr.write(done.stdout + done.stderr)
        if done.returncode != 0:
            print("docs: mkdocs build --strict failed", file=sys.stderr)
            return 1
    print(f"docs: built {site}/index.html", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
