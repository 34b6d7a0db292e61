"""Database URLs, engines, schema state and the translation of database errors.

Nothing here builds SQL from text: queries are SQLAlchemy Core constructs with bound
parameters; the few fixed statements (PRAGMAs, ``BEGIN IMMEDIATE``) are constants.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ikzf1assay.errors import RegistryError, RegistryUnavailableError
from ikzf1assay.registry._schema import MARKER

__all__ = [
    "APP",
    "MIGRATIONS",
    "Database",
    "connect_database",
    "database_error",
    "display_url",
    "head_revision",
    "known_revisions",
    "now_utc",
    "schema_state",
]

APP = "ikzf1assay registry"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the key of the PostgreSQL advisory lock that serialises every write (and the audit chain)
ADVISORY_KEY = 0x1C2F1A55A7
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


def now_utc() -> str:
    """The current time in UTC as ISO 8601 text with microseconds and a ``Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Database:
    """An engine with what the registry needs to know about it."""

    engine: Engine
    url_display: str
    dialect: str  # sqlite | postgresql
    path: Path | None  # the SQLite file


def _mask(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _parse(url: str | os.PathLike[str]) -> tuple[URL | None, Path | None, str]:
    """(SQLAlchemy URL for PostgreSQL, SQLite path, display text)."""
    if isinstance(url, os.PathLike) or "://" not in str(url):
        path = Path(os.fspath(url)).expanduser()
        return None, path, str(path)
    text = str(url)
    scheme = text.split("://", 1)[0].lower()
    if scheme == "sqlite":
        rest = text.split("://", 1)[1]
        if not rest.startswith("/") or rest in ("/", "/:memory:"):
            raise RegistryError(
                f"{text!r} names no file: write sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db (an in-memory registry would be lost at exit)"
            )
        path = Path(rest[1:].split("?", 1)[0]).expanduser()
        return None, path, str(path)
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        try:
            parsed = make_url(re.sub(r"^[^:]+://", "postgresql+psycopg://", text))
        except exc.ArgumentError:
            raise RegistryError(
                "the PostgreSQL URL cannot be read: expected "
                "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            ) from None
        display = _mask(parsed).replace("postgresql+psycopg://", "postgresql://", 1)
        return parsed, None, display
    raise RegistryError(
        f"registry URL scheme {scheme!r} is not supported: give a file path, "
        "sqlite:///PATH or postgresql://USER@HOST/DATABASE"
    )


def display_url(url: str | os.PathLike[str]) -> str:
    """A registry URL as it may be shown: any password replaced by ``***``.

    Parameters
    ----------
    url
        A file path, ``sqlite:///PATH`` or ``postgresql://USER:PASSWORD@HOST/DATABASE``.

    Returns
    -------
    str
        The path of a SQLite file, or the URL with its password masked (also for a URL this
        package cannot open).
    """
    try:
        return _parse(url)[2]
    except RegistryError:
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", str(url))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # a write transaction takes the database's write lock at once: appends to the audit chain
    # (and the reads they depend on) are serialised between processes
    if connection.get_execution_options().get("registry_write"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def connect_database(url: str | os.PathLike[str], *, create: bool) -> Database:
    """An engine for ``url`` (not yet connected) after the checks that need no connection.

    Parameters
    ----------
    url
        A file path, ``sqlite:///PATH`` or ``postgresql://...``.
    create
        Whether a missing SQLite file may be created.

    Returns
    -------
    Database
        The engine, the URL to show (password masked), the dialect and the SQLite path.
    """
    pg_url, path, display = _parse(url)
    if path is not None:
        if path.is_dir():
            raise RegistryUnavailableError(f"registry {display}: is a folder, not a database file")
        if path.exists():
            try:
                with path.open("rb") as handle:
                    head = handle.read(len(SQLITE_MAGIC))
            except OSError as error:
                raise RegistryUnavailableError(
                    f"registry {display}: cannot be read ({error.strerror})"
                ) from None
            if head and head != SQLITE_MAGIC:
                raise RegistryUnavailableError(
                    f"registry {display}: corrupted or not a database "
                    "(expected an SQLite file made by ikzf1assay)"
                )
        elif not create:
            raise RegistryUnavailableError(f"registry {display}: no such file")
        elif not path.parent.is_dir():
            raise RegistryUnavailableError(
                f"registry {display}: the folder {path.parent} does not exist"
            )
        engine = sa.create_engine(URL.create("sqlite", database=str(path)), poolclass=sa.NullPool)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return Database(engine, display, "sqlite", path)
    assert pg_url is not None
    engine = sa.create_engine(
        pg_url,
        pool_pre_ping=False,
        connect_args={"connect_timeout": 10, "application_name": "ikzf1assay"},
    )
    return Database(engine, display, "postgresql", None)


def lock_for_write(connection: Connection, dialect: str) -> None:
    """Serialise writers (SQLite: the transaction began IMMEDIATE; PostgreSQL: advisory lock)."""
    if dialect == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_KEY)))


@contextlib.contextmanager
def transaction(db: Database, *, write: bool) -> Iterator[Connection]:
    """A transaction; a write one holds the registry's write lock from its first statement."""
    with db.engine.connect() as connection:
        if write:
            connection.execution_options(registry_write=True)
        elif db.dialect == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if write:
                lock_for_write(connection, db.dialect)
            yield connection


def database_error(error: BaseException, db_display: str, doing: str) -> RegistryError:
    """The registry error a database error stands for (raise it ``from None``).

    Parameters
    ----------
    error
        The SQLAlchemy, psycopg or sqlite3 error.
    db_display
        The registry's URL with any password masked.
    doing
        What was being done, e.g. ``"import the run"``.

    Returns
    -------
    RegistryError
        A :class:`RegistryUnavailableError` when the database cannot be reached or read.
    """
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    sqlstate = getattr(orig, "sqlstate", None)
    low = text.lower()
    where = f"registry {db_display}"
    if "ikzf1assay registry:" in text:
        message = text[text.index("ikzf1assay registry:") + len("ikzf1assay registry:") :]
        return RegistryError(f"{where}: cannot {doing}: refused by the database:{message}")
    if sqlstate == "42501" or "permission denied" in low:
        return RegistryError(
            f"{where}: cannot {doing}: permission denied by the database server ({text}); "
            "ask the registry's administrator for the role this needs"
        )
    if "file is not a database" in low or "malformed" in low or "not a database" in low:
        return RegistryUnavailableError(
            f"{where}: corrupted or not a database (cannot {doing}: {text})"
        )
    if "database is locked" in low or "database is busy" in low:
        return RegistryUnavailableError(
            f"{where}: busy: another process held the database longer than "
            f"{BUSY_TIMEOUT_MS // 1000} s (cannot {doing}); try again"
        )
    if "readonly database" in low or "read-only" in low:
        return RegistryUnavailableError(f"{where}: read-only: cannot {doing} ({text})")
    if isinstance(error, exc.OperationalError | exc.InterfaceError) and (
        sqlstate is None or sqlstate.startswith("08")
    ):
        return RegistryUnavailableError(f"{where}: cannot be reached or read ({text})")
    if isinstance(error, exc.IntegrityError):
        return RegistryError(f"{where}: cannot {doing}: the database refused it ({text})")
    return RegistryUnavailableError(f"{where}: cannot {doing}: {type(orig).__name__}: {text}")


@contextlib.contextmanager
def translated(db_display: str, doing: str) -> Iterator[None]:
    """Turn database errors raised inside the block into registry errors."""
    try:
        yield
    except (exc.SQLAlchemyError, OSError) as error:
        if isinstance(error, OSError) and not isinstance(error, exc.SQLAlchemyError):
            raise RegistryUnavailableError(
                f"registry {db_display}: cannot {doing}: {error.strerror or error}"
            ) from None
        raise database_error(error, db_display, doing) from None
    except Exception as error:
        # the drivers' own errors (sqlite3.Error, psycopg.Error) when not wrapped
        module = type(error).__module__ or ""
        if module.startswith(("sqlite3", "psycopg", "_sqlite3")):
            raise database_error(error, db_display, doing) from None
        raise


@functools.cache
def _script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """The revisions this package knows, oldest first.

    Returns
    -------
    tuple of str
        Revision ids, e.g. ``("0001", "0002")``.
    """
    script = _script_directory()
    return tuple(str(s.revision) for s in reversed(list(script.walk_revisions())))


@functools.cache
def head_revision() -> str:
    """The newest schema revision this package knows.

    Returns
    -------
    str
        The Alembic head revision id.
    """
    head = _script_directory().get_current_head()
    assert head is not None
    return str(head)


@dataclass(frozen=True)
class SchemaState:
    """What an open database holds: nothing, a registry at ``revision``, or something else."""

    kind: str  # empty | registry | foreign
    revision: str | None
    tables: tuple[str, ...]


def schema_state(connection: Connection) -> SchemaState:
    """Read what the database holds, without changing it.

    Parameters
    ----------
    connection
        An open connection.

    Returns
    -------
    SchemaState
        ``empty`` (no tables), ``registry`` (our marker and its revision) or ``foreign``.
    """
    tables = tuple(sorted(sa.inspect(connection).get_table_names()))
    if not tables:
        return SchemaState("empty", None, tables)
    if MARKER.name not in tables:
        return SchemaState("foreign", None, tables)
    app = connection.execute(sa.select(MARKER.c.app).where(MARKER.c.id == 1)).scalar()
    if app != APP:
        return SchemaState("foreign", None, tables)
    version = sa.table("alembic_version", sa.column("version_num", sa.Text))
    revision = (
        connection.execute(sa.select(version.c.version_num)).scalar()
        if "alembic_version" in tables
        else None
    )
    return SchemaState("registry", None if revision is None else str(revision), tables)


def upgrade_to_head(connection: Connection) -> None:
    """Run the Alembic migrations on ``connection`` (inside its transaction) up to head."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
