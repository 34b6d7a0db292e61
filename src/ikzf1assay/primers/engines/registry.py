"""The registry of site-search engines: name -> engine, each engine registering itself.

An engine is any object with a ``name`` and the two methods of :class:`SiteEngine`. A new
engine is one module that builds such an object and passes it to :func:`register_engine` when
imported (the package ``__init__`` imports the bundled ones); :func:`get_engine` and
:func:`engine_names` are what :func:`~ikzf1assay.primers.specificity.genome_sites` dispatches
through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.sites import Site

__all__ = [
    "SearchRequest",
    "SiteEngine",
    "engine_names",
    "get_engine",
    "not_searched",
    "register_engine",
]


@dataclass(frozen=True)
class SearchRequest:
    """Where and how to search, shared by every engine of one run.

    Attributes
    ----------
    genome
        Indexed genome FASTA (``scan`` and ``bowtie`` need it; ``blast`` takes it or
        ``blast_db``).
    blast_db
        An existing BLAST nucleotide database (``blast``).
    remote
        Keyword arguments of :func:`~ikzf1assay.primers.engines.remote_blast_sites`
        (``url_base``, ``database``, ``timeout``).
    max_mismatches
        Most mismatches a reported site may have (exhaustive engines; the BLAST engines keep
        up to 5, as Primer-BLAST judges sites up to 5).
    threads
        For the external programs.
    """

    genome: str | Path | None = None
    blast_db: str | Path | None = None
    remote: Mapping[str, Any] = field(default_factory=dict)
    max_mismatches: int = 3
    threads: int = 2

    def require_genome(self, engine: str) -> str | Path:
        """The genome FASTA, or the error saying that ``engine`` needs one.

        Parameters
        ----------
        engine
            The engine's name, for the message.

        Returns
        -------
        str or Path
            :attr:`genome`.
        """
        if self.genome is None:
            raise ParameterError(f"engine {engine} needs --genome FASTA")
        return self.genome


class SiteEngine(Protocol):
    """What a registered engine provides."""

    @property
    def name(self) -> str:
        """The name users choose it by (``--engine NAME``)."""
        ...

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        """Notes for the report about these primers, known before searching (may be empty)."""
        ...

    def find_sites(
        self, primers: Mapping[str, str], request: SearchRequest
    ) -> tuple[list[Site], list[str]]:
        """Every site of ``primers`` (name -> sequence) and notes about the search."""
        ...


_ENGINES: dict[str, SiteEngine] = {}


def not_searched(engine: str, max_mismatches: int) -> str:
    """The note of an exhaustive engine: the site classes beyond its mismatch limit.

    Parameters
    ----------
    engine
        Its name.
    max_mismatches
        The most mismatches it searched.

    Returns
    -------
    str
        For the report's notes.
    """
    return (
        f"{engine}: not searched: sites with more than {max_mismatches} mismatches and sites "
        "with gaps (insertions, deletions); mismatches far from the 3' end cost a duplex only "
        "a few degrees each, so such a site may still prime (use --engine blast to see up to 5 "
        "mismatches and gaps)"
    )


def register_engine(engine: SiteEngine) -> SiteEngine:
    """Make ``engine`` available under ``engine.name``.

    Parameters
    ----------
    engine
        An object following :class:`SiteEngine`.

    Returns
    -------
    SiteEngine
        ``engine`` itself, so that a module can write ``ENGINE = register_engine(...)``.

    Raises
    ------
    ValueError
        Another engine already has that name (a programming error, not a user's).
    """
    if engine.name in _ENGINES and _ENGINES[engine.name] is not engine:
        raise ValueError(f"a site engine called {engine.name!r} is already registered")
    _ENGINES[engine.name] = engine
    return engine


def engine_names() -> tuple[str, ...]:
    """Names of the registered engines, in registration order.

    Returns
    -------
    tuple of str
        ``scan``, ``bowtie``, ``blast``, ``remote`` for the bundled engines.
    """
    return tuple(_ENGINES)


def get_engine(name: str) -> SiteEngine:
    """The engine registered as ``name``.

    Parameters
    ----------
    name
        As given with ``--engine``.

    Returns
    -------
    SiteEngine
        The registered engine.

    Raises
    ------
    ParameterError
        No engine has that name; the message lists the registered ones.
    """
    engine = _ENGINES.get(name)
    if engine is None:
        raise ParameterError(f"unknown engine {name!r}; choose from {', '.join(_ENGINES)}")
    return engine
