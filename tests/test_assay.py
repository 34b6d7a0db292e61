"""The assay file: the published facts, target-name aliases, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikzf1assay.assay import (
    Assay,
    Conditions,
    PositiveRule,
    default_assay_path,
    load_assay,
    normalise_target_name,
    parse_assay,
)
from ikzf1assay.errors import AssayDefinitionError, FileAccessError, ParameterError

DATA = Path(__file__).parent / "data" / "assay"

# ../shared/domain/ASSAY.md, section 2, as published (5'->3').
PUBLISHED = {
    "F.2a": "CAACAAGTGACCCATCCTTTG",
    "F.2b": "CTCCTCTAATCTTTGGACTTGTGA",
    "F.4": "GGAGTCTGTGAAGGTCACACC",
    "R-7": "AAAGAACCCTCAGGCATTCA",
    "R-8": "GTCTCGGCATACAGGGAAGA",
}


def test_bundled_assay_holds_the_published_primers(assay: Assay) -> None:
    assert {p.name: p.sequence for p in assay.primers} == PUBLISHED
    assert all(p.label_5prime == "FAM" and p.label_3prime == "TAMRA" for p in assay.primers)
    assert all(p.purification == "PAGE" for p in assay.primers)
    assert [p.direction for p in assay.primers] == ["forward"] * 3 + ["reverse"] * 2


def test_bundled_assay_reactions_and_rules(assay: Assay) -> None:
    got = {(r.forward, r.reverse): r.deletion for r in assay.reactions}
    assert got == {
        ("F.2a", "R-7"): "Δ2-7",
        ("F.2b", "R-8"): "Δ2-8",
        ("F.4", "R-7"): "Δ4-7",
        ("F.4", "R-8"): "Δ4-8",
    }
    assert assay.positive_rule == PositiveRule(ct_cutoff=36.0, require_amplification=True)
    assert assay.reference.name == "ALB"
    assert assay.controls.ntc == "negative"
    assert assay.controls.positive_control == "positive"
    assert assay.conditions == Conditions()


def test_default_path_is_the_repository_file() -> None:
    """The package's data file is the top-level primers/ file, not a copy of it."""
    repo_file = Path(__file__).parent.parent / "primers" / "ikzf1_breakpoint.toml"
    assert default_assay_path().read_bytes() == repo_file.read_bytes()
    assert load_assay().sha256 == load_assay(repo_file).sha256


@pytest.mark.parametrize(
    ("deletion", "forward", "reverse"),
    [("4-7", "F.4", "R-7"), ("2-7", "F.2a", "R-7"), ("2-8", "F.2b", "R-8"), ("4-8", "F.4", "R-8")],
)
def test_every_reaction_answers_to_the_names_labs_use(
    assay: Assay, deletion: str, forward: str, reverse: str
) -> None:
    compact = forward.replace(".", "") + reverse.replace("-", "")  # F.4 + R-7 -> F4R7
    names = [
        f"Δ{deletion}",
        f"∆{deletion}",  # increment sign, as typed on many keyboards
        f"D{deletion}",
        f"del{deletion}",
        f"DEL{deletion}",
        f"IK{deletion}",
        f"ik{deletion}",
        f"{forward}/{reverse}",
        f"{forward}+{reverse}",
        compact,
        compact.lower(),
        f" IK{deletion.replace('-', '–')} ",  # en dash and stray spaces
    ]
    for name in names:
        target = assay.resolve_target(name)
        assert target is not None, name
        assert getattr(target, "deletion", None) == f"Δ{deletion}", name


def test_reference_gene_answers_case_insensitively(assay: Assay) -> None:
    for name in ("ALB", "alb", "Alb", "albumin"):
        assert assay.resolve_target(name) is assay.reference
    assert assay.resolve_target("HBB") is None
    assert "ALB" in assay.known_target_names()


def test_unknown_target_is_none(assay: Assay) -> None:
    assert assay.resolve_target("IK3-5") is None
    assert assay.resolve_target("") is None


@given(st.text(max_size=20))
def test_normalised_names_are_stable(name: str) -> None:
    once = normalise_target_name(name)
    assert normalise_target_name(once) == once


def test_positive_rule() -> None:
    rule = PositiveRule(ct_cutoff=36.0)
    assert rule.is_positive(True, 35.99)
    assert not rule.is_positive(True, 36.0)  # Ct < 36, strictly
    assert not rule.is_positive(False, 30.0)  # no real amplification
    assert not rule.is_positive(True, None)
    assert PositiveRule(36.0, require_amplification=False).is_positive(False, 30.0)


def test_minimal_file_loads_with_defaults() -> None:
    assay = load_assay(DATA / "minimal.toml")
    assert [r.name for r in assay.reactions] == ["F.4+R-7"]
    assert assay.resolve_target("ik4-7") is assay.reactions[0]
    assert assay.positive_rule.ct_cutoff == 36.0
    assert assay.warnings == ()


def test_utf8_bom_is_accepted() -> None:
    assert load_assay(DATA / "bom.toml").name == "minimal"


def test_iupac_codes_are_allowed_and_flagged() -> None:
    assay = load_assay(DATA / "iupac.toml")
    r7 = assay.primer("R-7")
    assert r7.sequence == "AAAGAACCCTCRGGCATTCN"
    assert r7.ambiguous_positions == (12, 20)
    assert len(assay.warnings) == 1
    assert "iupac.toml:12" in assay.warnings[0]
    assert "R at 12, N at 20" in assay.warnings[0]


def test_published_3prime_labels_are_warned_about_once(assay: Assay) -> None:
    labelled = [w for w in assay.warnings if "3'-labelled" in w]
    assert len(labelled) == 1
    assert all(name in labelled[0] for name in PUBLISHED)


@pytest.mark.parametrize(
    ("file", "line", "message"),
    [
        (
            "primer_digit.toml",
            7,
            r"primer 'F\.4': character '7' at position 9 is not a DNA base; allowed: A C G T",
        ),
        ("duplicate_primer.toml", 11, r"duplicate primer name 'f\.4' \(also \[\[primer\]\] #1\)"),
        (
            "duplicate_reaction.toml",
            23,
            r"duplicate reaction deletion '∆4-7' \(also \[\[reaction\]\] #1\)",
        ),
        (
            "unknown_primer.toml",
            18,
            r"reverse names primer 'R-8', which is not defined; defined primers: F\.4, R-7",
        ),
        ("wrong_direction.toml", 18, r"reverse names primer 'F\.4', whose direction is 'forward'"),
        (
            "cutoff_text.toml",
            22,
            r"ct_cutoff must be a number \(e\.g\. 36\.0\), got the text '36 cycles'",
        ),
        ("syntax_error.toml", 12, r"TOML syntax error: .*line 12"),
        ("unknown_key.toml", 19, r"unknown key 'alias'; allowed keys: aliases, deletion"),
        ("alias_collision.toml", 23, r"target name 'ik4-7' would mean both 'F\.4\+R-7' and 'ALB'"),
        (
            "conditions_range.toml",
            22,
            r"Mg2\+ \(divalent_mm, --mg\) = -3 mM is out of range; allowed 0 to 100 mM",
        ),
    ],
)
def test_bad_assay_files_name_file_line_and_reason(file: str, line: int, message: str) -> None:
    with pytest.raises(AssayDefinitionError, match=message) as info:
        load_assay(DATA / file)
    assert info.value.line == line
    assert str(info.value).startswith(f"{DATA / file}:{line}")


@pytest.mark.parametrize("file", ["empty.toml", "comments_only.toml"])
def test_empty_files_are_rejected(file: str) -> None:
    with pytest.raises(AssayDefinitionError, match=r"empty|no \[\[primer\]\] entries"):
        load_assay(DATA / file)


def test_missing_and_unreadable_files_are_io_errors(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError, match="assay file not found") as info:
        load_assay(tmp_path / "nope.toml")
    assert info.value.exit_code == 1
    with pytest.raises(FileAccessError, match="is a directory"):
        load_assay(tmp_path)


def test_non_utf8_is_rejected() -> None:
    with pytest.raises(AssayDefinitionError, match="not UTF-8"):
        parse_assay(b'[assay]\nname = "\xff"\n', source="latin1.toml")


def test_rna_base_gets_a_hint() -> None:
    text = (DATA / "minimal.toml").read_text(encoding="utf-8").replace("AAAGAACC", "AAAGAUCC")
    with pytest.raises(AssayDefinitionError, match=r"'U' at position 6 .*U is RNA: write T"):
        parse_assay(text.encode(), source="rna.toml")


def test_thresholds_must_be_consistent() -> None:
    text = (DATA / "minimal.toml").read_text(encoding="utf-8")
    text += "\n[thresholds]\ntm_min = 64.0\ntm_max = 60.0\n"
    with pytest.raises(AssayDefinitionError, match=r"tm_min \(64\.0\) is above tm_max") as info:
        parse_assay(text.encode(), source="th.toml")
    assert info.value.line == 22  # tm_min, the first of the two


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"monovalent_mm": -1.0}, r"--na\) = -1 mM is out of range"),
        ({"oligo_nm": 0.0}, r"--oligo\) = 0 nM is out of range"),
        ({"divalent_mm": float("nan")}, r"--mg\) = nan mM is out of range"),
        ({"monovalent_mm": 0.0, "divalent_mm": 0.5, "dntp_mm": 0.8}, "too little salt"),
    ],
)
def test_conditions_out_of_range(values: dict[str, float], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        Conditions().replace(**values)


def test_reference_primers_are_checked_like_reaction_primers() -> None:
    text = (DATA / "minimal.toml").read_text(encoding="utf-8")
    ok = parse_assay(
        (text + '\n[reference]\nname = "HBB"\nforward = "F.4"\nreverse = "R-7"\n').encode()
    )
    assert (ok.reference.name, ok.reference.forward, ok.reference.reverse) == ("HBB", "F.4", "R-7")
    assert ok.resolve_target("hbb") is ok.reference
    with pytest.raises(
        AssayDefinitionError, match=r"reverse names primer 'nope', which is not defined"
    ) as info:
        parse_assay((text + '\n[reference]\nreverse = "nope"\n').encode(), source="ref.toml")
    assert info.value.line == 22


def test_line_locator_skips_multiline_values() -> None:
    from ikzf1assay._tomlpos import KeyLines

    text = '[[primer]]\nname = "a"\nnote = """\nsequence = x\n"""\n[[reaction]]\naliases = [\n  "x",\n  "y = 1",\n]\n"deletion" = "Δ4-7"\n[[reaction]]\nforward = "F"\n'
    lines = KeyLines(text)
    assert lines.line_of("primer", 0, "name") == 2
    assert lines.line_of("primer", 0, "sequence") == 1  # inside the note string: not a key
    assert lines.line_of("reaction", 0, "aliases") == 7
    assert lines.line_of("reaction", 0, "deletion") == 11
    assert lines.line_of("reaction", 1, "forward") == 13
    assert lines.line_of("reaction", 1, "missing") == 12  # falls back to the table header
    assert lines.line_of("nothing") is None


def test_chemistry_defaults_to_probe_and_reads_dye(assay: Assay) -> None:
    """The published assay uses labelled oligos: no key means "probe"."""
    assert assay.chemistry == "probe"
    raw = default_assay_path().read_bytes()
    dye = parse_assay(raw.replace(b"format_version = 1", b'format_version = 1\nchemistry = "dye"'))
    assert dye.chemistry == "dye"
    probe = parse_assay(
        raw.replace(b"format_version = 1", b'chemistry = "probe"\nformat_version = 1')
    )
    assert probe.chemistry == "probe"


@pytest.mark.parametrize("value", ['"SYBR"', '"Dye"', '"taqman"', '["dye"]', "1", "true"])
def test_unknown_chemistry_names_the_line_and_the_allowed_values(value: str) -> None:
    raw = default_assay_path().read_bytes()
    lines = raw.decode("utf-8").splitlines()
    at = lines.index("format_version = 1") + 2  # 1-based line of the inserted key
    text = raw.replace(b"format_version = 1", b"format_version = 1\nchemistry = " + value.encode())
    with pytest.raises(
        AssayDefinitionError, match=r'chemistry must be one of: "probe" .*"dye"'
    ) as e:
        parse_assay(text, source="lab.toml")
    assert e.value.line == at
    assert str(e.value).startswith(f"lab.toml:{at}")
    assert "SYBR Green or EvaGreen" in str(e.value)
