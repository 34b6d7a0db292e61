"""Names of a package loaded on first use (PEP 562), so that importing it stays cheap.

A package lists ``{name: module that defines it}`` and takes its ``__getattr__`` and
``__dir__`` from :func:`lazy_exports`; type checkers see the names through
``if TYPE_CHECKING:`` imports beside the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` exporting ``exports`` lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : Mapping[str, str]
        Public name -> the module (absolute name) that defines it.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``: the first imports the defining module when a name is
        first used and keeps the value in the package (later lookups skip it); an unknown
        name raises AttributeError as for any module.
    """

    def get(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        setattr(import_module(package), name, value)
        return value

    def listing() -> list[str]:
        return sorted(set(vars(import_module(package))) | set(exports))

    return get, listing
