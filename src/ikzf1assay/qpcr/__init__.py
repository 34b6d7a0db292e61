"""qPCR runs: reading instrument exports into a :class:`~ikzf1assay.qpcr.plate.Plate`.

:func:`read_run` reads one export (:func:`detect_format` names its format, :data:`FORMATS`
lists them), :func:`find_exports` lists the exports among files and folders, and
:func:`analyse_curves` (with :class:`CurveSettings`, returning :class:`CurveCalls`) calls the
amplification of every curve of a Plate; :func:`analyse_melt` (with :class:`MeltSettings`,
returning :class:`MeltCalls`) gives -dF/dT and the peak temperatures of its melt curves.
:func:`compare_with_instrument` puts each call beside the instrument's own (at
:func:`comparison_threshold`).
"""

# The curve analysis is imported eagerly: it needs nothing the Plate does not (numpy, pandas;
# no scipy). Were it to import scipy, a PEP 562 __getattr__ should load it on first use.
from ikzf1assay.qpcr.agreement import (
    UNSAFE_CQ,
    CtAgreement,
    compare_with_instrument,
    comparison_threshold,
    ct_agreement,
    instrument_calls,
)
from ikzf1assay.qpcr.curves import FLAG_MEANINGS, CurveCalls, CurveSettings, analyse_curves
from ikzf1assay.qpcr.melt import MeltCalls, MeltSettings, analyse_melt
from ikzf1assay.qpcr.plate import CURVE_COLUMNS, WELL_COLUMNS, Plate, RunInfo, Skipped
from ikzf1assay.qpcr.readers import FORMATS, detect_format, find_exports, read_run

__all__ = [
    "CURVE_COLUMNS",
    "FLAG_MEANINGS",
    "FORMATS",
    "UNSAFE_CQ",
    "WELL_COLUMNS",
    "CtAgreement",
    "CurveCalls",
    "CurveSettings",
    "MeltCalls",
    "MeltSettings",
    "Plate",
    "RunInfo",
    "Skipped",
    "analyse_curves",
    "analyse_melt",
    "compare_with_instrument",
    "comparison_threshold",
    "ct_agreement",
    "detect_format",
    "find_exports",
    "instrument_calls",
    "read_run",
]
