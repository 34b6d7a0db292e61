"""Curve analysis speed and memory; optionally the ratio to LinRegPCR on the same curves.

Prints wells analysed per second and the process's peak resident memory for:
- the Vermeulen RDML file (960 curves x 50 cycles) from ../shared/validation/qpcr/;
- a SYNTHETIC batch of 100,000 wells (--wells) x 45 cycles, half amplified.
Then, for each size (1,000, 10,000 and --wells synthetic wells), a fresh subprocess builds the
Plate and analyses it, and prints the wall time, the resident memory once the Plate is built
(``plate RSS``) and the peak resident memory of the child (``ru_maxrss``), so the analysis's
own share is ``peak - plate``.
With ``--linregpcr-python /tmp/lrvenv/bin/python`` (see linregpcr_reference.py for that
environment) it also runs LinRegPCR (rdmlpython 1.7.2) on the Vermeulen file and prints the
speed ratio and both methods' replicate precision (median SD of Cq over the 3 replicates of each
gene x dilution). Compare ratios within one run: the machines are small and noisy.

    .venv/bin/python benchmarks/bench_curves.py [--wells 100000] [--linregpcr-python PY]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.curves import analyse_curves
from ikzf1assay.qpcr.plate import CURVE_COLUMNS, WELL_COLUMNS, Plate, RunInfo

ROOT = Path(__file__).resolve().parent.parent
VERMEULEN = (
    ROOT.parent
    / "shared"
    / "validation"
    / "qpcr"
    / "rdml_vermeulen"
    / "data_vermeulen_std_150000_15.rdml"
)


def synthetic(n: int, cycles: int = 45, seed: int = 1) -> Plate:
    """n SYNTHETIC wells: half logistic amplifications (Ct 15-35), half flat noise."""
    rng = np.random.default_rng(seed)
    c = np.arange(1, cycles + 1, dtype=float)
    x0 = rng.uniform(18, 38, n)[:, None]
    amp = (rng.random(n) < 0.5)[:, None] * rng.uniform(0.5, 3, n)[:, None]
    values = 0.5 + amp / (1 + np.exp(-(c - x0) / 1.6)) + rng.normal(0, 0.003, (n, cycles))
    # object arrays: np.repeat then repeats references to a few hundred strings, as a reader's
    # table holds them, instead of making a new string object for each of n x cycles rows
    wells = np.array([f"{chr(65 + (i // 24) % 16)}{i % 24 + 1}" for i in range(n)], dtype=object)
    runs = np.array([str(i // 384) for i in range(n)], dtype=object)
    table = pd.DataFrame({col: "" for col in WELL_COLUMNS}, index=range(n))
    table = table.assign(
        run=runs,
        well=wells,
        row=0,
        column=0,
        target="T",
        instrument_ct=np.nan,
        threshold=np.nan,
        baseline_start=np.nan,
        baseline_end=np.nan,
        quantity=np.nan,
        omit=False,
        has_curve=True,
        has_result=False,
        auto_threshold=None,
    )
    # Built as one float block plus three object columns: a DataFrame from a dict of columns
    # would hold the inputs and their consolidated copy at once (600 MiB for 100,000 wells).
    floats = np.empty((4, n * cycles))
    floats[0] = np.tile(c, n)
    floats[1] = values.ravel()
    floats[2:] = np.nan
    del values
    curves = pd.DataFrame(floats.T, columns=CURVE_COLUMNS[3:], copy=False)
    del floats
    curves.insert(0, "run", np.repeat(runs, cycles))
    curves.insert(1, "well", np.repeat(wells, cycles))
    curves.insert(2, "target", np.full(n * cycles, "T", dtype=object))
    return Plate(RunInfo("synthetic", "synthetic", "0" * 64), table[WELL_COLUMNS], curves)


def measure(label: str, plate: Plate) -> float:
    # Peak resident memory of the process so far (tracemalloc would slow numpy down 2x).
    start = time.perf_counter()
    calls = analyse_curves(plate)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(calls.table)
    rate = f"{n / elapsed:>10.0f} wells/s"
    print(f"{label:<34} {n:>8} wells {elapsed:>8.2f} s {rate} {peak:>8.0f} MiB peak RSS")
    return elapsed


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Reset the peak resident memory VmHWM (Linux: clear_refs 5). ru_maxrss is not reset:
    it also keeps the parent's peak at the time of the exec, which is why main() starts the
    children before it grows."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def child(n: int) -> None:
    """In a fresh process: build n synthetic wells, analyse them, print one JSON line."""
    plate = synthetic(n)
    build_peak = _status_mib("VmHWM")
    plate_rss = _status_mib("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    analyse_curves(plate)
    elapsed = time.perf_counter() - start
    figures = {
        "wells": n,
        "seconds": elapsed,
        "plate_rss": plate_rss,
        "build_peak": build_peak,
        "analysis_peak": _status_mib("VmHWM"),
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def fresh(n: int) -> None:
    """Time and peak memory of n synthetic wells in a fresh subprocess."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"fresh process: synthetic {n:>6} wells {r['seconds']:>6.2f} s {n / r['seconds']:>6.0f} "
        f"wells/s; peak RSS (ru_maxrss) {r['maxrss']:>4.0f} MiB; Plate {r['plate_rss']:>4.0f} MiB "
        f"(peak {r['build_peak']:>4.0f} building it); peak during the analysis "
        f"{r['analysis_peak']:>4.0f} MiB (+{r['analysis_peak'] - r['plate_rss']:.0f} over the "
        "Plate)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wells", type=int, default=100_000)
    parser.add_argument("--linregpcr-python", help="python of a venv with rdmlpython 1.7.2")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    for n in sorted({1_000, 10_000, args.wells}):  # first, while this process is small
        fresh(n)
    ours_seconds = None
    if VERMEULEN.exists():
        plate = read_run(VERMEULEN)
        ours_seconds = min(measure("Vermeulen RDML (960 curves)", plate) for _ in range(3))
    measure(f"synthetic ({args.wells} wells)", synthetic(args.wells))
    if args.linregpcr_python and VERMEULEN.exists():
        script = Path(__file__).with_name("linregpcr_reference.py")
        out = subprocess.run(
            [args.linregpcr_python, str(script), str(VERMEULEN)],
            capture_output=True,
            text=True,
            check=True,
        )
        ref = json.loads(out.stdout)
        print(
            f"LinRegPCR (rdmlpython 1.7.2): {ref['seconds']:.1f} s for {len(ref['wells'])} wells; "
            f"ours {ours_seconds:.2f} s: {ref['seconds'] / ours_seconds:.0f} times faster"
        )
        theirs = pd.DataFrame(ref["wells"])
        ours = analyse_curves(plate).table
        for name, table, col in (("ours", ours, "ct"), ("LinRegPCR", theirs, "cq")):
            sd = table.groupby(["target", "sample"])[col].std()
            print(
                f"replicate SD of Cq, median over gene x dilution: {name:<10} {sd.median():.3f} "
                f"(15 copies: {sd.xs('STD_15', level='sample').median():.3f})"
            )


if __name__ == "__main__":
    main()
