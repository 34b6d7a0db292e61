"""Regenerate the golden CLI outputs in tests/data/expected/ (see tests/test_golden.py).

Usage, from the repository root::

    .venv/bin/python scripts/regen_golden.py [--output DIR]

The outputs come from whichever ``ikzf1assay`` is first on ``sys.path``: to make them from
another checkout (e.g. the last commit, while the working tree is being changed)::

    git worktree add /tmp/golden-base HEAD
    PYTHONPATH=/tmp/golden-base/src .venv/bin/python scripts/regen_golden.py
    git worktree remove /tmp/golden-base --force

Only the five golden files are written; README.md in the folder is left as it is.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=TESTS / "data" / "expected", help="folder to write into"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TESTS))
    import ikzf1assay
    from test_golden import golden_outputs

    print(f"ikzf1assay from {Path(ikzf1assay.__file__).parent}", file=sys.stderr)
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        outputs = golden_outputs(Path(tmp))
    for name, text in outputs.items():
        (args.output / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {args.output / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
