"""The registry of primer-site engines: the bundled ones, unknown names, a new engine."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from ikzf1assay.errors import ParameterError
from ikzf1assay.primers import engines as eng
from ikzf1assay.primers.engines import registry
from ikzf1assay.primers.sites import Site, compare
from ikzf1assay.primers.specificity import ENGINES, genome_sites

PRIMERS = {"F1": "ACGTACGTACGTACGTAC", "R1": "TTGCATGCATGCATGCAA"}


class _FakeEngine:
    """Reports every primer once, as a perfect site on contig ``fake``."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[registry.SearchRequest] = []

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        return [f"fake caveat for {len(primers)} primers"]

    def find_sites(
        self, primers: Mapping[str, str], request: registry.SearchRequest
    ) -> tuple[list[Site], list[str]]:
        self.requests.append(request)
        sites = [
            compare(n, s, s, contig="fake", start=0, end=len(s), strand="+", engine=self.name)
            for n, s in primers.items()
        ]
        return sites, ["fake search note"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> _FakeEngine:
    """A registered fake engine, removed again after the test."""
    engine = _FakeEngine()
    monkeypatch.setitem(registry._ENGINES, engine.name, engine)
    return engine


def test_bundled_engines_register_in_the_order_users_see() -> None:
    assert eng.engine_names() == ("scan", "bowtie", "blast", "remote")
    assert eng.engine_names() == ENGINES
    assert isinstance(eng.get_engine("bowtie"), eng.BowtieEngine)


def test_unknown_engine_names_the_registered_ones() -> None:
    with pytest.raises(ParameterError) as info:
        genome_sites(PRIMERS, ["scan", "nope", "other"])
    assert "unknown engine 'nope'; choose from scan, bowtie, blast, remote" in str(info.value)


def test_engines_needing_a_genome_say_so() -> None:
    for name in ("scan", "bowtie"):
        with pytest.raises(ParameterError, match=f"engine {name} needs --genome FASTA"):
            genome_sites(PRIMERS, [name])


def test_blast_without_genome_or_database() -> None:
    with pytest.raises(ParameterError, match="give a genome FASTA or a BLAST database"):
        genome_sites(PRIMERS, ["blast"])


def test_a_registered_engine_is_dispatched_with_its_request(fake: _FakeEngine) -> None:
    sites, notes = genome_sites(
        PRIMERS, ["fake", "fake"], remote={"timeout": 5.0}, max_mismatches=2, threads=3
    )
    assert [s.primer for s in sites] == ["F1", "R1", "F1", "R1"]
    assert all(s.mismatches == 0 and s.engine == "fake" for s in sites)
    # caveats once per engine, before the notes of each search
    assert notes == ["fake caveat for 2 primers", "fake search note", "fake search note"]
    assert fake.requests[0] == registry.SearchRequest(
        genome=None, blast_db=None, remote={"timeout": 5.0}, max_mismatches=2, threads=3
    )
    assert "fake" in eng.engine_names()


def test_a_second_engine_under_a_taken_name_is_refused(fake: _FakeEngine) -> None:
    assert eng.register_engine(fake) is fake  # registering the same object again is harmless
    with pytest.raises(ValueError, match="'fake' is already registered"):
        eng.register_engine(_FakeEngine())


def test_bowtie_caveat_names_primers_with_iupac_codes() -> None:
    bowtie = eng.get_engine("bowtie")
    assert bowtie.caveats(PRIMERS) == []
    (note,) = bowtie.caveats({**PRIMERS, "N1": "ACGTNACGTACGTACGTA"})
    assert note.startswith("N1: IUPAC codes, which Bowtie counts as mismatches")


def test_old_import_paths_still_work() -> None:
    from ikzf1assay.primers.engines import (  # noqa: F401
        BLAST_SETTINGS,
        FastaSequences,
        MemorySequences,
        _aligner,
        _extend_all,
        blast_sites,
        bowtie_sites,
        build_blast_db,
        build_bowtie_index,
        extend_hit,
        parse_blast_tab,
        remote_blast_sites,
        require_tool,
        tool_version,
    )

    assert MemorySequences({"c": "acgt"}).fetch("c", 1, 3) == "CG"
    assert tool_version("surely-no-such-program") == "not found"
