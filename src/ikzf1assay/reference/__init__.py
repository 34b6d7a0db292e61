"""The IKZF1 reference: gene model per build, the locus sequence, deletion alleles.

``load_gene_model`` reads the bundled exon model (GRCh38 and GRCh37); ``load_locus`` reads the
locus from an indexed genome FASTA through pysam; ``fetch_locus`` downloads just the locus;
``synthetic_locus`` is the generated stand-in used by tests and the demo (SYNTHETIC: it says
nothing about the real primers); ``deletion_allele`` and ``all_alleles`` build the junctions.
"""

from ikzf1assay.reference.alleles import Allele, all_alleles, deletion_allele, wild_type
from ikzf1assay.reference.fetch import FetchResult, fetch_locus, locus_url
from ikzf1assay.reference.locus import Locus, load_locus, locus_contig_name
from ikzf1assay.reference.model import (
    BuildModel,
    Cluster,
    Deletion,
    Exon,
    GeneModel,
    load_gene_model,
)
from ikzf1assay.reference.synthetic import random_genome, synthetic_locus, write_fasta

__all__ = [
    "Allele",
    "BuildModel",
    "Cluster",
    "Deletion",
    "Exon",
    "FetchResult",
    "GeneModel",
    "Locus",
    "all_alleles",
    "deletion_allele",
    "fetch_locus",
    "load_gene_model",
    "load_locus",
    "locus_contig_name",
    "locus_url",
    "random_genome",
    "synthetic_locus",
    "wild_type",
    "write_fasta",
]
