"""The steps in order over a (wells x cycles) matrix, a block of wells at a time.

Per-cycle work (steps 1-4a, 6) runs on blocks of :data:`BLOCK` wells, which bounds the
temporaries of 100,000 wells to a few tens of megabytes; the per-target figures (the common
window, the inferred threshold, the instrument offset) are then taken over all wells at once.
Each well's numbers do not depend on the block it is in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ikzf1assay.qpcr.curves import _threshold as thr
from ikzf1assay.qpcr.curves._arrays import forward_filled, savgol
from ikzf1assay.qpcr.curves._baseline import baseline, rox_absent, without_rox
from ikzf1assay.qpcr.curves._decision import amplification, instrument_calls
from ikzf1assay.qpcr.curves._shape import hinge_sse, shape

if TYPE_CHECKING:
    from ikzf1assay.qpcr.curves import CurveSettings

#: Wells per block: a multiple of fit_logistic's own chunk (4096), so the fit sees the same
#: batches as over the whole matrix.
BLOCK = 8192


def _per_cycle(
    raw: np.ndarray,
    rox: np.ndarray,
    no_rox: np.ndarray,
    x: np.ndarray,
    facts: dict[str, np.ndarray],
    st: CurveSettings,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Steps 1-4a on one block: the per-well figures, the corrected curves, the readings."""
    finite = np.isfinite(raw)
    raw = without_rox(raw, rox, no_rox)
    base = baseline(raw, x, finite, facts["baseline_start"], facts["baseline_end"], st)
    d_f = base.pop("d_f")
    out = {"base_slope": base.pop("slope"), **base}
    out.update(shape(d_f, x, finite, out["noise"], st))
    filled = forward_filled(d_f)
    out["sdm_index"], out["sdm"] = thr.second_derivative_max(
        filled, savgol(filled, deriv=2), x, finite, out["rise_at"]
    )
    n = d_f.shape[0]
    out["upper_w"] = d_f[np.arange(n), out["sdm_index"]]
    out["lower_w"] = np.maximum(10 * out["noise"], 0.01 * out["rise"])
    out["hinge"] = hinge_sse(d_f, x, finite)
    out["n_read"] = finite.sum(1)
    out["tail_any"] = (finite & (x[None, :] >= (out["x_last"] - 2)[:, None])).any(1)
    out["span"] = np.nanmax(raw, axis=1) - np.nanmin(raw, axis=1)
    out["biggest"] = np.nanmax(np.abs(np.where(finite, d_f - savgol(filled), np.nan)), axis=1)
    known = facts["known"]
    out["at_ct"] = thr.value_at_instrument_ct(d_f, x, finite, facts["instrument_ct"], known)
    return out, d_f, finite


def analyse_matrix(
    raw: np.ndarray,
    rox: np.ndarray,
    x: np.ndarray,
    facts: dict[str, np.ndarray],
    st: CurveSettings,
    mode: str,
) -> dict[str, np.ndarray]:
    """Steps 1-7 for every row of ``raw``.

    Parameters
    ----------
    raw, rox
        ``rn`` and ``passive_ref`` as (wells x cycles), at least 5 cycles; ``rox`` may be empty
        (no passive reference). ``raw`` is overwritten with the baseline-corrected curves,
        which spares a second matrix of the plate's size.
    x
        The cycles.
    facts
        Per well, from the export: ``baseline_start``, ``baseline_end``, ``threshold``,
        ``instrument_ct``, ``instrument_amp``, ``has_result``, ``target``, and ``codes`` (the
        run x target group as integers, ``n_groups`` of them).
    st, mode
        The settings and the threshold mode.

    Returns
    -------
    dict
        One array per output figure: ``ct``, ``crossing``, ``amplification``, ``reason``,
        ``flags``, ``efficiency``, ``threshold``, ``win_lo``, ``win_hi``, ... (one entry per
        well).
    """
    n = raw.shape[0]
    codes, n_groups = facts["codes"], int(facts["n_groups"][0])
    no_rox = rox_absent(rox, n)
    facts = {**facts, "known": np.zeros(n, dtype=bool)}
    if mode == "instrument":
        facts["known"] = thr.known_instrument_ct(x, facts["instrument_ct"], facts["threshold"])
    blocks = [slice(i, min(i + BLOCK, n)) for i in range(0, n, BLOCK)]
    parts = []
    curves = []
    for b in blocks:
        part, d_f, finite = _per_cycle(
            raw[b], rox[b] if rox.shape == raw.shape else rox, no_rox[b], x,
            {k: facts[k][b] for k in ("baseline_start", "baseline_end", "instrument_ct", "known")},
            st,
        )  # fmt: skip
        parts.append(part)
        raw[b] = d_f  # the readings are not needed again
        curves.append((raw[b], finite))
    v = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    del parts
    v["no_rox"] = no_rox
    candidates = v["signal"] & (v["r2"] >= st.r2_min) & (v["lower_w"] < v["upper_w"])
    v["win_lo"], v["win_hi"] = thr.common_window(
        codes, n_groups, v["lower_w"], v["upper_w"], candidates
    )
    instrument = {k: facts[k] for k in ("threshold", "known", "target")}
    window = (v["win_lo"], v["win_hi"])
    v["threshold"] = thr.threshold(
        mode, st, window, v["noise"], {**instrument, "at_ct": v["at_ct"]}, codes, n_groups
    )
    late = []
    for b, (d_f, finite) in zip(blocks, curves, strict=True):  # steps 4c and 6
        eff = thr.efficiency(
            d_f, x, finite, v["sdm"][b], (v["lower_w"][b], v["upper_w"][b]),
            (v["win_lo"][b], v["win_hi"][b]), v["signal"][b],
        )  # fmt: skip
        late.append((eff, *thr.crossing(d_f, x, finite, v["threshold"][b], no_rox[b])))
    del curves
    v["efficiency"] = np.concatenate([e for e, _, _ in late])
    v["crossing"] = np.concatenate([c for _, c, _ in late])
    v["at_start"] = np.concatenate([a for _, _, a in late])
    v["in_rise"] = np.isfinite(v["crossing"]) & (v["crossing"] <= v["sdm"] + 1.5)
    v["ct_all"] = np.where(v["in_rise"], v["crossing"], np.nan)
    v["instrument_ct"] = facts["instrument_ct"]
    v["ct_comparable"] = facts.get("ct_comparable", np.ones(len(v["ct_all"]), dtype=bool))
    v["inst_yes"], v["inst_no"] = instrument_calls(
        facts["instrument_ct"], facts["instrument_amp"], facts["has_result"], v["x_last"]
    )
    v.update(amplification(v, st, codes))
    v["cycles"] = v["n_read"].astype(float)
    v["baseline_start"], v["baseline_end"] = v["b_start"], v["b_end"]
    return v
