"""Registry scale: 2,000 runs of 96 wells into SQLite and PostgreSQL, and the queries a lab runs.

The bundled SIMULATED run is called once; its outputs are then imported ``--runs`` times
(default 2,000), each time as a different run (the export's bytes carry the run's number, so
its SHA-256 differs; the positive controls' Ct are shifted a little per run so that the QC
has a series to judge). For each engine it prints the import rate (runs per second, each
run one transaction with its 96 wells, calls and audit entries), the database size, and the
in-process time of ``registry list`` (``Registry.runs``), ``show`` (one run), ``export``
(``export_calls`` with drafts) and the ``qc`` computation (control series + Westgard rules,
no drawing; each the fastest of 3), then extrapolates each to 100,000 runs in proportion to
the runs (an extrapolation, labelled so, not a measurement; pessimistic for ``show``, an
indexed lookup). The demo plate's 89 wells are filled to 96 with empty wells.

PostgreSQL: ``--pg URL``, else ``$IKZF1ASSAY_TEST_PG_URL`` (``bash scripts/pg_server.sh
start`` starts a throwaway server and prints it); without one, only SQLite is measured.

    .venv/bin/python benchmarks/bench_registry.py [--runs 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.assay import load_assay
from ikzf1assay.registry import Registry, RunRecord, open_registry
from ikzf1assay.registry.qc import qc_table
from ikzf1assay.workflows.demo import demo_export
from ikzf1assay.workflows.registry import run_record
from ikzf1assay.workflows.run import call_export

TARGET = 100_000


def template(folder: Path) -> RunRecord:
    """The bundled SIMULATED run, called once; the record its import would store."""
    export, _ = demo_export()
    called = call_export(export, load_assay(None), folder / "run")
    return run_record(called.plate.info, export, folder / "run")


def variant(base: RunRecord, i: int, rng: np.random.Generator) -> RunRecord:
    """Run ``i``: the export's bytes carry its number (a new SHA-256); the positive
    controls' Ct move by a little noise; a run date one day after the previous run."""
    name, data = base.files[0]
    wells = base.wells.copy()
    if len(wells) < 96:  # fill the plate: empty wells (no sample, no Ct), as a full 96 plate
        spare = wells.iloc[[0] * (96 - len(wells))].copy()
        spare["well"] = [f"Z{k}" for k in range(len(spare))]
        spare["sample"] = ""
        spare["ct"] = np.nan
        wells = pd.concat([wells, spare], ignore_index=True)
    pos = wells["role"] == "positive_control"
    wells.loc[pos, "ct"] = wells.loc[pos, "ct"] + rng.normal(0, 0.3, int(pos.sum()))
    date = pd.Timestamp("2020-01-01") + pd.Timedelta(days=i)
    return RunRecord(
        files=[(f"run_{i:06d}_{name}", data + f"\n# SYNTHETIC copy {i}\n".encode())],
        format=base.format,
        instrument=base.instrument,
        run_date=date.date().isoformat(),
        parameters=base.parameters,
        assay_sha256=base.assay_sha256,
        package_version=base.package_version,
        provenance=base.provenance,
        wells=wells,
        calls=base.calls,
    )


def timed(work: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs of ``work`` (the machines are noisy) and its value."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - start)
    return best, value


def size_of(reg: Registry, url: str) -> float:
    """Database size in MiB (SQLite: the file and its WAL; PostgreSQL: pg_database_size)."""
    if not url.startswith("postgresql"):
        path = Path(url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        return sum(p.stat().st_size for p in files if p.exists()) / 2**20
    from sqlalchemy import text

    with reg.engine.connect() as conn:
        return (
            float(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
            / 2**20
        )


def queries(reg: Registry, runs: int) -> dict[str, float]:
    """In-process seconds of the four queries at the registry's present size."""
    return {
        "list": timed(reg.runs)[0],
        "show": timed(lambda: reg.show(max(1, runs // 2)))[0],
        "export": timed(lambda: reg.export_calls(include_draft=True))[0],
        "qc": timed(lambda: qc_table(reg.control_series()))[0],
    }


def measure(label: str, url: str, base: RunRecord, runs: int) -> None:
    rng = np.random.default_rng(1)
    reg = open_registry(url)
    try:
        start = time.perf_counter()
        for i in range(runs):
            reg.import_run(variant(base, i, rng), "bench")
        secs = time.perf_counter() - start
        rate = runs / secs
        size = size_of(reg, url)
        full = queries(reg, runs)
    finally:
        reg.close()
    scale = TARGET / runs
    wells = len(variant(base, 0, rng).wells)
    print(f"\n{label}: {runs} runs of {wells} wells (SYNTHETIC copies)", flush=True)
    print(f"  import {rate:8.1f} runs/s ({secs:.1f} s); database {size:.1f} MiB")
    print(f"  EXTRAPOLATED to {TARGET:,} runs: import {TARGET / rate / 60:.0f} min, "
          f"database {size * scale / 1024:.2f} GiB")  # fmt: skip
    for name, q in full.items():
        ok = "ok" if q < 0.5 else "OVER 0.5 s"
        print(
            f"  {name:<7} {q:7.3f} s ({ok}); EXTRAPOLATED to {TARGET:,} runs in proportion "
            f"to the runs: {q * scale:6.2f} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--pg", metavar="URL", default=os.environ.get("IKZF1ASSAY_TEST_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_registry_") as tmp:
        base = template(Path(tmp))
        measure("SQLite", str(Path(tmp) / "registry.db"), base, args.runs)
        if not args.pg:
            print(
                "\nPostgreSQL: not measured (give --pg URL or run bash scripts/pg_server.sh start)"
            )
            return
        measure("PostgreSQL", fresh_database(args.pg), base, args.runs)


def fresh_database(url: str) -> str:
    """A new, empty database on the server of ``url`` (named bench_<random>)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return str(parsed.set(database=name).render_as_string(hide_password=False))


if __name__ == "__main__":
    main()
