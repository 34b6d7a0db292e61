"""Search engines that find primer sites in a genome, all ending in :class:`~.sites.Site`.

Each engine is one module that registers itself by name (:mod:`.registry`):

* ``scan`` -- :func:`ikzf1assay.primers.sites.scan`, exhaustive, in memory (numpy).
* ``bowtie`` -- Bowtie 1 (Debian package ``bowtie``), ``-v N -a``: every end-to-end alignment
  with up to N mismatches, exhaustive, from a prebuilt index.
* ``blast`` -- NCBI BLAST+ (Debian package ``ncbi-blast+``) with Primer-BLAST's settings:
  ``blastn -task blastn-short -word_size 7 -evalue 30000 -dust no -soft_masking false``.
  A BLAST hit is local and may cover only part of the primer, so each hit is extended to the
  full primer length by a global alignment of the primer against the genome around the hit
  (Biopython's PairwiseAligner; end gaps in the genome free), and mismatches near the ends are
  counted. BLAST needs an exact 7-mer to start from: it misses sites that have none.
* ``remote`` -- the same BLAST settings over the network at NCBI (Biopython's
  ``Bio.Blast.NCBIWWW.qblast``), for users without a local genome; without the genome the
  extension cannot read the bases past the ends of a hit, so those bases are counted as
  mismatches (said in the report).

Every engine's sites are measured the same way (:func:`~.sites.compare`) from the genome's
own bases, so their results can be compared site for site. A new engine is a module with a
:class:`SiteEngine` passed to :func:`register_engine`, imported below.
"""

from ikzf1assay.primers.engines.registry import (
    SearchRequest,
    SiteEngine,
    engine_names,
    get_engine,
    register_engine,
)
from ikzf1assay.primers.engines.sequences import FastaSequences, MemorySequences
from ikzf1assay.primers.engines.tools import require_tool, run_tool, tool_version

# The bundled engines, in the order they are listed to users; importing registers each.
from ikzf1assay.primers.engines.scan import ScanEngine  # isort: skip
from ikzf1assay.primers.engines.bowtie import (  # isort: skip
    BowtieEngine,
    bowtie_sites,
    build_bowtie_index,
)
from ikzf1assay.primers.engines.blast import (  # isort: skip
    BLAST_MAX_MISMATCHES,
    BLAST_SETTINGS,
    BlastEngine,
    blast_sites,
    build_blast_db,
    parse_blast_tab,
)
from ikzf1assay.primers.engines.remote import (  # isort: skip
    NCBI_DATABASE,
    RemoteBlastEngine,
    remote_blast_sites,
)
from ikzf1assay.primers.engines.extend import Hsp, extend_hit, extend_hits, make_aligner

# The names these helpers had when the engines were one module (tests and benchmarks use them).
_aligner = make_aligner
_extend_all = extend_hits
_run = run_tool

__all__ = [
    "BLAST_MAX_MISMATCHES",
    "BLAST_SETTINGS",
    "NCBI_DATABASE",
    "BlastEngine",
    "BowtieEngine",
    "FastaSequences",
    "Hsp",
    "MemorySequences",
    "RemoteBlastEngine",
    "ScanEngine",
    "SearchRequest",
    "SiteEngine",
    "blast_sites",
    "bowtie_sites",
    "build_blast_db",
    "build_bowtie_index",
    "engine_names",
    "extend_hit",
    "extend_hits",
    "get_engine",
    "make_aligner",
    "parse_blast_tab",
    "register_engine",
    "remote_blast_sites",
    "require_tool",
    "run_tool",
    "tool_version",
]
