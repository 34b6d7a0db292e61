"""The proportional-hazards score test of ``cox.zph`` (transform "km"), vectorised.

At the fitted beta the model is widened by one time-interaction term per coefficient,
beta_j + gamma_j g(t), with g(t) = 1 - KM(t-) of all patients centred on its mean over the
deaths. The score for gamma at gamma = 0 is the sum over death blocks of g_k times the block's
score term; the information of (beta, gamma) is [[V, G1], [G1, G2]] with V, G1 and G2 the sums of
the blocks' variance matrices weighted by 1, g_k and g_k^2 (Efron or Breslow, as the fit). Each
term's statistic is u' I^-1 u over all of beta plus that term's gamma columns (Grambsch &
Therneau 1994; Therneau & Grambsch 2000, section 6.2). Every sum is a cumulative sum over the
sorted data (:mod:`ikzf1assay.cohort._cox_fit`): no loop over event times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ikzf1assay.cohort import _cox_fit as cf
from ikzf1assay.cohort._cox_extras import CoxModel
from ikzf1assay.errors import ParameterError


def km_transform(r: cf.Risk, dead_blocks: np.ndarray) -> np.ndarray:
    """g = 1 - KM(t-) of all rows at each death block's time, centred on its mean over the
    deaths (each block counted once per death)."""
    times, inverse = np.unique(r.time, return_inverse=True)
    count = np.bincount(inverse, minlength=len(times)).astype(float)
    at_risk = count[::-1].cumsum()[::-1]
    deaths = np.bincount(inverse, weights=r.event, minlength=len(times))
    surv = np.cumprod(1 - deaths / at_risk)
    left = np.r_[1.0, surv]  # KM just before each time
    t_dead = r.time[r.starts[dead_blocks]]
    g = 1 - left[np.searchsorted(times, t_dead)]
    d = r.deaths[dead_blocks]
    out: np.ndarray = g - float(g @ d) / float(d.sum())
    return out


def zph_table(model: CoxModel, terms: dict[str, list[str]]) -> pd.DataFrame:
    """term, chisq, df, p per covariate (all its columns together) and a ``GLOBAL`` row.

    Parameters
    ----------
    model
        A fit on right-censored data; aliased (NA) columns are left out, as ``cox.zph``.
    terms
        Each covariate's design columns, as the fit names them.

    Returns
    -------
    pandas.DataFrame
        The table of ``cox.zph(fit)$table``.
    """
    r = model.risk
    if r.entry is not None:
        raise ParameterError("the proportional-hazards test is for right-censored data here")
    if not np.all(np.isfinite(model.beta)):
        raise ParameterError("the model has no finite coefficients: nothing to test")
    keep = np.ones(len(model.beta), bool) if model.aliased is None else ~model.aliased
    if not keep.all():  # as cox.zph: aliased (NA) columns left out, and terms with none left
        r = cf.subset(r, keep)
    names = [n for n, k in zip(model.names, keep, strict=True) if k]
    bt = cf.block_terms(r, model.beta[keep])
    g = km_transform(r, bt.dead_blocks)
    u = g @ cf.block_scores(r, bt)
    v = cf.information(r, bt)
    g1 = cf.information(r, bt, g)
    g2 = cf.information(r, bt, g * g)
    imat = np.block([[v, g1], [g1, g2]])
    if np.linalg.matrix_rank(v) < len(v):
        raise ParameterError(
            "the information matrix of the fit is singular (no information at the estimate, as "
            "with a lone event): no proportional-hazards test"
        )
    p = len(names)
    rows = []
    for cov, cols in terms.items():
        jj = [names.index(c) for c in cols if c in names]
        if not jj:
            continue
        kk = list(range(p)) + [j + p for j in jj]
        uu = np.concatenate([np.zeros(p), u[jj]])
        stat = float(np.linalg.solve(imat[np.ix_(kk, kk)], uu) @ uu)
        rows.append({"term": cov, "chisq": stat, "df": len(jj), "p": float(chi2.sf(stat, len(jj)))})
    uu = np.concatenate([np.zeros(p), u])
    stat = float(np.linalg.solve(imat, uu) @ uu)
    rows.append({"term": "GLOBAL", "chisq": stat, "df": p, "p": float(chi2.sf(stat, p))})
    return pd.DataFrame(rows)
