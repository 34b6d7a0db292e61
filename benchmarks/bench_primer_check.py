"""How `primers check` scales with the number of primers (synthetic primers).

The work is one set of figures per primer and one per combination of two primers
(n(n+1)/2), so time per combination should stay flat as n grows. Prints, for each n, the
wall time, the time per combination and its ratio to the smallest n, all from one run (the
machines are small and noisy: compare the ratios, not the seconds).

    .venv/bin/python benchmarks/bench_primer_check.py [--sizes 5 20 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time

from ikzf1assay.assay import Assay, parse_assay
from ikzf1assay.primers.thermo import check_primers


def synthetic_assay(n: int, seed: int) -> bytes:
    """An assay of n random 20-24 nt primers (synthetic, not human sequence) and one reaction."""
    rng = random.Random(seed)
    parts = ['[assay]\nname = "synthetic benchmark primers"\n']
    for i in range(n):
        seq = "".join(rng.choice("ACGT") for _ in range(rng.randint(20, 24)))
        direction = "forward" if i % 2 == 0 else "reverse"
        parts.append(f'[[primer]]\nname = "S{i}"\nsequence = "{seq}"\ndirection = "{direction}"\n')
    parts.append('[[reaction]]\ndeletion = "synthetic"\nforward = "S0"\nreverse = "S1"\n')
    return "\n".join(parts).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 40])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"{'primers':>8} {'pairs':>6} {'best s':>9} {'ms/pair':>9} {'ratio':>6}")
    base = None
    for n in args.sizes:
        assay = parse_assay(synthetic_assay(n, args.seed), source=f"synthetic-{n}")
        best = min(_timed(assay) for _ in range(args.repeat))
        pairs = n * (n + 1) // 2
        per_pair = 1000 * best / pairs
        base = base or per_pair
        print(f"{n:>8} {pairs:>6} {best:>9.3f} {per_pair:>9.3f} {per_pair / base:>6.2f}")


def _timed(assay: Assay) -> float:
    start = time.perf_counter()
    check_primers(assay)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
