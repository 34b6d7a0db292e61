#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the bundled example.
# Until deletion calling lands, the main job is the thermodynamic check of the bundled assay.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/ikzf1assay primers check "$@"
