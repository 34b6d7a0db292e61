"""Download just the IKZF1 locus of a build (Ensembl REST or UCSC), with checksum and provenance.

``ikzf1assay reference fetch --build GRCh38`` asks one of two public services for the locus
region of the gene model and writes into the output folder (default ``reference/``):

* ``IKZF1_GRCh38.fa`` -- one contig named ``IKZF1_GRCh38_7_<start>_<end>``, which
  :func:`~ikzf1assay.reference.locus.load_locus` recognises, with its ``.fai`` index;
* ``IKZF1_GRCh38.json`` -- provenance: service, URL, build, region, length, SHA-256 of the
  sequence, retrieval time and package version.

Services (``base_url`` overrides the address, which is how the tests point it at a local
server):

* ``ensembl``: ``GET {base}/sequence/region/human/{chrom}:{start}..{end}:1`` with
  ``content-type=text/plain`` (base ``https://rest.ensembl.org``; GRCh37 has its own server,
  ``https://grch37.rest.ensembl.org``);
* ``ucsc``: ``GET {base}/getData/sequence?genome=hg38;chrom=chr7;start={start-1};end={end}``
  (0-based start, JSON with a ``dna`` field; base ``https://api.genome.ucsc.edu``).

A service that cannot be reached, times out, throttles (HTTP 429/503, ``Retry-After`` said) or
answers with something that is not the region's sequence ends in a clear error; nothing is
written then.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ikzf1assay._net import network_error
from ikzf1assay.errors import ExternalToolError, FileAccessError, ParameterError
from ikzf1assay.reference.locus import Locus, load_locus, locus_contig_name
from ikzf1assay.reference.model import BuildModel, load_gene_model
from ikzf1assay.reference.synthetic import write_fasta

__all__ = ["DEFAULT_BASES", "FetchResult", "fetch_locus", "locus_url"]

DEFAULT_BASES = {
    ("ensembl", "GRCh38"): "https://rest.ensembl.org",
    ("ensembl", "GRCh37"): "https://grch37.rest.ensembl.org",
    ("ucsc", "GRCh38"): "https://api.genome.ucsc.edu",
    ("ucsc", "GRCh37"): "https://api.genome.ucsc.edu",
}
_DNA = re.compile(r"^[ACGTNacgtn]*$")


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_locus` wrote and read back."""

    fasta: Path
    provenance: Path
    locus: Locus
    sha256: str
    url: str


def locus_url(model: BuildModel, service: str, base_url: str | None = None) -> str:
    """The request URL for the locus of ``model`` at ``service`` (``ensembl`` or ``ucsc``)."""
    if service not in ("ensembl", "ucsc"):
        raise ParameterError(f"unknown service {service!r}; choose ensembl or ucsc")
    base = (base_url or DEFAULT_BASES[(service, model.build)]).rstrip("/")
    if service == "ensembl":
        region = f"{model.chrom}:{model.locus_start}..{model.locus_end}:1"
        query = urllib.parse.urlencode(
            {"content-type": "text/plain", "coord_system_version": model.build}
        )
        return f"{base}/sequence/region/human/{region}?{query}"
    return (
        f"{base}/getData/sequence?genome={model.ucsc};chrom=chr{model.chrom};"
        f"start={model.locus_start - 1};end={model.locus_end}"
    )


def _get(url: str, timeout: float) -> bytes:
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": "ikzf1assay"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except OSError as exc:  # HTTPError, URLError and TimeoutError are all OSErrors
        raise network_error(
            exc,
            host,
            timeout,
            "without network access, download the region elsewhere or use a local genome "
            "with --genome",
            url,
        ) from None


def _sequence(body: bytes, service: str, url: str) -> str:
    text = body.decode("utf-8", errors="replace")
    if service == "ucsc":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            raise ExternalToolError(f"the UCSC answer to {url} is not JSON") from None
        dna = doc.get("dna") if isinstance(doc, dict) else None
        if not isinstance(dna, str):
            error = doc.get("error") if isinstance(doc, dict) else None
            raise ExternalToolError(f"the UCSC answer has no 'dna' field ({error or 'no error'})")
        text = dna
    text = "".join(text.split())
    if not _DNA.match(text):
        bad = next(ch for ch in text if not _DNA.match(ch))
        raise ExternalToolError(
            f"the answer to {url} is not a DNA sequence (character {bad!r}); nothing written"
        )
    return text.upper()


def fetch_locus(
    build: str = "GRCh38",
    output: str | Path = "reference",
    *,
    service: str = "ensembl",
    base_url: str | None = None,
    timeout: float = 60.0,
) -> FetchResult:
    """Download the locus of ``build`` and write FASTA, index and provenance to ``output``.

    Raises
    ------
    ExternalToolError
        The service cannot be reached, times out, throttles, or answers with something that is
        not the expected sequence (wrong length, not DNA).
    FileAccessError
        The output folder cannot be written.
    InputFormatError
        The sequence is not the gene (its splice sites are wrong): see
        :func:`~ikzf1assay.reference.locus.load_locus`.
    """
    from ikzf1assay._provenance import package_version

    model = load_gene_model().build(build)
    url = locus_url(model, service, base_url)
    sequence = _sequence(_get(url, timeout), service, url)
    expected = model.locus_end - model.locus_start + 1
    if len(sequence) != expected:
        raise ExternalToolError(
            f"{url} returned {len(sequence):,} bases; the locus {model.locus_region} has "
            f"{expected:,}; nothing written"
        )
    folder = Path(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fasta = write_fasta(
            folder / f"{model.gene}_{model.build}.fa", {locus_contig_name(model): sequence}
        )
    except OSError as exc:
        raise FileAccessError(f"cannot write: {exc.strerror or exc}", source=folder) from None
    locus = load_locus(fasta, model.build)
    digest = hashlib.sha256(sequence.encode("ascii")).hexdigest()
    record = {
        "gene": model.gene,
        "transcript": model.transcript,
        "build": model.build,
        "region": model.locus_region,
        "length": len(sequence),
        "sequence_sha256": digest,
        "service": service,
        "url": url,
        "retrieved": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "ikzf1assay": package_version(),
        "fasta": fasta.name,
        "contig": locus_contig_name(model),
    }
    provenance = folder / f"{model.gene}_{model.build}.json"
    provenance.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return FetchResult(fasta, provenance, locus, digest, url)
