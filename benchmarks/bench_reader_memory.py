"""Peak resident memory of reading one large export, in a fresh subprocess per file.

Writes SYNTHETIC exports of the sizes asked for into a temporary folder and reads each with
:func:`ikzf1assay.qpcr.read_run` in a child process, which prints its own peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and wall time; the ratio peak / file size is
what the reader limits are set from (:mod:`ikzf1assay.qpcr.readers.limits`).

    .venv/bin/python benchmarks/bench_reader_memory.py --mib 8 16 32 64
    .venv/bin/python benchmarks/bench_reader_memory.py --mib 600          # refused before reading
    .venv/bin/python benchmarks/bench_reader_memory.py --mib 8 --limit-mib 1024  # lift the limit
    .venv/bin/python benchmarks/bench_reader_memory.py --rdml-elements 1000000 30000000

Text exports are an ABI 7500 Software v2 layout (``abi7500_v2_tab.txt`` of tests/data): a
384-well block, [Sample Setup], [Amplification Data] (40 cycles per reaction; the size is
reached by adding targets, i.e. repeating the fixture's amplification rows under new target
names), [Multicomponent Data] and [Results]. Every value is SYNTHETIC. RDML files are a zip
whose single XML member holds one run with ``n`` empty elements: the shape of a zip bomb.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "qpcr" / "good" / "abi7500_v2_tab.txt"
WELLS = 384
CYCLES = 40

CHILD = r"""
import json, resource, sys, time
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import ikzf1assay.qpcr.readers as readers
from ikzf1assay.qpcr.readers import limits
from ikzf1assay.errors import IkzfAssayError
if sys.argv[2] != "0":
    limits.MAX_TEXT_BYTES = limits.MAX_XML_BYTES = int(sys.argv[2])
if sys.argv[3] != "0":
    limits.MAX_XML_ELEMENTS = int(sys.argv[3])
start = time.perf_counter()
try:
    plate = readers.read_run(sys.argv[1])
    outcome = f"{len(plate.wells)} reactions, {len(plate.curves)} points"
except IkzfAssayError as exc:
    outcome = f"refused: {exc.message}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"peak_kib": peak, "import_kib": before, "seconds": seconds,
                  "outcome": outcome}))
"""


def _curve() -> list[tuple[str, str]]:
    """Rn and Delta Rn of well 1 of the fixture, 40 cycles: a real-looking sigmoid."""
    lines = FIXTURE.read_text().split("\n")
    start = lines.index("[Amplification Data]") + 2
    rows = [ln.split("\t") for ln in lines[start : start + CYCLES]]
    return [(r[3], r[4]) for r in rows]


def write_text_export(path: Path, size: int) -> int:
    """A SYNTHETIC ABI 7500 v2 text export of about ``size`` bytes; returns its size."""
    curve = _curve()
    per_target = sum(
        len(f"{w}\t{c}\tT0000\t{rn}\t{drn}\n")
        for w in range(1, WELLS + 1)
        for c, (rn, drn) in enumerate(curve, 1)
    )
    targets = max(1, size // per_target)
    names = [f"T{i:04d}" for i in range(targets)]
    with path.open("w", newline="\n") as out:
        out.write(
            "* Block Type = 384-Well Block\n* Chemistry = TAQMAN\n"
            "* Experiment File Name = SYNTHETIC_memory_benchmark.eds\n"
            "* Instrument Type = 7500 Fast (SYNTHETIC benchmark)\n"
            "* Passive Reference = ROX\n\n[Sample Setup]\n"
            "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tQuantity\n"
        )
        for w in range(1, WELLS + 1):
            pos = f"{chr(65 + (w - 1) // 24)}{(w - 1) % 24 + 1}"
            for t in names:
                out.write(f"{w}\t{pos}\tSYNTHETIC-S{w:03d}\t{t}\tUNKNOWN\tFAM\tTAMRA\t\n")
        out.write("\n[Amplification Data]\nWell\tCycle\tTarget Name\tRn\tDelta Rn\n")
        for w in range(1, WELLS + 1):
            for t in names:
                out.write(
                    "".join(f"{w}\t{c}\t{t}\t{rn}\t{drn}\n" for c, (rn, drn) in enumerate(curve, 1))
                )
        out.write("\n[Multicomponent Data]\nWell\tCycle\tFAM\tROX\n")
        for w in range(1, WELLS + 1):
            out.write("".join(f"{w}\t{c}\t2000000.0\t1650000.0\n" for c in range(1, CYCLES + 1)))
        out.write(
            "\n[Results]\nWell\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\t"
            "Quencher\tCT\tCt Threshold\tBaseline Start\tBaseline End\n"
        )
        for w in range(1, WELLS + 1):
            pos = f"{chr(65 + (w - 1) // 24)}{(w - 1) % 24 + 1}"
            for t in names:
                out.write(
                    f"{w}\t{pos}\tfalse\tSYNTHETIC-S{w:03d}\t{t}\tUNKNOWN\tFAM\tTAMRA\t28.400"
                    "\t0.200\t3\t15\n"
                )
    return path.stat().st_size


def write_rdml_bomb(path: Path, elements: int) -> int:
    """A SYNTHETIC RDML zip whose XML holds ``elements`` empty elements in one run."""
    chunk = b"<a/>" * 100_000
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("rdml_data.xml", "w", force_zip64=True) as xml,
    ):
        xml.write(b'<?xml version="1.0"?><rdml version="1.2"><experiment id="e">')
        xml.write(b'<run id="r">')
        left = elements
        while left > 0:
            n = min(left, 100_000)
            xml.write(chunk if n == 100_000 else b"<a/>" * n)
            left -= n
        xml.write(b"</run></experiment></rdml>")
    return path.stat().st_size


def measure(path: Path, limit: int, elements: int) -> dict[str, object]:
    """Read ``path`` in a fresh interpreter; its peak RSS, import RSS, time and outcome."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(limit), str(elements)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    if done.returncode != 0:
        return {"peak_kib": 0, "import_kib": 0, "seconds": 0.0, "outcome": done.stderr[-300:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(label: str, size: int, m: dict[str, object]) -> None:
    peak = float(str(m["peak_kib"])) / 1024
    ratio = peak / (size / 2**20)
    print(
        f"{label:<34} {size / 2**20:>9.1f} {peak:>10.0f} {ratio:>7.1f} "
        f"{float(str(m['seconds'])):>8.1f}  {m['outcome']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, nargs="*", default=[8, 16, 32])
    parser.add_argument("--rdml-elements", type=int, nargs="*", default=[])
    parser.add_argument(
        "--limit-mib", type=float, default=0, help="override the size limits (0: as shipped)"
    )
    parser.add_argument(
        "--max-elements", type=int, default=0, help="override the RDML element limit"
    )
    args = parser.parse_args()
    limit = int(args.limit_mib * 2**20)
    print(f"{'SYNTHETIC file':<34} {'file MiB':>9} {'peak MiB':>10} {'ratio':>7} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "empty.txt"
        base.write_text("x\n")
        report("(interpreter + import, no read)", 2**20, measure(base, limit, 0))
        for mib in args.mib:
            path = Path(tmp) / f"synthetic_abi7500_{mib:g}MiB.txt"
            size = write_text_export(path, int(mib * 2**20))
            report(path.name, size, measure(path, limit, args.max_elements))
            path.unlink()
        for n in args.rdml_elements:
            path = Path(tmp) / f"synthetic_bomb_{n}.rdml"
            size = write_rdml_bomb(path, n)
            report(
                f"{path.name} ({size // 1024} KiB zip)",
                size,
                measure(path, limit, args.max_elements),
            )
            path.unlink()


if __name__ == "__main__":
    main()
