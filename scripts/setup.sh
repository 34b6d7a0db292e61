#!/usr/bin/env bash
# Make a Debian/Ubuntu machine ready to run ikzf1assay from this checkout:
# the Debian packages it needs, a virtual environment in .venv, and the package installed there.
#   bash scripts/setup.sh          # to run the tool
#   bash scripts/setup.sh --test   # also the test tools and the witnesses the tests compare with
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=()
command -v python3 >/dev/null 2>&1 || packages+=(python3)
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
if ((want_test)); then
  # Debian's primer3 provides primer3_core and ntthal, the witnesses of the thermodynamic tests.
  { command -v primer3_core && command -v ntthal; } >/dev/null 2>&1 || packages+=(primer3)
  # NCBI BLAST+ and Bowtie 1 are the search engines of `primers specificity`.
  { command -v blastn && command -v makeblastdb && command -v bowtie && command -v bowtie-build; } >/dev/null 2>&1 \
    || packages+=(ncbi-blast+ bowtie)
  # Debian's Chromium renders the HTML report in a real browser in the tests.
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  # Debian's PostgreSQL server runs the registry tests on PostgreSQL (scripts/pg_server.sh).
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
  # R's survival and cmprsk are the witnesses of the cohort statistics.
  if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(survival); library(cmprsk)' >/dev/null 2>&1; then
    packages+=(r-base-core r-cran-survival r-cran-cmprsk)
  fi
fi
if ((${#packages[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "setup: installing Debian packages: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

python3 - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"setup: ikzf1assay needs Python 3.11 or newer; this python3 is {sys.version.split()[0]}")
PY

[[ -x .venv/bin/python ]] || python3 -m venv .venv
extra=""
((want_test)) && extra="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
