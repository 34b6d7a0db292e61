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

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The curve families and the per-well exports live in their own modules; their public names
# are imported from here, as before.
from ikzf1assay._sim_exports import RESULTS_HEADER as RESULTS_HEADER
from ikzf1assay._sim_exports import WellSpec, abi7500_export
from ikzf1assay._sim_families import (
    CURVE_FAMILIES,
    NOISE_SD,
    PARAM_COLUMNS,
    CurveFamily,
    curve_family,
    curve_family_plate,
)
from ikzf1assay._sim_families import CYCLES as CYCLES
from ikzf1assay._sim_families import THRESHOLD as THRESHOLD
from ikzf1assay.assay import Assay

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

    Returns
    -------
    SimulatedRun
        The export text, the truth per sample and the design per well.
    """
    # One generator, drawn in a fixed order (design Cts, then curves well by well): the same
    # seed must give the same bytes.
    rng = np.random.default_rng(seed)
    samples = design if design is not None else default_design()
    reactions = [r.deletion for r in assay.reactions]
    ref = assay.reference.name
    wells = _plate_design(rng, samples, reactions, ref, replicates, contaminated_ntc)
    dye = {t: ("VIC" if t == ref else "FAM") for t in [*reactions, ref]}
    lines = [*_header_lines(seed), "", "[Sample Setup]", *_sample_setup(wells, dye)]
    amp, multi, results = _curve_rows(rng, wells, dye, artefact_rate)
    lines += ["", "[Amplification Data]", "Well\tCycle\tTarget Name\tRn\tDelta Rn", *amp]
    lines += ["", "[Multicomponent Data]", "Well\tWell Position\tCycle\tFAM\tROX", *multi]
    header = ["Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter"]
    header += ["Quencher", "CT", "Automatic Ct Threshold", "Ct Threshold", "Automatic Baseline"]
    header += ["Baseline Start", "Baseline End"]
    lines += ["", "[Results]", "\t".join(header), *results]
    return SimulatedRun(
        text="\n".join(lines) + "\n",
        truth=_truth(samples, reactions, contaminated_ntc),
        wells=wells.drop(columns=["number"]),
    )


def _design_ct(
    rng: np.random.Generator, s: SimSample, target: str, ref: str, ref_ct: float
) -> float | None:
    """The designed Ct of one sample well (None: no amplification)."""
    if target == ref:
        return float(ref_ct + rng.normal(0, 0.1))
    if target in s.deletions and s.dna_ok:
        return float(ref_ct + rng.uniform(1.0, 2.5) + rng.normal(0, 0.1))
    if target in s.minor and s.dna_ok:
        return float(ref_ct + rng.uniform(5.5, 6.5) + rng.normal(0, 0.1))
    if target in s.late_only:
        return float(rng.uniform(37.0, 38.0))
    return None


def _plate_design(
    rng: np.random.Generator,
    samples: list[SimSample],
    reactions: list[str],
    ref: str,
    replicates: int,
    contaminated_ntc: str | None,
) -> pd.DataFrame:
    """Well, number, sample, target, role, design_ct and task of every well, row by row."""
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
                add(s.name, t, "sample", _design_ct(rng, s, t, ref, ref_ct), "UNKNOWN")
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
    return wells


def _header_lines(seed: int) -> list[str]:
    return [
        "* Block Type = 96-Well Block (0.2mL)",
        "* Chemistry = TAQMAN",
        f"* Experiment File Name = SIMULATED_ikzf1_seed{seed}.eds",
        "* Experiment Run End Time = 2026-03-02 10:15:00 AM CET",
        "* Instrument Type = 7500 Fast (SIMULATED run, ikzf1assay simulate)",
        "* Passive Reference = ROX",
    ]


def _sample_setup(wells: pd.DataFrame, dye: dict[str, str]) -> list[str]:
    """The [Sample Setup] header row and one row per well."""
    header = ["Well", "Well Position", "Sample Name", "Target Name", "Task", "Reporter"]
    lines = ["\t".join([*header, "Quencher"])]
    for w in wells.itertuples():
        fields = [str(w.number), str(w.well), str(w.sample), str(w.target), str(w.task)]
        lines.append("\t".join([*fields, dye[str(w.target)], "NFQ-MGB"]))
    return lines


def _curve_rows(
    rng: np.random.Generator, wells: pd.DataFrame, dye: dict[str, str], artefact_rate: float
) -> tuple[list[str], list[str], list[str]]:
    """The [Amplification Data], [Multicomponent Data] and [Results] rows of every well."""
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
    return amp, multi, results


def _truth(
    samples: list[SimSample], reactions: list[str], contaminated: str | None
) -> pd.DataFrame:
    """sample, expected_call, expected_status and deletions of every sample."""
    rows = []
    for smp in samples:
        call, status = expected(smp, reactions, contaminated)
        present = ",".join(d for d in reactions if d in (*smp.deletions, *smp.minor))
        rows.append(
            {
                "sample": smp.name,
                "expected_call": call,
                "expected_status": status,
                "deletions": present,
            }
        )
    return pd.DataFrame(rows)
