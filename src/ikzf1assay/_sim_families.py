"""Seeded families of simulated amplification curves, with their truth (SYNTHETIC).

Public through :mod:`ikzf1assay.simulate` (see its documentation for the curve model):
:func:`curve_family` draws curves of one kind (:data:`CURVE_FAMILIES`) for property tests of
the curve analysis, :func:`curve_family_plate` wraps them as a Plate.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ikzf1assay.qpcr.plate import CurvePoint, Plate, Reaction, RunInfo, build_plate

__all__ = [
    "CURVE_FAMILIES",
    "CYCLES",
    "NOISE_SD",
    "PARAM_COLUMNS",
    "THRESHOLD",
    "CurveFamily",
    "curve_family",
    "curve_family_plate",
]

CYCLES = 40
THRESHOLD = 0.2

CURVE_FAMILIES: tuple[str, ...] = (
    "clean",
    "flat",
    "drift_up",
    "drift_down",
    "baseline_step",
    "low_plateau",
    "shallow_slope",
    "late_rise",
    "spike",
    "spike_on_amplification",
    "linear_rise",
    "short",
)
_AMPLIFYING = {
    "clean", "low_plateau", "shallow_slope", "late_rise", "spike_on_amplification"
}  # fmt: skip
NOISE_SD = 0.0015  # multiplicative noise of a reading, as in the run simulator
PARAM_COLUMNS = [
    "b0", "drift", "ct", "plateau", "s", "step_cycle", "step_size", "spike_cycle", "spike_size",
    "rise_start", "rise_height",
]  # fmt: skip


@dataclass(frozen=True)
class CurveFamily:
    """Seeded curves of one kind, with their truth; see :func:`curve_family`.

    Attributes
    ----------
    kind
        One of :data:`CURVE_FAMILIES`.
    cycles
        Cycle numbers ``1 .. n_cycles`` (float).
    rn
        ``(n_curves, n_cycles)`` raw Rn as an ABI export carries it (reporter / ROX).
    amplifies
        Per curve: the tube holds a real PCR amplification (the kind's truth). A ``short``
        curve may amplify beyond its last cycle: see :attr:`visible`.
    design_ct
        Per curve: the cycle where the noise-free Delta Rn of the amplification (the sigmoid
        alone, baseline, drift, steps and spikes excluded) crosses 0.2; NaN without
        amplification. It may lie beyond the last cycle (``short``).
    rn_true
        The noise-free Rn: ``rn`` without its multiplicative noise (baseline, drift, step,
        spike and signal included).
    signal_ct
        Per curve: where the noise-free Rn minus its straight baseline (the design's own
        ``b0 + drift * c``) first crosses 0.2: ``design_ct`` for an amplification, the crossing
        of a ``linear_rise`` artefact (what an instrument would call a Ct), NaN otherwise.
    params
        The drawn parameters, one row per curve (:data:`PARAM_COLUMNS`; NaN when the kind has
        no such parameter): baseline ``b0``, ``drift`` per cycle, ``ct``, ``plateau``, slope
        ``s``, ``step_cycle`` (first cycle at the new level) and ``step_size`` (fraction of
        ``b0``), ``spike_cycle`` and ``spike_size`` (in noise SDs, ``NOISE_SD * b0``),
        ``rise_start`` and ``rise_height`` (Rn above baseline at the last cycle).
    """

    kind: str
    cycles: np.ndarray
    rn: np.ndarray
    amplifies: np.ndarray
    design_ct: np.ndarray
    rn_true: np.ndarray
    signal_ct: np.ndarray
    params: pd.DataFrame

    @property
    def visible(self) -> np.ndarray:
        """Per curve: a real amplification that crosses 0.2 within the run's cycles."""
        last = float(self.cycles[-1]) if len(self.cycles) else 0.0
        reached = np.nan_to_num(self.design_ct, nan=np.inf) <= last
        return np.asarray(self.amplifies & reached, dtype=bool)


def _sigmoid(c: np.ndarray, ct: float, plateau: float, s: float) -> np.ndarray:
    # x0 placed so that plateau / (1 + exp(-(ct - x0) / s)) == THRESHOLD
    x0 = ct + s * math.log(plateau / THRESHOLD - 1)
    out: np.ndarray = plateau / (1 + np.exp(-(c - x0) / s))
    return out


def curve_family(kind: str, n: int = 40, seed: int = 0, cycles: int | None = None) -> CurveFamily:
    """``n`` seeded curves of one kind, for property tests of the curve analysis.

    Every curve reads ``Rn = (b0 + drift * c + step(c) + rise(c) + spike(c)) * (1 + e)`` with a
    baseline ``b0`` uniform in 0.45-0.75 and multiplicative noise ``e ~ N(0, 0.0015)`` (as the
    run simulator's wells). An amplification is ``plateau / (1 + exp(-(c - x0) / s))`` with
    ``x0`` placed so that it crosses 0.2 at the designed Ct. The kinds:

    ``clean``
        Real amplification: Ct 18-32, plateau 1.2-2.2, s 1.4-1.8, a slow straight drift of
        -0.0006 to +0.0012 Rn per cycle (as :func:`~ikzf1assay.simulate.simulate_run`).
    ``flat``
        No amplification, no drift: baseline and noise only.
    ``drift_up`` / ``drift_down``
        No amplification; a straight baseline drift totalling 10-40 % of ``b0`` over the run
        (from cycle 1 to the last), upward or downward, like the strongly drifting negatives
        of real QuantStudio runs. A straight baseline removes it entirely.
    ``baseline_step``
        No amplification; the baseline jumps up or down by 2-5 % of ``b0`` at one cycle
        (``step_cycle``, 10-35: the first reading at the new level) and stays there.
    ``low_plateau``
        Real amplification: Ct 25-33, plateau 0.25-0.5 (just above the 0.2 threshold),
        s 1.4-1.8.
    ``shallow_slope``
        Real amplification of low efficiency: Ct 26-34, plateau 1.2-2.2, s 3-5; the midpoint
        lies 6-10 cycles past the Ct, so most curves reach no plateau within 40 cycles.
    ``late_rise``
        Real amplification: Ct 33-39, plateau 1.2-2.2, s 1.4-1.8; often no plateau.
    ``spike``
        No amplification; one reading (cycle 3 to the last) raised by 10-50 noise SDs
        (``spike_size`` x 0.0015 x ``b0``).
    ``spike_on_amplification``
        A ``clean`` curve with one such spike.
    ``linear_rise``
        No amplification, no sigmoid: an artefact rising in a straight line from a cycle
        ``rise_start`` (15-30) to 0.3-1.0 Rn above baseline at the last cycle; its 0.2
        crossing (``signal_ct``) may lie well before cycle 36.
    ``short``
        Each curve ``clean`` or ``flat`` (even odds), truncated to 1-10 cycles: ``cycles``
        when given (1-10), else one length drawn from the seed for the whole family. A clean
        short curve ``amplifies`` but its ``design_ct`` lies beyond its last cycle.

    Parameters
    ----------
    kind
        One of :data:`CURVE_FAMILIES`.
    n
        Number of curves.
    seed
        Random seed; the same (kind, n, seed, cycles) gives identical arrays.
    cycles
        Cycles per curve: 40 by default, at least 40 for every kind but ``short`` (whose
        ranges assume a 40-cycle run); 1-10 for ``short``.

    Raises
    ------
    ValueError
        An unknown kind, ``n < 0``, or a cycle count outside the kind's range.
    """
    if kind not in CURVE_FAMILIES:
        raise ValueError(f"unknown curve family {kind!r}; expected one of {CURVE_FAMILIES}")
    if n < 0:
        raise ValueError(f"n = {n}: expected a number of curves >= 0")
    rng = np.random.default_rng([seed, CURVE_FAMILIES.index(kind)])
    if kind == "short":
        length = int(rng.integers(1, 11)) if cycles is None else cycles
        if not 1 <= length <= 10:
            raise ValueError(f"cycles = {cycles}: a short curve family has 1-10 cycles")
        full = _family_arrays(rng, kind, n, 40)
        rn, rn_true, amp, dct, sct, params = full
        return CurveFamily(
            kind=kind,
            cycles=np.arange(1, length + 1, dtype=float),
            rn=rn[:, :length].copy(),
            amplifies=amp,
            design_ct=dct,
            rn_true=rn_true[:, :length].copy(),
            signal_ct=np.where(sct <= length, sct, np.nan),
            params=params,
        )
    length = 40 if cycles is None else cycles
    if length < 40:
        raise ValueError(f"cycles = {cycles}: the {kind!r} family needs at least 40 cycles")
    rn, rn_true, amp, dct, sct, params = _family_arrays(rng, kind, n, length)
    return CurveFamily(
        kind=kind,
        cycles=np.arange(1, length + 1, dtype=float),
        rn=rn,
        amplifies=amp,
        design_ct=dct,
        rn_true=rn_true,
        signal_ct=sct,
        params=params,
    )


def _family_arrays(
    rng: np.random.Generator, kind: str, n: int, length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    c = np.arange(1, length + 1, dtype=float)
    rn_true = np.empty((n, length))
    amplifies = np.zeros(n, dtype=bool)
    design_ct = np.full(n, np.nan)
    signal_ct = np.full(n, np.nan)
    rows: list[dict[str, float]] = []
    for i in range(n):
        sub = kind
        if kind == "short":
            sub = "clean" if rng.random() < 0.5 else "flat"
        rn_true[i], p, signal_ct[i] = draw_curve(rng, sub, c, {})
        if sub in _AMPLIFYING:
            amplifies[i] = True
            design_ct[i] = p["ct"]
        rows.append(p)
    rn = rn_true * (1 + rng.normal(0, NOISE_SD, (n, length)))
    params = pd.DataFrame(rows, columns=PARAM_COLUMNS)
    return rn, rn_true, amplifies, design_ct, signal_ct, params


def draw_curve(
    rng: np.random.Generator, kind: str, c: np.ndarray, fixed: Mapping[str, float]
) -> tuple[np.ndarray, dict[str, float], float]:
    """(noise-free Rn, parameters, signal_ct) of one curve of ``kind`` (not ``short``).

    Every parameter is drawn from its documented range, then replaced by ``fixed[name]`` where
    given (so fixing one parameter leaves the random stream, and the others, unchanged).
    """
    p = dict.fromkeys(PARAM_COLUMNS, math.nan)
    length = len(c)

    def draw(name: str, value: float) -> float:
        p[name] = float(fixed.get(name, value))
        return p[name]

    b0 = draw("b0", rng.uniform(0.45, 0.75))
    drift = 0.0
    extra = np.zeros(length)
    signal_ct = math.nan
    ranges = {
        "clean": (18, 32, 1.2, 2.2, 1.4, 1.8),
        "spike_on_amplification": (18, 32, 1.2, 2.2, 1.4, 1.8),
        "low_plateau": (25, 33, 0.25, 0.5, 1.4, 1.8),
        "shallow_slope": (26, 34, 1.2, 2.2, 3.0, 5.0),
        "late_rise": (33, 39, 1.2, 2.2, 1.4, 1.8),
    }
    if kind in ("clean", "spike_on_amplification"):
        drift = float(rng.uniform(-0.0006, 0.0012))
    if kind in ranges:
        ct_lo, ct_hi, pl_lo, pl_hi, s_lo, s_hi = ranges[kind]
        ct = draw("ct", rng.uniform(ct_lo, ct_hi))
        plateau = draw("plateau", rng.uniform(pl_lo, pl_hi))
        s = draw("s", rng.uniform(s_lo, s_hi))
        extra += _sigmoid(c, ct, plateau, s)
        signal_ct = ct
    if kind in ("drift_up", "drift_down"):
        total = rng.uniform(0.10, 0.40) * b0 * (1 if kind == "drift_up" else -1)
        drift = float(total / max(length - 1, 1))
    elif kind == "baseline_step":
        step_cycle = draw("step_cycle", int(rng.integers(10, 36)))
        size = draw("step_size", float(rng.uniform(0.02, 0.05) * rng.choice([-1.0, 1.0])))
        extra += np.where(c >= step_cycle, size * b0, 0.0)
    elif kind == "linear_rise":
        start = draw("rise_start", rng.uniform(15, 30))
        height = draw("rise_height", rng.uniform(0.3, 1.0))
        extra += height * np.clip((c - start) / (length - start), 0.0, None)
        signal_ct = start + THRESHOLD / height * (length - start)
    if kind in ("spike", "spike_on_amplification"):
        cycle = int(draw("spike_cycle", int(rng.integers(3, length + 1))))
        size = draw("spike_size", rng.uniform(10, 50))
        extra[cycle - 1] += size * NOISE_SD * b0
    drift = draw("drift", drift)
    return b0 + drift * c + extra, p, signal_ct


def _well_name(i: int, plate_size: int) -> str:
    cols = 12 if plate_size == 96 else 24
    return f"{chr(65 + i // cols)}{i % cols + 1}"


def curve_family_plate(kind: str, n: int = 40, seed: int = 0, cycles: int | None = None) -> Plate:
    """A :func:`curve_family` as a :class:`~ikzf1assay.qpcr.plate.Plate` for the analysis.

    Wells ``A1, A2, ..`` row by row (a 96-well plate up to 96 curves, 384 up to 384), sample
    ``SIM-<kind>-<i>`` (1-based), target ``T``, task UNKNOWN, raw Rn only: no Delta Rn, no
    passive reference, no instrument results (``has_result`` False, no threshold, no baseline).
    """
    fam = curve_family(kind, n=n, seed=seed, cycles=cycles)
    if n > 384:
        raise ValueError(f"n = {n}: at most 384 curves fit one plate")
    size = 96 if n <= 96 else 384
    wells = [_well_name(i, size) for i in range(n)]
    reactions = [
        Reaction(well=w, target="T", sample=f"SIM-{kind}-{i + 1}", task="UNKNOWN")
        for i, w in enumerate(wells)
    ]
    points = [
        CurvePoint(well=w, target="T", cycle=float(cyc), rn=float(fam.rn[i, k]))
        for i, w in enumerate(wells)
        for k, cyc in enumerate(fam.cycles)
    ]
    name = f"SIM-{kind}-seed{seed}-n{n}-c{len(fam.cycles)}"
    info = RunInfo(
        format="simulated",
        file_name=name,
        sha256=hashlib.sha256(fam.rn.tobytes()).hexdigest(),
        instrument="SIMULATED curve family (ikzf1assay.simulate.curve_family)",
        plate_size=size,
    )
    return build_plate(info, reactions, points)
