#!/usr/bin/env bash
# Set up (scripts/setup.sh --test), then lint, type-check and run the whole test suite.
# This is the command CI runs (.ci/run). Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check src tests benchmarks
ruff format --check src tests benchmarks
echo "== mypy"
mypy
echo "== pytest"
pytest "$@"
