"""Step 3: the shape of each curve: a batched logistic fit, its rise, R2 and signal-to-noise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ikzf1assay.qpcr.curves._arrays import running_median3

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings


def logistic(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    b, a, x0, s = (p[:, i : i + 1] for i in range(4))
    z = np.clip(-(x - x0) / s, -60, 60)
    return np.asarray(b + a / (1 + np.exp(z)), dtype=float)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, iterations: int = 60, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``b + A / (1 + exp(-(x - x0)/s))`` to every row of ``y`` at once.

    A batched Levenberg-Marquardt: each iteration solves the damped 4x4 normal equations of all
    rows together; a step is kept per row only when it lowers that row's squared error. NaN
    readings are ignored. Returns ``(params, sse)`` with params columns ``b, A, x0, s``.
    Cross-checked against ``scipy.optimize.curve_fit`` in the tests. Rows are fitted ``chunk``
    at a time, which keeps the temporaries in cache and bounds memory on large batches.
    """
    if y.shape[0] > chunk:
        parts = [
            fit_logistic(x, y[i : i + chunk], iterations, chunk)
            for i in range(0, y.shape[0], chunk)
        ]
        return np.concatenate([p for p, _ in parts]), np.concatenate([e for _, e in parts])
    n_rows = y.shape[0]
    ok = np.isfinite(y)
    yz = np.where(ok, y, 0.0)
    w = ok.astype(float)
    top = np.nanmax(np.where(ok, y, -np.inf), axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    half = (y >= (top / 2)[:, None]) & ok
    first_half = np.where(half.any(1), x[np.argmax(half, axis=1)], x.mean())
    p = np.column_stack(
        [np.zeros(n_rows), np.maximum(top, 1e-12), first_half, np.full(n_rows, 1.5)]
    )
    lam = np.full(n_rows, 1e-2)

    def sse_of(params: np.ndarray) -> np.ndarray:
        return np.asarray((w * (yz - logistic(x, params)) ** 2).sum(1), dtype=float)

    sse = sse_of(p)
    span = float(x.max() - x.min()) or 1.0
    active = np.arange(n_rows)  # rows still improving; converged rows stop costing time
    for _ in range(iterations):
        if active.size == 0:
            break
        pa, wa, ya, la = p[active], w[active], yz[active], lam[active]
        b, a, x0, s = (pa[:, i : i + 1] for i in range(4))
        z = np.clip(-(x - x0) / s, -60, 60)
        e = np.exp(z)
        g = 1 / (1 + e)  # logistic value
        dg = e * g * g  # d g / d u, u = (x - x0)/s
        jac = np.stack([np.ones_like(g), g, -a * dg / s, -a * dg * (x - x0) / (s * s)], axis=2)
        jac *= wa[:, :, None]
        r = (ya - (b + a * g)) * wa
        jt = jac.transpose(0, 2, 1)
        jtj = jt @ jac  # batched BLAS: (rows, 4, 4)
        jtr = (jt @ r[:, :, None])[:, :, 0]
        diag = np.diagonal(jtj, axis1=1, axis2=2)
        damped = jtj + (la[:, None] * np.maximum(diag, 1e-12))[:, :, None] * np.eye(4)
        try:
            step = np.linalg.solve(damped, jtr[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack(
                [np.linalg.lstsq(d, v, rcond=None)[0] for d, v in zip(damped, jtr, strict=True)]
            )
        trial = pa + step
        trial[:, 3] = np.clip(trial[:, 3], 0.2, 20.0)
        trial[:, 1] = np.maximum(trial[:, 1], 0.0)
        trial[:, 2] = np.clip(trial[:, 2], x.min() - span, x.max() + span)
        new_sse = np.asarray((wa * (ya - logistic(x, trial)) ** 2).sum(1), dtype=float)
        old_sse = sse[active]
        better = np.isfinite(new_sse) & (new_sse < old_sse)
        p[active] = np.where(better[:, None], trial, pa)
        sse[active] = np.where(better, new_sse, old_sse)
        lam[active] = np.clip(np.where(better, la * 0.3, la * 4.0), 1e-9, 1e9)
        gain = (old_sse - sse[active]) / np.maximum(old_sse, 1e-300)
        # keep iterating while a row still gains, or has only just been damped
        active = active[(better & (gain > 1e-7)) | (~better & (lam[active] < 1e6))]
    return p, sse


def shape(
    d_f: np.ndarray, x: np.ndarray, finite: np.ndarray, noise: np.ndarray, st: CurveSettings
) -> dict[str, np.ndarray]:
    """Step 3: fit the logistic to the baseline-corrected curves and measure their rise.

    Parameters
    ----------
    d_f
        Baseline-corrected curves (wells x cycles).
    x
        Cycles.
    finite
        Where a reading exists.
    noise
        Noise per well (step 2).
    st
        The settings (``snr_min``).

    Returns
    -------
    dict
        ``sse`` and ``r2`` of the fit, ``x0`` and ``slope`` (``s``) of the logistic, the first
        and last cycle read (``x_first``, ``x_last``), ``rise`` of the logistic over them, its
        ``snr`` in noise units, the largest smoothed reading in noise units (``excursion``,
        upward only) and ``signal`` (``snr >= snr_min``).
    """
    params, sse = fit_logistic(x, d_f)
    with np.errstate(all="ignore"):
        mean = np.nanmean(d_f, axis=1, keepdims=True)
        sst = np.nansum(np.where(finite, (d_f - mean) ** 2, 0.0), axis=1)
        r2 = np.where(sst > 0, 1 - sse / sst, 0.0)
    x_last = np.nanmax(np.where(finite, x, np.nan), axis=1)
    x_first = np.nanmin(np.where(finite, x, np.nan), axis=1)
    lo = logistic(x_first[:, None], params)[:, 0]
    hi = logistic(x_last[:, None], params)[:, 0]
    rise = hi - lo
    snr = rise / noise
    smooth = running_median3(d_f)
    excursion = np.nanmax(np.where(finite, smooth, -np.inf), axis=1) / noise
    return {"sse": sse, "r2": r2, "x0": params[:, 2], "slope": params[:, 3], "x_first": x_first,
            "x_last": x_last, "rise": rise, "snr": snr, "excursion": excursion,
            "signal": snr >= st.snr_min}  # fmt: skip


def hinge_sse(d_f: np.ndarray, x: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Least squared error of the best hinge per well: flat, then a straight rise from a kink
    at one of the cycles (the shape of a linear-rise artefact)."""
    y = np.where(finite, d_f, 0.0)
    w = finite.astype(float)
    best = np.full(y.shape[0], np.inf)
    for k in x[2:-3]:  # a loop over candidate kinks (cycles), each vectorised over wells
        h = np.maximum(x - k, 0.0)[None, :] * w
        n, sh, sy = w.sum(1), h.sum(1), y.sum(1)
        shh, shy = (h * h).sum(1), (h * y).sum(1)
        den = n * shh - sh * sh
        with np.errstate(all="ignore"):
            b1 = np.where(den > 0, (n * shy - sh * sy) / den, 0.0)
            b0 = (sy - b1 * sh) / np.maximum(n, 1)
        resid = (y - b0[:, None] - b1[:, None] * h) * w
        best = np.minimum(best, (resid**2).sum(1))
    return best
