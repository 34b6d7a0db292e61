"""Melt curves: -dF/dT and peaks (checked against scipy), the report section, the CLI messages.

The melt curves are synthetic logistic melting transitions with known Tm,
``F(T) = sum a_i / (1 + exp((T - Tm_i) / w_i)) + background + noise`` (seeded). scipy.signal
is the trusted peer, imported here only: the package computes with numpy alone.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import find_peaks, savgol_filter

from ikzf1assay.assay import Assay
from ikzf1assay.calling import call_run
from ikzf1assay.cli import main
from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr import MeltCalls, MeltSettings, analyse_melt, read_run
from ikzf1assay.qpcr.melt import DERIVATIVE_COLUMNS, MELT_CALL_COLUMNS
from ikzf1assay.qpcr.plate import MELT_COLUMNS, MeltPoint, Plate, RunInfo, build_plate
from ikzf1assay.report.html import render_run_report
from ikzf1assay.report.melt_svg import melt_figures
from ikzf1assay.simulate import simulate_run

SHARED = Path(__file__).resolve().parents[2] / "shared" / "validation" / "qpcr"
HOSTILE = '<script>alert("x")</script>&<b>M</b>'

Transition = tuple[float, float, float]  # amplitude, Tm, width


def melt_curve(
    rng: np.random.Generator,
    transitions: list[Transition],
    noise: float = 0.02,
    start: float = 60.0,
    stop: float = 95.0,
    step: float = 0.25,
) -> tuple[np.ndarray, np.ndarray]:
    """Readings at jittered (not exactly uniform) temperatures, a dye's sloping background."""
    t = np.arange(start, stop, step) + rng.uniform(-0.3, 0.3, 1) * step
    t = t + rng.normal(0, 0.01 * step, t.size)
    f = 1.0 - 0.01 * (t - start) + rng.normal(0, noise, t.size)
    for amplitude, tm, width in transitions:
        f = f + amplitude / (1 + np.exp((t - tm) / width))
    return t, f


def melt_plate(curves: dict[str, tuple[np.ndarray, np.ndarray]], target: str = "T1") -> Plate:
    points = [
        MeltPoint(well, target, float(a), float(b))
        for well, (t, f) in curves.items()
        for a, b in zip(t, f, strict=True)
    ]
    info = RunInfo(format="test", file_name="melt.rdml", sha256="0" * 64, plate_size=96)
    return build_plate(info, [], [], melt=points)


def well_name(i: int) -> str:
    return f"{chr(65 + i // 12)}{i % 12 + 1}"


@pytest.fixture(scope="module")
def product_plate() -> tuple[Plate, dict[str, float]]:
    rng = np.random.default_rng(14)
    tms = {well_name(i): float(rng.uniform(78, 90)) for i in range(24)}
    curves = {
        w: melt_curve(rng, [(10.0, tm, float(rng.uniform(0.5, 1.0)))]) for w, tm in tms.items()
    }
    return melt_plate(curves), tms


def test_single_product_peaks_lie_within_0_3_degrees(
    product_plate: tuple[Plate, dict[str, float]],
) -> None:
    plate, tms = product_plate
    calls = analyse_melt(plate)
    table = calls.table
    assert list(table.columns) == MELT_CALL_COLUMNS
    assert list(calls.derivative.columns) == DERIVATIVE_COLUMNS
    assert (table["n_peaks"] == 1).all()
    error = (table["main_peak"] - table["well"].map(tms)).abs()
    assert error.max() < 0.3, table.assign(error=error)
    assert (table["main_height"] > 0).all()
    assert table["readings"].tolist() == [140] * 24
    assert table["peaks"].tolist() == [f"{p:.1f}" for p in table["main_peak"]]
    assert table["n_peaks"].dtype == np.int64
    assert table["readings"].dtype == np.int64


def test_primer_dimer_and_product_are_two_peaks() -> None:
    rng = np.random.default_rng(7)
    curves = {
        well_name(i): melt_curve(rng, [(8.0, 85.0 + 0.3 * i, 0.7), (2.0, 74.0 + 0.2 * i, 0.8)])
        for i in range(6)
    }
    dimer_only = melt_curve(rng, [(3.0, 75.0, 0.8)])
    table = analyse_melt(melt_plate({**curves, "H12": dimer_only})).table.set_index("well")
    for i in range(6):
        row = table.loc[well_name(i)]
        assert row["n_peaks"] == 2
        assert abs(row["main_peak"] - (85.0 + 0.3 * i)) < 0.3
        second = float(row["peaks"].split(",")[1])
        assert abs(second - (74.0 + 0.2 * i)) < 0.3
    dimer = table.loc["H12"]
    assert dimer["n_peaks"] == 1
    assert abs(dimer["main_peak"] - 75.0) < 0.3


def test_flat_curves_have_no_peak() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(60.0, 95.0, 0.2)
    curves = {
        well_name(i): melt_curve(rng, [], noise=0.02 * (i + 1)) for i in range(8)
    }  # a sloping background with noise
    curves["B1"] = (t, np.full(t.size, 5.0))  # noiseless and flat: rounding only
    curves["B2"] = (t, np.zeros(t.size))
    table = analyse_melt(melt_plate(curves)).table
    assert (table["n_peaks"] == 0).all(), table
    assert table["main_peak"].isna().all()
    assert table["main_height"].isna().all()
    assert (table["peaks"] == "").all()


def test_negative_derivative_matches_scipy_savgol_on_the_same_grid(
    product_plate: tuple[Plate, dict[str, float]],
) -> None:
    plate, _ = product_plate
    for window in (5, 7, 11):
        calls = analyse_melt(plate, MeltSettings(smooth_window=window))
        for (well,), deriv in calls.derivative.groupby(["well"]):
            readings = plate.melt[plate.melt["well"] == well]
            grid = deriv["temperature"].to_numpy()
            step = np.diff(grid)
            assert np.allclose(step, np.median(np.diff(readings["temperature"])), rtol=1e-9)
            assert grid[0] == readings["temperature"].iloc[0]
            on_grid = np.interp(grid, readings["temperature"], readings["fluorescence"])
            peer = -savgol_filter(on_grid, window, 2, deriv=1, delta=float(step[0]))
            assert np.allclose(deriv["neg_dfdt"], peer, rtol=1e-9, atol=1e-9), (window, well)


def test_peak_temperatures_match_scipy_find_peaks() -> None:
    rng = np.random.default_rng(21)
    curves = {
        well_name(i): melt_curve(rng, [(8.0, 86.0, 0.6), (float(rng.uniform(1, 3)), 73.0, 0.8)])
        for i in range(12)
    }
    calls = analyse_melt(melt_plate(curves))
    settings = calls.settings
    for (well,), deriv in calls.derivative.groupby(["well"]):
        grid = deriv["temperature"].to_numpy()
        y = deriv["neg_dfdt"].to_numpy()
        baseline = np.percentile(y, 10)
        cut = settings.min_peak_height * (y.max() - baseline)
        step = grid[1] - grid[0]
        distance = int(np.ceil(settings.min_peak_separation / step))
        index, _ = find_peaks(y, height=baseline + cut, prominence=cut, distance=distance)
        peer = sorted(grid[index], key=lambda t: -np.interp(t, grid, y))
        ours = [
            float(p) for p in str(calls.table.set_index("well").loc[str(well), "peaks"]).split(",")
        ]
        assert len(ours) == len(peer), (well, ours, peer)
        assert np.allclose(ours, peer, atol=step), (well, ours, peer)


def test_close_peaks_are_merged_into_the_higher() -> None:
    rng = np.random.default_rng(5)
    curve = melt_curve(rng, [(8.0, 85.0, 0.5), (3.0, 81.5, 0.4)], noise=0.005)
    table = analyse_melt(melt_plate({"A1": curve})).table
    assert table["n_peaks"].iloc[0] == 2
    merged = analyse_melt(melt_plate({"A1": curve}), MeltSettings(min_peak_separation=4.0))
    assert merged.table["n_peaks"].iloc[0] == 1
    assert abs(merged.table["main_peak"].iloc[0] - 85.0) < 0.3


def test_empty_melt_gives_empty_tables_with_the_columns() -> None:
    info = RunInfo(format="test", file_name="x", sha256="0")
    from ikzf1assay.qpcr.plate import CurvePoint

    plate = build_plate(info, [], [CurvePoint("A1", "T", float(c), 1.0) for c in range(1, 41)])
    calls = analyse_melt(plate)
    assert isinstance(calls, MeltCalls)
    assert calls.settings == MeltSettings()
    assert list(calls.table.columns) == MELT_CALL_COLUMNS
    assert calls.table.empty
    assert list(calls.derivative.columns) == DERIVATIVE_COLUMNS
    assert calls.derivative.empty
    assert calls.table["n_peaks"].dtype == np.int64


def test_too_short_a_curve_has_no_derivative_and_no_peak() -> None:
    t = np.array([80.0, 81.0, 82.0, 83.0])
    table = analyse_melt(melt_plate({"A1": (t, 5 - t / 100)})).table
    assert table["n_peaks"].tolist() == [0]
    assert table["readings"].tolist() == [4]


@pytest.mark.parametrize(
    "kwargs",
    [{"smooth_window": 6}, {"smooth_window": 1}, {"min_peak_height": 0.0},
     {"min_peak_height": 1.5}, {"min_peak_separation": -1.0}, {"product_margin": float("nan")}],
)  # fmt: skip
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ParameterError):
        MeltSettings(**kwargs)  # type: ignore[arg-type]


def test_real_rdml_melt_file() -> None:
    path = SHARED / "rdml_untergasser" / "test_mca_1_raw_data.rdml"
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is not part of the repository)")
    plate = read_run(path)
    if plate.melt.empty:
        pytest.skip("the RDML reader does not read melt data (mdp) yet")
    assert not plate.has_amplification
    table = analyse_melt(plate).table
    assert len(table) == 50
    # the file's target gives its product's Tm as 85.34 °C; the dilution rows G-I show it
    # as the main peak, the most dilute rows J-K a primer-dimer near 80 °C
    rows = table["well"].str[0]
    product = table[rows.isin(["G", "H", "I"])]
    assert ((product["main_peak"] - 85.34).abs() < 1.0).all(), product
    dimer = table[rows == "K"]
    assert ((dimer["main_peak"] - 80.0).abs() < 0.6).all(), dimer


def test_real_lightcycler_melt_file() -> None:
    folder = SHARED / "lightcycler480"
    files = sorted(p for p in folder.glob("*.txt") if not p.stem.endswith("_Cq"))
    if not files:
        pytest.skip(f"no LightCycler 480 raw data in {folder} (../shared is not present)")
    try:
        plate = read_run(files[0])
    except Exception as exc:  # another engineer's reader, in progress
        pytest.skip(f"the LightCycler 480 reader does not read {files[0].name} yet: {exc}")
    if plate.melt.empty:
        pytest.skip("the LightCycler 480 reader does not read the melt program yet")
    table = analyse_melt(plate).table
    assert len(table) == plate.melt[["run", "well", "target"]].drop_duplicates().shape[0]
    assert table["main_peak"].dropna().between(60, 98).all()


# the run report ------------------------------------------------------------------------


def with_melt(plate: Plate, hostile_well: str | None = None) -> Plate:
    """The plate with a synthetic melt curve for every reaction (a product at 84-86 °C)."""
    rng = np.random.default_rng(9)
    frames = []
    for run, well, target in plate.wells[["run", "well", "target"]].itertuples(index=False):
        t, f = melt_curve(rng, [(6.0, float(rng.uniform(84, 86)), 0.6)], step=0.2)
        frames.append(pd.DataFrame({"run": run, "well": well, "target": target,
                                    "temperature": t, "fluorescence": f}))  # fmt: skip
    wells = plate.wells.copy()
    if hostile_well is not None:
        wells.loc[wells["well"] == hostile_well, "sample"] = HOSTILE
    melt = pd.concat(frames, ignore_index=True)[MELT_COLUMNS]
    return dataclasses.replace(plate, wells=wells, melt=melt)


@pytest.fixture(scope="module")
def simulated(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Plate]:
    export = tmp_path_factory.mktemp("melt") / "run.txt"
    export.write_text(simulate_run(assay, seed=1).text, encoding="utf-8")
    plate = read_run(export)
    return call_run(plate, assay), plate


def test_run_report_has_a_melt_section(assay: Assay, simulated: tuple[object, Plate]) -> None:
    calls, plate = simulated
    melted = with_melt(plate, hostile_well=str(plate.wells["well"].iloc[0]))
    called = call_run(melted, assay)  # the calls carry the melt analysis; the report draws it
    assert called.melt is not None
    html = render_run_report(called, melted, assay)
    section = html[html.index('<h2 id="melt">') : html.index('<h2 id="flags">')]
    n_reactions = len(calls.wells["reaction"].unique())  # type: ignore[attr-defined]
    assert section.count('aria-label="melt curves: ') == n_reactions
    assert section.count("<polyline") == len(plate.wells)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in section
    first = plate.wells.iloc[0]
    assert f"<title>{first['well']} &lt;script&gt;" in section
    assert "-dF/dT" in section
    assert "temperature (°C)" in section
    peak_table = section[section.index('<table class="melt">') :].split("</table>")[0]
    assert peak_table.count("<tr>") == len(plate.wells) + 1  # the peak table
    reactions = section[section.index('<table class="melt-reactions">') :].split("</table>")[0]
    assert reactions.count("<tr>") == 1 + len(assay.reactions)  # window and predicted Tm
    assert "pass <code>--locus FILE</code>" in section
    assert "peak 8" in section  # each well's peak, e.g. "peak 85.1 °C"


def test_run_report_says_when_there_is_no_melt(
    assay: Assay, simulated: tuple[object, Plate]
) -> None:
    calls, plate = simulated
    html = render_run_report(calls, plate, assay)  # type: ignore[arg-type]
    section = html[html.index('<h2 id="melt">') : html.index('<h2 id="flags">')]
    assert "The export holds no melt curves." in section
    assert "<svg" not in section


def test_melt_figures_group_by_target_without_groups() -> None:
    rng = np.random.default_rng(2)
    plate = melt_plate({"A1": melt_curve(rng, [(5.0, 84.0, 0.6)])}, target="<b>T</b>")
    figures = melt_figures(analyse_melt(plate))
    assert [f.name for f in figures] == ["<b>T</b>"]
    assert figures[0].wells == 1
    assert "<b>T</b>" not in str(figures[0].svg)
    assert "&lt;b&gt;T&lt;/b&gt;" in str(figures[0].svg)


# the command line ----------------------------------------------------------------------

RDML_HEAD = (
    '<rdml xmlns="http://www.rdml.org" version="1.3"><sample id="S1"><type>unkn</type></sample>'
    '<sample id="S2"><type>ntc</type></sample><target id="IKZF1"><type>toi</type></target>'
    '<experiment id="E1"><run id="R1"><pcrFormat><rows>8</rows><columns>12</columns>'
    "<rowLabel>ABC</rowLabel><columnLabel>123</columnLabel></pcrFormat>"
)


def melt_only_rdml(folder: Path) -> Path:
    """A melt-only RDML file: two reactions with ``mdp`` readings and no ``adp`` or ``cq``."""
    rng = np.random.default_rng(11)
    reacts = []
    for react_id, sample in ((1, "S1"), (2, "S2")):
        t, f = melt_curve(rng, [(6.0, 84.0, 0.6)], step=0.5)
        mdp = "".join(
            f"<mdp><tmp>{a:.2f}</tmp><fluor>{b:.4f}</fluor></mdp>"
            for a, b in zip(t, f, strict=False)
        )
        reacts.append(f'<react id="{react_id}"><sample id="{sample}"/><data><tar id="IKZF1"/>'
                      f"{mdp}</data></react>")  # fmt: skip
    xml = RDML_HEAD + "".join(reacts) + "</run></experiment></rdml>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rdml_data.xml", xml)
    path = folder / "melt only.rdml"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("command", [["curves"], ["call"]])
def test_melt_only_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    path = melt_only_rdml(tmp_path)
    out = io.StringIO()
    code = main([*command, str(path)], out=out)
    err = capsys.readouterr().err
    assert code == 2
    assert out.getvalue() == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert f"{path}: holds no amplification data" in err
    if not read_run(path).melt.empty:  # the RDML reader reads mdp
        assert "(melt curves only: 2 reactions); use `ikzf1assay inspect` to see them" in err


@pytest.mark.parametrize("command", [["curves"], ["call"]])
def test_melt_only_plate_message_names_the_reactions(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    import ikzf1assay.qpcr

    rng = np.random.default_rng(4)
    plate = melt_plate({w: melt_curve(rng, [(5.0, 84.0, 0.6)]) for w in ("A1", "A2", "B1")})
    monkeypatch.setattr(ikzf1assay.qpcr, "read_run", lambda *a, **k: plate)
    path = tmp_path / "run.rdml"
    path.write_bytes(b"")
    code = main(
        [*command, str(path), *(["-o", str(tmp_path / "out")] if command == ["call"] else [])]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().endswith(
        f"{path}: holds no amplification data (melt curves only: 3 reactions); "
        "use `ikzf1assay inspect` to see them"
    )
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_inspect_shows_melt_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import ikzf1assay.qpcr

    rng = np.random.default_rng(4)
    plate = melt_plate({w: melt_curve(rng, [(5.0, 84.0, 0.6)]) for w in ("A1", "A2")})
    monkeypatch.setattr(ikzf1assay.qpcr, "read_run", lambda *a, **k: plate)
    path = tmp_path / "run.rdml"
    path.write_bytes(b"")
    out = io.StringIO()
    assert main(["inspect", str(path)], out=out) == 0
    text = out.getvalue()
    lo, hi = plate.melt["temperature"].min(), plate.melt["temperature"].max()
    assert (
        f"melt curves: yes (2 reactions; targets T1; {lo:.1f}-{hi:.1f} °C; 280 readings, "
        "140 per reaction)"
    ) in text
    assert "amplification: none" in text
    out = io.StringIO()
    assert main(["inspect", str(path), "--format", "json"], out=out) == 0
    melt = json.loads(out.getvalue())["melt"]
    assert melt["reactions"] == 2
    assert melt["readings_per_reaction"] == [140, 140]
