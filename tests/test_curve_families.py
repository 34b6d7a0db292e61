"""Issue 12 part 1: the three-valued amplification rule over the simulator's curve families.

The families (``ikzf1assay.simulate.curve_family``, seeded) are SYNTHETIC. The properties are the
rule's promises: a real amplification is never ``no``; a family without one is never ``yes``;
a curve too short to analyse is ``review``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves
from ikzf1assay.simulate import CURVE_FAMILIES, curve_family, curve_family_plate

THRESHOLDS = ("auto", 0.2, 0.05)
NEVER_YES = ("flat", "drift_up", "drift_down", "baseline_step", "spike", "linear_rise")
STAY_NO = ("flat", "drift_up", "drift_down")


def _calls(kind: str, seed: int, threshold: str | float) -> tuple[list[str], list[bool]]:
    plate = curve_family_plate(kind, n=12, seed=seed)
    table = analyse_curves(plate, CurveSettings(threshold=threshold)).table
    return list(table["amplification"]), list(curve_family(kind, n=12, seed=seed).amplifies)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(CURVE_FAMILIES),
    seed=st.integers(0, 10_000),
    threshold=st.sampled_from(THRESHOLDS),
)
def test_a_real_amplification_is_never_no(kind: str, seed: int, threshold: str | float) -> None:
    calls, truth = _calls(kind, seed, threshold)
    wrong = [i for i, (c, t) in enumerate(zip(calls, truth, strict=True)) if t and c == "no"]
    assert not wrong, f"{kind} seed {seed}: curves {wrong} amplify but read 'no'"


@settings(max_examples=25, deadline=None, derandomize=True)
@given(kind=st.sampled_from(NEVER_YES[:-1]), seed=st.integers(0, 10_000))
def test_no_amplification_is_never_yes(kind: str, seed: int) -> None:
    calls, _ = _calls(kind, seed, "auto")
    assert "yes" not in calls, f"{kind} seed {seed}: {calls}"


@pytest.mark.parametrize("kind", STAY_NO)
def test_drift_and_noise_stay_no(kind: str) -> None:
    """A drift that a straight baseline removes is not a rise (real QS7 Pro negatives drift)."""
    calls, _ = _calls(kind, 3, "auto")
    assert calls.count("no") == len(calls)


def test_linear_rise_is_never_yes_at_the_simulator_threshold() -> None:
    calls, _ = _calls("linear_rise", 4, 0.2)
    assert "yes" not in calls
    assert "no" not in calls


def test_short_curves_are_review() -> None:
    calls, _ = _calls("short", 5, "auto")
    assert set(calls) == {"review"}
