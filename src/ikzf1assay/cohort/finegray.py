"""Fine-Gray subdistribution-hazard regression with its full sandwich variance.

Written from Fine and Gray (JASA 1999, 94:496-509). The risk set at an event time ``t`` holds
every patient still under observation and, with weight ``G(t-)/G(X_i-)``, every patient who
had a competing event at ``X_i < t``; ``G`` is the Kaplan-Meier estimate of the censoring
distribution and the partial likelihood is Breslow's. The variance is
``I^{-1} Σ_i (η_i + ψ_i)(η_i + ψ_i)' I^{-1}`` (their section 3): ``η_i`` is patient i's
score residual and ``ψ_i`` the term for the estimated censoring distribution, an integral of
``q(u)/π(u)`` against the patient's censoring martingale. Every sum over the risk sets is a
cumulative sum over the distinct times, so a fit is O(n p²) per iteration. Newton-Raphson
starts at 0 and stops as crr does (relative change of the log likelihood below ``gtol``
1e-6, ``maxiter`` 10), so the coefficients are crr's, not only close to them; a separated
fit is flagged with coxph's rule and words ("coefficient may be infinite").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ikzf1assay.cohort._cox_design import coefficient_table, design, factor_levels, term_labels
from ikzf1assay.cohort.cuminc import usable_rows
from ikzf1assay.errors import ParameterError

__all__ = ["FineGrayFit", "FineGrayResult", "fine_gray", "fit_fine_gray"]

MAX_ITER = 10  # crr's maxiter
GTOL = 1e-6  # crr's gtol
EPS = 1e-9


@dataclass(frozen=True)
class _Data:
    """The patients sorted by distinct time: ``pos`` maps each patient to its time."""

    z: np.ndarray  # n x p covariates
    pos: np.ndarray  # index of each patient's distinct time
    cause: np.ndarray  # 1 for the event modelled
    compete: np.ndarray  # 1 for a competing event
    censored: np.ndarray  # 1 for censored
    g_left: np.ndarray  # G(u-) at each distinct time u
    at_risk: np.ndarray  # number with X >= u at each distinct time
    n_cens: np.ndarray  # censored at each distinct time
    n_cause: np.ndarray  # events of the modelled cause at each distinct time
    m: int


@dataclass(frozen=True)
class FineGrayFit:
    """Coefficients, their variance, log partial likelihood and convergence."""

    coef: np.ndarray
    var: np.ndarray
    loglik: float
    iterations: int
    converged: bool
    infinite: list[int]


def _prepare(time: np.ndarray, status: np.ndarray, z: np.ndarray, cause: int) -> _Data:
    uniq, pos = np.unique(time, return_inverse=True)
    m = len(uniq)
    is_cause = (status == cause).astype(float)
    censored = (status == 0).astype(float)
    compete = 1.0 - is_cause - censored
    n_cens = np.bincount(pos, censored, m)
    at_risk = np.cumsum(np.bincount(pos, minlength=m)[::-1])[::-1].astype(float)
    surv = np.cumprod(1.0 - n_cens / at_risk)
    g_left = np.concatenate([[1.0], surv[:-1]])
    return _Data(
        z=z,
        pos=pos,
        cause=is_cause,
        compete=compete,
        censored=censored,
        g_left=g_left,
        at_risk=at_risk,
        n_cens=n_cens,
        n_cause=np.bincount(pos, is_cause, m),
        m=m,
    )


def _by_time(d: _Data, values: np.ndarray) -> np.ndarray:
    """Sum a per-patient array (n, ...), sorted by time, into the distinct times (m, ...)."""
    starts = np.flatnonzero(np.r_[True, np.diff(d.pos) > 0])
    return np.add.reduceat(values, starts, axis=0)


def _risk_sums(d: _Data, values: np.ndarray) -> np.ndarray:
    """Weighted risk-set sum of a per-patient array at every distinct time."""
    shape = (-1,) + (1,) * (values.ndim - 1)
    still = np.cumsum(_by_time(d, values)[::-1], axis=0)[::-1]
    gone = _by_time(d, values * (d.compete / d.g_left[d.pos]).reshape(shape))
    before = np.cumsum(gone, axis=0) - gone
    out: np.ndarray = still + d.g_left.reshape(shape) * before
    return out


def _moments(d: _Data, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """exp(z beta), S0, zbar and S2/S0 at every distinct time (where S0 > 0)."""
    risk = np.exp(d.z @ beta)
    s0 = _risk_sums(d, risk)
    s1 = _risk_sums(d, risk[:, None] * d.z)
    s2 = _risk_sums(d, risk[:, None, None] * d.z[:, :, None] * d.z[:, None, :])
    safe = np.where(s0 > 0, s0, 1.0)
    return risk, s0, s1 / safe[:, None], s2 / safe[:, None, None]


def _terms(d: _Data, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and information at beta."""
    _, s0, zbar, s2 = _moments(d, beta)
    ev = d.n_cause > 0
    loglik = float(d.cause @ (d.z @ beta) - d.n_cause[ev] @ np.log(s0[ev]))
    score = d.cause @ d.z - d.n_cause @ zbar
    outer = zbar[:, :, None] * zbar[:, None, :]
    info = np.einsum("k,kij->ij", d.n_cause, s2 - outer)
    return loglik, score, info


def _solve(info: np.ndarray, vec: np.ndarray, names: list[str]) -> np.ndarray:
    rank = np.linalg.matrix_rank(info, tol=1e-10 * max(1.0, float(np.abs(info).max())))
    if rank < info.shape[0]:
        raise ParameterError(
            "Fine-Gray: the information matrix is singular (rank "
            f"{rank} of {info.shape[0]}): covariates {', '.join(names)} are collinear or "
            "constant among the patients at risk; remove one"
        )
    return np.linalg.solve(info, vec)


def _newton(
    d: _Data, names: list[str], max_iter: int, gtol: float
) -> tuple[np.ndarray, float, int, bool]:
    """Newton-Raphson from 0 until the log likelihood changes by less than gtol relative.

    That rule, found by comparing the iterates with crr's answers on R's data, stops where
    crr stops, so that the coefficients are crr's. A step that lowers the log likelihood (or
    overflows) is halved, up to 30 times.
    """
    beta = np.zeros(d.z.shape[1])
    loglik, score, info = _terms(d, beta)
    for it in range(1, max_iter + 1):
        new = beta + _solve(info, score, names)
        new_ll, new_score, new_info = _terms(d, new)
        for _ in range(30):
            if np.isfinite(new_ll) and new_ll >= loglik - 1e-12 * abs(loglik):
                break
            new = (beta + new) / 2
            new_ll, new_score, new_info = _terms(d, new)
        done = abs(new_ll - loglik) < gtol * max(abs(new_ll), 1e-300)
        beta, loglik, score, info = new, new_ll, new_score, new_info
        if done:
            return beta, loglik, it, True
    return beta, loglik, max_iter, False


def _infinite(d: _Data, beta: np.ndarray, names: list[str]) -> list[int]:
    """Coefficients that may be infinite, by coxph's rule, after iterating on to convergence.

    Newton-Raphson continues from ``beta`` until the log likelihood changes by less than
    1e-9 relative (30 steps at most); a coefficient whose next step is still larger than
    1e-9 and than sqrt(1e-9) times itself is growing without bound.
    """
    loglik, score, info = _terms(d, beta)
    for _ in range(30):
        new = beta + _solve(info, score, names)
        new_ll, new_score, new_info = _terms(d, new)
        if not np.isfinite(new_ll) or new_ll < loglik:
            break
        done = abs(new_ll - loglik) < EPS * max(1.0, abs(new_ll))
        beta, loglik, score, info = new, new_ll, new_score, new_info
        if done:
            break
    step = np.abs(_solve(info, score, names))
    return [j for j in range(len(beta)) if step[j] > EPS and step[j] > np.sqrt(EPS) * abs(beta[j])]


def _eta(d: _Data, risk: np.ndarray, zbar: np.ndarray, dlam: np.ndarray) -> np.ndarray:
    """Score residuals: each patient's integral of (Z - zbar) w dM^1."""
    a = np.cumsum(dlam)[d.pos]
    b = np.cumsum(zbar * dlam[:, None], axis=0)[d.pos]
    eta = d.cause[:, None] * (d.z - zbar[d.pos]) - risk[:, None] * (d.z * a[:, None] - b)
    c0, c1 = _from(d, zbar, dlam)
    nxt = np.minimum(d.pos + 1, d.m - 1)
    after = (d.pos + 1 < d.m).astype(float)  # event times strictly after X_i
    later = (d.z * c0[nxt][:, None] - c1[nxt]) * after[:, None]
    out: np.ndarray = eta - (d.compete * risk / d.g_left[d.pos])[:, None] * later
    return out


def _from(d: _Data, zbar: np.ndarray, dlam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums over event times t >= each distinct time of G(t-) dΛ(t) (and of the same × zbar)."""
    r = d.g_left * dlam
    rz = zbar * r[:, None]
    return np.cumsum(r[::-1])[::-1], np.cumsum(rz[::-1], axis=0)[::-1]


def _psi(d: _Data, risk: np.ndarray, zbar: np.ndarray, dlam: np.ndarray) -> np.ndarray:
    """The censoring-distribution term: the integral of q(u)/π(u) against dM^c_i(u).

    ``q(u)`` sums, over patients with a competing event at ``X_i < u`` and event times
    ``t >= u``, ``(Z_i - zbar(t)) w_i(t) exp(Z_i β) dΛ(t)``; ``π(u)`` counts ``X >= u``; the
    censoring martingale uses the Nelson-Aalen increments ``dN^c(u)/π(u)``.
    """
    w = d.compete * risk / d.g_left[d.pos]
    per_w = _by_time(d, w)
    per_wz = _by_time(d, w[:, None] * d.z)
    before_w = np.cumsum(per_w) - per_w
    before_wz = np.cumsum(per_wz, axis=0) - per_wz
    c0, c1 = _from(d, zbar, dlam)
    q = before_wz * c0[:, None] - before_w[:, None] * c1
    jump = q / d.at_risk[:, None]
    comp = np.cumsum(jump * (d.n_cens / d.at_risk)[:, None], axis=0)
    out: np.ndarray = d.censored[:, None] * jump[d.pos] - comp[d.pos]
    return out


def fit_fine_gray(
    time: np.ndarray,
    status: np.ndarray,
    z: np.ndarray,
    cause: int,
    names: list[str],
    max_iter: int = MAX_ITER,
    gtol: float = GTOL,
) -> FineGrayFit:
    """Fit the model: coefficients by Newton-Raphson, variance with the censoring term.

    Parameters
    ----------
    time, status
        Follow-up time and status (0 censored, ``cause`` the event modelled, others competing).
    z
        Covariate matrix, one row per patient.
    cause
        The status code of the event modelled.
    names
        Covariate names, for messages.
    max_iter
        Newton-Raphson iterations at most (crr's ``maxiter``).
    gtol
        Convergence when the log likelihood changes by less than it, relative (crr's
        ``gtol``).

    Returns
    -------
    FineGrayFit
        Coefficients, sandwich variance, loglik, iterations, convergence, and the indices of
        coefficients that may be infinite (the loglik converged while they kept growing).
    """
    order = np.argsort(np.asarray(time, float), kind="stable")
    d = _prepare(
        np.asarray(time, float)[order],
        np.asarray(status, int)[order],
        np.asarray(z, float)[order],
        cause,
    )
    if d.n_cause.sum() == 0:
        raise ParameterError(f"Fine-Gray: no events of cause {cause}; nothing to model")
    beta, loglik, iterations, converged = _newton(d, names, max_iter, gtol)
    risk, s0, zbar, _ = _moments(d, beta)
    inv = np.linalg.inv(_terms(d, beta)[2])
    dlam = np.where(s0 > 0, d.n_cause / np.where(s0 > 0, s0, 1.0), 0.0)
    resid = _eta(d, risk, zbar, dlam) + _psi(d, risk, zbar, dlam)
    var = inv @ (resid.T @ resid) @ inv
    infinite = _infinite(d, beta, names)
    return FineGrayFit(beta, var, loglik, iterations, converged, infinite)


@dataclass(frozen=True)
class FineGrayResult:
    """``table``: term, coef, se, hr (subdistribution HR), lower, upper, p, label (``age``,
    ``sex M vs F``: the level against the reference level); ``cause``;
    ``n`` patients used, ``n_dropped`` left out for a missing value; ``converged`` is False
    when Newton-Raphson did not converge or a coefficient may be infinite, which
    ``warnings`` then says in R's words; ``loglik`` the log pseudo-partial likelihood."""

    table: pd.DataFrame
    cause: int
    n: int
    converged: bool
    n_dropped: int = 0
    warnings: tuple[str, ...] = ()
    loglik: float = float("nan")
    vcov: np.ndarray | None = field(default=None, repr=False)


def _warnings(fit: FineGrayFit, terms: list[str]) -> tuple[str, ...]:
    out = []
    if not fit.converged:
        out.append(f"Ran out of iterations ({fit.iterations}) and did not converge")
    out += [
        f"Loglik converged before variable {j + 1} ({terms[j]}); coefficient may be infinite."
        for j in fit.infinite
    ]
    return tuple(out)


def fine_gray(
    df: pd.DataFrame,
    time: str,
    status: str,
    covariates: list[str],
    cause: int = 1,
    conf_level: float = 0.95,
    *,
    max_iter: int = MAX_ITER,
    gtol: float = GTOL,
) -> FineGrayResult:
    """Fine-Gray subdistribution-hazard regression, as ``cmprsk::crr(ftime, fstatus, cov1)``.

    Coefficients and standard errors equal crr's (the variance carries the term for the
    estimated censoring distribution, Fine and Gray 1999, section 3). Categorical covariates
    are coded as in :func:`ikzf1assay.cohort.cox`.

    Parameters
    ----------
    df
        One row per patient; rows with a missing value in a used column are left out and
        counted (``n_dropped``), as crr's ``n.missing``.
    time, status
        Column names: follow-up time, and status (0 censored, 1, 2, ... the causes).
    covariates
        Column names of the covariates.
    cause
        The status code of the event modelled.
    conf_level
        Level of the confidence intervals.
    max_iter, gtol
        Newton-Raphson: iterations at most, and the relative change of the log likelihood
        at which it stops (crr's ``maxiter`` 10 and ``gtol`` 1e-6: the coefficients are
        crr's).

    Returns
    -------
    FineGrayResult
        term, coef, se, hr (subdistribution HR), lower, upper, p; patients used and left out;
        convergence and R's warnings for coefficients that may be infinite.

    Raises
    ------
    ParameterError
        If the status is not coded 0, 1, 2, ..., there is no event of ``cause``, or the
        information matrix is singular (collinear or constant covariates).
    """
    used, dropped = usable_rows(df, [time, status, *covariates])
    if used.empty:
        raise ParameterError(f"Fine-Gray: no patient without missing values ({dropped} left out)")
    x, by_covariate = design(used, covariates)
    terms = list(x.columns)
    fit = fit_fine_gray(
        used[time].to_numpy(float), used[status].to_numpy(int), x.to_numpy(float), cause,
        terms, max_iter, gtol,
    )  # fmt: skip
    table = coefficient_table(terms, fit.coef, np.sqrt(np.diag(fit.var)), conf_level)
    table["label"] = term_labels(by_covariate, factor_levels(used, covariates))
    return FineGrayResult(
        table=table,
        cause=cause,
        n=len(used),
        converged=fit.converged and not fit.infinite,
        n_dropped=dropped,
        warnings=_warnings(fit, terms),
        loglik=fit.loglik,
        vcov=fit.var,
    )
