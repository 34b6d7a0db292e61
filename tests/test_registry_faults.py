"""The registry under faults, on SQLite and PostgreSQL: a tampered audit trail, concurrent
writers, a process killed in the middle of an import, and databases that are not ours,
corrupted, newer or older than this package.

The subprocesses run ``tests/registry_db.py import URL TAG COPIES``.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ikzf1assay.errors import RegistryError, RegistryUnavailableError
from ikzf1assay.registry import SCHEMA_REVISION, Registry, migrate, open_registry
from ikzf1assay.registry._engine import APP, MIGRATIONS, connect_database, transaction
from ikzf1assay.registry._schema import MARKER
from registry_db import db_url, make_record, pg_database

__all__ = ["db_url", "pg_database"]  # the fixtures, imported for pytest

HELPER = Path(__file__).resolve().parent / "registry_db.py"
WELLS_PER_RUN = len(make_record().wells)


def engine_for(url: str) -> sa.Engine:
    """A plain SQLAlchemy engine on the registry's database (for the tampering)."""
    if "://" not in url:
        return sa.create_engine(f"sqlite:///{url}", poolclass=sa.NullPool)
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    with open_registry(db_url) as opened:
        yield opened


def start_import(url: str, tag: str, copies: int, wait: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), "import", url, tag, str(copies), *(["--wait"] * wait)],
        stdin=subprocess.PIPE if wait else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )


def check_whole(registry: Registry, url: str, copies: dict[str, int]) -> None:
    """Every stored run is whole: one analysis, every well and call, its audit entries."""
    assert registry.verify_audit() == []
    analyses = sa.table(
        "analyses", sa.column("analysis_id"), sa.column("run_id"), sa.column("provenance")
    )
    wells = sa.table("wells", sa.column("analysis_id"))
    calls = sa.table("calls", sa.column("analysis_id"))
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                sa.select(analyses.c.run_id, analyses.c.analysis_id, analyses.c.provenance)
            ).all()
            n_wells: dict[int, int] = {
                int(a): int(n)
                for a, n in connection.execute(
                    sa.select(wells.c.analysis_id, sa.func.count()).group_by(wells.c.analysis_id)
                )
            }
            n_calls: dict[int, int] = {
                int(a): int(n)
                for a, n in connection.execute(
                    sa.select(calls.c.analysis_id, sa.func.count()).group_by(calls.c.analysis_id)
                )
            }
    finally:
        engine.dispose()
    runs = registry.runs()["run_id"].tolist()
    assert sorted(r for r, _, _ in stored) == runs  # one analysis per run, none without
    audit = registry.audit()
    for run_id, analysis_id, provenance in stored:
        tag = str(provenance).split('"tag":"')[1].split('"')[0]
        assert n_wells.get(analysis_id) == WELLS_PER_RUN * copies[tag], f"run {run_id} ({tag})"
        assert n_calls.get(analysis_id) == 8
        actions = audit[audit["run_id"] == run_id]["action"].tolist()
        assert actions == ["import run", "analysis"]


# ----------------------------------------------------------------------------- audit chain


def drop_audit_guards(engine: sa.Engine) -> None:
    """What someone with owner rights does before editing the trail."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP TRIGGER audit_append_only ON audit"))
        else:
            connection.execute(sa.text("DROP TRIGGER audit_no_update"))
            connection.execute(sa.text("DROP TRIGGER audit_no_delete"))


def test_verify_catches_an_edited_entry(registry: Registry, db_url: str) -> None:
    run = registry.import_run(make_record("a"), "alice").run_id
    registry.review(run, "SIM-08", "Δ4-7", "curve fine", "bob")
    registry.import_run(make_record("b"), "alice")
    assert registry.verify_audit() == []
    engine = engine_for(db_url)
    audit = sa.table("audit", sa.column("entry_id"), sa.column("reason"), sa.column("user"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.update(audit).where(audit.c.entry_id == 4).values(user="mallory"))
    drop_audit_guards(engine)
    with engine.begin() as connection:
        connection.execute(sa.update(audit).where(audit.c.entry_id == 4).values(user="mallory"))
    engine.dispose()
    problems = registry.verify_audit()
    assert problems == ["audit entry 4: its content does not match its hash (edited)"]


def test_verify_catches_an_edit_with_a_recomputed_hash(registry: Registry, db_url: str) -> None:
    from ikzf1assay.registry.store import entry_hash

    registry.import_run(make_record("a"), "alice")
    registry.import_run(make_record("b"), "alice")
    row = registry.audit().iloc[2]
    fields = {str(k): v for k, v in row.to_dict().items()}
    fields.update(user="mallory", run_id=int(row["run_id"]))
    forged = entry_hash(str(row["prev_hash"]), fields)
    engine = engine_for(db_url)
    drop_audit_guards(engine)
    audit = sa.table("audit", sa.column("entry_id"), sa.column("user"), sa.column("hash"))
    with engine.begin() as connection:
        connection.execute(
            sa.update(audit).where(audit.c.entry_id == 3).values(user="mallory", hash=forged)
        )
    engine.dispose()
    problems = registry.verify_audit()
    assert len(problems) == 1
    assert problems[0].startswith("audit entry 4: its prev_hash does not match")


def test_verify_catches_a_removed_middle_entry(registry: Registry, db_url: str) -> None:
    registry.import_run(make_record("a"), "alice")
    registry.import_run(make_record("b"), "alice")
    engine = engine_for(db_url)
    drop_audit_guards(engine)
    audit = sa.table("audit", sa.column("entry_id"))
    with engine.begin() as connection:
        connection.execute(sa.delete(audit).where(audit.c.entry_id == 3))
    engine.dispose()
    problems = registry.verify_audit()
    assert len(problems) == 1
    assert problems[0].startswith("audit entry 4: 1 entry before it missing (ids jump from 2 to 4)")
    assert "prev_hash does not match" in problems[0]


def test_a_cut_tail_is_not_detected_but_the_kept_head_hash_shows_it(
    registry: Registry, db_url: str
) -> None:
    run = registry.import_run(make_record("a"), "alice").run_id
    registry.review(run, "SIM-08", "inconclusive", "repeat", "bob")
    kept = registry.signoff(run, "bob")
    engine = engine_for(db_url)
    drop_audit_guards(engine)
    audit = sa.table("audit", sa.column("entry_id"))
    with engine.begin() as connection:
        connection.execute(sa.delete(audit).where(audit.c.entry_id >= 5))
    engine.dispose()
    assert registry.verify_audit() == []  # what a hash chain cannot see (documented)
    assert registry.head_hash() != kept  # what the hash kept elsewhere shows


# ----------------------------------------------------------------------------- concurrency


def test_concurrent_imports_of_different_runs_both_succeed(registry: Registry, db_url: str) -> None:
    procs = [start_import(db_url, tag, 30) for tag in ("p1", "p2")]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert out.splitlines()[0] == "ready"
    ids = sorted(int(out.splitlines()[-2]) for out, _ in outs)
    assert ids == [1, 2]
    check_whole(registry, db_url, {"p1": 30, "p2": 30})
    assert set(registry.audit()["user"].iloc[1:]) == {"proc-p1", "proc-p2"}


# ----------------------------------------------------------------------------- kill mid-import


def test_a_process_killed_mid_import_leaves_no_partial_run(registry: Registry, db_url: str) -> None:
    copies = 100  # 9,600 wells: an import of about 0.4 s
    warm = start_import(db_url, "warm", copies)
    out, err = warm.communicate(timeout=120)
    assert warm.returncode == 0, err[-2000:]
    duration = float(out.splitlines()[-1])  # the import's transaction, begin to commit
    rng = random.Random(16)
    expected = {"warm": copies}
    # started together (their start-up overlaps), released one at a time
    procs = [start_import(db_url, f"k{i}", copies, wait=True) for i in range(5)]
    killed = 0
    for i, proc in enumerate(procs):
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "importing"
        assert proc.stdout.readline().strip() == "transaction"
        time.sleep(rng.uniform(0.02, 0.9) * duration)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        killed += not out.split()  # nothing printed after "transaction": killed inside it
        expected[f"k{i}"] = copies
        with open_registry(db_url, create=False) as reopened:
            check_whole(reopened, db_url, expected)
    assert killed >= 4  # (nearly) every kill landed inside the import's transaction
    # the killed imports can be done again, whole
    for i in range(5):
        registry.import_run(make_record(f"k{i}", copies=copies), "alice")
    check_whole(registry, db_url, expected)
    assert len(registry.runs()) == 6


# ----------------------------------------------------------------------------- foreign databases


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_text("sample\tcall\nS1\tΔ4-7\n", encoding="utf-8")
    with pytest.raises(RegistryUnavailableError, match="corrupted or not a database") as caught:
        open_registry(path)
    assert str(path) in str(caught.value)
    assert caught.value.exit_code == 1


def test_a_corrupted_registry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with open_registry(path) as registry:
        registry.import_run(make_record("a"), "alice")
    data = bytearray(path.read_bytes())
    rng = random.Random(3)
    for i in range(100, len(data)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with (
        pytest.raises(RegistryUnavailableError, match="corrupted or not a database"),
        open_registry(path) as registry,
    ):
        registry.runs()


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lims.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    connection.close()
    with pytest.raises(
        RegistryError, match=r"not an ikzf1assay registry \(it holds tables patients"
    ):
        open_registry(path)
    with pytest.raises(RegistryError, match="not an ikzf1assay registry"):
        migrate(path)
    with sqlite3.connect(path) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    connection.close()
    assert tables == [("patients",)]  # untouched


def test_a_foreign_postgresql_database_is_refused(pg_database: str) -> None:
    engine = engine_for(pg_database)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE samples (id integer)"))
    engine.dispose()
    with pytest.raises(RegistryError, match="not an ikzf1assay registry"):
        open_registry(pg_database)


def test_missing_or_empty_database_without_create(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(RegistryUnavailableError, match="no such file"):
        open_registry(tmp_path / "absent.db", create=False)
    if "://" in db_url:
        with pytest.raises(RegistryError, match="empty"):
            open_registry(db_url, create=False)
    with pytest.raises(RegistryError, match="empty"):
        migrate(db_url if "://" in db_url else tmp_path / "absent.db")


def set_revision(url: str, revision: str) -> None:
    engine = engine_for(url)
    version = sa.table("alembic_version", sa.column("version_num"))
    with engine.begin() as connection:
        connection.execute(sa.update(version).values(version_num=revision))
    engine.dispose()


def test_a_newer_schema_is_refused(db_url: str) -> None:
    open_registry(db_url).close()
    set_revision(db_url, "0099")
    message = r"schema 0099 was made by a newer ikzf1assay .*upgrade the package"
    with pytest.raises(RegistryError, match=message):
        open_registry(db_url)
    with pytest.raises(RegistryError, match=message):
        migrate(db_url)


def make_registry_at(url: str, revision: str) -> None:
    """A registry as an older ikzf1assay made it: migrations up to ``revision`` only."""
    db = connect_database(url, create=True)
    with transaction(db, write=True) as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.execute(
            sa.insert(MARKER).values(
                id=1, app=APP, created_at="2025-01-01T00:00:00Z", created_with="0.0.9"
            )
        )
    db.engine.dispose()


def test_an_older_schema_is_refused_until_migrated(db_url: str) -> None:
    make_registry_at(db_url, "0001")
    message = (
        rf"schema 0001 is older than this package's {SCHEMA_REVISION}: "
        r"run `ikzf1assay registry migrate --db .*` \(back up first\)"
    )
    with pytest.raises(RegistryError, match=message):
        open_registry(db_url)
    with pytest.raises(RegistryError, match=message):  # still refused: never migrated silently
        open_registry(db_url)
    assert migrate(db_url) == ("0001", SCHEMA_REVISION)
    with open_registry(db_url) as registry:
        run = registry.import_run(make_record("a"), "alice").run_id
        registry.set_qc_flags({run: "R-4s"}, user="qc")
        assert registry.runs()["qc_flag"].tolist() == ["R-4s"]
        registry.set_setting("allow_self_signoff", "yes", "admin")
        audit = registry.audit()
        assert audit["action"].iloc[0] == "migrate schema"
        assert '"from":"0001"' in audit["detail"].iloc[0]
        assert registry.verify_audit() == []
    assert migrate(db_url) == (SCHEMA_REVISION, SCHEMA_REVISION)


def test_unsupported_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="scheme 'mysql' is not supported"):
        open_registry("mysql://lab@host/db")
    with pytest.raises(RegistryError, match="names no file"):
        open_registry("sqlite://")
    with pytest.raises(RegistryUnavailableError, match="does not exist"):
        open_registry(tmp_path / "no-such-folder" / "r.db")
    with pytest.raises(RegistryUnavailableError, match="is a folder"):
        open_registry(tmp_path)
