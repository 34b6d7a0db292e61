"""R as the witness of the survival statistics: run an R script on a CSV, read CSVs back.

R 4.2.2 with survival 3.5-3 and cmprsk 2.2-11 from Debian (r-base-core, r-cran-survival,
r-cran-cmprsk; scripts/test.sh installs them). Missing R fails the tests, it does not skip them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest


def run_r(script: str, data: pd.DataFrame, folder: Path) -> dict[str, pd.DataFrame]:
    """Write ``data`` to folder/data.csv, run ``script`` (which reads it and writes
    folder/<name>.csv files), and return every CSV it wrote by name."""
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.fail("Rscript not found: install Debian's r-base-core r-cran-survival r-cran-cmprsk")
    data.to_csv(folder / "data.csv", index=False)
    (folder / "script.R").write_text(script, encoding="utf-8")
    run = subprocess.run(
        [exe, "--vanilla", str(folder / "script.R")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {p.stem: pd.read_csv(p) for p in folder.glob("*.csv") if p.stem != "data"}
