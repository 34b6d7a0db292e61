#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the bundled example: deletion calling of
# the bundled SIMULATED ABI 7500 run (ikzf1assay demo), writing its outputs to out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ikzf1assay demo -o out/demo "$@"
