"""The HTML run report, opened in a real browser (Debian's headless Chromium).

The test fails, rather than skips, without Chromium: scripts/test.sh installs it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.calling import call_run, read_layout
from ikzf1assay.qpcr import read_run
from ikzf1assay.report.html import render_run_report
from ikzf1assay.simulate import simulate_run

HOSTILE = '<script>alert("x")</script>&<b>SIM</b>'


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium not found: install Debian's chromium package (scripts/test.sh does)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
    return subprocess.run(
        [exe, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def report(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    sim = simulate_run(assay, seed=1)
    export = folder / "run.txt"
    export.write_text(sim.text, encoding="utf-8")
    wells = sim.wells[sim.wells["sample"] == "SIM-06"]
    layout = folder / "layout.csv"
    rows = "".join(
        f'{w},"{HOSTILE.replace(chr(34), chr(34) * 2)}",{t},sample\n'
        for w, t in zip(wells["well"], wells["target"], strict=True)
    )
    layout.write_text("well,sample,reaction,role\n" + rows, encoding="utf-8")
    calls = call_run(read_run(export), assay, read_layout(layout, assay))
    path = folder / "report.html"
    path.write_text(render_run_report(calls, read_run(export), assay), encoding="utf-8")
    return path


def test_report_is_self_contained_and_escaped(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html  # the hostile sample name is escaped, and there are no scripts
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;SIM&lt;/b&gt;" in html
    for external in ('src="http', 'href="http', "url("):
        assert external not in html
    assert html.count('<figure class="curves"') == 5  # one SVG figure per reaction + ALB
    for section in (
        "Run validity per reaction",
        "Calls",
        "Plate map",
        "Amplification curves",
        "Flags",
        "Provenance",
    ):
        assert section in html


def test_report_renders_in_chromium(report: Path, tmp_path: Path) -> None:
    dom = chromium("--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert (
        HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in dom.stdout
    )  # shown as text
    assert "no recurrent IKZF1 intragenic deletion detected" in dom.stdout
    shot = tmp_path / "report.png"
    result = chromium("--window-size=1400,2400", f"--screenshot={shot}", report.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    image = mpimg.imread(shot)
    assert image.shape[:2] == (2400, 1400)
    assert float(np.std(image[..., :3])) > 0.05  # a rendered page, not a blank one
    # the plate map's positive cells (#f4a6a6) are on screen
    pink = np.all(np.abs(image[..., :3] - np.array([0xF4, 0xA6, 0xA6]) / 255) < 0.02, axis=-1)
    assert int(pink.sum()) > 1000
