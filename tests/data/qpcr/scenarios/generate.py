"""Write the scenario plates of issue 12 and their expected calls (``expected.tsv``).

Every plate is a SYNTHETIC ABI 7500 Software v2 text export written by
:func:`ikzf1assay.simulate.abi7500_export` (curves from the simulator's curve families, seeded);
samples are named ``SIM-..``, and each file's header carries ``* Note = SYNTHETIC ...`` lines
saying what the scenario is. Regenerate from the repository root with

    .venv/bin/python tests/data/qpcr/scenarios/generate.py

and commit what it writes; ``tests/test_scenarios.py`` checks that this reproduces the committed
files byte for byte, and calls every plate against ``expected.tsv``.

The panel, unless a scenario says otherwise: the four deletion reactions (Δ4-7, Δ2-7, Δ2-8,
Δ4-8) and the reference ALB, every sample in each in duplicate; one no-template control per
reaction named ``NTC`` (task NTC); one positive control per deletion named ``PC Δ4-7`` etc.
(task UNKNOWN, Ct 26-28). ``SIM-NEG`` carries no deletion (ALB at Ct 24), ``SIM-POS`` a clonal
Δ2-7 (ALB 24, Δ2-7 25.5). Exported baseline 3-15 and threshold 0.2 everywhere unless said.

``expected.tsv`` columns:

file
    the plate.
level
    ``sample`` (a row of the calls), ``reaction`` (the run-level validity of one reaction,
    named in ``sample``), ``absent`` (the name in ``sample`` must not be called as a sample:
    it is a control), or ``read`` (reading the file must fail with an InputFormatError).
sample
    sample name, reaction name (level reaction) or empty (level read).
acceptable
    the acceptable calls, ``|``-separated (level sample).
expected_status
    the acceptable statuses, ``|``-separated; ``valid``/``invalid`` for a reaction; ``error``
    for a read.
must_have_flag
    ``;``-separated words that must all appear in the call's flags (optional).
reason_contains
    ``;``-separated texts that must all appear in the call's reason, or in the error message
    of a read (optional).
why
    what issue 12 demands, in words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ikzf1assay.simulate import WellSpec, abi7500_export

HERE = Path(__file__).parent
DELETIONS = ("Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8")
REF = "ALB"
TARGETS = (*DELETIONS, REF)
EXPECTED_COLUMNS = [
    "file", "level", "sample", "acceptable", "expected_status", "must_have_flag",
    "reason_contains", "why",
]  # fmt: skip


@dataclass(frozen=True)
class Curve:
    """What one well holds: a curve family kind and fixed parameters, and export details."""

    kind: str = "flat"
    params: Mapping[str, float] = field(default_factory=dict)
    instrument_ct: float | str | None = None
    baseline: tuple[int, int] = (3, 15)
    omit: bool = False


FLAT = Curve()


def clean(ct: float, baseline: tuple[int, int] = (3, 15), omit: bool = False) -> Curve:
    """A clean sigmoid crossing 0.2 at ``ct``."""
    return Curve("clean", {"ct": ct}, baseline=baseline, omit=omit)


@dataclass
class ScenarioPlate:
    """Reactions in plate order; wells are given row by row when written."""

    name: str
    notes: tuple[str, ...]
    seed: int
    specs: list[tuple[str, str, str, Curve]] = field(default_factory=list)
    renamed: dict[int, str] = field(default_factory=dict)  # spec index -> [Results] name

    def add(self, sample: str, target: str, curve: Curve, task: str = "UNKNOWN") -> int:
        self.specs.append((sample, target, task, curve))
        return len(self.specs) - 1

    def wells(self) -> list[WellSpec]:
        out = []
        for i, (sample, target, task, cv) in enumerate(self.specs):
            out.append(
                WellSpec(
                    well=well_name(i),
                    sample=sample,
                    target=target,
                    task=task,
                    curve=cv.kind,
                    params=dict(cv.params),
                    instrument_ct=cv.instrument_ct,
                    baseline=cv.baseline,
                    omit=cv.omit,
                    results_sample=self.renamed.get(i),
                    reporter="VIC" if target == REF else "FAM",
                )
            )
        return out

    def text(self) -> str:
        notes = ("SYNTHETIC scenario plate for ikzf1assay tests (issue 12)", *self.notes)
        return abi7500_export(
            self.wells(), seed=self.seed, experiment=f"SIM-{self.name}", notes=notes
        )


def well_name(i: int) -> str:
    return f"{chr(65 + i // 12)}{i % 12 + 1}"


def panel(
    name: str,
    seed: int,
    notes: tuple[str, ...],
    samples: Mapping[str, Mapping[str, list[Curve]]],
    replicates: int = 2,
    ntc: Mapping[str, list[tuple[str, str, Curve]]] | None = None,
    pc: Mapping[str, str] | None = None,
    extra: Mapping[str, list[tuple[str, Curve]]] | None = None,
) -> tuple[ScenarioPlate, dict[tuple[str, str, int], int]]:
    """A full panel: per reaction, each sample's replicates, its NTCs, its positive control.

    ``samples[name][target]`` gives the replicates' curves where they differ from the default
    (ALB clean at the sample's Ct 24 +- 0.1, deletions flat). ``ntc[target]`` replaces the
    reaction's NTCs by (name, task, curve) triples (an empty list: none). ``pc[target]`` names
    the positive control (default ``PC <target>``). ``extra[target]`` adds (name, curve) wells
    (task UNKNOWN) after the controls. Returns the plate and the index of each
    (sample, target, replicate) well.
    """
    plate = ScenarioPlate(name, notes, seed)
    rng = np.random.default_rng(seed)
    index: dict[tuple[str, str, int], int] = {}
    for target in TARGETS:
        for sample, given in samples.items():
            curves = list(given.get(target, []))
            for r in range(replicates):
                if r < len(curves):
                    cv = curves[r]
                elif target == REF:
                    cv = clean(round(24 + float(rng.normal(0, 0.1)), 3))
                else:
                    cv = FLAT
                index[(sample, target, r)] = plate.add(sample, target, cv)
        controls = (ntc or {}).get(target, [("NTC", "NTC", FLAT)])
        for ntc_name, task, cv in controls:
            index[(ntc_name, target, 0)] = plate.add(ntc_name, target, cv, task)
        if target != REF:
            pc_name = (pc or {}).get(target, f"PC {target}")
            ct = round(float(rng.uniform(26, 28)), 3)
            index[(pc_name, target, 0)] = plate.add(pc_name, target, clean(ct))
        for extra_name, cv in (extra or {}).get(target, []):
            index[(extra_name, target, 0)] = plate.add(extra_name, target, cv)
    return plate, index


POS = {"Δ2-7": [clean(25.5), clean(25.6)]}
NEG: dict[str, list[Curve]] = {}


@dataclass(frozen=True)
class Row:
    """A row of expected.tsv."""

    level: str
    sample: str
    acceptable: str = ""
    status: str = ""
    flag: str = ""
    reason: str = ""
    why: str = ""


def scenarios() -> Iterator[tuple[str, ScenarioPlate, list[Row]]]:
    """(file name, plate, expected rows) for every scenario, in order."""
    neg_pos = [
        Row("sample", "SIM-NEG", "not detected", "valid", why="no deletion, controls fine"),
        Row("sample", "SIM-POS", "Δ2-7", "valid", why="clonal Δ2-7, controls fine"),
    ]
    rise = "Δ4-7|inconclusive"
    rise_status = "valid|inconclusive"

    for n, (first, last) in enumerate([(3, 35), (25, 38)]):
        covered = [
            clean(30.0, baseline=(first, last)),
            clean(30.1, baseline=(first, last)),
        ]
        plate, _ = panel(
            f"baseline_covers_rise_{first}_{last}",
            101 + n,
            (
                f"SIM-RISE: Δ4-7 amplifies at Ct 30 in both replicates; the export's baseline "
                f"range of these two wells is {first}-{last}, covering the rise",
            ),
            {"SIM-NEG": NEG, "SIM-POS": POS, "SIM-RISE": {"Δ4-7": covered}},
        )
        yield (
            f"baseline_covers_rise_{first}_{last}.txt",
            plate,
            [
                *neg_pos,
                Row(
                    "sample",
                    "SIM-RISE",
                    rise,
                    rise_status,
                    why="a real amplification at Ct 30 is never 'not detected'; an exported "
                    "baseline covering the rise is replaced by a fitted one",
                ),
            ],
        )

    shallow = [
        Curve("shallow_slope", {"ct": 34.0, "s": 4.5, "plateau": 1.5}),
        Curve("shallow_slope", {"ct": 34.1, "s": 4.6, "plateau": 1.4}),
    ]
    plate, _ = panel(
        "low_efficiency_ct34",
        103,
        ("SIM-SLOW: Δ4-7 rises at Ct 34 with low efficiency (s 4.5) and no plateau",),
        {"SIM-NEG": NEG, "SIM-POS": POS, "SIM-SLOW": {"Δ4-7": shallow}},
    )
    yield (
        "low_efficiency_ct34.txt",
        plate,
        [
            *neg_pos,
            Row(
                "sample",
                "SIM-SLOW",
                rise,
                rise_status,
                why="a low-efficiency rise at Ct 34 without plateau is a rise: positive or "
                "review, never 'not detected'",
            ),
        ],
    )

    plate, idx = panel(
        "omit_true",
        104,
        (
            "Omit true on two wells: the second Δ4-7 NTC (NTC-2, amplifying at Ct 30: "
            "contaminated) and SIM-OMIT's second Δ4-7 replicate (amplifying at Ct 29)",
            "Both omitted: Δ4-7 stays valid (NTC clean) and SIM-OMIT is not detected",
        ),
        {
            "SIM-NEG": NEG,
            "SIM-POS": POS,
            "SIM-OMIT": {"Δ4-7": [FLAT, clean(29.0, omit=True)]},
        },
        ntc={"Δ4-7": [("NTC", "NTC", FLAT), ("NTC-2", "NTC", clean(30.0, omit=True))]},
    )
    omitted = [well_name(idx[("NTC-2", "Δ4-7", 0)]), well_name(idx[("SIM-OMIT", "Δ4-7", 1)])]
    yield (
        "omit_true.txt",
        plate,
        [
            *neg_pos,
            Row(
                "sample",
                "SIM-OMIT",
                "not detected",
                "valid",
                why=f"its amplifying Δ4-7 replicate {omitted[1]} is omitted by the export: "
                "the remaining replicate is negative",
            ),
            Row(
                "reaction",
                "Δ4-7",
                status="valid",
                why=f"the contaminated NTC {omitted[0]} is omitted by the export; the other "
                "NTC is negative",
            ),
        ],
    )

    plate, _ = panel(
        "no_ntc",
        105,
        ("No no-template control on the plate at all",),
        {"SIM-NEG": NEG, "SIM-POS": POS},
        ntc={t: [] for t in TARGETS},
    )
    why = "ntc_required: every reaction without an NTC on the plate is invalid"
    yield (
        "no_ntc.txt",
        plate,
        [
            Row(
                "sample", "SIM-NEG", "invalid", "invalid", reason="no no-template control", why=why
            ),
            Row(
                "sample", "SIM-POS", "invalid", "invalid", reason="no no-template control", why=why
            ),
            *(Row("reaction", t, status="invalid", why=why) for t in TARGETS),
        ],
    )

    names = {
        "Δ4-7": [("dH2O", "UNKNOWN", clean(30.0))],
        "Δ2-7": [("NTC1", "UNKNOWN", FLAT)],
        "Δ2-8": [("Blank", "UNKNOWN", FLAT)],
        "Δ4-8": [("NTC1", "UNKNOWN", FLAT)],
        REF: [("Blank", "UNKNOWN", FLAT)],
    }
    plate, _ = panel(
        "ntc_names",
        106,
        (
            "NTCs named NTC1, dH2O and Blank with task Unknown (only the name says it); "
            "positive controls named PosK-<deletion>",
            "The Δ4-7 NTC (dH2O) is contaminated: amplifies at Ct 30",
        ),
        {"SIM-NEG": NEG, "SIM-POS": POS},
        ntc=names,
        pc={d: f"PosK-{d}" for d in DELETIONS},
    )
    yield (
        "ntc_names.txt",
        plate,
        [
            Row(
                "sample",
                "SIM-NEG",
                "invalid|inconclusive",
                "invalid|inconclusive",
                why="Δ4-7 is invalid for the run (its NTC dH2O amplifies): no negative call",
            ),
            Row(
                "sample",
                "SIM-POS",
                "inconclusive",
                "inconclusive",
                why="Δ2-7 positive next to an invalid Δ4-7: inconclusive",
            ),
            Row("reaction", "Δ4-7", status="invalid", why="dH2O is an NTC and amplifies at Ct 30"),
            *(
                Row("reaction", d, status="valid", why="NTC1/Blank negative, PosK positive")
                for d in DELETIONS[1:]
            ),
            *(
                Row("absent", name, why="a control by its name, not a patient")
                for name in ("dH2O", "NTC1", "Blank", *(f"PosK-{d}" for d in DELETIONS))
            ),
        ],
    )

    linear = Curve("linear_rise", {"rise_start": 20.0, "rise_height": 0.5}, instrument_ct=28.0)
    plate, _ = panel(
        "ntc_linear_rise",
        107,
        ("The Δ4-7 NTC rises linearly from cycle 20 (0.5 Rn by cycle 40); instrument Ct 28",),
        {"SIM-NEG": NEG, "SIM-POS": POS},
        ntc={"Δ4-7": [("NTC", "NTC", linear)]},
    )
    yield (
        "ntc_linear_rise.txt",
        plate,
        [
            Row(
                "sample",
                "SIM-NEG",
                "invalid|inconclusive",
                "invalid|inconclusive",
                why="Δ4-7 invalid for the run: no negative call",
            ),
            Row(
                "sample", "SIM-POS", "inconclusive", "inconclusive", why="Δ2-7 next to invalid Δ4-7"
            ),
            Row(
                "reaction",
                "Δ4-7",
                status="invalid",
                why="an NTC signal crossing before the cut-off (review or yes) invalidates",
            ),
        ],
    )

    plate, _ = panel(
        "one_of_three",
        108,
        ("Triplicates; SIM-1OF3 has 1 of 3 Δ4-7 replicates positive at Ct 30, two flat",),
        {
            "SIM-NEG": NEG,
            "SIM-POS": {"Δ2-7": [clean(25.5), clean(25.6), clean(25.5)]},
            "SIM-1OF3": {"Δ4-7": [clean(30.0), FLAT, FLAT]},
        },
        replicates=3,
    )
    yield (
        "one_of_three.txt",
        plate,
        [
            *neg_pos,
            Row(
                "sample",
                "SIM-1OF3",
                "inconclusive",
                "inconclusive",
                why="any positive replicate beside negative ones: a repeat, not a negative",
            ),
        ],
    )

    plate, idx = panel(
        "setup_results_disagree",
        109,
        ("[Sample Setup] and [Results] name one well's sample differently",),
        {"SIM-NEG": NEG, "SIM-POS": POS},
    )
    bad = idx[("SIM-NEG", "Δ2-7", 1)]
    plate.renamed[bad] = "SIM-NEX"
    plate.notes = (*plate.notes, f"well {well_name(bad)}: SIM-NEG in setup, SIM-NEX in results")
    yield (
        "setup_results_disagree.txt",
        plate,
        [
            Row(
                "read",
                "",
                status="error",
                reason=f"{well_name(bad)};SIM-NEG;SIM-NEX",
                why="two sections disagreeing on a well's sample: an error naming the well "
                "and both values",
            ),
        ],
    )

    plate, _ = panel(
        "negative_control",
        110,
        ("NEG CTRL: wild-type DNA (ALB amplifies), contaminated in Δ2-7 (Ct 29)",),
        {
            "SIM-NEG": NEG,
            "SIM-POS": POS,
            "NEG CTRL": {"Δ2-7": [clean(29.0), clean(29.1)]},
        },
    )
    yield (
        "negative_control.txt",
        plate,
        [
            Row(
                "sample",
                "SIM-NEG",
                "invalid|inconclusive",
                "invalid|inconclusive",
                why="Δ2-7 invalid for the run: no negative call",
            ),
            Row(
                "sample",
                "SIM-POS",
                "invalid|inconclusive",
                "invalid|inconclusive",
                why="its only positive reaction, Δ2-7, is invalid for the run",
            ),
            Row(
                "reaction",
                "Δ2-7",
                status="invalid",
                why="a deletion reaction positive in the negative control is invalid",
            ),
            *(
                Row("reaction", d, status="valid", why="NEG CTRL negative")
                for d in DELETIONS
                if d != "Δ2-7"
            ),
            Row("absent", "NEG CTRL", why="a negative control, not a patient"),
        ],
    )

    artefact = Curve("linear_rise", {"rise_start": 20.0, "rise_height": 0.4})
    plate, idx = panel(
        "review_well",
        111,
        (
            "SIM-REV1: Δ4-7 duplicates are a clean positive (Ct 27) and a linear-rise artefact",
            "SIM-REV2: one ALB replicate is a linear-rise artefact beside a clean one (Ct 24)",
        ),
        {
            "SIM-NEG": NEG,
            "SIM-POS": POS,
            "SIM-REV1": {"Δ4-7": [clean(27.0), artefact]},
            "SIM-REV2": {REF: [clean(24.0), artefact]},
        },
    )
    review = well_name(idx[("SIM-REV1", "Δ4-7", 1)])
    ref_review = well_name(idx[("SIM-REV2", REF, 1)])
    yield (
        "review_well.txt",
        plate,
        [
            *neg_pos,
            Row(
                "sample",
                "SIM-REV1",
                "Δ4-7",
                "valid",
                flag=f"REVIEW;{review}",
                why=f"the clear replicate is positive on its own: the positive stands, flagged "
                f"REVIEW with the review well {review}",
            ),
            Row(
                "sample",
                "SIM-REV2",
                "inconclusive",
                "inconclusive",
                why=f"a review reference well ({ref_review}) makes DNA adequacy inconclusive",
            ),
        ],
    )


def expected_tsv(rows: list[tuple[str, Row]]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, delimiter="\t", lineterminator="\n")
    out.writerow(EXPECTED_COLUMNS)
    for file, r in rows:
        out.writerow([file, r.level, r.sample, r.acceptable, r.status, r.flag, r.reason, r.why])
    return buf.getvalue()


def render() -> dict[str, str]:
    """File name -> text of every file this script writes."""
    files: dict[str, str] = {}
    rows: list[tuple[str, Row]] = []
    for file, plate, expected in scenarios():
        files[file] = plate.text()
        rows += [(file, r) for r in expected]
    files["expected.tsv"] = expected_tsv(rows)
    return files


def main() -> None:
    for name, text in render().items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
