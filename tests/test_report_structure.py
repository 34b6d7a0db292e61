"""The HTML reports' structure, parsed with the standard library's :mod:`html.parser`.

For the run report, the primer (specificity) report and the cohort report: every section is
present, every table has a header row (``th`` cells) and rows of equal width, hostile strings
(``<script>``, ``&``, quotes, a spreadsheet formula ``=cmd|``) in sample and patient IDs and in
file names reach the page only escaped (shown as text, never as markup), there is no
``<script>`` element and nothing is loaded from elsewhere (no http(s) ``src``/``href``, no
``url(...)`` other than a reference inside the page, ``url(#id)``).

The checker itself is tested: a copy of a rendered page with a section removed must fail it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from ikzf1assay.assay import Assay
from ikzf1assay.calling import call_run, read_layout
from ikzf1assay.cli import main
from ikzf1assay.qpcr import read_run
from ikzf1assay.reference import all_alleles, random_genome, synthetic_locus, write_fasta
from ikzf1assay.reference.synthetic import plant
from ikzf1assay.report.html import render_run_report
from ikzf1assay.report.specificity import render_specificity_html
from ikzf1assay.simulate import simulate_run

#: what a hostile ID holds: markup, an entity start, both quotes and a spreadsheet formula
HOSTILE = "<script>alert(\"x\")</script>&<b>SIM</b>'=cmd|' /C calc'!A0"
#: the same in a file name (no "/")
HOSTILE_FILE = "run <script>&\"'=cmd|x"
#: the same in a FASTA contig name (ASCII, no white space)
HOSTILE_CONTIG = "<script>&\"'=cmd|chr"

RUN_SECTIONS = ("controls", "calls", "plate", "plots", "flags", "provenance")
RUN_HEADINGS = (
    "Run validity per reaction",
    "Calls",
    "Plate map",
    "Amplification curves",
    "Flags",
    "Provenance",
)
PRIMER_HEADINGS = (
    "Specificity: verdict per reaction",
    "In-silico PCR: reaction x allele",
    "Predicted products in the genome",
    "Primer sites",
    "Provenance",
)
COHORT_SECTIONS = (
    "summary",
    "definitions",
    "methods",
    "exclusions",
    "linking",
    "baseline",
    "figures",
    "results",
    "provenance",
)
COHORT_HEADINGS = (
    "Summary",
    "Endpoint definitions",
    "Tests used",
    "Excluded rows",
    "Linking calls to patients",
    "Baseline characteristics",
    "Figures",
    "Results tables",
    "Provenance",
)


RESOURCE_ATTRIBUTES = ("src", "href", "xlink:href", "action", "srcset", "poster", "data")


@dataclass
class Table:
    line: int
    rows: list[list[str]] = field(default_factory=list)  # per row, its cells' tags (colspan)
    closed: bool = False


class Page(HTMLParser):
    """What the checks need of a page: ids, headings, tables, scripts, resources, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.headings: list[str] = []
        self.tables: list[Table] = []
        self.scripts = 0
        self.resources: list[str] = []
        self.texts: list[str] = []  # text content and attribute values, unescaped
        self.tags: list[str] = []
        self._open: list[Table] = []
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name, value in attrs:
            if value is None:
                continue
            self.texts.append(value)
            if name in RESOURCE_ATTRIBUTES and re.match(r"\s*(?:https?:)?//", value, re.I):
                self.resources.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self._urls(value, tag)
        if tag == "script":
            self.scripts += 1
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "table":
            table = Table(self.getpos()[0])
            self.tables.append(table)
            self._open.append(table)
        elif tag == "tr" and self._open:
            self._open[-1].rows.append([])
        elif tag in ("th", "td") and self._open and self._open[-1].rows:
            span = values.get("colspan") or "1"
            self._open[-1].rows[-1] += [tag] * int(span)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "table" and self._open:
            self._open.pop().closed = True

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self.lasttag == "style":
            self._urls(data, "style")

    def _urls(self, css: str, where: str) -> None:
        for target in re.findall(r"url\(\s*['\"]?([^)'\"]*)", css, re.IGNORECASE):
            if not target.startswith("#"):
                self.resources.append(f"url({target}) in <{where}>")


def structure_problems(
    html: str, ids: tuple[str, ...] = (), headings: tuple[str, ...] = ()
) -> list[str]:
    """Everything wrong with the page's structure (empty if nothing)."""
    page = Page(html)
    problems = [f"no element with id={i!r}" for i in ids if i not in page.ids]
    problems += [
        f"no heading {h!r} (headings: {page.headings})"
        for h in headings
        if not any(found.startswith(h) for found in page.headings)
    ]
    for t in page.tables:
        where = f"table at line {t.line}"
        if not t.closed:
            problems.append(f"{where} is never closed")
        if not t.rows or not t.rows[0]:
            problems.append(f"{where} has no rows")
            continue
        header = t.rows[0]
        # a header row of th cells, or (a key-value table) a th at the start of every row
        if set(header) != {"th"} and not all(r and r[0] == "th" for r in t.rows):
            problems.append(f"{where}: first row {header} is not a header row of th cells")
        widths = {len(r) for r in t.rows}
        if len(widths) > 1:
            problems.append(f"{where}: rows of different widths {sorted(widths)}")
    if page.scripts:
        problems.append(f"{page.scripts} <script> element(s)")
    problems += [f"external resource {r}" for r in page.resources]
    return problems


def escaping_problems(html: str, hostile: str) -> list[str]:
    """Where ``hostile`` reaches the page other than as escaped text."""
    problems = []
    if hostile in html:
        problems.append(f"{hostile!r} appears unescaped")
    if str(escape(hostile)) not in html:
        problems.append(f"{str(escape(hostile))!r} (the escaped form) is not in the page")
    if not any(hostile in text for text in Page(html).texts):
        problems.append(f"{hostile!r} is not shown as text")
    return problems


# ---- the run report -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_report(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("run")
    sim = simulate_run(assay, seed=1)
    export = folder / f"{HOSTILE_FILE}.txt"
    export.write_text(sim.text, encoding="utf-8")
    wells = sim.wells[sim.wells["sample"] == "SIM-06"]
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    layout = folder / "layout.csv"
    layout.write_text(
        "well,sample,reaction,role\n"
        + "".join(
            f"{w},{quoted},{t},sample\n"
            for w, t in zip(wells["well"], wells["target"], strict=True)
        ),
        encoding="utf-8",
    )
    plate = read_run(export)
    calls = call_run(plate, assay, read_layout(layout, assay))
    assert HOSTILE in set(calls.samples["sample"])
    return render_run_report(calls, plate, assay)


def test_run_report_structure(run_report: str) -> None:
    problems = structure_problems(run_report, RUN_SECTIONS, RUN_HEADINGS)
    assert not problems, "\n".join(problems)


def test_run_report_escapes_a_hostile_sample_name(run_report: str) -> None:
    problems = escaping_problems(run_report, HOSTILE)
    assert not problems, "\n".join(problems)


def test_run_report_escapes_a_hostile_export_name(run_report: str) -> None:
    problems = escaping_problems(run_report, HOSTILE_FILE)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("section", RUN_SECTIONS)
def test_the_checker_misses_a_removed_run_section(run_report: str, section: str) -> None:
    heading = re.search(rf'<h2 id="{section}">(.*?)</h2>', run_report)
    assert heading, f"no heading with id {section}"
    damaged = run_report.replace(heading.group(0), "", 1)
    problems = structure_problems(damaged, RUN_SECTIONS, RUN_HEADINGS)
    assert f"no element with id={section!r}" in problems
    assert any(p.startswith(f"no heading {heading.group(1)!r}") for p in problems)


def test_the_checker_sees_bad_tables_scripts_and_resources() -> None:
    page = (
        '<h2 id="a">A</h2><table><tr><th>x</th><th>y</th></tr><tr><td>1</td></tr></table>'
        "<table><tr><td>1</td><td>2</td></tr></table><table><tr><th>z</th></tr>"
        '<script>1</script><img src="https://example.org/x.png"><a href="//example.org">x</a>'
        '<div style="background: url(http://example.org/y.png)"></div>'
        '<svg><rect clip-path="url(#c)"/></svg>'
    )
    problems = structure_problems(page, ("a", "b"), ("A", "B"))
    assert problems == [
        "no element with id='b'",
        "no heading 'B' (headings: ['A'])",
        "table at line 1: rows of different widths [1, 2]",
        "table at line 1: first row ['td', 'td'] is not a header row of th cells",
        "table at line 1 is never closed",
        "1 <script> element(s)",
        "external resource <img src='https://example.org/x.png'>",
        "external resource <a href='//example.org'>",
        "external resource url(http://example.org/y.png) in <div>",
    ]
    assert escaping_problems("<p>&lt;b&gt;</p>", "<b>") == []
    assert escaping_problems("<p><b></p>", "<b>") != []


# ---- the primer (specificity) report --------------------------------------------------------


@pytest.fixture(scope="module")
def primer_report(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> str:
    from ikzf1assay.primers.specificity import check_specificity

    folder = tmp_path_factory.mktemp("primers")
    genome = random_genome([60_000], seed=4, prefix=HOSTILE_CONTIG)
    primers = {p.name: p.sequence for p in assay.primers}
    plant(genome, "F.4", primers["F.4"], f"{HOSTILE_CONTIG}1", 1000, "+")
    plant(genome, "R-7", primers["R-7"], f"{HOSTILE_CONTIG}1", 1600, "-")
    path = write_fasta(folder / f"{HOSTILE_FILE}.fa", genome)
    locus = synthetic_locus(assay)
    result = check_specificity(assay, locus, all_alleles(locus), engines=["scan"], genome=path)
    assert result.products, "the planted pair makes no product: the tables would be empty"
    return render_specificity_html(result, assay)


def test_primer_report_structure(primer_report: str) -> None:
    problems = structure_problems(primer_report, ("specificity",), PRIMER_HEADINGS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("hostile", [HOSTILE_CONTIG, HOSTILE_FILE])
def test_primer_report_escapes_hostile_contig_and_file_names(
    primer_report: str, hostile: str
) -> None:
    problems = escaping_problems(primer_report, hostile)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("heading", PRIMER_HEADINGS)
def test_the_checker_misses_a_removed_primer_section(primer_report: str, heading: str) -> None:
    found = re.search(rf"<h2>{re.escape(heading)}.*?</h2>", primer_report)
    assert found, heading
    damaged = primer_report.replace(found.group(0), "", 1)
    assert any(
        p.startswith(f"no heading {heading!r}")
        for p in structure_problems(damaged, (), PRIMER_HEADINGS)
    )


# ---- the cohort report ----------------------------------------------------------------------


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def cohort_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cohort")
    assert main(["simulate", "cohort", "--seed", "1", "-o", str(folder / "in")], io.StringIO()) == 0
    source = folder / "in" / "clinical_SIMULATED.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    # the last patient gets a hostile patient and sample ID, so it has no call: listed by ID
    last = lines[-1].split(",")
    last[0], last[1] = _csv_field(f"P{HOSTILE}"), _csv_field(HOSTILE)
    lines[-1] = ",".join(last)
    clinical = folder / f"{HOSTILE_FILE}.csv"
    clinical.write_text("".join(lines), encoding="utf-8")
    calls = folder / "calls.tsv"
    truth = Path(__file__).parent.parent / "src" / "ikzf1assay" / "data" / "demo_run_truth.tsv"
    rows = [r.split("\t") for r in truth.read_text(encoding="utf-8").splitlines()]
    head = rows[0]
    sample, call, status = (head.index(c) for c in ("sample", "expected_call", "expected_status"))
    calls.write_text(
        "sample\tcall\tstatus\n"
        + "".join(f"{r[sample]}\t{r[call]}\t{r[status]}\n" for r in rows[1:])
        + f"{_csv_field('S' + HOSTILE)}\tnot detected\tvalid\n",  # no patient's sample
        encoding="utf-8",
    )
    other = folder / "in" / "calls_other_runs_SIMULATED.tsv"
    argv = ["cohort", str(clinical), "--calls", str(calls), str(other), "-o", str(folder / "out")]
    printed = io.StringIO()
    assert main(argv, printed) == 0, printed.getvalue()
    return (folder / "out" / "report.html").read_text(encoding="utf-8")


def test_cohort_report_structure(cohort_report: str) -> None:
    problems = structure_problems(cohort_report, COHORT_SECTIONS, COHORT_HEADINGS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "hostile", [f"P{HOSTILE}", f"S{HOSTILE}", HOSTILE_FILE], ids=["patient", "sample", "file"]
)
def test_cohort_report_escapes_hostile_ids_and_file_names(cohort_report: str, hostile: str) -> None:
    problems = escaping_problems(cohort_report, hostile)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("section", COHORT_SECTIONS)
def test_the_checker_misses_a_removed_cohort_section(cohort_report: str, section: str) -> None:
    heading = re.search(rf'<h2 id="{section}">(.*?)</h2>', cohort_report)
    assert heading, f"no heading with id {section}"
    damaged = cohort_report.replace(heading.group(0), "", 1)
    problems = structure_problems(damaged, COHORT_SECTIONS, COHORT_HEADINGS)
    assert f"no element with id={section!r}" in problems
    assert any(p.startswith(f"no heading {heading.group(1)!r}") for p in problems)
