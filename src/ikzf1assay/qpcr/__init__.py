"""qPCR runs: reading instrument exports into a :class:`~ikzf1assay.qpcr.plate.Plate`."""

from ikzf1assay.qpcr.plate import CURVE_COLUMNS, WELL_COLUMNS, Plate, RunInfo, Skipped
from ikzf1assay.qpcr.readers import FORMATS, detect_format, read_run

__all__ = [
    "CURVE_COLUMNS",
    "FORMATS",
    "WELL_COLUMNS",
    "Plate",
    "RunInfo",
    "Skipped",
    "detect_format",
    "read_run",
]
