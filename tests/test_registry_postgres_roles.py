"""The PostgreSQL roles of a shared registry: a technician imports, a reviewer also reviews
and signs off, a read-only user reads; the server itself refuses the rest.

Needs ``IKZF1ASSAY_TEST_PG_URL`` (``bash scripts/pg_server.sh start``): skipped without it,
failed without it when ``CI=true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from ikzf1assay.errors import RegistryError
from ikzf1assay.registry import open_registry
from ikzf1assay.registry.roles import READONLY, REVIEWER, ROLES, TECHNICIAN, create_roles
from registry_db import make_record, need_pg, pg_database, pg_execute, with_database

__all__ = ["pg_database"]  # the fixture, imported for pytest


@pytest.fixture
def logins(pg_database: str) -> Iterator[dict[str, str]]:
    """A shared registry with the three roles and one login user in each: role -> URL."""
    admin = need_pg()
    open_registry(pg_database).close()
    create_roles(pg_database)
    suffix = uuid.uuid4().hex[:8]
    users = {role: f"{role.split('_')[1]}_{suffix}" for role in ROLES}
    pg_execute(
        admin,
        *(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(user), sql.Identifier(role)
            )
            for role, user in users.items()
        ),
    )
    database = str(pg_database.rsplit("/", 1)[1])
    try:
        yield {role: with_database(pg_database, database, user) for role, user in users.items()}
    finally:
        pg_execute(
            admin, *(sql.SQL("DROP ROLE {}").format(sql.Identifier(u)) for u in users.values())
        )


def test_create_roles_is_idempotent(pg_database: str) -> None:
    open_registry(pg_database).close()
    create_roles(pg_database)
    assert create_roles(pg_database) == []


def test_roles_need_postgresql(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="roles exist only on PostgreSQL"):
        create_roles(tmp_path / "r.db")
    assert not (tmp_path / "r.db").exists()


def test_technician_imports_but_cannot_review(logins: dict[str, str]) -> None:
    with open_registry(logins[TECHNICIAN], create=False) as registry:
        run = registry.import_run(make_record("a"), "alice").run_id
        with pytest.raises(RegistryError, match="permission denied") as caught:
            registry.review(run, "SIM-08", "Δ4-7", "curve fine", "alice")
        assert "Traceback" not in str(caught.value)
        assert caught.value.__suppress_context__
        with pytest.raises(RegistryError, match="permission denied"):
            registry.set_setting("allow_self_signoff", "true", "alice")
        audit = registry.audit()
    technician = logins[TECHNICIAN].rsplit("@", 1)[0].split("://", 1)[1]
    assert audit["db_user"].iloc[-1] == technician
    assert audit["user"].iloc[-1] == "alice"
    assert audit["action"].tolist()[-2:] == ["import run", "analysis"]


def test_reviewer_reviews_and_signs_off(logins: dict[str, str]) -> None:
    with open_registry(logins[TECHNICIAN], create=False) as registry:
        run = registry.import_run(make_record("a"), "alice").run_id
    with open_registry(logins[REVIEWER], create=False) as registry:
        registry.review(run, "SIM-08", "inconclusive", "repeat", "bob")
        head = registry.signoff(run, "bob")
        registry.amend(run, "SIM-01", "not detected", "sample swap", "bob")
        registry.set_qc_flags({run: "2-2s Δ2-7"}, user="bob")
        assert registry.runs()["status"].tolist() == ["released"]
        assert registry.verify_audit() == []
        assert head in registry.audit()["hash"].tolist()
        # a reviewer can import too (the technician's rights are part of the role)
        registry.import_run(make_record("b"), "bob")


def test_readonly_reads_but_cannot_write(logins: dict[str, str]) -> None:
    with open_registry(logins[TECHNICIAN], create=False) as registry:
        run = registry.import_run(make_record("a"), "alice").run_id
    with open_registry(logins[READONLY], create=False) as registry:
        assert registry.runs()["run_id"].tolist() == [run]
        assert len(registry.show(run)["calls"]) == 8
        assert registry.verify_audit() == []
        for write in (
            lambda: registry.import_run(make_record("b"), "carol"),
            lambda: registry.review(run, "SIM-08", "Δ4-7", "x", "carol"),
            lambda: registry.set_qc_flags({run: "x"}, user="carol"),
        ):
            with pytest.raises(RegistryError, match="permission denied by the database server"):
                write()
        assert len(registry.runs()) == 1
