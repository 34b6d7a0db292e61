"""The layout file: reading, checking (every problem in one message) and laying it over a run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.calling.layout import LAYOUT_COLUMNS, Layout, apply_layout, read_layout
from ikzf1assay.errors import FileAccessError, InputFormatError


def write(tmp_path: Path, text: str, name: str = "layout.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plate_wells(wells: list[str], target: str = "Δ4-7") -> pd.DataFrame:
    """A run's wells as calling hands them over: one row per reaction."""
    return pd.DataFrame(
        {
            "run": "1",
            "well": wells,
            "sample": [f"EXPORT-{w}" for w in wells],
            "target": target,
            "task": "UNKNOWN",
        }
    )


def test_reads_the_table_path_and_sha256(assay: Assay, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "well;sample;reaction;role\n"
        "A01;P1;D4-7;sample\n"
        "a2;P1;ALB;unknown\n"
        "A3;NTC;del4-7;no template control\n"
        "A4;PC;F4R7;Positive-Control\n"
        "A5;WT;IK4-7;neg ctrl\n",
    )
    layout = read_layout(path, assay)
    assert isinstance(layout, Layout)
    assert list(layout.table.columns) == list(LAYOUT_COLUMNS)
    assert layout.table["well"].tolist() == ["A1", "A2", "A3", "A4", "A5"]
    assert layout.table["reaction"].tolist() == ["D4-7", "ALB", "del4-7", "F4R7", "IK4-7"]
    assert layout.table["role"].tolist() == [
        "sample", "sample", "ntc", "positive_control", "negative_control",
    ]  # fmt: skip
    assert layout.table["omit"].tolist() == [""] * 5
    assert layout.path == str(path)
    assert layout.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sha256_changes_with_the_bytes(assay: Assay, tmp_path: Path) -> None:
    a = read_layout(write(tmp_path, "well,sample,reaction,role\nA1,P1,ALB,sample\n", "a"), assay)
    b = read_layout(write(tmp_path, "well,sample,reaction,role\nA1,P2,ALB,sample\n", "b"), assay)
    assert a.sha256 != b.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", a.sha256)


@pytest.mark.parametrize(
    "word", ["negative_control", "negative control", "NEG", "neg ctrl", "WT", "wild type",
             "Wild-Type", "NEGATIVE_CONTROL"],
)  # fmt: skip
def test_negative_control_role(assay: Assay, tmp_path: Path, word: str) -> None:
    path = write(tmp_path, f"well,sample,reaction,role\nB1,WT DNA,Δ2-7,{word}\n")
    assert read_layout(path, assay).table["role"].tolist() == ["negative_control"]


@pytest.mark.parametrize(
    ("word", "role"),
    [("NTC", "ntc"), ("ntc", "ntc"), ("No Template Control", "ntc"), ("pc", "positive_control"),
     ("POS", "positive_control"), ("positive control", "positive_control"),
     ("Sample", "sample"), ("UNKNOWN", "sample")],
)  # fmt: skip
def test_role_aliases(assay: Assay, tmp_path: Path, word: str, role: str) -> None:
    path = write(tmp_path, f"well,sample,reaction,role\nB1,X,Δ2-7,{word}\n")
    assert read_layout(path, assay).table["role"].tolist() == [role]


def test_abi_sample_setup_headers_and_tasks(assay: Assay, tmp_path: Path) -> None:
    """An ABI 7500 sample-setup export used as a layout: preamble, ``Well`` (number) beside
    ``Well Position``, ABI tasks, an empty well, and a following section that is not read."""
    path = write(
        tmp_path,
        "* Block Type = 96-Well Block (0.2mL)\n"
        "* Chemistry = TAQMAN\n"
        "\n"
        "[Sample Setup]\n"
        "Well\tWell Position\tSample Name\tTarget Name\tTask\tReporter\tQuencher\n"
        "1\tA1\tP-01\tIK4-7\tUNKNOWN\tFAM\tTAMRA\n"
        "2\tA2\tNTC\tIK4-7\tNTC\tFAM\tTAMRA\n"
        "3\tA3\tPosK\tIK4-7\tPOSITIVE_CONTROL\tFAM\tTAMRA\n"
        "4\tA4\tWT\tIK4-7\tNEGATIVE_CONTROL\tFAM\tTAMRA\n"
        "5\tA5\t\t\t\t\t\n"
        "\n"
        "[Amplification Data]\n"
        "Well\tCycle\tTarget Name\tRn\tDelta Rn\n"
        "1\t1\tIK4-7\t0.55\t0.001\n",
        "setup.txt",
    )
    table = read_layout(path, assay).table
    assert table["well"].tolist() == ["A1", "A2", "A3", "A4"]
    assert table["sample"].tolist() == ["P-01", "NTC", "PosK", "WT"]
    assert table["role"].tolist() == ["sample", "ntc", "positive_control", "negative_control"]


def test_header_matching_ignores_case_spaces_and_underscores(assay: Assay, tmp_path: Path) -> None:
    path = write(tmp_path, "WELL_POSITION, sample name ,Target_Name,TASK,OMIT\nC3,P9,ALB,ntc,\n")
    table = read_layout(path, assay).table
    assert table.iloc[0].to_dict() == {
        "well": "C3", "sample": "P9", "reaction": "ALB", "role": "ntc", "omit": "",
    }  # fmt: skip


def test_standard_task_is_not_a_role(assay: Assay, tmp_path: Path) -> None:
    path = write(tmp_path, "Well Position,Sample Name,Target Name,Task\nA1,S1,ALB,STANDARD\n")
    with pytest.raises(
        InputFormatError, match=r"layout\.csv:2: role 'STANDARD' is not a role of this assay"
    ):
        read_layout(path, assay)


def test_omit_column(assay: Assay, tmp_path: Path) -> None:
    values = ["", "no", "FALSE", "0", "yes", "True", "1", "bubble in the well"]
    rows = "".join(f"A{i + 1},S{i},ALB,sample,{v}\n" for i, v in enumerate(values))
    table = read_layout(write(tmp_path, "well,sample,reaction,role,omit\n" + rows), assay).table
    assert table["omit"].tolist() == [
        "", "", "", "",
        "omitted in the layout", "omitted in the layout", "omitted in the layout",
        "bubble in the well",
    ]  # fmt: skip


def test_one_problem_names_its_line(assay: Assay, tmp_path: Path) -> None:
    path = write(tmp_path, "well,sample,reaction,role\nA1,S1,IK9-9,sample\n")
    with pytest.raises(
        InputFormatError,
        match=r"layout\.csv:2: reaction 'IK9-9' is not a name of the assay; known names: .*IK4-7",
    ):
        read_layout(path, assay)
    write(tmp_path, "well,sample,reaction,role\nA1,S1,D4-7,patient\n")
    with pytest.raises(
        InputFormatError,
        match=r"layout\.csv:2: role 'patient'; allowed: sample, ntc, positive_control, "
        "negative_control",
    ):
        read_layout(path, assay)


def test_three_problems_in_one_message(assay: Assay, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "well,sample,reaction,role\n"
        "A1,S1,IK9-9,sample\n"  # unknown reaction
        "A2,S2,ALB,sample\n"
        "Q99,S3,ALB,sample\n"  # bad well
        "A2,S4,ALB,patient\n",  # duplicate well and unknown role
    )
    with pytest.raises(InputFormatError) as info:
        read_layout(path, assay)
    message = str(info.value)
    assert message.startswith(f"{path}: 4 problems: ")
    assert re.search(r"line 2: reaction 'IK9-9' is not a name of the assay", message)
    assert re.search(r"line 4: well 'Q99' is outside any plate", message)
    assert re.search(r"line 5: well A2 is listed twice \(also line 3\)", message)
    assert re.search(r"line 5: role 'patient'; allowed", message)
    assert re.search(r"known names: .*IK4-7", message)
    assert "\n" not in message


def test_every_kind_of_problem_with_its_line(assay: Assay, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "well,sample,reaction,role\n"
        "A1,S1,ALB\n"  # short row
        "7,S2,ALB,sample\n"  # a well number
        ",S3,ALB,sample\n"  # no well
        "A4,,ALB,ntc\n"  # no sample name
        "A5,S5,,sample\n"  # no reaction
        "A6,Smith, J,ALB,sample\n",  # an unquoted delimiter
    )
    with pytest.raises(InputFormatError, match="6 problems") as info:
        read_layout(path, assay)
    message = str(info.value)
    for expected in [
        "line 2: row has 3 of 4 fields",
        "line 3: well '7' is a number; give positions like A1",
        "line 4: well is empty",
        "line 5: sample name is empty",
        "line 6: reaction is empty",
        "line 7: row has 5 fields, the header 4",
    ]:
        assert expected in message


def test_many_problems_are_capped(assay: Assay, tmp_path: Path) -> None:
    rows = "".join(f"Z{i},S,ALB,sample\n" for i in range(60, 140))
    with pytest.raises(InputFormatError, match=r"80 problems: .*; and 30 more$"):
        read_layout(write(tmp_path, "well,sample,reaction,role\n" + rows), assay)


def test_header_problems(assay: Assay, tmp_path: Path) -> None:
    with pytest.raises(
        InputFormatError, match=r"layout\.csv:1: missing column\(s\) reaction, role"
    ):
        read_layout(write(tmp_path, "well,sample\nA1,S1\n"), assay)
    with pytest.raises(
        InputFormatError, match=r"columns 'sample' and 'Sample Name' both give the sample"
    ):
        read_layout(write(tmp_path, "well,sample,Sample Name,reaction,role\n"), assay)
    with pytest.raises(InputFormatError, match="the layout file is empty"):
        read_layout(write(tmp_path, "\n\n"), assay)
    with pytest.raises(InputFormatError, match="the layout lists no wells"):
        read_layout(write(tmp_path, "well,sample,reaction,role\n"), assay)
    with pytest.raises(FileAccessError, match="layout file not found"):
        read_layout(tmp_path / "absent.csv", assay)


def test_oversized_field_is_a_problem_not_a_traceback(assay: Assay, tmp_path: Path) -> None:
    big = '"' + "x" * 200_000 + '"'
    path = write(tmp_path, f"well,sample,reaction,role\nA1,{big},ALB,sample\nA2,S,ALB,sample\n")
    # Either the text helpers lift csv's field limit and the name is read, or the row is a
    # problem with its line; never a csv.Error traceback.
    try:
        outcome = str(read_layout(path, assay).table["sample"].iloc[0])
    except InputFormatError as exc:
        outcome = str(exc)
    assert outcome == "x" * 200_000 or re.search(r"layout\.csv:2: cannot split the row", outcome)


@pytest.fixture
def layout(assay: Assay, tmp_path: Path) -> Layout:
    return read_layout(
        write(
            tmp_path,
            "well,sample,reaction,role,omit\n"
            "A1,PATIENT-1,D4-7,sample,\n"
            "A2,NTC,D4-7,ntc,\n"
            "A3,WT,D4-7,wt,bubble\n",
        ),
        assay,
    )


def test_apply_layout_overrides_listed_wells(layout: Layout) -> None:
    wells = plate_wells(["A1", "A2", "A3"], target="IK4-7")
    out, notes = apply_layout(wells, layout, strict=True, source="run.txt")
    assert notes == []
    assert out["sample"].tolist() == ["PATIENT-1", "NTC", "WT"]
    assert out["reaction_name"].tolist() == ["D4-7"] * 3
    assert out["role"].tolist() == ["sample", "ntc", "negative_control"]
    assert out["omit_reason"].tolist() == ["", "", "bubble"]
    assert out["target"].tolist() == ["IK4-7"] * 3  # the export's own columns stay
    assert wells["sample"].tolist() == ["EXPORT-A1", "EXPORT-A2", "EXPORT-A3"]  # a copy


def test_apply_layout_partial_note(layout: Layout) -> None:
    wells = plate_wells(["A1", "A2", "A3", "A4", "A5", "A6", "B2"])
    out, notes = apply_layout(wells, layout, strict=False, source="run.txt")
    assert notes == [
        "layout covers 3 of 7 wells; wells A4-A6, B2 keep the export's sample and target names"
    ]
    unlisted = out[out["well"].isin(["A4", "A5", "A6", "B2"])]
    assert unlisted["sample"].tolist() == ["EXPORT-A4", "EXPORT-A5", "EXPORT-A6", "EXPORT-B2"]
    assert unlisted["reaction_name"].tolist() == ["Δ4-7"] * 4
    assert unlisted["role"].tolist() == [""] * 4
    assert unlisted["omit_reason"].tolist() == [""] * 4


def test_apply_layout_strict_lists_the_missing_wells(layout: Layout) -> None:
    wells = plate_wells(["A1", "A2", "A3", "A4", "B2"])
    with pytest.raises(
        InputFormatError,
        match=r"layout\.csv: a strict layout must list every well of the plate; it lists 3 of "
        r"the 5 wells of run\.txt, not A4, B2",
    ):
        apply_layout(wells, layout, strict=True, source="run.txt")


def test_apply_layout_well_not_on_plate(layout: Layout) -> None:
    wells = plate_wells(["A1", "A2", "B1", "C12"])
    with pytest.raises(
        InputFormatError,
        match=r"layout\.csv: well\(s\) A3 of the layout are not on the plate of run\.txt "
        r"\(its wells: rows A-C, columns 1-12, 4 wells\)",
    ):
        apply_layout(wells, layout, strict=False, source="run.txt")


def test_apply_layout_refuses_a_multiplexed_well(layout: Layout) -> None:
    wells = pd.concat([plate_wells(["A1", "A2", "A3"]), plate_wells(["A1"], target="ALB")])
    with pytest.raises(InputFormatError, match=r"well\(s\) A1 hold more than one target"):
        apply_layout(wells, layout, strict=False, source="run.txt")


def test_apply_layout_repeats_over_runs(layout: Layout) -> None:
    wells = pd.concat([plate_wells(["A1", "A2", "A3"]), plate_wells(["A1"]).assign(run="2")])
    out, _ = apply_layout(wells.reset_index(drop=True), layout, strict=True, source="run.rdml")
    assert out["sample"].tolist() == ["PATIENT-1", "NTC", "WT", "PATIENT-1"]
