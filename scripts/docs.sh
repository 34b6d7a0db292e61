#!/usr/bin/env bash
# Build the documentation site: execute every notebook in notebooks/ once, top to bottom
# (nbclient, into a temporary folder), then `mkdocs build --strict` (warnings are errors) with the
# notebooks rendered from those executed copies. Opens from disk: SITE_DIR/index.html.
#   bash scripts/docs.sh [SITE_DIR]   # default: site/
# Needs the docs tools: bash scripts/setup.sh --test installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/python ]] || { echo "docs: no .venv: run bash scripts/setup.sh --test first" >&2; exit 1; }
exec .venv/bin/python tests/docs_build.py "$@"
