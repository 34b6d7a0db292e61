"""Harrell's concordance of a Cox model's linear predictor, with its standard error.

A pair is comparable when the shorter time is an event (a censored time equal to an event
time counts as the longer; two events at the same time are not comparable), within a
stratum. C = (concordant + tied/2) / comparable, where concordant means the higher risk
score failed first and tied means equal scores. The SE is the infinitesimal jackknife: the
square root of the sum over patients of (dC / dw_i)^2 (survival's concordance vignette).
Counting uses a Fenwick tree over score ranks, queried for a whole tie block at once.
"""

from __future__ import annotations

import itertools

import numpy as np

from ikzf1assay.cohort._cox_fit import Risk


class _Fenwick:
    def __init__(self, size: int) -> None:
        self.tree = np.zeros(size + 1)
        self.count = 0

    def add(self, ranks: np.ndarray) -> None:
        idx = ranks.copy()
        self.count += len(ranks)
        while len(idx):
            np.add.at(self.tree, idx, 1.0)
            idx = idx + (idx & -idx)
            idx = idx[idx < len(self.tree)]

    def below(self, ranks: np.ndarray) -> np.ndarray:
        """How many stored ranks are <= each of ``ranks``."""
        out = np.zeros(len(ranks))
        idx = ranks.copy()
        while np.any(idx > 0):
            out += self.tree[idx]
            idx = idx - (idx & -idx)
        return out


def _stratum_counts(rank: np.ndarray, event: np.ndarray, block: np.ndarray, m: int) -> np.ndarray:
    """(n, 3) concordant, discordant, tied pairs each row takes part in, either role."""
    n = len(rank)
    out = np.zeros((n, 3))
    blocks = np.r_[0, np.flatnonzero(np.diff(block)) + 1, n]
    later = _Fenwick(m)  # rows after the current block (descending pass)
    for a, b in zip(blocks[-2::-1], blocks[:0:-1], strict=True):
        ev = np.flatnonzero(event[a:b] == 1) + a
        later.add(rank[a:b][event[a:b] == 0])
        if len(ev):
            lt, le = later.below(rank[ev] - 1), later.below(rank[ev])
            out[ev] += np.stack([lt, later.count - le, le - lt], axis=1)
        later.add(rank[ev])
    earlier = _Fenwick(m)  # events before (ascending pass)
    for a, b in itertools.pairwise(blocks):
        ev = np.flatnonzero(event[a:b] == 1) + a
        cens = np.flatnonzero(event[a:b] == 0) + a
        for rows in (ev, cens):
            if len(rows):
                lt, le = earlier.below(rank[rows] - 1), earlier.below(rank[rows])
                out[rows] += np.stack([earlier.count - le, lt, le - lt], axis=1)
            if rows is ev:
                earlier.add(rank[ev])
    return out


def concordance(
    risk: Risk, lp: np.ndarray, cluster: np.ndarray | None = None
) -> tuple[float, float]:
    """C and its infinitesimal-jackknife SE for the linear predictor ``lp`` (sorted rows);
    with ``cluster`` ids (original row order) the influences are summed by cluster first."""
    counts = np.zeros((len(lp), 3))
    for a, b in itertools.pairwise(risk.bounds):
        rounded = np.round(lp[a:b], 10)
        uniq, rank = np.unique(rounded, return_inverse=True)
        counts[a:b] = _stratum_counts(rank + 1, risk.event[a:b], risk.block[a:b], len(uniq))
    conc, disc, tied = counts.sum(axis=0) / 2  # each pair counted once from each side
    pairs = conc + disc + tied
    if pairs == 0:
        return float("nan"), float("nan")
    value = (conc + tied / 2) / pairs
    infl = (counts[:, 0] + counts[:, 2] / 2 - value * counts.sum(axis=1)) / pairs
    if cluster is not None:
        infl = np.bincount(cluster[risk.order], weights=infl)
    return float(value), float(np.sqrt((infl**2).sum()))
