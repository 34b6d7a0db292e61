"""ABI 7500 text exports written from a per-well specification (SYNTHETIC), for scenarios.

Public through :mod:`ikzf1assay.simulate`: :func:`abi7500_export` writes the reactions given
as :class:`WellSpec`, their curves drawn from the curve families' model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ikzf1assay._sim_families import CURVE_FAMILIES, CYCLES, NOISE_SD, THRESHOLD, draw_curve

__all__ = ["RESULTS_HEADER", "WellSpec", "abi7500_export"]

RESULTS_HEADER = [
    "Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter", "Quencher",
    "CT", "Automatic Ct Threshold", "Ct Threshold", "Automatic Baseline", "Baseline Start",
    "Baseline End",
]  # fmt: skip


@dataclass(frozen=True)
class WellSpec:
    """One reaction of a written export: what the plate holds and what the export says of it.

    ``curve`` is a :data:`CURVE_FAMILIES` kind other than ``short``; ``params`` fixes any of
    its parameters (:data:`PARAM_COLUMNS`: ``ct``, ``plateau``, ``s``, ``rise_start``, ...),
    the others are drawn from the kind's documented range. ``instrument_ct`` is the Ct the
    export's [Results] carries: None computes it as the instrument would, from the exported
    Delta Rn (the last upward crossing of the threshold after which the curve stays above;
    Undetermined when it ends below); a number or ``"Undetermined"`` writes that. ``baseline``
    is the exported baseline range (first, last cycle), which also makes the exported Delta
    Rn. ``results_sample`` names the sample differently in [Results] than in [Sample Setup]
    (an inconsistent export); ``omit`` writes ``Omit = true``.
    """

    well: str
    sample: str
    target: str
    task: str = "UNKNOWN"
    curve: str = "flat"
    params: Mapping[str, float] = field(default_factory=dict)
    instrument_ct: float | str | None = None
    baseline: tuple[int, int] = (3, 15)
    omit: bool = False
    results_sample: str | None = None
    reporter: str = "FAM"


def _instrument_ct(delta_rn: np.ndarray, threshold: float) -> float:
    """The last upward crossing after which ``delta_rn`` stays at or above the threshold."""
    above = delta_rn >= threshold
    if len(above) < 2 or not above[-1]:
        return math.nan
    below = np.flatnonzero(~above)
    if len(below) == 0:
        return math.nan  # above from the first cycle: no crossing
    k = int(below[-1])
    y0, y1 = float(delta_rn[k]), float(delta_rn[k + 1])
    return k + 1 + (threshold - y0) / (y1 - y0)


def abi7500_export(
    wells: Sequence[WellSpec],
    seed: int,
    experiment: str,
    notes: Sequence[str] = (),
    cycles: int = CYCLES,
    threshold: float = THRESHOLD,
) -> str:
    """An ABI 7500 Software v2 text export (96-well plate) of the given reactions.

    The sections are those of :func:`~ikzf1assay.simulate.simulate_run`: [Sample Setup],
    [Amplification Data] (Rn and the Delta Rn the exported baseline range gives),
    [Multicomponent Data] (FAM, VIC and ROX raw signal) and [Results]. Curves follow
    :func:`curve_family`'s model (one draw per well, in the order given, from ``seed``).
    ``notes`` become header lines ``* Note = ..``, ``* Note 2 = ..`` (say SYNTHETIC there);
    ``experiment`` names the ``.eds`` file.

    Raises
    ------
    ValueError
        A well given twice, a well outside a 96-well plate, an unknown curve kind, or
        ``short`` (truncate the text instead).
    """
    rng = np.random.default_rng(seed)
    c = np.arange(1, cycles + 1, dtype=float)
    seen: set[str] = set()
    lines = [
        "* Block Type = 96-Well Block (0.2mL)",
        "* Chemistry = TAQMAN",
        f"* Experiment File Name = {experiment}.eds",
        "* Experiment Run End Time = 2026-03-02 10:15:00 AM CET",
        "* Instrument Type = 7500 Fast (SIMULATED run, ikzf1assay simulate)",
        "* Passive Reference = ROX",
        *(f"* Note{f' {i + 1}' if i else ''} = {note}" for i, note in enumerate(notes)),
        "",
        "[Sample Setup]",
        "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tQuencher",
    ]
    amp: list[str] = []
    multi: list[str] = []
    results: list[str] = []
    for w in wells:
        if w.curve not in CURVE_FAMILIES or w.curve == "short":
            raise ValueError(f"well {w.well}: curve {w.curve!r} is not a full-length family")
        if w.well in seen:
            raise ValueError(f"well {w.well} given twice")
        seen.add(w.well)
        row, col = ord(w.well[0]) - 64, int(w.well[1:])
        if not (1 <= row <= 8 and 1 <= col <= 12):
            raise ValueError(f"well {w.well} is not on a 96-well plate")
        number = (row - 1) * 12 + col
        lines.append(f"{number}\t{w.well}\t{w.sample}\t{w.target}\t{w.task}\t{w.reporter}\tNFQ-MGB")
        rn_true, _, _ = draw_curve(rng, w.curve, c, w.params)
        rn = rn_true * (1 + rng.normal(0, NOISE_SD, cycles))
        rox = 1.6e6 * (1 + rng.normal(0, 0.002, cycles))
        first, last = w.baseline
        base = np.polyval(np.polyfit(c[first - 1 : last], rn[first - 1 : last], 1), c)
        delta = rn - base
        ct: float | str | None = w.instrument_ct
        if ct is None:
            ct = _instrument_ct(np.round(delta, 4), threshold)
        if isinstance(ct, float | int) and math.isfinite(ct):
            ct_text = f"{ct:.3f}"
        else:
            ct_text = "Undetermined"
        for k in range(cycles):
            amp.append(f"{number}\t{k + 1}\t{w.target}\t{rn[k]:.4f}\t{delta[k]:.4f}")
            dyes = {"FAM": 0.02 * rox[k], "VIC": 0.02 * rox[k]}
            dyes[w.reporter] = rn[k] * rox[k]
            multi.append(
                f"{number}\t{w.well}\t{k + 1}\t{dyes['FAM']:.1f}\t{dyes['VIC']:.1f}\t{rox[k]:.1f}"
            )
        fields = [number, w.well, "true" if w.omit else "false", w.results_sample or w.sample]
        fields += [w.target, w.task, w.reporter, "NFQ-MGB", ct_text, "false"]
        fields += [f"{threshold:.3f}", "false", first, last]
        results.append("\t".join(str(f) for f in fields))
    lines += ["", "[Amplification Data]", "Well\tCycle\tTarget Name\tRn\tDelta Rn", *amp]
    lines += ["", "[Multicomponent Data]", "Well\tWell Position\tCycle\tFAM\tVIC\tROX", *multi]
    lines += ["", "[Results]", "\t".join(RESULTS_HEADER), *results]
    return "\n".join(lines) + "\n"
