"""Fisher's exact test for r x c tables, as R's ``fisher.test``.

The P value is the sum of the probabilities (multivariate hypergeometric, given both margins)
of every table no more probable than the observed one, with R's relative tolerance 1e-7. The
tables are not listed one by one: they are built column by column as paths through a network
whose nodes are the row sums still to fill (Mehta & Patel, JASA 1983; 1986). A path's "past"
(the product of ``1/x!`` over the columns filled) is kept per node, equal pasts merged; a path
is settled without going further when bounds on its node's best completion (the most even
split, or a Lagrangian bound for two columns) and worst completion (the most concentrated)
say that every, or no, completion counts (the total of all completions has a closed form);
the last two columns are settled exactly by sorting their completions. Paths are arrays,
a stage at a time (no Python loop over tables); a table with too many is refused.
``simulate=True`` is R's ``simulate.p.value``: random tables with the same margins
(Patefield, 1981, through :func:`scipy.stats.random_table`).
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import gammaln, logsumexp

from ikzf1assay.errors import ParameterError

__all__ = ["fisher_exact"]

R_TOLERANCE = 1e-7
MAX_PATHS = 15_000_000
DENSE_KEYS = 20_000_000
_Paths = tuple[np.ndarray, np.ndarray, np.ndarray]


def _too_large() -> ParameterError:
    return ParameterError(
        "this table has too many tables with its margins for the exact test; use "
        "simulate=True (as R's simulate.p.value) or the chi-square"
    )


def _compositions(total: int, parts: int) -> np.ndarray:
    """Every way to write ``total`` as ``parts`` non-negative integers (rows of the array)."""
    if math.comb(total + parts - 1, parts - 1) > MAX_PATHS // 4:
        raise _too_large()
    if parts == 1:
        return np.array([[total]], dtype=np.int64)
    bars = np.array(list(combinations(range(total + parts - 1), parts - 1)), dtype=np.int64)
    bars = bars.reshape(-1, parts - 1)
    edges = np.hstack(
        [np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), total + parts - 1)]
    )
    return np.diff(edges, axis=1) - 1


def _even_split(total: np.ndarray, parts: int, lf: np.ndarray) -> np.ndarray:
    """-sum log(x!) of the most even split of each total into ``parts`` cells (its maximum)."""
    q, r = np.divmod(total, parts)
    return np.asarray(-(r * lf[q + 1] + (parts - r) * lf[q]), dtype=float)


def _worst(totals: np.ndarray, caps: np.ndarray, lf: np.ndarray) -> np.ndarray:
    """The least -sum log x! of putting each total into cells with the caps given (one row
    of caps per node; a concave sum is least with the largest cells filled first)."""
    caps = -np.sort(-caps, axis=1)
    before = np.cumsum(caps, axis=1) - caps
    x = np.clip(totals[:, :, None] - before[:, None, :], 0, caps[:, None, :])
    return np.asarray(-lf[x].sum(axis=(1, 2)), dtype=float)


def _merge(paths: _Paths) -> _Paths:
    """Merge the equal pasts (within 1e-9, far below R's tolerance) of one node."""
    node, past, logw = paths
    if not len(node):
        return paths
    rounded = np.round(past * 1e9)
    order = np.lexsort((rounded, node))
    node, past, logw, rounded = node[order], past[order], logw[order], rounded[order]
    new = np.ones(len(node), dtype=bool)
    new[1:] = (node[1:] != node[:-1]) | (rounded[1:] != rounded[:-1])
    group = np.cumsum(new) - 1
    merged = np.full(int(group[-1]) + 1, -np.inf)
    np.logaddexp.at(merged, group, logw)
    return node[new], past[new], merged


class _Network:
    """The column-by-column network of one table's margins.

    A set of paths is three arrays: ``node`` (index into the stage's states), ``past`` (the
    sum of -log x! over the cells filled) and ``logw`` (log of how many paths share it).
    """

    def __init__(self, rows: np.ndarray, cols: np.ndarray, limit: float) -> None:
        self.rows, self.cols, self.limit = rows, cols, limit
        self.lf = gammaln(np.arange(int(rows.sum()) + 2) + 1.0)
        self.base = rows + 1
        self.total: list[float] = []  # log sums of the tables that count
        self.paths = 0

    def key(self, states: np.ndarray) -> np.ndarray:
        out = np.zeros(len(states), dtype=np.int64)
        for i, b in enumerate(self.base):
            out = out * int(b) + states[:, i]
        return out

    def settle(self, states: np.ndarray, paths: _Paths, k: int) -> _Paths:
        """Add the paths whose every completion counts; keep those with some that might."""
        node, past, logw = paths
        lf, rest = self.lf, self.cols[k:]
        upper = np.minimum(
            _even_split(rest, len(self.rows), lf).sum(),
            _even_split(states, len(rest), lf).sum(axis=1),
        )
        if len(rest) == 2:
            upper = self.best_two(states, int(rest[0]))
        k_nodes = len(states)
        lower = np.maximum(
            _worst(np.broadcast_to(rest, (k_nodes, len(rest))), states, lf),
            _worst(states, np.broadcast_to(rest, (k_nodes, len(rest))), lf),
        )
        log_all = lf[states.sum(axis=1)] - lf[states].sum(axis=1) - lf[rest].sum()
        every = past + upper[node] <= self.limit
        if every.any():
            self.total.append(float(logsumexp(past[every] + logw[every] + log_all[node[every]])))
        keep = ~every & (past + lower[node] <= self.limit)
        return node[keep], past[keep], logw[keep]

    def expand(self, states: np.ndarray, paths: _Paths, k: int) -> tuple[np.ndarray, _Paths]:
        """Fill column k on every path: the child states and their paths (not yet merged)."""
        used, node = np.unique(paths[0], return_inverse=True)
        states, node, past, logw = states[used], node.ravel(), paths[1], paths[2]
        comps = _compositions(int(self.cols[k]), len(self.rows))
        term = -self.lf[comps].sum(axis=1)
        if len(states) * len(comps) > MAX_PATHS:
            raise _too_large()
        pi, qi = np.nonzero((comps[None, :, :] <= states[:, None, :]).all(axis=2))
        order = np.argsort(node, kind="stable")
        node, past, logw = node[order], past[order], logw[order]
        per_node = np.bincount(node, minlength=len(states))
        start = np.cumsum(per_node) - per_node
        reps = per_node[pi]
        self.paths += int(reps.sum())
        if self.paths > MAX_PATHS:
            raise _too_large()
        pair = np.repeat(np.arange(len(pi)), reps)
        src = start[pi[pair]] + np.arange(len(pair)) - np.repeat(np.cumsum(reps) - reps, reps)
        child = states[pi] - comps[qi]
        keys = self.key(child)
        if int(np.prod(self.base.astype(float))) <= DENSE_KEYS:
            seen = np.zeros(int(np.prod(self.base)), dtype=bool)
            seen[keys] = True
            dense = np.cumsum(seen) - 1
            pair_node = dense[keys]
            first = np.full(int(seen.sum()), -1)
            first[pair_node[::-1]] = np.arange(len(keys))[::-1]
        else:
            _, pair_node = np.unique(keys, return_inverse=True)
            pair_node = pair_node.ravel()
            first = np.unique(pair_node, return_index=True)[1]
        paths = (pair_node[pair], past[src] + term[qi[pair]], logw[src])
        return child[first], paths

    def best_two(self, states: np.ndarray, a: int) -> np.ndarray:
        """The best completion of two columns, ``a`` and the rest, for each state (an upper
        bound, exact but for rounding): each row's term f_i is concave in its cell, so by
        Lagrangian duality any price ``lam`` bounds it by sum_i max_x (f_i(x) - lam x) + lam a;
        the price is bisected towards the one where the cells sum to ``a``."""
        lf = self.lf
        n = int(states[0].sum())
        if a in (0, n):
            return np.asarray(-lf[states].sum(axis=1), dtype=float)
        lo = np.full((len(states), 1), -math.log(n + 1.0))
        hi = -lo
        best = np.full(len(states), np.inf)
        for _ in range(30):
            lam = (lo + hi) / 2
            e = np.exp(lam)
            x = np.clip(np.ceil((states - e) / (1 + e)), 0, states).astype(np.int64)
            total = x.sum(axis=1, keepdims=True)
            value = -(lf[x] + lf[states - x]).sum(axis=1) - (lam * (total - a)).ravel()
            best = np.minimum(best, value)
            lo, hi = np.where(total > a, lam, lo), np.where(total > a, hi, lam)
        return best

    def finish(self, states: np.ndarray, paths: _Paths) -> None:
        """The last two columns: every completion of each node, sorted, against its pasts."""
        node, past, logw = paths
        lf = self.lf
        comps = _compositions(int(self.cols[-2]), len(self.rows))
        order = np.argsort(node, kind="stable")
        node, past, logw = node[order], past[order], logw[order]
        bounds = np.searchsorted(node, np.arange(len(states) + 1))
        parts = []
        used = np.unique(node)
        if len(used) * len(comps) > 4 * MAX_PATHS:
            raise _too_large()
        for i in used:
            s = states[i]
            x = comps[(comps <= s).all(axis=1)]
            fut = np.sort(-(lf[x].sum(axis=1) + lf[s - x].sum(axis=1)))
            cum = np.log(np.cumsum(np.exp(fut - fut[-1]))) + fut[-1]
            lo, hi = bounds[i], bounds[i + 1]
            idx = np.searchsorted(fut, self.limit - past[lo:hi], side="right")
            ok = idx > 0
            parts.append(cum[idx[ok] - 1] + past[lo:hi][ok] + logw[lo:hi][ok])
        if parts:
            self.total.append(float(logsumexp(np.concatenate(parts))))

    def run(self) -> float:
        """log of the summed -log x! products of the tables that count."""
        states = self.rows[None, :].copy()
        paths: _Paths = (np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(1))
        for k in range(len(self.cols) - 2):
            if not len(paths[0]):
                break
            states, paths = self.expand(states, paths, k)
            paths = self.settle(states, paths, k + 1)
            if k + 1 < len(self.cols) - 2:
                paths = _merge(paths)
        else:
            self.finish(states, paths)
        return float(logsumexp(self.total)) if self.total else -math.inf


def _exact(t: np.ndarray) -> float:
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    if len(rows) > len(cols):
        t, rows, cols = t.T, cols, rows
    cols = np.sort(cols)
    lf = gammaln(np.arange(int(t.sum()) + 2) + 1.0)
    const = lf[rows].sum() + lf[cols].sum() - lf[int(t.sum())]
    observed = -float(lf[t].sum())
    limit = observed + math.log1p(R_TOLERANCE)
    if len(cols) == 1:
        return 1.0
    net = _Network(rows.astype(np.int64), cols.astype(np.int64), limit)
    return min(1.0, math.exp(net.run() + const))


def _simulated(t: np.ndarray, B: int, seed: int | None) -> float:  # noqa: N803 (R's name)
    """R's ``simulate.p.value``: (1 + #{random tables no more probable}) / (B + 1)."""
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    lf = gammaln(np.arange(int(t.sum()) + 2) + 1.0)
    statistic = -float(lf[t].sum())
    almost_one = 1.0 + 64 * np.finfo(float).eps
    tables = stats.random_table(rows, cols, seed=seed).rvs(B, method="patefield")
    sims = -lf[tables].sum(axis=(1, 2))
    return float((1 + np.sum(sims <= statistic / almost_one)) / (B + 1))


def fisher_exact(
    table: ArrayLike,
    simulate: bool = False,
    B: int = 2000,  # noqa: N803 (R's name)
    seed: int | None = None,
) -> float:
    """Two-sided P of Fisher's exact test for an r x c table, as R's ``fisher.test``.

    Parameters
    ----------
    table
        Counts (non-negative integers; an array or nested lists); rows and columns that are
        all zero are ignored.
    simulate
        Estimate P from ``B`` random tables with the same margins (R's
        ``simulate.p.value = TRUE``) instead of the exact sum.
    B
        Number of random tables when ``simulate``.
    seed
        Seed of the random tables (the same seed gives the same P; R's own stream differs).

    Returns
    -------
    float
        The exact P (the sum of the probabilities of every table with these margins no more
        probable than the observed one, R's relative tolerance 1e-7), or the simulated one.

    Raises
    ------
    ParameterError
        Counts that are negative or not integers, fewer than 2 rows or columns with counts
        (as R's "'x' must have at least 2 rows and columns"), ``B`` below 1, or a table too
        large for the exact sum (use ``simulate``).
    """
    a = np.asarray(table, dtype=float)
    if a.ndim != 2 or not np.isfinite(a).all() or (a < 0).any() or (a != np.round(a)).any():
        raise ParameterError("Fisher's exact test needs a 2-D table of non-negative integer counts")
    t = a.astype(np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        raise ParameterError(
            "Fisher's exact test needs at least 2 rows and 2 columns with counts "
            "(R: 'x' must have at least 2 rows and columns)"
        )
    if simulate:
        if B < 1:
            raise ParameterError(f"B = {B}: the number of simulated tables must be at least 1")
        return _simulated(t, int(B), seed)
    return _exact(t)
