#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the bundled example: deletion calling of
# the bundled SIMULATED ABI 7500 run (ikzf1assay demo), writing its outputs to out/demo, then the
# cohort analysis of those calls linked to a SIMULATED cohort (out/demo/cohort/report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ikzf1assay demo -o out/demo "$@"
