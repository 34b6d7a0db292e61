"""The registry tests' databases and run records (imported by tests/test_registry_*.py).

``db_url`` is a pytest fixture parametrised over SQLite (a fresh file in tmp_path) and
PostgreSQL (a fresh database per test on the server in ``IKZF1ASSAY_TEST_PG_URL``; start one
with ``bash scripts/pg_server.sh start``). Without that variable the PostgreSQL cases skip,
or fail when ``CI=true``.

Run as a script, it is the subprocess of the fault tests::

    python tests/registry_db.py import URL TAG COPIES [--wait]

imports one record (``make_record(TAG, copies=COPIES)``): prints ``ready`` once the record is
built (with ``--wait``, then waits for a line on stdin), ``importing`` just before the import,
``transaction`` when its database transaction begins, then the run id and the seconds from
that beginning to the commit.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event

from ikzf1assay.registry import RunRecord, open_registry

TESTS = Path(__file__).resolve().parent
EXPECTED = TESTS / "data" / "expected"
DEMO = TESTS.parent / "src" / "ikzf1assay" / "data" / "demo_run_abi7500.txt"
PG_ENV = "IKZF1ASSAY_TEST_PG_URL"
ASSAY_SHA = "5c310395251fdc052e805adcf26d711a14a14ea8d0ac96e555247452ce305d6c"


def expected_calls() -> pd.DataFrame:
    """calls.tsv of the bundled demo run."""
    return pd.read_csv(EXPECTED / "calls.tsv", sep="\t", dtype=str, keep_default_na=False)


def expected_wells() -> pd.DataFrame:
    """wells.tsv of the bundled demo run."""
    return pd.read_csv(EXPECTED / "wells.tsv", sep="\t", dtype=str, keep_default_na=False)


def make_record(
    tag: str = "",
    *,
    parameters: dict[str, Any] | None = None,
    calls: pd.DataFrame | None = None,
    wells: pd.DataFrame | None = None,
    copies: int = 1,
    run_date: str | None = "2026-01-05",
    files: list[tuple[str, bytes]] | None = None,
) -> RunRecord:
    """A record of the bundled demo run; ``tag`` makes the export's bytes (hence the run)
    differ; ``copies`` repeats the wells that many times (a large import)."""
    content = DEMO.read_bytes() + (f"\n# {tag}\n".encode() if tag else b"")
    the_wells = expected_wells() if wells is None else wells
    if copies > 1:
        the_wells = pd.concat([the_wells] * copies, ignore_index=True)
    return RunRecord(
        files=files if files is not None else [("demo_run_abi7500.txt", content)],
        format="abi_text",
        instrument="7500",
        run_date=run_date,
        parameters=parameters if parameters is not None else {"threshold_mode": "instrument"},
        assay_sha256=ASSAY_SHA,
        package_version="0.1.0",
        provenance={"parameters": {"reference": "ALB", "ct_cutoff": 36.0}, "tag": tag},
        wells=the_wells,
        calls=expected_calls() if calls is None else calls,
    )


def pg_admin_url() -> str | None:
    """The test server's URL (a database the tests may connect to as a superuser), if set."""
    return os.environ.get(PG_ENV) or None


def need_pg() -> str:
    """The test server's URL; skip (fail in CI) without it."""
    url = pg_admin_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"PostgreSQL tests need the server: {PG_ENV} is not set "
                "(scripts/test.sh starts one with scripts/pg_server.sh)"
            )
        pytest.skip(f"set {PG_ENV} (bash scripts/pg_server.sh start) to run the PostgreSQL tests")
    return url


def with_database(url: str, database: str, user: str | None = None) -> str:
    """``url`` pointing at another database (and user)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(database=database)
    if user is not None:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def pg_execute(url: str, *statements: Any) -> None:
    """Run statements (psycopg.sql compositions or constant text) in autocommit mode."""
    import psycopg

    conninfo = with_database(url, make_url_database(url)).replace(
        "postgresql+psycopg", "postgresql"
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def make_url_database(url: str) -> str:
    """The database name in a URL."""
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server; its URL (superuser)."""
    from psycopg import sql

    admin = need_pg()
    name = f"ikz_test_{uuid.uuid4().hex[:12]}"
    pg_execute(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(admin, name)
    finally:
        pg_execute(admin, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a fresh, empty database on each engine."""
    if request.param == "sqlite":
        return str(tmp_path / "registry.db")
    database: str = request.getfixturevalue("pg_database")
    return database


def _main(argv: list[str]) -> int:
    if len(argv) in (4, 5) and argv[0] == "import":
        url, tag, copies = argv[1], argv[2], int(argv[3])
        record = make_record(tag, copies=copies)
        print("ready", flush=True)
        if argv[4:] == ["--wait"]:
            sys.stdin.readline()
        with open_registry(url) as registry:
            began: list[float] = []

            def _began(_connection: Any) -> None:
                began.append(time.perf_counter())
                print("transaction", flush=True)

            event.listen(registry.engine, "begin", _began)
            print("importing", flush=True)
            result = registry.import_run(record, user=f"proc-{tag}")
            elapsed = time.perf_counter() - began[0]
        print(result.run_id, flush=True)
        print(f"{elapsed:.4f}", flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
