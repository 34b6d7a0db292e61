"""Size limits of run exports, checked before a file is read or parsed.

Each limit keeps the peak memory of reading one export under about 2 GB, with a wide margin
over real runs; a file above a limit is refused with a message naming the file, its size and
the limit, before it is read into memory. Measured with ``benchmarks/bench_reader_memory.py``
(synthetic ABI 7500 v2 text exports, one fresh process per file); the numbers are in that
script's documentation and in docs/formats/index.md.

======================  ============  ======================================================
MAX_TEXT_BYTES          128 MiB       text exports (ABI / QuantStudio text, SDS, CFX CSV,
                                      tidy CSV), each file of a CFX run alike. A 384-well
                                      ABI export with multicomponent data is 10-30 MiB.
MAX_FILE_BYTES          512 MiB       workbooks (.xls, .xlsx) and RDML archives, as stored
MAX_XML_BYTES           256 MiB       the XML of an RDML file once unpacked (or a bare XML)
MAX_XML_ELEMENTS        10,000,000    XML tags of an RDML file (``<`` bytes: start and end
                                      tags, so about 5 million elements), counted while
                                      unpacking, before any parsing. The 960-curve Vermeulen
                                      run has 297,335; a 384-well, 4-target run with melt
                                      curves about 1.4 million.
======================  ============  ======================================================

They are module constants so that a test (or a lab with a larger machine) can change them:
``ikzf1assay.qpcr.readers.limits.MAX_TEXT_BYTES = ...``; readers look them up at each read.
"""

from __future__ import annotations

__all__ = ["MAX_FILE_BYTES", "MAX_TEXT_BYTES", "MAX_XML_BYTES", "MAX_XML_ELEMENTS"]

MAX_TEXT_BYTES = 128 * 1024 * 1024
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_XML_BYTES = 256 * 1024 * 1024
MAX_XML_ELEMENTS = 10_000_000
