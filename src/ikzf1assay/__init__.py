"""ikzf1assay: the IKZF1 intragenic deletion assay for B-cell acute lymphoblastic leukaemia.

Sub-packages: :mod:`ikzf1assay.assay` (the assay file), :mod:`ikzf1assay.primers` (primer
checks), :mod:`ikzf1assay.report` (renderings), :mod:`ikzf1assay.cli` (the command).
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("ikzf1assay")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
