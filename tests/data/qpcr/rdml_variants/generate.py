"""Write the SYNTHETIC RDML variants of this folder.

Run from the repository root: ``.venv/bin/python tests/data/qpcr/rdml_variants/generate.py``.
Every file is SYNTHETIC (its name and an RDML ``<description>`` say so); made-up numbers in
layouts real writers use: a zip member not named ``*.xml``, a data-descriptor / spanned-archive
marker (``PK\\x07\\x08``, ``PK00``) before the first entry, melting curves only (as
``test_mca_1_raw_data.rdml`` of the RDML consortium), and amplification with melting curves.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
CYCLES = 40
# react id (96-well plate, row by row), sample, type, cq midpoint (None: no amplification)
REACTS = [(1, "SYNTHETIC patient 1", "unkn", 24.0), (2, "SYNTHETIC patient 1", "unkn", 24.3),
          (13, "SYNTHETIC NTC", "ntc", None), (14, "SYNTHETIC positive", "pos", 27.0)]  # fmt: skip


def adp(mid: float | None) -> tuple[str, float | None]:
    """Amplification points, and the cq where the curve crosses 0.2 above its baseline."""
    values = [0.5 + (0.0 if mid is None else 2.0 / (1 + math.exp(-(c - mid) / 1.6)))
              for c in range(1, CYCLES + 1)]  # fmt: skip
    cq = None
    for i in range(1, CYCLES):
        lo, hi = values[i - 1] - 0.5, values[i] - 0.5
        if cq is None and lo < 0.2 <= hi:
            cq = i + (0.2 - lo) / (hi - lo)
    text = "".join(
        f"<adp><cyc>{c + 1}</cyc><fluor>{v:.6f}</fluor></adp>" for c, v in enumerate(values)
    )
    return text, cq


def mdp(tm: float) -> str:
    """Melting points: three readings while the block settles (falling), then a steady rise."""
    temps = [65.0, 64.9, 64.8] + [64.7 + 0.25 * i for i in range(1, 121)]
    return "".join(
        f"<mdp><tmp>{t:.2f}</tmp><fluor>{10 + 20 / (1 + math.exp((t - tm) / 0.7)):.4f}</fluor></mdp>"
        for t in temps
    )


def document(amplification: bool, melt: bool, method: str | None) -> str:
    samples = "".join(f'<sample id="{s}"><type>{t}</type></sample>'
                      for s, t in dict((s, t) for _, s, t, _ in REACTS).items())  # fmt: skip
    reacts = []
    for rid, sample, _, mid in REACTS:
        curve, cq = adp(mid)
        parts = ['<tar id="IKZF1 del4-7"/>']
        if amplification and cq is not None:
            parts.append(f"<cq>{cq:.4f}</cq>")
        if amplification:
            parts.append(curve)
        if melt:
            parts.append(mdp(84.0 if mid is not None else 76.5))
        reacts.append(
            f'<react id="{rid}"><sample id="{sample}"/><data>{"".join(parts)}</data></react>'
        )
    detection = f"<cqDetectionMethod>{method}</cqDetectionMethod>" if method else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdml xmlns="http://www.rdml.org" version="1.3">'
        "<description>SYNTHETIC: made-up data for the ikzf1assay tests, not a real run</description>"
        f"{samples}"
        '<target id="IKZF1 del4-7"><type>toi</type><dyeId id="SYBR"/></target>'
        '<experiment id="SYNTHETIC experiment"><run id="run 1">'
        "<instrument>SYNTHETIC cycler</instrument>"
        f"{detection}"
        "<pcrFormat><rows>8</rows><columns>12</columns><rowLabel>ABC</rowLabel>"
        "<columnLabel>123</columnLabel></pcrFormat>"
        f"{''.join(reacts)}</run></experiment></rdml>"
    )


def zipped(members: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 2, 10, 15, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def main() -> None:
    amp = document(amplification=True, melt=False, method=None)
    both = document(
        amplification=True, melt=True, method="automated threshold and baseline settings"
    )
    melt_only = document(amplification=False, melt=True, method=None)
    readme = ("README.txt", "SYNTHETIC: an archive member that is not the RDML document\n")
    files = {
        "SYNTHETIC_rdml_member_named_rdml_data.rdml": zipped([readme, ("rdml_data.rdml", amp)]),
        "SYNTHETIC_rdml_pk0708_prefix.rdml": b"PK\x07\x08" + zipped([("rdml_data.xml", amp)]),
        "SYNTHETIC_rdml_pk0708_prefix_odd_member.rdml": b"PK\x07\x08" + zipped([("data", amp)]),
        "SYNTHETIC_rdml_pk00_prefix.rdml": b"PK00" + zipped([("rdml_data.xml", amp)]),
        "SYNTHETIC_rdml_melt_only.rdml": zipped([("rdml_data.xml", melt_only)]),
        "SYNTHETIC_rdml_amplification_and_melt.rdml": zipped([("rdml_data.xml", both)]),
        "SYNTHETIC_rdml_no_rdml_member.rdml": zipped([readme]),
    }
    for name, raw in files.items():
        (HERE / name).write_bytes(raw)


if __name__ == "__main__":
    main()
