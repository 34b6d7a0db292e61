"""A documented simulator of IKZF1 deletion runs, written as ABI 7500 Software v2 text exports.

Everything it writes is SYNTHETIC (sample names start with ``SIM-``) and comes with its truth:
the call each sample must receive under the assay's rule. It exists for the demo and for tests
that check the whole chain (reader, curve analysis, calling) against a known answer.

Curve model, per well and cycle ``c``:

- the passive reference ROX reads ``rox0 * (1 + noise)`` (raw units around 1.6e6);
- the reporter reads ``rox * (b0 + drift * c + signal(c)) * (1 + noise)``, so the exported Rn
  (reporter / ROX) carries a baseline ``b0`` with a slow drift and multiplicative noise;
- ``signal(c) = plateau / (1 + exp(-(c - x0) / s))``, with ``x0`` placed so that the
  noise-free Delta Rn crosses the threshold (0.2) at the designed Ct;
- negative wells may carry a late primer-dimer artefact: a shallow rise from about cycle 37
  with a plateau far below the threshold; a contaminated no-template control amplifies at
  Ct 31-33.

Designed Ct: the reference gene (ALB) at 23-26 for good DNA and 34 (beyond its limit of 32) for
a DNA failure; a clonal deletion at the reference Ct + 1 to 2.5 (half to a fifth of alleles);
a minor subclone 4-5 cycles later; a late-only signal at Ct 37-38. Replicate Cts scatter by
0.1 cycle (SD). The instrument Ct written in [Results] is the noise-free design Ct.

Two more tools for tests, on the same curve model: :func:`curve_family` draws seeded families of
curves of one kind (clean, drifting, stepped, spiked, shallow, late, linear artefacts, truncated
runs: :data:`CURVE_FAMILIES`) with their truth, for property tests of the curve analysis
(:func:`curve_family_plate` wraps one as a Plate); :func:`abi7500_export` writes an export from
a per-well specification (:class:`WellSpec`: curve kind and parameters, instrument Ct, exported
baseline range, omit flag, sample names per section), for scenario plates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ikzf1assay.assay import Assay
from ikzf1assay.qpcr.plate import CurvePoint, Plate, Reaction, RunInfo, build_plate

__all__ = [
    "CURVE_FAMILIES",
    "NOISE_SD",
    "PARAM_COLUMNS",
    "CurveFamily",
    "SimSample",
    "SimulatedRun",
    "WellSpec",
    "abi7500_export",
    "curve_family",
    "curve_family_plate",
    "default_design",
    "expected",
    "simulate_run",
]

CYCLES = 40
THRESHOLD = 0.2
DYES = ("FAM", "VIC")


@dataclass(frozen=True)
class SimSample:
    """One simulated patient sample: what its DNA carries."""

    name: str
    deletions: tuple[str, ...] = ()  # clonal deletions present
    minor: tuple[str, ...] = ()  # deletions present as a minor subclone
    late_only: tuple[str, ...] = ()  # reactions with only a late (Ct >= cut-off) signal
    dna_ok: bool = True


def expected(sample: SimSample, reactions: list[str], contaminated: str | None) -> tuple[str, str]:
    """The (call, status) the assay's rule must give a design, stated from the design alone.

    DNA failure: invalid. A late-only signal in a valid reaction: inconclusive. A reaction made
    invalid by a contaminated no-template control: inconclusive next to another positive,
    invalid otherwise. Else the deletions present: none, one, or mixed.
    """
    if not sample.dna_ok:
        return "invalid", "invalid"
    bad = {contaminated} if contaminated else set()
    positives = [d for d in reactions if d in (*sample.deletions, *sample.minor) and d not in bad]
    if any(r not in bad for r in sample.late_only):
        return "inconclusive", "inconclusive"
    if bad:
        return ("inconclusive", "inconclusive") if positives else ("invalid", "invalid")
    if not positives:
        return "not detected", "valid"
    return (positives[0], "valid") if len(positives) == 1 else ("mixed", "valid")


def default_design() -> list[SimSample]:
    """Each deletion type, a mixed sample, a not-detected one, a DNA failure and a late-only."""
    return [
        SimSample("SIM-01", ("Δ4-7",)),
        SimSample("SIM-02", ("Δ2-7",)),
        SimSample("SIM-03", ("Δ2-8",)),
        SimSample("SIM-04", ("Δ4-8",)),
        SimSample("SIM-05", ("Δ4-7",), minor=("Δ2-8",)),
        SimSample("SIM-06"),
        SimSample("SIM-07", dna_ok=False),
        SimSample("SIM-08", late_only=("Δ4-7",)),
    ]


@dataclass(frozen=True)
class SimulatedRun:
    """The export text, its truth per sample, and the design per well."""

    text: str
    truth: pd.DataFrame  # sample, expected_call, deletions, expected_status
    wells: pd.DataFrame  # well, sample, target, role, design_ct (NaN: no amplification)
    notes: tuple[str, ...] = field(default=())


def _curve(
    rng: np.random.Generator, ct: float | None, artefact: bool
) -> tuple[np.ndarray, np.ndarray]:
    c = np.arange(1, CYCLES + 1, dtype=float)
    b0 = rng.uniform(0.45, 0.75)
    drift = rng.uniform(-0.0006, 0.0012)
    signal = np.zeros(CYCLES)
    if ct is not None:
        plateau, s = rng.uniform(1.2, 2.2), rng.uniform(1.4, 1.8)
        x0 = ct + s * math.log(plateau / THRESHOLD - 1)
        signal = plateau / (1 + np.exp(-(c - x0) / s))
    elif artefact:
        signal = rng.uniform(0.02, 0.06) / (1 + np.exp(-(c - rng.uniform(38, 41)) / 2.5))
    rox = 1.6e6 * (1 + rng.normal(0, 0.002, CYCLES))
    reporter = rox * (b0 + drift * c + signal) * (1 + rng.normal(0, 0.0015, CYCLES))
    return reporter, rox


def simulate_run(
    assay: Assay,
    seed: int = 1,
    design: list[SimSample] | None = None,
    replicates: int = 2,
    contaminated_ntc: str | None = None,
    artefact_rate: float = 0.3,
) -> SimulatedRun:
    """Simulate one 96-well run of the assay (see the module documentation for the model).

    Parameters
    ----------
    assay
        The assay whose reactions (and reference gene) are run; target names are the deletion
        names and the reference gene's name.
    seed
        Random seed: the same seed gives the same bytes.
    design
        Samples and their truth; :func:`default_design` when None.
    replicates
        Wells per sample and reaction.
    contaminated_ntc
        A deletion name: that reaction's no-template control amplifies, which must invalidate
        that reaction (and only it) for the run.
    artefact_rate
        Share of negative wells given a late, sub-threshold primer-dimer rise.
    """
    rng = np.random.default_rng(seed)
    samples = design if design is not None else default_design()
    reactions = [r.deletion for r in assay.reactions]
    ref = assay.reference.name
    targets = [*reactions, ref]
    rows: list[dict[str, object]] = []

    def add(sample: str, target: str, role: str, ct: float | None, task: str) -> None:
        rows.append(
            {"sample": sample, "target": target, "role": role, "design_ct": ct, "task": task}
        )

    for s in samples:
        ref_ct = rng.uniform(23, 26) if s.dna_ok else 34.0
        for t in targets:
            for _ in range(replicates):
                if t == ref:
                    ct: float | None = ref_ct + rng.normal(0, 0.1)
                elif t in s.deletions and s.dna_ok:
                    ct = ref_ct + rng.uniform(1.0, 2.5) + rng.normal(0, 0.1)
                elif t in s.minor and s.dna_ok:
                    ct = ref_ct + rng.uniform(5.5, 6.5) + rng.normal(0, 0.1)
                elif t in s.late_only:
                    ct = rng.uniform(37.0, 38.0)
                else:
                    ct = None
                add(s.name, t, "sample", ct, "UNKNOWN")
    for t in targets:
        add("NTC", t, "ntc", rng.uniform(31, 33) if t == contaminated_ntc else None, "NTC")
    for t in reactions:
        add(f"PC {t}", t, "positive_control", rng.uniform(26, 28), "UNKNOWN")
    wells = pd.DataFrame(rows)
    if len(wells) > 96:
        raise ValueError(
            f"{len(wells)} wells do not fit a 96-well plate; use fewer samples or replicates"
        )
    wells.insert(0, "well", [f"{chr(65 + i // 12)}{i % 12 + 1}" for i in range(len(wells))])
    wells.insert(1, "number", range(1, len(wells) + 1))

    lines = [
        "* Block Type = 96-Well Block (0.2mL)",
        "* Chemistry = TAQMAN",
        f"* Experiment File Name = SIMULATED_ikzf1_seed{seed}.eds",
        "* Experiment Run End Time = 2026-03-02 10:15:00 AM CET",
        "* Instrument Type = 7500 Fast (SIMULATED run, ikzf1assay simulate)",
        "* Passive Reference = ROX",
        "",
        "[Sample Setup]",
        "\t".join(
            ["Well", "Well Position", "Sample Name", "Target Name", "Task", "Reporter", "Quencher"]
        ),
    ]
    dye = {t: ("VIC" if t == ref else "FAM") for t in targets}
    for w in wells.itertuples():
        lines.append(
            "\t".join(
                [
                    str(w.number),
                    str(w.well),
                    str(w.sample),
                    str(w.target),
                    str(w.task),
                    dye[str(w.target)],
                    "NFQ-MGB",
                ]
            )
        )
    amp, multi, results = [], [], []
    design_cts = [None if c is None or c != c else float(c) for c in wells["design_ct"].tolist()]
    for w, design_ct in zip(wells.itertuples(), design_cts, strict=True):
        reporter, rox = _curve(
            rng, design_ct, artefact=design_ct is None and rng.random() < artefact_rate
        )
        rn = reporter / rox
        base = np.polyval(np.polyfit(np.arange(3, 16), rn[2:15], 1), np.arange(1, CYCLES + 1))
        for c in range(CYCLES):
            amp.append(f"{w.number}\t{c + 1}\t{w.target}\t{rn[c]:.4f}\t{rn[c] - base[c]:.4f}")
            multi.append(f"{w.number}\t{w.well}\t{c + 1}\t{reporter[c]:.1f}\t{rox[c]:.1f}")
        ct_text = "Undetermined" if design_ct is None or design_ct > CYCLES else f"{design_ct:.3f}"
        fields = [w.number, w.well, "false", w.sample, w.target, w.task, dye[str(w.target)]]
        fields += ["NFQ-MGB", ct_text, "false", f"{THRESHOLD:.3f}", "false", "3", "15"]
        results.append("\t".join(str(f) for f in fields))
    lines += ["", "[Amplification Data]", "Well\tCycle\tTarget Name\tRn\tDelta Rn", *amp]
    lines += ["", "[Multicomponent Data]", "Well\tWell Position\tCycle\tFAM\tROX", *multi]
    header = ["Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter"]
    header += ["Quencher", "CT", "Automatic Ct Threshold", "Ct Threshold", "Automatic Baseline"]
    header += ["Baseline Start", "Baseline End"]
    lines += ["", "[Results]", "\t".join(header), *results]
    truth = pd.DataFrame(
        [
            {
                "sample": smp.name,
                **dict(
                    zip(
                        ("expected_call", "expected_status"),
                        expected(smp, reactions, contaminated_ntc),
                        strict=True,
                    )
                ),
                "deletions": ",".join(d for d in reactions if d in (*smp.deletions, *smp.minor)),
            }
            for smp in samples
        ]
    )
    return SimulatedRun(
        text="\n".join(lines) + "\n", truth=truth, wells=wells.drop(columns=["number"])
    )


# --------------------------------------------------------------------------- curve families

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
NOISE_SD = 0.0015  # multiplicative noise of a reading, as in _curve
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
        -0.0006 to +0.0012 Rn per cycle (as :func:`simulate_run`).
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
        rn_true[i], p, signal_ct[i] = _draw_curve(rng, sub, c, {})
        if sub in _AMPLIFYING:
            amplifies[i] = True
            design_ct[i] = p["ct"]
        rows.append(p)
    rn = rn_true * (1 + rng.normal(0, NOISE_SD, (n, length)))
    params = pd.DataFrame(rows, columns=PARAM_COLUMNS)
    return rn, rn_true, amplifies, design_ct, signal_ct, params


def _draw_curve(
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


# --------------------------------------------------------------------------- per-well exports

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

    The sections are those of :func:`simulate_run`: [Sample Setup], [Amplification Data] (Rn
    and the Delta Rn the exported baseline range gives), [Multicomponent Data] (FAM, VIC and
    ROX raw signal) and [Results]. Curves follow :func:`curve_family`'s model (one draw per
    well, in the order given, from ``seed``). ``notes`` become header lines ``* Note = ..``,
    ``* Note 2 = ..`` (say SYNTHETIC there); ``experiment`` names the ``.eds`` file.

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
        rn_true, _, _ = _draw_curve(rng, w.curve, c, w.params)
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
