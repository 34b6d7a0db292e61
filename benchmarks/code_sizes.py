"""Module and function sizes of the package, for the house rules of ARCHITECTURE.md.

    python benchmarks/code_sizes.py [--limit 120] [--module-limit 300]

Prints the modules over ``--module-limit`` lines, every function or method over ``--limit``
lines (decorators and docstring included), and one summary line. Exits 0: a report, not a gate.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ikzf1assay"


def function_sizes(path: Path) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                out.append((prefix + child.name, (child.end_lineno or start) - start + 1))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=120)
    parser.add_argument("--module-limit", type=int, default=300)
    args = parser.parse_args()
    modules = sorted(PACKAGE.rglob("*.py"))
    big_modules = []
    big_functions = []
    largest = ("", 0)
    for path in modules:
        rel = path.relative_to(PACKAGE.parent).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > args.module_limit:
            big_modules.append((rel, lines))
        for name, size in function_sizes(path):
            if size > largest[1]:
                largest = (f"{rel}:{name}", size)
            if size > args.limit:
                big_functions.append((f"{rel}:{name}", size))
    print(f"modules over {args.module_limit} lines:")
    for rel, lines in sorted(big_modules, key=lambda x: -x[1]):
        print(f"  {lines:5d}  {rel}")
    print(f"functions over {args.limit} lines:")
    for name, size in sorted(big_functions, key=lambda x: -x[1]):
        print(f"  {size:5d}  {name}")
    print(
        f"SUMMARY: {len(modules)} modules, {len(big_modules)} over {args.module_limit} lines; "
        f"{len(big_functions)} functions over {args.limit} lines; largest {largest[0]} "
        f"({largest[1]} lines)"
    )


if __name__ == "__main__":
    main()
