"""Write the qPCR reader fixtures: one SYNTHETIC IKZF1 run in every supported export format.

The curves are generated (logistic amplification plus seeded noise), not measured; sample
names say SYNTHETIC. The same 12 reactions are written as every format so that the tests can
check that all readers return the same Plate. Run from the repository root:

    .venv/bin/python tests/data/qpcr/generate.py

and commit the files it writes (the tests read them; they do not regenerate them).
"""

from __future__ import annotations

import io
import math
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
CYCLES = 40


@dataclass(frozen=True)
class Well:
    well: str
    number: int  # ABI well number on a 96-well plate
    sample: str
    target: str
    task: str  # ABI task word
    reporter: str
    ct: float | None  # None: no amplification


WELLS = [
    Well("A1", 1, "SYNTHETIC-P01", "IK4-7", "UNKNOWN", "FAM", 28.4),
    Well("A2", 2, "SYNTHETIC-P01", "IK4-7", "UNKNOWN", "FAM", 28.6),
    Well("A3", 3, "SYNTHETIC-P02", "IK4-7", "UNKNOWN", "FAM", None),
    Well("A4", 4, "SYNTHETIC-P02", "IK4-7", "UNKNOWN", "FAM", None),
    Well("A5", 5, "NTC", "IK4-7", "NTC", "FAM", None),
    Well("A6", 6, "SYNTHETIC-PC", "IK4-7", "UNKNOWN", "FAM", 25.1),
    Well("B1", 13, "SYNTHETIC-P01", "ALB", "UNKNOWN", "VIC", 24.2),
    Well("B2", 14, "SYNTHETIC-P01", "ALB", "UNKNOWN", "VIC", 24.3),
    Well("B3", 15, "SYNTHETIC-P02", "ALB", "UNKNOWN", "VIC", 23.9),
    Well("B4", 16, "SYNTHETIC-P02", "ALB", "UNKNOWN", "VIC", 24.0),
    Well("B5", 17, "NTC", "ALB", "NTC", "VIC", None),
    Well("B6", 18, "SYNTHETIC-PC", "ALB", "UNKNOWN", "VIC", 23.5),
]
THRESHOLD = {"IK4-7": 0.2, "ALB": 0.15}


def curve(w: Well, seed: int) -> tuple[list[float], list[float], list[float]]:
    """(rn, delta_rn, rox) per cycle: a logistic rise placed so that delta Rn crosses the
    target's threshold at the intended Ct, on a slowly drifting baseline with noise."""
    rng = random.Random(seed)
    plateau, slope = 1.6, 1.9
    rn, drn, rox = [], [], []
    for c in range(1, CYCLES + 1):
        baseline = 0.55 + 0.0008 * c
        signal = 0.0
        if w.ct is not None:
            # x0 such that plateau / (1 + exp(-(ct - x0)/s)) == threshold
            x0 = w.ct + slope * math.log(plateau / THRESHOLD[w.target] - 1)
            signal = plateau / (1 + math.exp(-(c - x0) / slope))
        noise = rng.gauss(0, 0.0015)
        rn.append(round(baseline + signal + noise, 4))
        drn.append(round(signal + noise, 4))
        rox.append(round(1_650_000 + rng.gauss(0, 4000), 1))
    return rn, drn, rox


CURVES = {w.well: curve(w, i) for i, w in enumerate(WELLS)}
SAMPLE_NAMES_ZH = {"SYNTHETIC-P01": "合成样本-甲", "SYNTHETIC-P02": "合成样本-乙"}


def ct_text(w: Well) -> str:
    return "Undetermined" if w.ct is None else f"{w.ct:.3f}"


def abi_text(
    sep: str = "\t",
    decimal: str = ".",
    names: dict[str, str] | None = None,
    sections: tuple[str, ...] = ("setup", "amp", "multi", "results"),
    extra_results: list[str] | None = None,
) -> str:
    names = names or {}

    def num(x: float, fmt: str = "{:.4f}") -> str:
        return fmt.format(x).replace(".", decimal)

    out = [
        "* Block Type = 96-Well Block (0.2mL)",
        "* Chemistry = TAQMAN",
        "* Experiment File Name = SYNTHETIC_ikzf1_run.eds",
        "* Experiment Run End Time = 2026-03-02 10:15:00 AM CET",
        "* Instrument Type = 7500 Fast (SYNTHETIC fixture)",
        "* Passive Reference = ROX",
        "",
    ]
    if "setup" in sections:
        out.append("[Sample Setup]")
        out.append(
            sep.join(
                [
                    "Well",
                    "Well Position",
                    "Sample Name",
                    "Target Name",
                    "Task",
                    "Reporter",
                    "Quencher",
                    "Quantity",
                ]
            )
        )
        for w in WELLS:
            out.append(
                sep.join(
                    [
                        str(w.number),
                        w.well,
                        names.get(w.sample, w.sample),
                        w.target,
                        w.task,
                        w.reporter,
                        "TAMRA",
                        "",
                    ]
                )
            )
        out.append(sep.join(["7", "A7", "", "", "", "", "", ""]))  # an empty well
        out.append("")
    if "amp" in sections:
        out.append("[Amplification Data]")
        out.append(sep.join(["Well", "Cycle", "Target Name", "Rn", "Delta Rn"]))
        for w in WELLS:
            rn, drn, _ = CURVES[w.well]
            for c in range(CYCLES):
                out.append(sep.join([str(w.number), str(c + 1), w.target, num(rn[c]), num(drn[c])]))
        out.append("")
    if "multi" in sections:
        out.append("[Multicomponent Data]")
        out.append(sep.join(["Well", "Cycle", "FAM", "ROX", "VIC"]))
        for w in WELLS:
            rn, _, rox = CURVES[w.well]
            for c in range(CYCLES):
                out.append(
                    sep.join(
                        [
                            str(w.number),
                            str(c + 1),
                            num(rn[c] * rox[c], "{:.1f}"),
                            num(rox[c], "{:.1f}"),
                            "0",
                        ]
                    )
                )
        out.append("")
    if "results" in sections:
        out.append("[Results]")
        header = [
            "Well",
            "Well Position",
            "Omit",
            "Sample Name",
            "Target Name",
            "Task",
            "Reporter",
            "Quencher",
            "CT",
            "Ct Mean",
            "Automatic Ct Threshold",
            "Ct Threshold",
            "Automatic Baseline",
            "Baseline Start",
            "Baseline End",
        ]
        out.append(sep.join(header))
        for w in WELLS:
            out.append(
                sep.join(
                    [
                        str(w.number),
                        w.well,
                        "false",
                        names.get(w.sample, w.sample),
                        w.target,
                        w.task,
                        w.reporter,
                        "TAMRA",
                        ct_text(w).replace(".", decimal),
                        "",
                        "false",
                        num(THRESHOLD[w.target], "{:.3f}"),
                        "true",
                        "3",
                        "15",
                    ]
                )
            )
        out.extend(extra_results or [])
        out.append("")
        out.append("Analysis Type = Singleplex")
        out.append("Reference Sample = SYNTHETIC-P02")
    return "\n".join(out) + "\n"


def sds_text() -> str:
    """ABI 7500 SDS v1.4-style export: results table and a wide Delta Rn table."""
    out = [
        "SDS v1.4\tAQ Results\t1.0",
        "Filename\tSYNTHETIC_ikzf1_run",
        "PlateID\t",
        "Assay Type\tAbsolute Quantification",
        "Run DateTime\t3/2/26 10:15:00 AM",
        "Operator\t",
        "",
        "Sample Information",
        "",
        "\t".join(
            [
                "Well",
                "Sample Name",
                "Detector",
                "Reporter",
                "Task",
                "Ct",
                "Qty",
                "Baseline Type",
                "Baseline Start",
                "Baseline Stop",
                "Threshold Type",
                "Threshold",
            ]
        ),
    ]
    for w in WELLS:
        out.append(
            "\t".join(
                [
                    str(w.number),
                    w.sample,
                    w.target,
                    w.reporter,
                    "NTC" if w.task == "NTC" else "Unknown",
                    ct_text(w),
                    "",
                    "Manual",
                    "3",
                    "15",
                    "Manual",
                    f"{THRESHOLD[w.target]:.3f}",
                ]
            )
        )
    out += ["", "Delta Rn", "\t".join(["Well", "Detector", *[str(c + 1) for c in range(CYCLES)]])]
    for w in WELLS:
        out.append("\t".join([str(w.number), w.target, *[f"{v:.4f}" for v in CURVES[w.well][1]]]))
    return "\n".join(out) + "\n"


def write_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    text = abi_text()
    blocks = text.split("\n[")
    header_lines = [ln for ln in blocks[0].split("\n") if ln.startswith("*")]
    for block in blocks[1:]:
        name, _, body = block.partition("]\n")
        sheet = book.add_sheet(name)
        r = 0
        for ln in header_lines:
            sheet.write(r, 0, ln)
            r += 1
        r += 1
        for ln in body.split("\n"):
            if not ln.strip() or " = " in ln:
                continue
            for c, value in enumerate(ln.split("\t")):
                try:
                    sheet.write(
                        r, c, float(value) if value and value[0] in "-0123456789" else value
                    )
                except ValueError:
                    sheet.write(r, c, value)
            r += 1
    book.save(str(path))


def write_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    stamp = __import__("datetime").datetime(2026, 3, 2, 10, 15)
    book.properties.created = book.properties.modified = stamp
    meta = [
        ("File Name", "SYNTHETIC_ikzf1_run.eds"),
        ("Instrument Type", "QuantStudio 5 (SYNTHETIC fixture)"),
        ("Block Type", "96-Well 0.2-mL Block"),
        ("Passive Reference", "ROX"),
        ("Run End Data/Time", "2026-03-02 10:15:00 AM CET"),
        ("Software Name and Version", "Design & Analysis Software v2.7.0"),
    ]
    results = book.active
    results.title = "Results"
    amp = book.create_sheet("Amplification Data")
    for sheet in (results, amp):
        for k, v in meta:
            sheet.append([k, v])
        sheet.append([])
    results.append(
        [
            "Well",
            "Well Position",
            "Omit",
            "Sample",
            "Target",
            "Task",
            "Reporter",
            "Quencher",
            "Amp Status",
            "Cq",
            "Auto Threshold",
            "Threshold",
            "Auto Baseline",
            "Baseline Start",
            "Baseline End",
        ]
    )
    for w in WELLS:
        results.append(
            [
                float(w.number),
                w.well,
                "FALSE",
                w.sample,
                w.target,
                w.task,
                w.reporter,
                "TAMRA",
                "NO_AMP" if w.ct is None else "AMP",
                "UNDETERMINED" if w.ct is None else w.ct,
                "FALSE",
                THRESHOLD[w.target],
                "TRUE",
                3.0,
                15.0,
            ]
        )
    amp.append(["Well", "Well Position", "Cycle Number", "Target", "Rn", "dRn", "Sample", "Omit"])
    for w in WELLS:
        rn, drn, _ = CURVES[w.well]
        for c in range(CYCLES):
            amp.append(
                [float(w.number), w.well, float(c + 1), w.target, rn[c], drn[c], w.sample, "FALSE"]
            )
    book.create_sheet("Standard Curve Result").append(["nothing for us here"])
    book.save(str(path))


def cfx_files(folder: Path, european: bool = False) -> None:
    folder.mkdir(exist_ok=True)
    sep, dec = (";", ",") if european else (",", ".")
    base = "SYNTHETIC_ikzf1 2026-03-02 10-15-00_CT012345"
    content = {"UNKNOWN": "Unkn", "NTC": "NTC"}
    cq_lines = [
        sep.join(
            [
                "",
                "Well",
                "Fluor",
                "Target",
                "Content",
                "Sample",
                "Biological Set Name",
                "Cq",
                "Cq Mean",
                "Cq Std. Dev",
                "Starting Quantity (SQ)",
                "Log Starting Quantity",
                "SQ Mean",
                "SQ Std. Dev",
                "Set Point",
                "Well Note",
            ]
        )
    ]
    fluor = {"FAM": "FAM", "VIC": "HEX"}
    for i, w in enumerate(WELLS):
        cq = "NaN" if w.ct is None else f"{w.ct:.2f}".replace(".", dec)
        cq_lines.append(
            sep.join(
                [
                    "",
                    f"{w.well[0]}{int(w.well[1:]):02d}",
                    fluor[w.reporter],
                    w.target,
                    f"{content[w.task]}-{i % 2 + 1:02d}",
                    w.sample,
                    "",
                    cq,
                    "",
                    "",
                    "NaN",
                    "NaN",
                    "",
                    "",
                    "60",
                    "",
                ]
            )
        )
    (folder / f"{base} -  Quantification Cq Results.csv").write_text(
        "\n".join(cq_lines) + "\n", encoding="utf-8"
    )
    for reporter, f in fluor.items():
        wells = [w for w in WELLS if w.reporter == reporter]
        lines = [sep.join(["", "Cycle", *[w.well for w in wells]])]
        for c in range(CYCLES):
            lines.append(
                sep.join(
                    [
                        "",
                        str(c + 1),
                        *[
                            f"{CURVES[w.well][1][c] * 1000 + 50:.2f}".replace(".", dec)
                            for w in wells
                        ],
                    ]
                )
            )
        (folder / f"{base} -  Quantification Amplification Results_{f}.csv").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )


def rdml_xml(version: str) -> str:
    numbered = version != "1.0"
    ns = 'xmlns="http://www.rdml.org"'
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rdml {ns} version="{version}">']
    for s in sorted({w.sample for w in WELLS}):
        kind = "ntc" if s == "NTC" else ("pos" if s.endswith("PC") else "unkn")
        out.append(f'<sample id="{s}"><type>{kind}</type></sample>')
    for t, dye in (("IK4-7", "FAM"), ("ALB", "VIC")):
        dye_el = f'<dyeId id="{dye}"/>' if numbered else f"<dyeId>{dye}</dyeId>"
        out.append(f'<target id="{t}"><type>toi</type>{dye_el}</target>')
    fmt = (
        "<pcrFormat><rows>8</rows><columns>12</columns><rowLabel>ABC</rowLabel><columnLabel>123</columnLabel></pcrFormat>"
        if numbered
        else "<pcrFormat>free format</pcrFormat>"
    )
    out.append(
        f'<experiment id="SYNTHETIC"><run id="run1"><instrument>SYNTHETIC fixture</instrument>{fmt}<runDate>2026-03-02T10:15:00</runDate>'
    )
    for w in WELLS:
        rid = str(w.number) if numbered else w.well
        cq = f"<cq>{w.ct}</cq>" if w.ct is not None else "<cq>-1</cq>"
        adps = "".join(
            f"<adp><cyc>{c + 1}</cyc><fluor>{v}</fluor></adp>"
            for c, v in enumerate(CURVES[w.well][0])
        )
        out.append(
            f'<react id="{rid}"><sample id="{w.sample}"/><data><tar id="{w.target}"/>{cq}{adps}</data></react>'
        )
    out.append("</run></experiment></rdml>")
    return "\n".join(out) + "\n"


def zipped(member: str, text: str) -> bytes:
    """A zip archive with one member and a fixed timestamp (reproducible bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(member, date_time=(2026, 3, 2, 10, 15, 0)), text)
    return buf.getvalue()


def write_rdml(path: Path, version: str, member: str) -> None:
    path.write_bytes(zipped(member, rdml_xml(version)))


def tidy_csv() -> str:
    lines = ["well,sample,target,task,cycle,fluorescence,instrument_ct"]
    for w in WELLS:
        for c in range(CYCLES):
            ct = "Undetermined" if w.ct is None else f"{w.ct}"
            task = "ntc" if w.task == "NTC" else "unknown"
            lines.append(
                f"{w.well},{w.sample},{w.target},{task},{c + 1},{CURVES[w.well][0][c]},{ct}"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    good = HERE / "good"
    bad = HERE / "bad"
    good.mkdir(exist_ok=True)
    bad.mkdir(exist_ok=True)
    base = abi_text()
    (good / "abi7500_v2_tab.txt").write_text(base, encoding="utf-8")
    (good / "abi7500_v2_comma.csv").write_text(abi_text(sep=","), encoding="utf-8")
    (good / "abi7500_v2_bom_crlf.txt").write_bytes(
        b"\xef\xbb\xbf" + base.replace("\n", "\r\n").encode()
    )
    (good / "abi7500_v2_utf16.txt").write_bytes(base.replace("\n", "\r\n").encode("utf-16"))
    (good / "abi7500_v2_gb18030.txt").write_bytes(abi_text(names=SAMPLE_NAMES_ZH).encode("gb18030"))
    (good / "abi7500_v2_decimal_comma.txt").write_text(abi_text(decimal=","), encoding="cp1252")
    (good / "abi7500_v2_results_only.txt").write_text(
        abi_text(sections=("results",)), encoding="utf-8"
    )
    (good / "abi7500_v2_amplification_only.txt").write_text(
        abi_text(sections=("amp",)), encoding="utf-8"
    )
    repeated = abi_text().replace("[Results]\n", "[Results]\n").split("\n")
    i = repeated.index("[Results]")
    repeated.insert(
        i + 4, repeated[i + 1]
    )  # the header row again, as when exports are pasted together
    (good / "abi7500_v2_repeated_header.txt").write_text("\n".join(repeated), encoding="utf-8")
    (good / "abi7500_sds_v1_4.txt").write_text(sds_text(), encoding="utf-8")
    unpaired = [
        ln for ln in base.split("\n") if not ln.startswith("6\tA6\tfalse")
    ]  # A6: curve, no result
    unpaired = [
        ln for ln in unpaired if not ln.startswith("18\t")
    ]  # B6: no curve (nor setup or multicomponent)
    unpaired.insert(
        unpaired.index("[Results]") + 2,
        "18\tB6\tfalse\tSYNTHETIC-PC\tALB\tUNKNOWN\tVIC\tTAMRA\t23.500\t\tfalse\t0.150\ttrue\t3\t15",
    )
    (good / "abi7500_v2_unpaired.txt").write_text("\n".join(unpaired), encoding="utf-8")
    write_xls(good / "abi7500_v2.xls")
    write_xlsx(good / "quantstudio_da.xlsx")
    cfx_files(good / "cfx")
    cfx_files(good / "cfx_european", european=True)
    write_rdml(good / "run_v1_0.rdml", "1.0", "rdml_data.xml")
    write_rdml(good / "run_v1_4.rdml", "1.4", "SYNTHETIC export.xml")
    (good / "tidy.csv").write_text(tidy_csv(), encoding="utf-8")

    (bad / "not_qpcr.txt").write_text(
        "Dear lab,\nplease find the run attached.\n", encoding="utf-8"
    )
    (bad / "truncated.txt").write_text(base[: base.index("[Results]") + 700], encoding="utf-8")
    dup = base.replace(
        "\n1\tA1\tfalse\tSYNTHETIC-P01\tIK4-7",
        "\n1\tA1\tfalse\tSYNTHETIC-P01\tIK4-7\tUNKNOWN\tFAM\tTAMRA\t30.000\n1\tA1\tfalse\tSYNTHETIC-P01\tIK4-7",
        1,
    )
    (bad / "duplicate_well.txt").write_text(dup, encoding="utf-8")
    lines = base.split("\n")
    k = lines.index("[Amplification Data]") + 5
    lines[k], lines[k + 1] = lines[k + 1], lines[k]
    (bad / "cycles_not_monotonic.txt").write_text("\n".join(lines), encoding="utf-8")
    lines = base.split("\n")
    k = lines.index("[Amplification Data]") + 10
    fields = lines[k].split("\t")
    fields[3] = "0.6x1"
    lines[k] = "\t".join(fields)
    (bad / "fluorescence_not_numeric.txt").write_text("\n".join(lines), encoding="utf-8")
    rd = rdml_xml("1.4")
    (bad / "truncated.rdml").write_bytes(rd[: len(rd) // 2].encode())
    whole = zipped("x.xml", rd)
    (bad / "truncated_zip.rdml").write_bytes(whole[: len(whole) // 2])


if __name__ == "__main__":
    main()
