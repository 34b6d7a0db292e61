"""The command line: `ikzf1assay primers check`, exit codes and messages."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.cli import main

DATA = Path(__file__).parent / "data" / "assay"


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_json_output_has_the_documented_keys() -> None:
    code, text = run(["primers", "check", "--format", "json"])
    assert code == 0
    doc = json.loads(text)
    assert {"conditions", "primers", "pairs", "reactions"} <= doc.keys()
    assert doc["conditions"] == {
        "monovalent_mm": 50.0,
        "divalent_mm": 3.0,
        "dntp_mm": 0.8,
        "oligo_nm": 250.0,
        "temperature_c": 37.0,
        "annealing_c": 60.0,
        "max_product_bp": 4000,
    }
    primer_keys = {
        "name",
        "sequence",
        "length",
        "tm",
        "gc",
        "hairpin_tm",
        "hairpin_dg",
        "homodimer_tm",
        "homodimer_dg",
        "end_stability_dg",
        "flags",
    }
    assert all(primer_keys <= p.keys() for p in doc["primers"])
    assert all({"a", "b", "dimer_tm", "dimer_dg", "flags"} <= p.keys() for p in doc["pairs"])
    assert all(
        {"name", "forward", "reverse", "deletion", "delta_tm", "flags"} <= r.keys()
        for r in doc["reactions"]
    )
    assert len(doc["pairs"]) == 15
    f4 = next(p for p in doc["primers"] if p["name"] == "F.4")
    assert f4["flags"] == ["TM_HIGH", "HAIRPIN"]
    assert doc["provenance"]["assay_sha256"] == doc["assay"]["sha256"]
    assert "TM_HIGH" in doc["flag_meanings"]


def test_conditions_from_the_command_line_are_used_and_repeated() -> None:
    code, text = run(
        [
            "primers",
            "check",
            "--format",
            "json",
            "--na",
            "40",
            "--mg",
            "2",
            "--dntp",
            "0.2",
            "--oligo",
            "100",
        ]
    )
    assert code == 0
    doc = json.loads(text)
    assert doc["conditions"]["monovalent_mm"] == 40.0
    assert doc["conditions"]["oligo_nm"] == 100.0
    _, default = run(["primers", "check", "--format", "json"])
    assert json.loads(default)["primers"][0]["tm"] != doc["primers"][0]["tm"]


def test_table_output_repeats_conditions_and_explains_flags() -> None:
    code, text = run(["primers", "check", "--mg", "2.5"])
    assert code == 0
    assert "conditions: monovalent 50 mM, Mg2+ 2.5 mM, dNTP 0.8 mM, oligo 250 nM" in text
    assert "TM_HIGH: primer Tm above tm_max (63)" in text
    assert re.search(r"F\.4: hairpin Tm 5\d\.\d\d C above 47 C", text)


def test_tsv_output_is_readable_tables(tmp_path: Path) -> None:
    out = tmp_path / "check.tsv"
    code, text = run(["primers", "check", "--format", "tsv", "-o", str(out)])
    assert code == 0
    assert text == ""
    blocks = out.read_text(encoding="utf-8").split("\n\n")
    assert blocks[0].startswith("# ikzf1assay primers check")
    assert "monovalent_mm=50" in blocks[0]
    tables = {}
    for block in blocks[1:]:
        name, body = block.split("\n", 1)
        tables[name.removeprefix("# table: ")] = pd.read_csv(
            io.StringIO(body), sep="\t", keep_default_na=False
        )
    assert list(tables) == ["primers", "pairs", "reactions"]
    assert len(tables["pairs"]) == 15
    assert tables["primers"].set_index("name").loc["F.4", "flags"] == "TM_HIGH,HAIRPIN"
    assert tables["reactions"].set_index("name").loc["F.4+R-7", "delta_tm"] == pytest.approx(
        3.056, abs=0.001
    )


def test_custom_assay_file() -> None:
    code, text = run(
        ["primers", "check", "--assay", str(DATA / "minimal.toml"), "--format", "json"]
    )
    assert code == 0
    doc = json.loads(text)
    assert [p["name"] for p in doc["primers"]] == ["F.4", "R-7"]
    assert len(doc["pairs"]) == 3


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["primers", "check", "--assay", str(DATA / "primer_digit.toml")],
            2,
            r"primer_digit\.toml:7, \[\[primer\]\] #1: primer 'F\.4': character '7'",
        ),
        (
            ["primers", "check", "--assay", str(DATA / "empty.toml")],
            2,
            r"empty\.toml: the assay file is empty",
        ),
        (
            ["primers", "check", "--assay", str(DATA / "syntax_error.toml")],
            2,
            r"syntax_error\.toml:12: TOML syntax error",
        ),
        (
            ["primers", "check", "--na", "-5"],
            2,
            r"--na\) = -5 mM is out of range; allowed 0 to 1000 mM",
        ),
        (["primers", "check", "--oligo", "0"], 2, r"--oligo\) = 0 nM is out of range"),
        (["primers", "check", "--mg", "inf"], 2, r"--mg\) = inf mM is out of range"),
        (
            ["primers", "check", "--assay", "/nonexistent/assay.toml"],
            1,
            r"/nonexistent/assay\.toml: assay file not found",
        ),
    ],
)
def test_bad_input_gives_one_line_and_exit_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    got, out = run(argv)
    err = capsys.readouterr().err
    assert got == code
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ikzf1assay: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["primers", "check", "--na", "abc"])[0] == 2
    assert "invalid float value: 'abc'" in capsys.readouterr().err
    assert run(["primers", "frobnicate"])[0] == 2
    assert run([])[0] == 2


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["--debug", "primers", "check", "--assay", str(DATA / "empty.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" in err
    assert "AssayDefinitionError" in err
    code, _ = run(["primers", "check", "--debug", "--assay", str(DATA / "empty.toml")])
    assert "Traceback" in capsys.readouterr().err


def test_unwritable_output_is_an_io_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(["primers", "check", "-o", str(tmp_path / "missing-dir" / "out.txt")])
    assert code == 1
    assert "cannot write output" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"])[0] == 0
    assert capsys.readouterr().out.startswith("ikzf1assay ")


def test_python_dash_m_runs_the_same_command() -> None:
    """Once as a real process: the module entry point and exit codes."""
    ok = subprocess.run(
        [sys.executable, "-m", "ikzf1assay", "primers", "check", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["conditions"]["divalent_mm"] == 3.0
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "ikzf1assay",
            "primers",
            "check",
            "--assay",
            str(DATA / "cutoff_text.toml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("ikzf1assay: error: ")
    assert "ct_cutoff must be a number" in bad.stderr


QPCR = Path(__file__).parent / "data" / "qpcr"


def test_inspect_table_and_json() -> None:
    code, text = run(["inspect", str(QPCR / "good" / "abi7500_v2_utf16.txt")])
    assert code == 0
    assert "format:      abi-text" in text
    assert "wells:       12 (12 reactions: well x target)" in text
    assert "targets:     2: ALB, IK4-7" in text
    assert "cycles:      40" in text
    assert "curves:      yes (12 reactions)" in text
    assert "[Sample Setup] line 9+: 1 empty wells (no target)" in text
    code, text = run(["inspect", str(QPCR / "good" / "run_v1_0.rdml"), "--format", "json"])
    assert code == 0
    doc = json.loads(text)
    assert doc["format"] == "rdml"
    assert doc["instrument_ct_values"] == 8
    assert doc["samples"] == ["NTC", "SYNTHETIC-P01", "SYNTHETIC-P02", "SYNTHETIC-PC"]
    assert doc["reactions_with_curve"] == 12


def test_inspect_bad_export_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["inspect", str(QPCR / "bad" / "cycles_not_monotonic.txt")])
    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "cycles_not_monotonic.txt:30: cycles of well A1 target 'IK4-7' are not increasing" in err
    assert run(["inspect", str(QPCR / "nope.txt")])[0] == 1


def test_curves_tsv_json_and_plots(tmp_path: Path) -> None:
    export = str(QPCR / "good" / "abi7500_v2_tab.txt")
    code, text = run(["curves", export, "--threshold", "instrument"])
    assert code == 0
    table = pd.read_csv(io.StringIO(text), sep="\t", keep_default_na=False)
    assert list(table.columns[:16]) == [
        "well",
        "sample",
        "target",
        "reporter",
        "ct",
        "amplification",
        "amplification_reason",
        "amplified",
        "ct_source",
        "efficiency",
        "baseline_start",
        "baseline_end",
        "threshold",
        "threshold_mode",
        "instrument_ct",
        "flags",
    ]
    assert len(table) == 12
    assert set(table["threshold_mode"]) == {"instrument"}
    code, text = run(
        [
            "curves",
            export,
            "--format",
            "json",
            "--threshold",
            "0.25",
            "--plot",
            str(tmp_path / "plots"),
        ]
    )
    assert code == 0
    doc = json.loads(text)
    assert doc["settings"]["threshold"] == 0.25
    assert doc["provenance"]["input_sha256"]
    a5 = next(w for w in doc["wells"] if w["well"] == "A5")
    assert a5["amplified"] is False
    assert a5["amplification"] == "no"
    assert "NO_AMPLIFICATION" in a5["flags"]
    assert a5["ct"] is None
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "curves_ALB.png",
        "curves_IK4-7.png",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "must be a positive number"), ("often", "give auto, instrument or a number")],
)
def test_curves_bad_threshold(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    assert run(["curves", str(QPCR / "good" / "tidy.csv"), "--threshold", value])[0] == 2
    assert message in capsys.readouterr().err


def test_curves_instrument_threshold_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(
        [
            "curves",
            str(QPCR / "good" / "abi7500_v2_amplification_only.txt"),
            "--threshold",
            "instrument",
        ]
    )
    assert code == 2
    assert "gives no threshold for target" in capsys.readouterr().err
