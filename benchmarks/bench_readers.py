"""Reading speed of run exports: the 960-curve RDML file and the synthetic fixtures.

Prints, per file, the best wall time of a few reads, reactions and curve points per second,
and peak Python memory of one read (tracemalloc). Compare within one run: the machines are
small and noisy.

    .venv/bin/python benchmarks/bench_readers.py [--repeat 3]

The Vermeulen RDML file (960 curves x 50 cycles, LightCycler 480, RDML v1.4) is read from
../shared/validation/qpcr/ when present.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

from ikzf1assay.qpcr import read_run

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    ROOT.parent
    / "shared"
    / "validation"
    / "qpcr"
    / "rdml_vermeulen"
    / "data_vermeulen_std_150000_15.rdml",
    ROOT.parent
    / "shared"
    / "validation"
    / "qpcr"
    / "quantstudio_xlsx"
    / "appbio_quantstudio_designandanalysis_QS1_Standard_Curve_example01.xlsx",
    ROOT / "tests" / "data" / "qpcr" / "good" / "abi7500_v2_tab.txt",
    ROOT / "tests" / "data" / "qpcr" / "good" / "run_v1_4.rdml",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    columns = ("reactions", 9), ("points", 7), ("best s", 7), ("points/s", 10), ("peak MiB", 9)
    print(f"{'file':<48} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for path in FILES:
        if not path.exists():
            print(f"{path.name:<48} (absent)")
            continue
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            plate = read_run(path)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        read_run(path)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        best = min(times)
        points = len(plate.curves)
        figures = (
            f"{len(plate.wells):>9} {points:>7} {best:>7.3f} {points / best:>10.0f} {peak:>9.1f}"
        )
        print(f"{path.name[:48]:<48} {figures}")


if __name__ == "__main__":
    main()
