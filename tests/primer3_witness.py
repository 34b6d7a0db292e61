"""Debian's Primer3 binaries as witnesses of the thermodynamic figures.

``primer3_core`` (PRIMER_TASK=check_primers) gives Tm, GC %, the *_TH structure temperatures
and END_STABILITY; ``ntthal`` gives the dG of each structure (primer3_core prints no dG).
Missing binaries fail the tests rather than skip them: ``scripts/test.sh`` installs them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from ikzf1assay.assay import Conditions


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install Debian's primer3 package (scripts/test.sh does)")
    return path


@dataclass
class Primer3Witness:
    """Runs primer3_core and ntthal at given conditions."""

    conditions: Conditions

    def _tags(self) -> str:
        c = self.conditions
        return (
            f"PRIMER_SALT_MONOVALENT={c.monovalent_mm}\nPRIMER_SALT_DIVALENT={c.divalent_mm}\n"
            f"PRIMER_DNTP_CONC={c.dntp_mm}\nPRIMER_DNA_CONC={c.oligo_nm}\n"
            "PRIMER_PICK_ANYWAY=1\nPRIMER_MIN_TM=0\nPRIMER_MAX_TM=100\nPRIMER_MIN_GC=0\n"
            "PRIMER_MAX_GC=100\nPRIMER_PAIR_MAX_DIFF_TM=100\nPRIMER_MAX_SIZE=36\n"
            "PRIMER_MIN_SIZE=5\nPRIMER_MAX_POLY_X=100\n"
        )

    def check(self, left: str, right: str | None = None) -> dict[str, str]:
        """primer3_core check_primers output tags for one primer or a pair (left, right)."""
        return self.check_many([(left, right)])[0]

    def check_many(self, records: list[tuple[str, str | None]]) -> list[dict[str, str]]:
        """One primer3_core run over many records (Boulder-IO), one dict of tags per record."""
        text = "".join(
            "PRIMER_TASK=check_primers\n"
            f"SEQUENCE_PRIMER={left}\n"
            + (f"SEQUENCE_PRIMER_REVCOMP={right}\n" if right else "")
            + self._tags()
            + "=\n"
            for left, right in records
        )
        run = subprocess.run(
            [_require("primer3_core")], input=text, capture_output=True, text=True, check=True
        )
        out = []
        for block in run.stdout.split("\n=\n"):
            if block.strip():
                out.append(dict(line.split("=", 1) for line in block.splitlines() if "=" in line))
        assert len(out) == len(records), run.stdout[-2000:]
        for tags in out:
            assert "PRIMER_ERROR" not in tags, tags["PRIMER_ERROR"]
        return out

    def ntthal(
        self, mode: str, s1: str, s2: str | None = None
    ) -> tuple[float | None, float | None]:
        """(Tm C, dG kcal/mol) of ntthal's structure, or (None, None) when it finds none."""
        c = self.conditions
        cmd = [_require("ntthal"), "-mv", str(c.monovalent_mm), "-dv", str(c.divalent_mm)]
        cmd += ["-n", str(c.dntp_mm), "-d", str(c.oligo_nm), "-t", str(c.temperature_c)]
        cmd += ["-a", mode, "-s1", s1] + (["-s2", s2] if s2 else [])
        run = subprocess.run(cmd, capture_output=True, text=True, check=True)
        text = run.stdout + run.stderr
        if "No secondary structure" in text:
            return None, None
        m = re.search(r"dG = (-?[\d.]+)\s+t = (-?[\d.]+)", text)
        assert m, text
        return float(m.group(2)), float(m.group(1)) / 1000.0


def boulder(tags: dict[str, object]) -> str:
    """One Boulder-IO record from primer3-py style tags (lists of ranges as ``a-b c-d``)."""
    lines = []
    for key, value in tags.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            text = " ".join(f"{a}-{b}" for a, b in value)
        elif isinstance(value, list):
            text = ",".join(map(str, value))
        else:
            text = str(value)
        lines.append(f"{key}={text}\n")
    return "".join(lines) + "=\n"


def primer3_core_design(tags: dict[str, object]) -> dict[str, str]:
    """Debian's primer3_core run on one design record; its output tags."""
    run = subprocess.run(
        [_require("primer3_core")], input=boulder(tags), capture_output=True, text=True, check=True
    )
    return dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)
