"""The rules of the house (/work/shared/ARCHITECTURE.md), checked by reading the source.

Static analysis with :mod:`ast` over ``src/ikzf1assay``: every ``import x.y`` and
``from x import y`` (relative ones resolved), at module level or inside a function.

- the domain packages (floor 1: calling, cohort, qpcr, primers, reference, assay, registry;
  each a module or a package) import neither ``report``, ``workflows``, ``cli`` nor matplotlib, not even
  inside a function;
- ``report`` imports neither ``workflows`` nor ``cli``;
- no import cycles among the package's modules, counting module-level imports (those under
  ``if TYPE_CHECKING:`` and inside functions are not run at import, so they do not count);
- ``import ikzf1assay``, ``import ikzf1assay.cli`` and ``build_parser()`` load no heavy library
  (checked in a fresh interpreter);
- the curve analysis (``ikzf1assay.qpcr.curves``) does not use ``scipy.signal``.

Each failure names the module, the line and the import.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "ikzf1assay"
ROOT = "ikzf1assay"
DOMAIN = ("calling", "cohort", "qpcr", "primers", "reference", "assay", "registry")
#: the modules of the command line: ``ikzf1assay.cli`` (module or package) and ``cli_*.py``
CLI = ("ikzf1assay.cli", "ikzf1assay.cli_")
HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "statsmodels", "rich")


@dataclass(frozen=True)
class Import:
    """One import statement of a module, its targets resolved to absolute module names."""

    module: str  # the importing module
    path: Path
    line: int
    text: str  # the source line
    targets: tuple[str, ...]  # every name it may load: ``from a import b`` -> (a, a.b)
    top_level: bool  # run when the module is imported (not in a function)
    type_checking: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        return f"{self.module} ({self.path.relative_to(SRC.parent)}:{self.line}: {self.text})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by its dotted name."""
    found = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    assert found, f"no modules under {PACKAGE}"
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """The imports of one module, wherever they are in it."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, top_level: bool, type_checking: bool) -> Iterator[Import]:
        targets: tuple[str, ...] = ()
        if isinstance(node, ast.Import):
            targets = tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            targets = (base, *(f"{base}.{a.name}" for a in node.names if a.name != "*"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            targets = (node.args[0].value,)
        if targets:
            line = getattr(node, "lineno", 0)
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            yield Import(module, path, line, text, targets, top_level, type_checking)
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body:
                yield from visit(child, top_level, True)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from visit(child, False, type_checking)
            else:
                yield from visit(child, top_level, type_checking)

    yield from visit(tree, True, False)


@pytest.fixture(scope="module")
def all_imports() -> list[Import]:
    return [imp for name, path in modules().items() for imp in imports_of(name, path)]


def _under(name: str, prefix: str) -> bool:
    """``name`` is the module ``prefix`` or inside it (``prefix`` ending in ``_``: a family)."""
    if prefix.endswith("_"):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


def _offences(
    imports: list[Import], importers: tuple[str, ...], forbidden: tuple[str, ...]
) -> list[str]:
    found = []
    for imp in imports:
        if not any(_under(imp.module, p) for p in importers):
            continue
        bad = sorted({f for t in imp.targets for f in forbidden if _under(t, f)})
        if bad:
            found.append(f"{imp.where()} imports {', '.join(bad)}")
    return found


def test_domain_packages_import_no_report_workflows_cli_or_matplotlib(
    all_imports: list[Import],
) -> None:
    forbidden = (f"{ROOT}.report", f"{ROOT}.workflows", *CLI, "matplotlib")
    bad = _offences(all_imports, tuple(f"{ROOT}.{d}" for d in DOMAIN), forbidden)
    assert not bad, "floor 1 imports from above (or matplotlib):\n" + "\n".join(bad)


def test_report_imports_neither_workflows_nor_cli(all_imports: list[Import]) -> None:
    bad = _offences(all_imports, (f"{ROOT}.report",), (f"{ROOT}.workflows", *CLI))
    assert not bad, "report imports from above:\n" + "\n".join(bad)


def test_curve_analysis_does_not_use_scipy_signal(all_imports: list[Import]) -> None:
    bad = _offences(all_imports, (f"{ROOT}.qpcr.curves",), ("scipy.signal",))
    assert not bad, "qpcr.curves uses scipy.signal:\n" + "\n".join(bad)


def import_graph(imports: list[Import], known: set[str]) -> dict[str, dict[str, Import]]:
    """Module -> the package modules it imports at import time, with the import doing it."""
    graph: dict[str, dict[str, Import]] = {name: {} for name in known}
    for imp in imports:
        if not imp.top_level or imp.type_checking:
            continue
        base, *names = imp.targets
        # `from a import b` loads the module a.b if there is one, else takes b from a
        hits = [t for t in names if t in known] or ([base] if base in known else [])
        for target in hits:
            if target != imp.module:
                graph[imp.module].setdefault(target, imp)
    return graph


def cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """One cycle (as a closed list of modules) per strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)

    found = []
    for component in components:
        members = set(component)
        start = component[0]
        # shortest path back to start inside the component (breadth first)
        parents: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in parents:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v]):
                    if w in members and w not in parents:
                        parents[w] = v
                        nxt.append(w)
            frontier = nxt
        path = [start]
        v = parents[start]
        while v != start:
            path.append(v)
            v = parents[v]
        path.append(start)
        found.append(path[::-1])
    return found


def test_no_import_cycles(all_imports: list[Import]) -> None:
    graph = import_graph(all_imports, set(modules()))
    found = cycles(graph)
    report = []
    for cycle in found:
        report.append(" -> ".join(cycle))
        report += [f"    {graph[a][b].where()}" for a, b in itertools.pairwise(cycle)]
    assert not found, f"{len(found)} import cycle(s):\n" + "\n".join(report)


def test_the_cycle_finder_finds_a_cycle() -> None:
    def imp(a: str, b: str) -> Import:
        return Import(a, PACKAGE / "x.py", 1, f"import {b}", (b,), True, False)

    imports = [imp("a", "b"), imp("b", "c"), imp("c", "a"), imp("c", "d")]
    graph = import_graph(imports, {"a", "b", "c", "d"})
    assert cycles(graph) == [["a", "b", "c", "a"]]
    lazy = [*imports[:2], Import("c", PACKAGE / "x.py", 1, "import a", ("a",), False, False)]
    assert cycles(import_graph(lazy, {"a", "b", "c"})) == []


PROBE = """
import json, sys, traceback
HEAVY = {heavy!r}
first = {{}}

class Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in HEAVY and top not in first:
            frames = [f for f in traceback.extract_stack()[:-1] if "ikzf1assay" in f.filename
                      and "importlib" not in f.filename]
            chain = [f"{{f.filename.rpartition('/src/')[2]}}:{{f.lineno}}: {{(f.line or '').strip()}}"
                     for f in frames]
            first[top] = chain or ["(not from ikzf1assay)"]
        return None

sys.meta_path.insert(0, Watch())
import ikzf1assay
import ikzf1assay.cli
ikzf1assay.cli.build_parser()
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in HEAVY)
print(json.dumps({{"loaded": sorted({{m.partition(".")[0] for m in loaded}}), "first": first}}))
"""


def test_start_up_loads_no_heavy_library() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    loaded: list[str] = probe["loaded"]
    where = "\n".join(
        f"{m}, first imported through:\n    " + "\n    ".join(probe["first"].get(m, ["?"]))
        for m in loaded
    )
    assert not loaded, (
        "`import ikzf1assay`, `import ikzf1assay.cli` and build_parser() load "
        f"{', '.join(loaded)}:\n{where}"
    )
