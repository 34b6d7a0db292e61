"""``plot(result, ax=None, **kwargs)``: one figure per result object, chosen by its type.

Results do not draw themselves: this function does, dispatching on the result's type with
:func:`functools.singledispatch`. Drawings are registered by the report modules that own them
(:mod:`ikzf1assay.report.cohort_figures` for the cohort statistics,
:mod:`ikzf1assay.report.curve_plot` for the qPCR curves, :mod:`ikzf1assay.report.qc` for the
registry's control charts), each with::

    from ikzf1assay.report.plot import plot

    @plot.register(SomeResult)
    def _(result: SomeResult, ax: Axes | None = None, **kwargs: Any) -> Axes: ...

Those modules are imported the first time ``plot`` meets a type it has no drawing for, so
``from ikzf1assay.report.plot import plot`` is all a caller needs. Nothing here uses pyplot:
a new axes belongs to a fresh :class:`matplotlib.figure.Figure` (Agg when saved).
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ikzf1assay.errors import ParameterError

__all__ = ["axes_for", "choose", "plot", "plottable_types"]

# report modules that register drawings; imported on demand so that importing this module
# (or the command starting up) does not pull in every result type
REGISTERING_MODULES = (
    "ikzf1assay.report.cohort_figures",
    "ikzf1assay.report.curve_plot",
    "ikzf1assay.report.qc",
)
_loaded = False


def _load_registrations() -> None:
    """Import the modules in :data:`REGISTERING_MODULES` once, so their drawings register."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in REGISTERING_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a module that exists but cannot import is a real fault
                raise


def axes_for(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``figsize`` inches.

    Parameters
    ----------
    ax
        Axes to draw on, or None for a new figure.
    figsize
        Size of the new figure (width, height) in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes to draw on.
    """
    if ax is not None:
        return ax
    new: Axes = Figure(figsize=figsize).subplots()
    return new


def choose(drawing: str, option: str, value: str | None, names: list[str]) -> str:
    """Which of ``names`` a drawing of one of several (a target, a reaction) is asked for.

    Parameters
    ----------
    drawing
        The result's name in the error message (``plot(qc)``).
    option
        The keyword that chooses (``reaction``).
    value
        What the caller gave; None takes the only name when there is one.
    names
        The names there are.

    Returns
    -------
    str
        The chosen name.

    Raises
    ------
    ParameterError
        ``value`` is none of ``names`` (or None among several), naming the choices.
    """
    if value is None and len(names) == 1:
        return names[0]
    if value not in names:
        raise ParameterError(
            f"plot({drawing}): {option}={value!r}; choose one of: {', '.join(names) or '(none)'}"
        )
    return value


def plottable_types() -> list[type]:
    """The result types ``plot`` can draw.

    Returns
    -------
    list of type
        Every registered type, sorted by name.
    """
    _load_registrations()
    return sorted((t for t in plot.registry if t is not object), key=lambda t: t.__name__)


@functools.singledispatch
def plot(result: object, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw a result object on ``ax`` (or on a new figure's axes) and return the axes.

    Parameters
    ----------
    result
        A result object with a registered drawing: see :func:`plottable_types` (Kaplan-Meier,
        cumulative incidence, Nelson-Aalen, a Cox model's predicted survival, Cox and Fine-Gray
        models as forest plots, landmark analyses, qPCR curves, a registry's control charts).
    ax
        Axes to draw on; None draws on a new :class:`~matplotlib.figure.Figure`
        (``ax.figure.savefig(...)`` writes it).
    **kwargs
        Options of the drawing for that type (see its module).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ParameterError
        No drawing is registered for the result's type.
    """
    # reached when nothing is registered for the type (yet): the drawing may live in a
    # report module not imported so far
    _load_registrations()
    impl = plot.dispatch(type(result))
    if impl is not _unregistered:
        drawn: Axes = impl(result, ax, **kwargs)
        return drawn
    names = ", ".join(t.__name__ for t in plottable_types())
    raise ParameterError(
        f"no plot for a {type(result).__module__}.{type(result).__qualname__}; plot draws: {names}"
    )


_unregistered = plot.dispatch(object)
