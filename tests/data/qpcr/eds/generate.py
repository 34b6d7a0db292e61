"""Write the SYNTHETIC Applied Biosystems ``.eds`` run files of this folder.

Run ``python tests/data/qpcr/eds/generate.py`` to rewrite them (deterministic output).

The layout of a full ``.eds`` (``apldbio/sds/experiment.xml``, ``plate_setup.xml``,
``tcprotocol.xml``, ``multicomponent_data.txt``, ``analysis_result.txt``, ``Manifest.mf``) is
RECONSTRUCTED FROM THE DOCUMENTATION (../shared/validation/qpcr/README.md) and from public
parsers' descriptions (the RDML R package's ABI import; open-source .eds writers), NOT copied
from a real full file: none was available. ``analysis_result.txt`` follows the trimmed real
file (DEMO_COVID2020_THERMO.eds): wells from 0, ``Rn values`` / ``Delta Rn values`` /
``DDCT Values`` rows, Ct 40.0 for Undetermined. Every value is invented: curves are logistic,
Rn = FAM (or VIC) signal / ROX signal, Delta Rn = Rn - the known background Rn, Ct = the
linearly interpolated crossing of Delta Rn with THRESHOLD (40.0 when never crossed).

Files:

``SYNTHETIC_eds_full.eds``
    everything above; 6 wells of a 96-well plate x 2 detectors (IKZF1 on FAM, ALB on VIC),
    well 24 (C1) omitted; multicomponent summaries glued to the next record line.
``SYNTHETIC_eds_multicomponent_only.eds``
    the same without ``analysis_result.txt`` (an .eds saved before analysis) and without
    ``Manifest.mf``; summaries on their own lines.
``SYNTHETIC_eds_results_only.eds``
    only ``analysis_result.txt``, as in the trimmed real file (Task ``Target``); well 1
    (A2) detector IKZF1 holds a contradiction: Ct 40.0 written although its Delta Rn crosses the threshold.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
CYCLES = 40
THRESHOLD = 0.2
ROX = 10000.0
BACKGROUND = {"FAM": 3000.0, "VIC": 2000.0}
AMPLITUDE = 2.0  # Delta Rn plateau
# well index (from 0) -> (sample, task, {detector: x0 of its logistic rise, None = flat})
WELLS: dict[int, tuple[str, str, dict[str, float | None]]] = {
    0: ("SYNTHETIC NTC", "NTC", {"IKZF1": None, "ALB": None}),
    1: ("SYNTHETIC S1", "UNKNOWN", {"IKZF1": 25.0, "ALB": 24.0}),
    12: ("SYNTHETIC S2", "UNKNOWN", {"IKZF1": None, "ALB": 26.0}),
    13: ("SYNTHETIC POS", "POSITIVE_CONTROL", {"IKZF1": 23.0, "ALB": 23.0}),
    24: ("SYNTHETIC S4 omitted", "UNKNOWN", {"IKZF1": 28.0, "ALB": 28.0}),
    95: ("SYNTHETIC S3", "UNKNOWN", {"IKZF1": 30.0, "ALB": 27.0}),
}
REPORTER = {"IKZF1": "FAM", "ALB": "VIC"}
OMITTED = {24}


def _g(x: float) -> str:
    return f"{x:.7g}"


def delta_rn(x0: float | None, cycle: int) -> float:
    """Invented Delta Rn: a logistic rise at ``x0`` (slope 1.5 cycles), flat when None."""
    if x0 is None:
        return 0.002 * math.sin(cycle)  # a little noise, far below the threshold
    return AMPLITUDE / (1 + math.exp(-(cycle - x0) / 1.5))


def signals(index: int, detector: str) -> list[tuple[float, float]]:
    """(reporter signal, ROX signal) per cycle, rounded as written."""
    x0 = WELLS[index][2][detector]
    bg = BACKGROUND[REPORTER[detector]] + index  # a well-specific background
    rox = [float(_g(ROX * (1 + 0.001 * index) - 2 * c)) for c in range(1, CYCLES + 1)]
    rn_bg = bg / ROX
    return [
        (float(_g((rn_bg + delta_rn(x0, c)) * r)), r)
        for c, r in zip(range(1, CYCLES + 1), rox, strict=True)
    ]


def curve(index: int, detector: str) -> tuple[list[float], list[float]]:
    """(Rn, Delta Rn) per cycle as written to analysis_result.txt."""
    sig = signals(index, detector)
    rn = [float(_g(s / r)) for s, r in sig]
    bg = (BACKGROUND[REPORTER[detector]] + index) / ROX
    return rn, [float(_g(v - bg)) for v in rn]


def crossing(drn: list[float]) -> float:
    """The Ct: last upward crossing of THRESHOLD, linear interpolation; 40.0 when none."""
    for k in range(len(drn) - 1, 0, -1):
        if drn[k - 1] < THRESHOLD <= drn[k]:
            return k + (THRESHOLD - drn[k - 1]) / (drn[k] - drn[k - 1])
    return float(CYCLES)


def analysis_result(task_word: str | None = None, contradiction: int | None = None) -> str:
    """The analysis_result.txt text (CRLF, tab-separated, as the real file)."""
    lines = [
        "Session Name\tSYNTHETIC eds fixture",
        "Well\tSample Name\tDetector\tTask\tCt\tAvg Ct\tCt SD\tDelta Ct\tQty\tAvg Qty\tQty SD",
    ]
    for index, (sample, task, dets) in WELLS.items():
        for det in dets:
            rn, drn = curve(index, det)
            ct = crossing(drn)
            if index == contradiction and det == "IKZF1":
                ct = float(CYCLES)  # written as Undetermined although Delta Rn crosses
            word = task_word or task
            lines.append(f"{index}\t{sample}\t{det}\t{word}\t{_g(ct)}\t\t\t\t\t\t")
            lines.append("Rn values\t" + "\t".join(_g(v) for v in rn))
            lines.append("Delta Rn values\t" + "\t".join(_g(v) for v in drn))
            lines.append(f"DDCT Values\t{index}\t\t{sample}\t{det}\t{word}\t{_g(ct)}\t\t\tfalse\t")
    return "\r\n".join(lines) + "\r\n"


def multicomponent(glued: bool) -> str:
    """multicomponent_data.txt: a record per well x cycle (from 0) x dye, pure-dye rows."""
    lines = [
        "StepOne v2.0 MulticomponentData",
        "",
        "WELL\tCYCLE\tDYE LIST\tMSE\tSIGNAL DATA\tPURE_DYE_DATA",
    ]
    pending = ""
    for index in WELLS:
        per_dye = {"FAM": signals(index, "IKZF1"), "VIC": signals(index, "ALB")}
        for c in range(CYCLES):
            values = {
                "FAM": per_dye["FAM"][c][0],
                "VIC": per_dye["VIC"][c][0],
                "ROX": per_dye["FAM"][c][1],
            }
            for dye, value in values.items():
                lines.append(f"{pending}{index}\t{c}\t{dye}\t12.5\t{_g(value)}\t0.9")
                pending = ""
                lines.extend("\t\t\t\t\t0.05" for _ in range(2))
            summary = f"{index}\t{c}\t37.5\t"
            if glued:
                pending = summary
            else:
                lines.append(summary)
    if pending:
        lines.append(pending)
    return "\r\n".join(lines)


def plate_setup() -> str:
    """plate_setup.xml: samples and detector tasks by well index, the omitted well."""
    samples = "".join(
        f"<FeatureValue><Index>{i}</Index><FeatureItem><Sample><Name>{s}</Name>"
        "<Color>-1</Color></Sample></FeatureItem></FeatureValue>"
        for i, (s, _, _) in WELLS.items()
    )
    tasks = ""
    for i, (_, task, dets) in WELLS.items():
        items = "".join(
            f"<DetectorTask><Task>{task}</Task><Concentration>1.0</Concentration><Detector>"
            f"<Name>{d}</Name><Reporter>{REPORTER[d]}</Reporter><Quencher>NFQ-MGB</Quencher>"
            "</Detector></DetectorTask>"
            for d in dets
        )
        tasks += (
            f"<FeatureValue><Index>{i}</Index><FeatureItem><DetectorTaskList>{items}"
            "</DetectorTaskList></FeatureItem></FeatureValue>"
        )
    wells = "".join(
        f"<Well><Index>{i}</Index><IsOmit>{'true' if i in OMITTED else 'false'}</IsOmit></Well>"
        for i in WELLS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<Plate><Name>SYNTHETIC plate</Name><BarCode>SYNTHETIC</BarCode><Rows>8</Rows>"
        "<Columns>12</Columns><PlateKind><Name>96-Well</Name><RowCount>8</RowCount>"
        "<ColumnCount>12</ColumnCount></PlateKind>"
        f"<FeatureMap><Feature><Id>sample</Id><Name>sample</Name></Feature>{samples}</FeatureMap>"
        "<FeatureMap><Feature><Id>detector-task</Id><Name>detector-task</Name></Feature>"
        f"{tasks}</FeatureMap><Wells>{wells}</Wells></Plate>\n"
    )


EXPERIMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<Experiment><Name>SYNTHETIC eds fixture</Name><Operator>SYNTHETIC</Operator>"
    "<RunState>COMPLETE</RunState><Type><Id>Standard</Id><Name>Standard Curve</Name></Type>"
    "<InstrumentTypeId>steponeplus</InstrumentTypeId>"
    "<RunEndTime>SYNTHETIC 2024-01-01 12:00</RunEndTime></Experiment>\n"
)
TCPROTOCOL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<TCProtocol><ProtocolName>SYNTHETIC'
    "</ProtocolName></TCProtocol>\n"
)
MANIFEST = "Manifest-Version: 1.0\r\nImplementation-Title: SYNTHETIC writer\r\nImplementation-Version: 0\r\n"


def archive(members: dict[str, str]) -> bytes:
    """A zip of the members under apldbio/sds/, in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            info = zipfile.ZipInfo("apldbio/sds/" + name, date_time=(2024, 1, 1, 0, 0, 0))
            zf.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def main() -> None:
    """Write the three fixtures."""
    full = {
        "experiment.xml": EXPERIMENT,
        "plate_setup.xml": plate_setup(),
        "tcprotocol.xml": TCPROTOCOL,
        "multicomponent_data.txt": multicomponent(glued=True),
        "analysis_result.txt": analysis_result(),
        "Manifest.mf": MANIFEST,
    }
    (HERE / "SYNTHETIC_eds_full.eds").write_bytes(archive(full))
    raw_only = {k: v for k, v in full.items() if k not in ("analysis_result.txt", "Manifest.mf")}
    raw_only["multicomponent_data.txt"] = multicomponent(glued=False)
    (HERE / "SYNTHETIC_eds_multicomponent_only.eds").write_bytes(archive(raw_only))
    results = {"analysis_result.txt": analysis_result(task_word="Target", contradiction=1)}
    (HERE / "SYNTHETIC_eds_results_only.eds").write_bytes(archive(results))


if __name__ == "__main__":
    main()
