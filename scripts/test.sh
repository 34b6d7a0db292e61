#!/usr/bin/env bash
# Set up (scripts/setup.sh --test), then lint, type-check and run the whole test suite.
# This is the command CI runs (.ci/run). Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check src tests benchmarks scripts
ruff format --check src tests benchmarks scripts
echo "== mypy"
mypy
# a throwaway PostgreSQL server for the registry tests, stopped at exit; without it those
# tests skip (and fail under CI=true)
export IKZF1ASSAY_PGDIR="${TMPDIR:-/tmp}/ikzf1assay-pg-$$"
if pg_url=$(bash scripts/pg_server.sh start); then
  export IKZF1ASSAY_TEST_PG_URL="$pg_url"
  trap 'bash scripts/pg_server.sh stop' EXIT
else
  echo "test: PostgreSQL could not be started: the registry's PostgreSQL tests will skip" >&2
fi
echo "== pytest"
pytest "$@"
