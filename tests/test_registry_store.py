"""The registry store on SQLite and PostgreSQL: import, re-analysis, review, sign-off,
amendment, the audit chain, exports for the cohort and QC, settings and flags.

Every test runs on both engines (``db_url``, tests/registry_db.py); the PostgreSQL cases need
``IKZF1ASSAY_TEST_PG_URL`` (``bash scripts/pg_server.sh start``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from ikzf1assay.cohort.link import read_calls
from ikzf1assay.errors import RegistryError, RegistryUnavailableError
from ikzf1assay.registry import (
    SCHEMA_REVISION,
    ImportResult,
    Registry,
    RunRecord,
    display_url,
    migrate,
    open_registry,
)
from ikzf1assay.registry._engine import head_revision, known_revisions
from ikzf1assay.registry.store import run_identity
from registry_db import db_url, expected_calls, make_record, pg_database

__all__ = ["db_url", "pg_database"]  # the fixtures, imported for pytest


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    with open_registry(db_url) as opened:
        yield opened


def imported(registry: Registry, tag: str = "a", user: str = "alice") -> ImportResult:
    return registry.import_run(make_record(tag), user)


def test_schema_revision_is_the_alembic_head() -> None:
    assert SCHEMA_REVISION == head_revision() == known_revisions()[-1]
    assert known_revisions() == ("0001", "0002")


def test_same_export_again_is_a_no_op(registry: Registry) -> None:
    first = imported(registry)
    entries = len(registry.audit())
    again = imported(registry)
    assert (first.created_run, first.created_analysis) == (True, True)
    assert (again.created_run, again.created_analysis) == (False, False)
    assert (again.run_id, again.analysis_id) == (first.run_id, first.analysis_id)
    assert again.message == f"already in the registry as run {first.run_id} (analysis 1)"
    assert len(registry.runs()) == 1
    assert len(registry.audit()) == entries  # nothing written


def test_changed_file_with_the_same_name_is_a_new_run(registry: Registry) -> None:
    first = imported(registry, "a")
    second = imported(registry, "b")  # same file name, other bytes
    assert second.created_run
    assert second.run_id != first.run_id
    runs = registry.runs()
    assert runs["file"].tolist() == ["demo_run_abi7500.txt"] * 2
    assert runs["run_id"].tolist() == [first.run_id, second.run_id]


def test_run_identity_of_a_multi_file_export_ignores_order(registry: Registry) -> None:
    a, b = ("run.xlsx", b"amplification"), ("run_melt.xlsx", b"melt")
    assert run_identity([a, b]) == run_identity([b, a]) != run_identity([a])
    first = registry.import_run(make_record(files=[a, b]), "alice")
    again = registry.import_run(make_record(files=[b, a]), "alice")
    assert not again.created_run
    assert again.run_id == first.run_id
    assert registry.runs()["file"].tolist() == ["run.xlsx + run_melt.xlsx"]
    assert registry.export_files(first.run_id) == [a, b]


def test_other_parameters_make_a_new_analysis_never_an_overwrite(registry: Registry) -> None:
    first = imported(registry)
    calls = expected_calls()
    calls.loc[calls["sample"] == "SIM-06", "call"] = "Δ4-7"
    second = registry.import_run(
        make_record("a", parameters={"threshold": 0.3}, calls=calls), "bob"
    )
    assert (second.created_run, second.created_analysis) == (False, True)
    assert second.run_id == first.run_id
    assert second.analysis_id != first.analysis_id
    assert "new analysis" in second.message
    shown = registry.show(first.run_id)
    analyses = shown["analyses"]
    assert analyses["analysis_id"].tolist() == [first.analysis_id, second.analysis_id]
    assert analyses["latest"].tolist() == [False, True]
    assert '"threshold":0.3' in analyses["parameters"].iloc[1]
    assert '"reference":"ALB"' in analyses["provenance"].iloc[1]
    assert shown["calls"].set_index("sample").loc["SIM-06", "call"] == "Δ4-7"
    assert (shown["calls"]["analysis_id"] == second.analysis_id).all()
    assert registry.runs()["analyses"].tolist() == [2]
    # the same second analysis again: no-op
    again = registry.import_run(make_record("a", parameters={"threshold": 0.3}, calls=calls), "x")
    assert (again.created_analysis, again.analysis_id) == (False, second.analysis_id)


def test_stored_run_keeps_its_export_wells_and_calls(registry: Registry) -> None:
    record = make_record("a")
    result = registry.import_run(record, "alice")
    assert registry.export_files(result.run_id) == record.files
    shown = registry.show(result.run_id)
    run = shown["run"]
    assert run["status"] == "draft"
    assert run["imported_by"] == "alice"
    assert run["run_date"] == "2026-01-05"
    assert run["format"] == "abi_text"
    assert run["imported_at"].endswith("Z")
    assert run["signoff"] is None
    assert run["files"][0]["name"] == "demo_run_abi7500.txt"
    wells = shown["wells"]
    assert len(wells) == len(record.wells)
    assert list(wells.columns[1:]) == list(record.wells.columns)  # every column kept
    assert wells["well"].tolist() == record.wells["well"].tolist()
    calls = shown["calls"]
    assert calls["sample"].tolist() == record.calls["sample"].tolist()
    assert calls["call"].tolist() == calls["machine_call"].tolist()
    assert not calls["reviewed"].any()
    assert (calls["version"] == 0).all()
    assert {"load", "evidence", "flags"} <= set(calls.columns)
    assert shown["reviews"].empty
    assert set(shown) == {"run", "analyses", "wells", "calls", "reviews"}


def test_runs_lists_calls_by_kind(registry: Registry) -> None:
    imported(registry)
    runs = registry.runs()
    assert list(runs.columns) == [
        "run_id", "file", "run_date", "instrument", "format", "status", "imported_at",
        "imported_by", "analyses", "samples", "calls", "qc_flag",
    ]  # fmt: skip
    row = runs.iloc[0]
    assert row["samples"] == 8
    assert row["status"] == "draft"
    assert row["qc_flag"] == ""
    assert row["calls"] == (
        "Δ2-7 1, Δ2-8 1, Δ4-7 1, Δ4-8 1, mixed 1, not detected 1, inconclusive 1, invalid 1"
    )


def test_unknown_run_names_the_range(registry: Registry) -> None:
    with pytest.raises(RegistryError, match=r"run 5 is not in registry .*no runs"):
        registry.show(5)
    imported(registry, "a")
    imported(registry, "b")
    with pytest.raises(RegistryError, match=r"run 7 is not in registry .*runs 1 to 2 exist"):
        registry.show(7)


def test_review_stands_beside_the_machine_call(registry: Registry) -> None:
    run = imported(registry).run_id
    review_id = registry.review(run, "SIM-08", "Δ4-7", "late curve checked: real", "bob")
    calls = registry.show(run)["calls"].set_index("sample")
    row = calls.loc["SIM-08"]
    assert (row["call"], row["status"], row["machine_call"]) == ("Δ4-7", "valid", "inconclusive")
    assert (row["reviewed"], row["version"], row["reviewed_by"]) == (True, 1, "bob")
    reviews = registry.show(run)["reviews"]
    assert reviews["review_id"].tolist() == [review_id]
    assert reviews["kind"].tolist() == ["review"]
    entry = registry.audit().iloc[-1]
    assert (entry["action"], entry["user"], entry["sample"]) == ("review", "bob", "SIM-08")
    assert entry["reason"] == "late curve checked: real"
    assert '"previous_call":"inconclusive"' in entry["detail"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Δ4-7", ("Δ4-7", "Δ4-7", "valid")),
        ("∆2-8", ("Δ2-8", "Δ2-8", "valid")),
        ("del 4-8", ("Δ4-8", "Δ4-8", "valid")),
        ("Δ4-7+Δ2-8", ("mixed", "Δ2-8,Δ4-7", "valid")),
        ("Δ2-8, Δ4-7", ("mixed", "Δ2-8,Δ4-7", "valid")),
        ("Not Detected", ("not detected", "", "valid")),
        ("negative", ("not detected", "", "valid")),
        ("inconclusive", ("inconclusive", "", "inconclusive")),
        ("invalid", ("invalid", "", "invalid")),
    ],
)
def test_review_reads_the_vocabulary_tolerantly(
    tmp_path: Path, given: str, stored: tuple[str, str, str]
) -> None:
    with open_registry(tmp_path / "r.db") as registry:
        run = imported(registry).run_id
        registry.review(run, "SIM-08", given, "checked", "bob")
        row = registry.show(run)["calls"].set_index("sample").loc["SIM-08"]
        assert (row["call"], row["deletions"], row["status"]) == stored


def test_review_refusals(registry: Registry) -> None:
    run = imported(registry).run_id
    with pytest.raises(RegistryError, match="needs a reason"):
        registry.review(run, "SIM-08", "Δ4-7", "  ", "bob")
    with pytest.raises(RegistryError, match=r"sample 'SIM-99' is not in run 1 \(samples: SIM-01"):
        registry.review(run, "SIM-99", "Δ4-7", "why", "bob")
    for bad in ("banana", "Δ9-9", "Δ4-7+banana", ""):
        with pytest.raises(RegistryError, match="not in the assay's vocabulary"):
            registry.review(run, "SIM-08", bad, "why", "bob")
    with pytest.raises(RegistryError, match="user name is required"):
        registry.review(run, "SIM-08", "Δ4-7", "why", " ")
    assert registry.show(run)["reviews"].empty


def test_signoff_waits_for_review_decisions(registry: Registry) -> None:
    run = imported(registry).run_id
    with pytest.raises(RegistryError, match=r"1 sample\(s\) need a review decision.*SIM-08"):
        registry.signoff(run, "bob")
    assert registry.runs()["status"].tolist() == ["draft"]
    registry.review(run, "SIM-08", "inconclusive", "repeat the sample", "bob")
    head = registry.signoff(run, "bob")
    assert head == registry.head_hash()
    assert len(head) == 64
    shown = registry.show(run)
    assert shown["run"]["status"] == "released"
    assert shown["run"]["released_by"] == "bob"
    assert shown["run"]["signoff"]["head_hash"] == head
    last = registry.audit().iloc[-1]
    assert (last["action"], last["user"], last["hash"]) == ("sign-off", "bob", head)


def test_self_signoff_refused_unless_the_lab_allows_it(registry: Registry) -> None:
    run = imported(registry, user="alice").run_id
    registry.review(run, "SIM-08", "inconclusive", "repeat", "bob")
    with pytest.raises(RegistryError, match="imported by alice: another person must sign"):
        registry.signoff(run, "alice")
    assert registry.get_setting("allow_self_signoff") is None
    registry.set_setting("allow_self_signoff", "true", "lab-admin")
    assert registry.get_setting("allow_self_signoff") == "true"
    registry.signoff(run, "alice")
    setting = registry.audit().query("action == 'setting'").iloc[0]
    assert setting["user"] == "lab-admin"
    assert '"key":"allow_self_signoff"' in setting["detail"]


def test_released_run_refuses_a_second_signoff_a_review_and_a_reanalysis(
    registry: Registry,
) -> None:
    run = imported(registry).run_id
    registry.review(run, "SIM-08", "inconclusive", "repeat", "bob")
    registry.signoff(run, "bob")
    with pytest.raises(RegistryError, match="already released"):
        registry.signoff(run, "carol")
    with pytest.raises(RegistryError, match="released: use amend"):
        registry.review(run, "SIM-01", "not detected", "why", "bob")
    with pytest.raises(RegistryError, match="released: a new analysis would change its calls"):
        registry.import_run(make_record("a", parameters={"threshold": 0.5}), "alice")
    assert len(registry.show(run)["analyses"]) == 1


def test_amend_keeps_every_version(registry: Registry) -> None:
    run = imported(registry).run_id
    with pytest.raises(RegistryError, match=r"draft .*use review"):
        registry.amend(run, "SIM-01", "not detected", "why", "carol")
    registry.review(run, "SIM-08", "inconclusive", "repeat", "bob")
    registry.signoff(run, "bob")
    first = registry.amend(run, "SIM-01", "Δ2-7", "sample swap corrected", "carol")
    second = registry.amend(run, "SIM-01", "not detected", "swap was wrong", "dave")
    shown = registry.show(run)
    reviews = shown["reviews"]
    amendments = reviews[reviews["sample"] == "SIM-01"]
    assert amendments["review_id"].tolist() == [first, second]
    assert amendments["version"].tolist() == [1, 2]
    assert amendments["call"].tolist() == ["Δ2-7", "not detected"]
    assert set(amendments["kind"]) == {"amendment"}
    row = shown["calls"].set_index("sample").loc["SIM-01"]
    assert (row["call"], row["machine_call"], row["version"]) == ("not detected", "Δ4-7", 2)
    exported = registry.export_calls().set_index("sample")
    assert exported.loc["SIM-01", "call"] == "not detected"
    assert exported.loc["SIM-01", "reason"] == "swap was wrong"
    actions = registry.audit()["action"].tolist()
    assert actions[-2:] == ["amend", "amend"]
    assert registry.verify_audit() == []


def test_audit_trail_records_who_what_and_why(registry: Registry) -> None:
    run = imported(registry, user="alice").run_id
    registry.review(run, "SIM-08", "Δ4-7", "curve fine", "bob")
    audit = registry.audit()
    assert list(audit.columns) == [
        "entry_id", "at", "user", "db_user", "action", "run_id", "sample", "detail", "reason",
        "prev_hash", "hash",
    ]  # fmt: skip
    assert audit["action"].tolist() == ["create registry", "import run", "analysis", "review"]
    assert audit["user"].tolist()[1:] == ["alice", "alice", "bob"]
    assert audit["entry_id"].tolist() == [1, 2, 3, 4]
    assert audit["prev_hash"].iloc[0] == "0" * 64
    assert audit["prev_hash"].tolist()[1:] == audit["hash"].tolist()[:-1]
    assert registry.verify_audit() == []
    assert registry.head_hash() == audit["hash"].iloc[-1]
    if registry.url_display.startswith("postgresql"):
        assert set(audit["db_user"]) == {"postgres"}
    else:
        assert set(audit["db_user"]) == {""}


def test_database_refuses_changes_to_stored_results(registry: Registry, db_url: str) -> None:
    imported(registry)
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    calls = sa.table("calls", sa.column("call"))
    audit = sa.table("audit", sa.column("reason"), sa.column("entry_id"))
    runs = sa.table("runs", sa.column("run_sha256"))
    try:
        for statement in (
            sa.update(calls).values(call="not detected"),
            sa.delete(calls),
            sa.update(audit).values(reason="edited"),
            sa.delete(audit).where(audit.c.entry_id == 2),
            sa.update(runs).values(run_sha256="0"),
        ):
            with (
                pytest.raises(sa.exc.DBAPIError, match="ikzf1assay registry"),
                engine.begin() as connection,
            ):
                connection.execute(statement)
    finally:
        engine.dispose()
    assert registry.verify_audit() == []


def test_export_calls_released_only_unless_draft_asked(registry: Registry, tmp_path: Path) -> None:
    draft = imported(registry, "a").run_id
    released = imported(registry, "b").run_id
    registry.review(released, "SIM-08", "Δ4-7", "curve fine", "bob")
    registry.signoff(released, "bob")
    exported = registry.export_calls()
    assert list(exported.columns[:8]) == [
        "sample", "call", "status", "reason", "run_date", "run_id", "analysis_id", "reviewed",
    ]  # fmt: skip
    assert set(exported["run_id"]) == {released}
    row = exported.set_index("sample").loc["SIM-08"]
    assert (row["call"], row["status"], bool(row["reviewed"])) == ("Δ4-7", "valid", True)
    assert exported["reviewed"].sum() == 1
    everything = registry.export_calls(include_draft=True)
    assert sorted(set(everything["run_id"])) == [draft, released]
    assert len(everything) == 16
    # the cohort side reads the export as written
    path = tmp_path / "calls.tsv"
    exported.to_csv(path, sep="\t", index=False)
    read = read_calls([path])
    assert read["sample_id"].tolist() == exported["sample"].tolist()
    assert read.set_index("sample_id").loc["SIM-08", "call"] == "Δ4-7"
    assert read.set_index("sample_id").loc["SIM-08", "valid"]
    assert str(read["run_date"].iloc[0].date()) == "2026-01-05"


def test_control_and_reference_series(registry: Registry) -> None:
    wells = make_record().wells.copy()
    first = imported(registry, "a").run_id
    positive = wells["role"] == "positive_control"
    wells.loc[positive & (wells["reaction"] == "Δ4-7"), "ct"] = ""  # not amplified
    wells.loc[positive & (wells["reaction"] == "Δ2-7"), "ct"] = "30.5"
    second = registry.import_run(make_record("b", wells=wells), "alice").run_id
    series = registry.control_series()
    assert list(series.columns[:7]) == [
        "run_id", "run_date", "imported_at", "status", "reaction", "ct", "n_wells",
    ]  # fmt: skip
    assert len(series) == 8  # 2 runs x 4 reactions with a positive control
    by = series.set_index(["run_id", "reaction"])
    assert by.loc[(second, "Δ2-7"), "ct"] == pytest.approx(30.5)
    assert series.query("run_id == @second and reaction == 'Δ4-7'")["ct"].isna().all()
    assert by.loc[(first, "Δ4-7"), "ct"] == pytest.approx(27.514)
    assert (series["n_wells"] == 1).all()
    reference = registry.reference_series()
    assert reference["run_id"].tolist() == [first, second]
    assert reference["reference"].tolist() == ["ALB", "ALB"]
    expected = pd.to_numeric(
        make_record().wells.query("reaction == 'ALB' and role == 'sample'")["ct"], errors="coerce"
    ).median()
    assert reference["median_ct"].iloc[0] == pytest.approx(expected)
    assert (reference["n_wells"] == 16).all()
    other = registry.reference_series(reference="Δ4-7")
    assert other["reference"].tolist() == ["Δ4-7", "Δ4-7"]


def test_qc_flags_show_in_runs_and_are_audited(registry: Registry) -> None:
    run = imported(registry).run_id
    registry.set_qc_flags({run: "1-3s Δ4-7"}, user="qc-bot")
    assert registry.runs()["qc_flag"].tolist() == ["1-3s Δ4-7"]
    registry.set_qc_flags({run: "1-3s Δ4-7"})  # unchanged: no entry
    registry.set_qc_flags({run: ""})
    assert registry.runs()["qc_flag"].tolist() == [""]
    flags = registry.audit().query("action == 'qc flag'")
    assert len(flags) == 2
    assert flags["user"].iloc[0] == "qc-bot"
    with pytest.raises(RegistryError, match="run 9 is not in registry"):
        registry.set_qc_flags({9: "x"})


def test_settings_default_and_update(registry: Registry) -> None:
    assert registry.get_setting("qc_baseline_runs", "20") == "20"
    registry.set_setting("qc_baseline_runs", "25", "admin")
    registry.set_setting("qc_baseline_runs", "30", "admin")
    assert registry.get_setting("qc_baseline_runs") == "30"
    details = registry.audit().query("action == 'setting'")["detail"].tolist()
    assert '"previous":"25"' in details[-1]


def test_bad_records_are_refused(registry: Registry) -> None:
    calls = expected_calls()
    with pytest.raises(RegistryError, match="lacks column"):
        registry.import_run(make_record(calls=calls.drop(columns=["status"])), "a")
    with pytest.raises(RegistryError, match="appears twice"):
        registry.import_run(make_record(calls=pd.concat([calls, calls.head(1)])), "a")
    with pytest.raises(RegistryError, match="export file"):
        registry.import_run(make_record(files=[]), "a")
    assert registry.runs().empty


def test_find_answers_before_an_import(registry: Registry) -> None:
    record = make_record("a")
    identity = (record.parameters, record.assay_sha256, record.package_version)
    assert registry.find(record.files, *identity) is None
    result = registry.import_run(record, "alice")
    assert registry.find(record.files, *identity) == (result.run_id, result.analysis_id)
    assert registry.find(record.files, {"threshold": 1.0}, *identity[1:]) == (result.run_id, None)


@pytest.mark.parametrize(
    ("given", "stored", "exported"),
    [
        ("2026-01-05", "2026-01-05", "2026-01-05"),
        ("2026-01-05 10:22:01 AM PST", "2026-01-05T10:22:01", "2026-01-05"),
        ("2026-01-05T10:22:01.5+01:00", "2026-01-05T10:22:01", "2026-01-05"),
        ("Jan 05, 2026 10:22:01 PST", "2026-01-05T10:22:01", "2026-01-05"),
        ("05-Jan-2026", "2026-01-05", "2026-01-05"),
        ("05/01/2026 10:22", "05/01/2026 10:22", ""),  # day or month first? kept, no date
        (None, "", ""),
    ],
)
def test_run_dates_are_stored_in_iso_form_when_unambiguous(
    tmp_path: Path, given: str | None, stored: str, exported: str
) -> None:
    with open_registry(tmp_path / "r.db") as registry:
        run = registry.import_run(make_record("a", run_date=given), "alice").run_id
        assert registry.runs()["run_date"].tolist() == [stored]
        assert registry.show(run)["run"]["run_date"] == (stored or None)
        assert registry.export_calls(include_draft=True)["run_date"].iloc[0] == exported


def test_reopening_keeps_everything(db_url: str) -> None:
    with open_registry(db_url) as registry:
        imported(registry)
        head = registry.head_hash()
    with open_registry(db_url, create=False) as registry:
        assert registry.head_hash() == head
        assert len(registry.runs()) == 1
    assert migrate(db_url) == (SCHEMA_REVISION, SCHEMA_REVISION)


def test_password_is_masked_in_messages() -> None:
    url = "postgresql://lab:s3cret-pw@127.0.0.1:1/registry"
    with pytest.raises(RegistryUnavailableError) as caught:
        open_registry(url)
    text = str(caught.value)
    assert "s3cret-pw" not in text
    assert "lab:***@127.0.0.1:1/registry" in text
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://lab:pw@db.example/reg", "postgresql://lab:***@db.example/reg"),
        ("postgresql://lab@db.example:5433/reg", "postgresql://lab@db.example:5433/reg"),
        ("sqlite:////srv/lab/registry.db", "/srv/lab/registry.db"),
        ("registry.db", "registry.db"),
        ("mysql://lab:pw@db/reg", "mysql://lab:***@db/reg"),
    ],
)
def test_display_url_masks_the_password(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_record_is_frozen() -> None:
    record = make_record()
    assert isinstance(record, RunRecord)
    with pytest.raises(AttributeError):
        record.format = "cfx"  # type: ignore[misc]
