"""The pieces the run report's inline SVG figures share (amplification and melt curves).

Every text that reaches the markup here is escaped with :func:`markupsafe.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from markupsafe import escape

__all__ = ["BOTTOM", "LEFT", "PALETTE", "RIGHT", "TOP", "axis_titles", "document", "frame",
           "points"]  # fmt: skip

LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 48
PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728")


def frame(width: int, height: int) -> str:
    """The plot area's border."""
    return (
        f'<rect x="{LEFT}" y="{TOP}" width="{width - RIGHT - LEFT}" '
        f'height="{height - BOTTOM - TOP}" fill="none" stroke="#444"/>'
    )


def axis_titles(width: int, height: int, x_title: str, y_title: str) -> list[str]:
    """The x axis title under the plot and the y axis title turned along its left side."""
    x_lo, x_hi, y_bottom = LEFT, width - RIGHT, height - BOTTOM
    return [
        f'<text x="{(x_lo + x_hi) / 2}" y="{height - 8}" text-anchor="middle">'
        f"{escape(x_title)}</text>",
        f'<text transform="translate(14 {(TOP + y_bottom) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_title)}</text>',
    ]


def points(x_px: np.ndarray, y_px: np.ndarray) -> str:
    """A polyline's ``points`` attribute from pixel coordinates."""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x_px, y_px, strict=True))


def document(
    width: int, height: int, kind: str, name: str, title: str, parts: Iterable[str]
) -> str:
    """The ``<svg>`` element: labelled ``"{kind}: {name}"`` for screen readers and tests, its
    title centred on top, then ``parts``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(kind)}: '
        f'{escape(name)}" font-family="sans-serif" font-size="11">'
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="12">{escape(title)}</text>'
        + "".join(parts)
        + "</svg>"
    )
