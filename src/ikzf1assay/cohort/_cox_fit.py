"""The Cox partial likelihood, vectorised: sort once, cumulative sums over risk sets.

Rows are sorted by stratum, then time. Within a stratum the risk set of the tie block at time
``t`` is every row from the block's first row to the stratum's end, so its sums are reverse
cumulative sums. Efron's tie correction expands each block of ``d`` deaths into ``d`` rows
(fraction ``j / d``, j = 0..d-1) and reduces them back with ``np.bincount``. The information
matrix is one weighted ``X' W X`` product: the risk-set second moments are never formed.

Formulas: Therneau & Grambsch (2000), *Modeling Survival Data*, sections 3.1-3.3 (Efron and
Breslow likelihoods, Newton-Raphson with step halving) and 7.2 (score residuals, the robust
sandwich variance).

Counting-process data (start, stop]: the risk set at ``t`` holds the rows with
start < t <= stop, i.e. the rows with stop >= t (the reverse cumulative sum above) minus the
rows with start >= t (a reverse cumulative sum over the rows sorted by start, read at each
block's first start >= t by a binary search). Sums over the death blocks whose risk set holds
a row likewise become a forward cumulative sum at the row's stop minus the one at its start.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from ikzf1assay.errors import ParameterError

EPS = 1e-9  # relative change of the log-likelihood that ends the iterations (coxph.control)
TOLER_INF = EPS**0.5  # coxph.control's toler.inf
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75  # coxph.control's toler.chol
MAX_ITER = 20


@dataclass(frozen=True)
class Risk:
    """Sorted data and the tie-block structure, built once per fit."""

    x: np.ndarray  # (n, p), centred, sorted
    time: np.ndarray  # (n,) sorted
    starts: np.ndarray  # (B,) first row of each tie block
    event: np.ndarray  # (n,) float 0/1, sorted
    order: np.ndarray  # sorted position -> original row
    block: np.ndarray  # (n,) tie block of each row
    stratum_of_block: np.ndarray  # (B,)
    bounds: np.ndarray  # (S + 1,) row offsets of the strata
    block_bounds: np.ndarray  # (S + 1,) block offsets of the strata
    deaths: np.ndarray  # (B,) deaths per block
    ev_block: np.ndarray  # (E,) block of each expanded Efron row
    frac: np.ndarray  # (E,) j / d (zero for Breslow)
    center: np.ndarray  # (p,) column means subtracted from x
    efron: bool
    event_rows: np.ndarray  # (D,) sorted positions of the deaths
    dead_starts: np.ndarray  # first death of each block with deaths, within event_rows
    ev_dblock: np.ndarray  # (E,) index of each expanded row's block among blocks with deaths
    x_dead_sum: np.ndarray  # (p,) sum of x over the deaths
    entry: Entry | None = None  # counting-process data: who leaves the risk set by its start


@dataclass(frozen=True)
class Entry:
    """Counting-process rows: where each block's rows with start >= t begin, in start order."""

    order: np.ndarray  # (n,) sorted (stop) positions, ordered by stratum then start
    pos: np.ndarray  # (B,) first position (start order) with start >= the block's time
    end: np.ndarray  # (B,) end (start order) of the block's stratum
    before: np.ndarray  # (n,) last block of the row's stratum with time <= its start, or
    # the block before the stratum (global block index; -1 before the first)


def _entry(
    start: np.ndarray,
    s: np.ndarray,
    t_block: np.ndarray,
    r_bounds: np.ndarray,
    b_bounds: np.ndarray,
) -> Entry:
    """Index the starts of rows already sorted by stratum and stop (``s`` their strata)."""
    order = np.lexsort((start, s)) if len(r_bounds) > 2 else np.argsort(start, kind="stable")
    st = start[order]
    pos = np.empty(len(t_block), dtype=np.int64)
    end = np.empty(len(t_block), dtype=np.int64)
    before = np.empty(len(start), dtype=np.int64)
    for a, b, c, e in zip(r_bounds[:-1], r_bounds[1:], b_bounds[:-1], b_bounds[1:], strict=True):
        pos[c:e] = a + np.searchsorted(st[a:b], t_block[c:e], side="left")
        end[c:e] = b
        before[a:b] = c - 1 + np.searchsorted(t_block[c:e], start[a:b], side="right")
    return Entry(order, pos, end, before)


def build_risk(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    ties: str,
    start: np.ndarray | None = None,
) -> Risk:
    """Sort by stratum then time and index the tie blocks (Efron or Breslow).

    With ``start`` the rows are counting-process intervals (start, time]."""
    order = np.argsort(time, kind="stable") if strata.max(initial=0) == 0 else None
    if order is None:
        order = np.lexsort((time, strata))
    t, s = time[order], strata[order]
    center = x.mean(axis=0)
    xs = x[order] - center
    ev = event[order].astype(float)
    n = len(t)
    new_stratum = np.r_[True, s[1:] != s[:-1]]
    flags = new_stratum | np.r_[True, t[1:] != t[:-1]]
    starts = np.flatnonzero(flags)
    block = np.cumsum(flags) - 1
    bounds = np.r_[np.flatnonzero(new_stratum), n]
    stratum_of_block = np.cumsum(new_stratum[starts]) - 1
    block_bounds = np.r_[np.flatnonzero(new_stratum[starts]), len(starts)]
    deaths = np.bincount(block, weights=ev, minlength=len(starts))
    d = deaths.astype(np.int64)
    ev_block = np.repeat(np.arange(len(starts)), d)
    if ties == "efron":
        first = np.repeat(np.cumsum(d) - d, d)
        frac = (np.arange(len(ev_block)) - first) / np.repeat(d, d)
    else:
        frac = np.zeros(len(ev_block))
    event_rows = np.flatnonzero(ev)
    dead_blocks = np.flatnonzero(d)
    entry = None if start is None else _entry(start[order], s, t[starts], bounds, block_bounds)
    return Risk(
        xs, t, starts, ev, order, block, stratum_of_block, bounds, block_bounds, deaths, ev_block,
        frac, center, ties == "efron", event_rows, np.r_[0, np.cumsum(d[dead_blocks])[:-1]],
        np.repeat(np.arange(len(dead_blocks)), d[dead_blocks]), xs.T @ ev, entry,
    )  # fmt: skip


def _rev_cumsum(v: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum of v from each row to the end of its stratum (one pass per stratum)."""
    out = np.empty_like(v)
    for a, b in itertools.pairwise(bounds):
        out[a:b] = v[a:b][::-1].cumsum(axis=0)[::-1]
    return out


def _cum_by_stratum(v: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Forward cumulative sum of block values, restarted in each stratum."""
    out = np.empty_like(v)
    for a, b in itertools.pairwise(bounds):
        out[a:b] = v[a:b].cumsum(axis=0)
    return out


@dataclass(frozen=True)
class Moments:
    """Per-expanded-death quantities at one beta."""

    w: np.ndarray  # (n,) risk weights exp(eta - shift)
    a0: np.ndarray  # (E,)
    mean: np.ndarray  # (E, p)
    shift: float


def _rev_cum_blocks(v: np.ndarray, r: Risk, blocks: np.ndarray | None = None) -> np.ndarray:
    """Risk-set sums at each tie block (or at ``blocks``): block sums, reverse-cumulated
    within each stratum, less (counting process) the rows that start at or after the time."""
    out = _rev_cumsum(np.add.reduceat(v, r.starts, axis=0), r.block_bounds)
    if blocks is not None:
        out = out[blocks]
    e = r.entry
    if e is None:
        return out
    tail = np.zeros((len(v) + 1, *v.shape[1:]))
    tail[:-1] = v[e.order][::-1].cumsum(axis=0)[::-1]
    pos, end = (e.pos, e.end) if blocks is None else (e.pos[blocks], e.end[blocks])
    inside: np.ndarray = out - (tail[pos] - tail[end])
    return inside


def _cum_rows(v: np.ndarray, r: Risk) -> np.ndarray:
    """Per row: the sum of the block values ``v`` over the blocks whose risk set holds it
    (its stratum's blocks up to its own; counting process: after its start)."""
    if r.entry is None:
        out: np.ndarray = _cum_by_stratum(v, r.block_bounds)[r.block]
        return out
    cum = np.zeros((len(v) + 1, *v.shape[1:]))
    cum[1:] = v.cumsum(axis=0)
    out = cum[r.block + 1] - cum[r.entry.before + 1]
    return out


def moments(r: Risk, beta: np.ndarray, eta: np.ndarray | None = None) -> Moments:
    """Risk-set sums with Efron's (or Breslow's) correction at ``beta``."""
    if eta is None:
        eta = r.x @ beta
    shift = float(eta.max()) if len(eta) else 0.0
    w = np.exp(eta - shift)
    wx = r.x * w[:, None]
    s0 = _rev_cum_blocks(w, r)
    s1 = _rev_cum_blocks(wx, r)
    f = r.frac
    eb = r.ev_block
    if r.efron:
        dead = r.event_rows
        d0 = np.add.reduceat(w[dead], r.dead_starts)
        d1 = np.add.reduceat(wx[dead], r.dead_starts, axis=0)
        a0 = s0[eb] - f * d0[r.ev_dblock]
        a1 = s1[eb] - f[:, None] * d1[r.ev_dblock]
    else:
        a0, a1 = s0[eb], s1[eb]
    return Moments(w, a0, a1 / a0[:, None], shift)


@dataclass(frozen=True)
class BlockTerms:
    """Per block with deaths, at one beta: the sums the score and information are made of.

    Efron's j-th correction enters through scalars only: the means are
    (S1 - f D1) / (S0 - f D0), so their sums and outer products reduce to per-block sums of
    1 / a0 (c1), f / a0 (c2) and f^k / a0^2 (q0, q1, q2) times the block's S1 and D1.
    """

    loglik: float
    w: np.ndarray  # (n,) risk weights exp(eta - shift)
    dead_blocks: np.ndarray  # (K,) the blocks with deaths
    s1: np.ndarray  # (K, p) risk-set sums of w x
    d1: np.ndarray  # (K, p) sums of w x over the block's deaths (zero for Breslow)
    c1: np.ndarray  # (K,)
    c2: np.ndarray
    q0: np.ndarray
    q1: np.ndarray
    q2: np.ndarray


def block_terms(r: Risk, beta: np.ndarray) -> BlockTerms:
    """The per-block sums at ``beta`` (and the log partial likelihood)."""
    eta = r.x @ beta
    shift = float(eta.max())
    w = np.exp(eta - shift)
    dead_blocks = r.block[r.event_rows[r.dead_starts]]
    s0 = _rev_cum_blocks(w, r, dead_blocks)
    s1 = _rev_cum_blocks(r.x * w[:, None], r, dead_blocks)
    f, k = r.frac, r.ev_dblock
    if r.efron:
        wd = w[r.event_rows]
        d0 = np.add.reduceat(wd, r.dead_starts)
        d1 = np.add.reduceat(r.x[r.event_rows] * wd[:, None], r.dead_starts, axis=0)
        a0 = s0[k] - f * d0[k]
    else:
        d1 = np.zeros((len(dead_blocks), r.x.shape[1]))
        a0 = s0[k]
    inv = 1 / a0
    nk = len(dead_blocks)

    def per_block(v: np.ndarray) -> np.ndarray:
        return np.bincount(k, weights=v, minlength=nk)

    loglik = float(eta @ r.event) - float(np.log(a0).sum()) - shift * len(a0)
    c1, c2 = per_block(inv), per_block(f * inv)
    inv2 = inv**2
    q0, q1, q2 = per_block(inv2), per_block(f * inv2), per_block(f * f * inv2)
    return BlockTerms(loglik, w, dead_blocks, s1, d1, c1, c2, q0, q1, q2)


def block_scores(r: Risk, bt: BlockTerms) -> np.ndarray:
    """(K, p): each death block's term of the score (its deaths' x less their means)."""
    xd = np.add.reduceat(r.x[r.event_rows], r.dead_starts, axis=0)
    out: np.ndarray = xd - (bt.s1 * bt.c1[:, None] - bt.d1 * bt.c2[:, None])
    return out


def information(r: Risk, bt: BlockTerms, c: np.ndarray | None = None) -> np.ndarray:
    """The information matrix: the sum over death blocks of their variance matrices, each
    weighted by ``c`` (per block with deaths; default 1)."""
    c1, c2, q0, q1, q2 = (
        (bt.c1, bt.c2, bt.q0, bt.q1, bt.q2)
        if c is None
        else (bt.c1 * c, bt.c2 * c, bt.q0 * c, bt.q1 * c, bt.q2 * c)
    )
    c1_all = np.zeros(len(r.deaths))
    c1_all[bt.dead_blocks] = c1
    weight = _cum_rows(c1_all, r)
    if r.efron:
        c2_all = np.zeros(len(r.deaths))
        c2_all[bt.dead_blocks] = c2
        weight[r.event_rows] -= c2_all[r.block[r.event_rows]]
    weight *= bt.w
    s1, d1 = bt.s1, bt.d1
    mm = (s1 * q0[:, None]).T @ s1
    if r.efron:
        cross = (s1 * q1[:, None]).T @ d1
        mm += (d1 * q2[:, None]).T @ d1 - cross - cross.T
    out: np.ndarray = (r.x * weight[:, None]).T @ r.x - mm
    return out


def terms(r: Risk, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score vector and information matrix at ``beta``."""
    bt = block_terms(r, beta)
    u = r.x_dead_sum - (bt.s1 * bt.c1[:, None] - bt.d1 * bt.c2[:, None]).sum(axis=0)
    return bt.loglik, u, information(r, bt)


def _solve(info: np.ndarray, u: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(info, u)
    except np.linalg.LinAlgError:
        raise ParameterError(
            "the information matrix is singular: a covariate is constant or collinear with "
            "others among the patients at risk"
        ) from None


@dataclass(frozen=True)
class Newton:
    """The fit: estimate, its information, the null model and how the iterations ended."""

    beta: np.ndarray  # on the centred scale (same slopes)
    loglik: float
    loglik0: float
    score0: np.ndarray
    info0: np.ndarray
    u: np.ndarray
    info: np.ndarray
    iterations: int
    ran_out: bool


def nonsingular(info: np.ndarray) -> np.ndarray:
    """Columns with information of their own (a pivot-free Cholesky sweep, in column order):
    a pivot below ``TOLER_CHOL`` times the largest diagonal marks a column that is constant
    or a combination of earlier ones, as coxph's singularity test."""
    m = np.array(info, dtype=float)
    p = len(m)
    keep = np.zeros(p, bool)
    top = float(np.max(np.diag(m), initial=0.0))
    tol = TOLER_CHOL * top if top > 0 else TOLER_CHOL
    for i in range(p):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < tol or top <= 0:
            continue
        keep[i] = True
        m[i + 1 :, i + 1 :] -= np.outer(m[i + 1 :, i], m[i, i + 1 :]) / pivot
    return keep


def subset(r: Risk, keep: np.ndarray) -> Risk:
    """The same data with only the columns ``keep``."""
    return replace(r, x=r.x[:, keep], center=r.center[keep], x_dead_sum=r.x_dead_sum[keep])


def newton(
    r: Risk,
    max_iter: int = MAX_ITER,
    eps: float = EPS,
    first: tuple[float, np.ndarray, np.ndarray] | None = None,
) -> Newton:
    """Newton-Raphson from beta = 0 with step halving, stopped as ``coxph``: relative change
    of the log-likelihood at most ``eps``. ``first``: :func:`terms` at beta = 0, if known."""
    p = r.x.shape[1]
    beta = np.zeros(p)
    ll, u, info = terms(r, beta) if first is None else first
    ll0, u0, info0 = ll, u, info
    new = beta + _solve(info, u)
    halving, ran_out, it = False, True, 0
    for it in range(1, max_iter + 1):
        new_ll, new_u, new_info = terms(r, new)
        if not halving and new_ll != 0 and abs(new_ll - ll) <= eps * abs(new_ll):
            beta, ll, u, info, ran_out = new, new_ll, new_u, new_info, False
            break
        if it == max_iter:
            beta, ll, u, info = new, new_ll, new_u, new_info
            break
        if new_ll < ll:
            halving = True
            new = (new + beta) / 2
        else:
            halving = False
            beta, ll, u, info = new, new_ll, new_u, new_info
            new = beta + _solve(info, u)
    return Newton(beta, ll, ll0, u0, info0, u, info, it, ran_out)


def infinite_terms(fit: Newton, var: np.ndarray) -> list[int]:
    """1-based positions of coefficients that may be infinite (coxph's toler.inf test)."""
    step = np.abs(var @ fit.u)
    flag = (step > EPS) & (step > TOLER_INF * np.abs(fit.beta))
    return [int(i) + 1 for i in np.flatnonzero(flag)]


def score_residuals(r: Risk, beta: np.ndarray) -> np.ndarray:
    """Score residual of each row (original order): its share of the score at ``beta``."""
    m = moments(r, beta)
    nb = len(r.deaths)
    p = r.x.shape[1]
    inv = 1 / m.a0

    def per_block(wt: np.ndarray) -> np.ndarray:
        return np.bincount(r.ev_block, weights=wt, minlength=nb)

    def per_block_vec(wt: np.ndarray) -> np.ndarray:
        cols = [per_block(wt * m.mean[:, k]) for k in range(p)]
        return np.stack(cols, axis=1).reshape(nb, p)

    h = _cum_rows(per_block(inv), r)
    hm = _cum_rows(per_block_vec(inv), r)
    hf = per_block(r.frac * inv)[r.block]
    hfm = per_block_vec(r.frac * inv)[r.block]
    mean_of_block = per_block_vec(np.ones_like(inv)) / np.maximum(r.deaths, 1)[:, None]
    e = r.event[:, None]
    resid = e * (r.x - mean_of_block[r.block])
    resid -= m.w[:, None] * (r.x * h[:, None] - hm)
    resid += (m.w * r.event)[:, None] * (r.x * hf[:, None] - hfm)
    out: np.ndarray = np.empty_like(resid)
    out[r.order] = resid
    return out
