"""Run LinRegPCR (rdmlpython 1.7.2) on an RDML file; print its timing and Cq as JSON.

Runs in its own virtual environment, because rdmlpython 1.7.2 needs numpy < 2:

    python3 -m venv /tmp/lrvenv
    /tmp/lrvenv/bin/pip install "numpy<2" rdmlpython==1.7.2
    /tmp/lrvenv/bin/python benchmarks/linregpcr_reference.py FILE.rdml

rdmlpython 1.7.2 refuses files declared as RDML 1.4; the 1.4 file is read as 1.3 (a temporary
copy with only the version attribute changed; LinRegPCR uses nothing 1.4 added). Not imported
by the package or its tests: bench_curves.py calls it with --linregpcr-python.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
import zipfile

import rdmlpython  # type: ignore[import-not-found]


def main(path: str) -> None:
    archive = zipfile.ZipFile(path)
    member = archive.namelist()[0]
    xml = archive.read(member).decode("utf-8").replace('version="1.4"', 'version="1.3"', 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(member, xml)
    with tempfile.NamedTemporaryFile(suffix=".rdml") as tmp:
        tmp.write(buf.getvalue())
        tmp.flush()
        rdml = rdmlpython.Rdml(tmp.name)
        runs = [run for exp in rdml.experiments() for run in exp.runs()]
        wells = []
        start = time.perf_counter()
        for run in runs:
            result = run.linRegPCR(
                updateRDML=False, saveResultsList=True, timeRun=False, verbose=False
            )
            header, *rows = result["resultsList"]
            for row in rows:
                rec = dict(zip(header, row, strict=False))
                wells.append(
                    {
                        "run": run["id"],
                        "well": rec["well"],
                        "sample": rec["sample"],
                        "target": rec["target"],
                        "cq": rec["Cq (mean eff)"],
                        "efficiency": rec["indiv PCR eff"],
                    }
                )
        elapsed = time.perf_counter() - start
    json.dump({"seconds": elapsed, "runs": len(runs), "wells": wells}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
