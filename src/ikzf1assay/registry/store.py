"""The registry store: :class:`Registry`, :class:`RunRecord`, :func:`open_registry`,
:func:`migrate`. See :mod:`ikzf1assay.registry` for what it keeps and guarantees."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import math
import os
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ikzf1assay._json import json_records, json_value
from ikzf1assay.errors import RegistryError, RegistryUnavailableError
from ikzf1assay.registry._engine import (
    APP,
    Database,
    SchemaState,
    connect_database,
    head_revision,
    known_revisions,
    now_utc,
    schema_state,
    transaction,
    translated,
    upgrade_to_head,
)
from ikzf1assay.registry._schema import (
    ANALYSES,
    AUDIT,
    CALLS,
    MARKER,
    REVIEWS,
    RUN_FILES,
    RUNS,
    SETTINGS,
    SIGNOFFS,
    WELLS,
)
from ikzf1assay.registry._vocabulary import normalise_review_call

__all__ = [
    "GENESIS_HASH",
    "ImportResult",
    "Registry",
    "RunRecord",
    "entry_hash",
    "migrate",
    "normalise_run_date",
    "open_registry",
    "run_identity",
]

#: the ``prev_hash`` of the first audit entry
GENESIS_HASH = "0" * 64
#: machine statuses that need no review decision before sign-off (every other status does:
#: ``inconclusive``, ``review`` and any status this version does not know)
NO_REVIEW_NEEDED = ("valid", "invalid")
_TRUE = ("1", "true", "yes", "on")
_CALL_ORDER = ("mixed", "not detected", "inconclusive", "invalid")


# ---------------------------------------------------------------------------------- values


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonable(value: Any) -> Any:
    """``value`` with numpy scalars unwrapped, NaN as None, and non-JSON objects as text."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    value = json_value(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isinf(value) or math.isnan(value) else value
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(
        _jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def run_identity(files: list[tuple[str, bytes]]) -> str:
    """The identity of a run export: the SHA-256 of its bytes (one file), or of its files'
    sorted hexadecimal SHA-256s joined by newlines (several files, such as a CFX pair).

    Parameters
    ----------
    files
        The export's files as (name, bytes).

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    hashes = [_sha256(content) for _, content in files]
    if len(hashes) == 1:
        return hashes[0]
    return _sha256("\n".join(sorted(hashes)).encode("ascii"))


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash of an audit entry: SHA-256 of ``prev_hash``, a newline and the canonical JSON
    of the entry's fields (entry_id, at, user, db_user, action, run_id, sample, detail, reason).

    Parameters
    ----------
    prev_hash
        The hash of the entry before (:data:`GENESIS_HASH` for the first).
    fields
        The entry's fields.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    keys = ("entry_id", "at", "user", "db_user", "action", "run_id", "sample", "detail", "reason")
    values = [fields.get(k) for k in keys]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return _sha256((prev_hash + "\n" + text).encode("utf-8"))


_DATE_FORMATS = (
    "%b %d, %Y %H:%M:%S",  # Jan 05, 2026 10:22:01
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y",
    "%d-%b-%Y %H:%M:%S",  # 05-Jan-2026 10:22:01
    "%d-%b-%Y",
    "%a %b %d %H:%M:%S %Y",  # Mon Jan 05 10:22:01 2026
)


def normalise_run_date(text: str | None) -> str | None:
    """A run date as ISO text when it can be read without ambiguity; else as given.

    ISO dates and date-times (``2026-01-05``, ``2026-01-05 10:22:01``, with a time zone or
    not) and dates with a month name (``Jan 05, 2026 10:22:01 AM PST``) become
    ``2026-01-05`` or ``2026-01-05T10:22:01``; a trailing time-zone name is dropped. Numeric
    dates such as ``05/01/2026`` (day or month first?) are kept as given, and
    :meth:`Registry.export_calls` gives them no date.

    Parameters
    ----------
    text
        The run date as the export gives it, or None.

    Returns
    -------
    str or None
        The ISO form, the text as given (stripped), or None when empty.
    """
    if text is None or not str(text).strip():
        return None
    given = re.sub(r"\s+", " ", str(text).strip())
    if re.match(r"^\d{4}-\d{2}-\d{2}", given):
        try:
            day = dt.date.fromisoformat(given[:10])
        except ValueError:
            return given
        rest = given[10:].strip().lstrip("T")
        clock = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?", rest)
        if clock is None:
            return day.isoformat()
        hour, minute, second = (int(g or 0) for g in clock.groups())
        if hour < 24 and minute < 60 and second < 60:
            return f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}"
        return day.isoformat()
    bare = re.sub(r"\s+(?:[A-Z]{2,5}|UTC[+-]?\d*|GMT[+-]?\d*)$", "", given)
    for pattern in _DATE_FORMATS:
        try:
            when = dt.datetime.strptime(bare, pattern)
        except ValueError:
            continue
        has_time = "%H" in pattern
        return when.isoformat(timespec="seconds") if has_time else when.date().isoformat()
    return given


def _iso_day(text: Any) -> str:
    """``YYYY-MM-DD`` of a stored run date, or ``""`` when it is not an ISO date."""
    if not isinstance(text, str) or len(text) < 10:
        return ""
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return ""


def _text(value: Any) -> str | None:
    value = json_value(value)
    if value is None:
        return None
    return str(value)


def _float(value: Any) -> float | None:
    value = json_value(value)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _bool(value: Any) -> bool:
    value = json_value(value)
    if isinstance(value, str):
        return value.strip().casefold() in _TRUE
    return bool(value)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (a container without passwd entry)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _check_user(user: str) -> str:
    if not isinstance(user, str) or not user.strip():
        raise RegistryError("a user name is required for every change to the registry")
    return user.strip()


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _frame(connection: Connection, statement: Any) -> pd.DataFrame:
    result = connection.execute(statement)
    columns = list(result.keys())
    return pd.DataFrame([tuple(row) for row in result.all()], columns=columns)


def _call_kind_key(call: str) -> tuple[int, str]:
    if call.startswith("Δ"):
        return 0, call
    if call in _CALL_ORDER:
        return 1 + _CALL_ORDER.index(call), call
    return 9, call


# ---------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RunRecord:
    """What a call of one run export hands to the registry.

    Parameters
    ----------
    files
        The export's file(s) as (file name, bytes); a CFX pair is two files.
    format
        The reader's name (``abi_text``, ``cfx``...).
    instrument
        The instrument, or ``""``.
    run_date
        ISO date (or date and time) of the run, if known.
    parameters
        The analysis parameters (threshold, omitted wells, layout hash...), JSON-able.
    assay_sha256
        SHA-256 of the assay file used.
    package_version
        The ikzf1assay version that called the run.
    provenance
        The content of provenance.json.
    wells
        wells.tsv as a DataFrame (every column is kept).
    calls
        calls.tsv as a DataFrame (sample, call, deletions, status, reason, load, evidence,
        flags; every column is kept).
    """

    files: list[tuple[str, bytes]]
    format: str
    instrument: str
    run_date: str | None
    parameters: dict[str, Any]
    assay_sha256: str
    package_version: str
    provenance: dict[str, Any]
    wells: pd.DataFrame
    calls: pd.DataFrame


@dataclass(frozen=True)
class ImportResult:
    """The outcome of :meth:`Registry.import_run`.

    Parameters
    ----------
    run_id, analysis_id
        The run and the analysis the record is stored as.
    created_run
        False when the export was already in the registry.
    created_analysis
        False when this analysis of the run (same parameters, assay and version) was too.
    run_sha256
        The run's identity (see :func:`run_identity`).
    """

    run_id: int
    analysis_id: int
    created_run: bool
    created_analysis: bool
    run_sha256: str

    @property
    def message(self) -> str:
        """One line for the user: what the import did."""
        if self.created_run:
            return f"stored as run {self.run_id} (analysis {self.analysis_id})"
        if self.created_analysis:
            return f"new analysis {self.analysis_id} of run {self.run_id}, already in the registry"
        return f"already in the registry as run {self.run_id} (analysis {self.analysis_id})"


# ---------------------------------------------------------------------------------- opening


def _refuse_state(state: SchemaState, display: str) -> None:
    if state.kind == "foreign":
        shown = ", ".join(state.tables[:5]) + (", ..." if len(state.tables) > 5 else "")
        raise RegistryError(
            f"registry {display}: not an ikzf1assay registry (it holds tables {shown} but no "
            "ikzf1assay_registry marker); give another file or an empty database"
        )
    if state.kind == "empty":
        raise RegistryError(f"registry {display}: the database is empty: no registry there")
    head = head_revision()
    if state.revision is None:
        raise RegistryUnavailableError(
            f"registry {display}: damaged: its schema revision is missing (expected {head})"
        )
    if state.revision not in known_revisions():
        raise RegistryError(
            f"registry {display}: schema {state.revision} was made by a newer ikzf1assay "
            f"(this package knows schemas up to {head}); upgrade the package"
        )
    if state.revision != head:
        raise RegistryError(
            f"registry {display}: schema {state.revision} is older than this package's {head}: "
            f"run `ikzf1assay registry migrate --db {display}` (back up first)"
        )


def _append_audit(
    connection: Connection,
    *,
    user: str,
    db_user: str,
    action: str,
    run_id: int | None = None,
    sample: str | None = None,
    detail: Any = "",
    reason: str = "",
) -> str:
    """Append one entry to the audit chain (the caller holds the write lock); its hash."""
    last = connection.execute(
        sa.select(AUDIT.c.entry_id, AUDIT.c.hash).order_by(AUDIT.c.entry_id.desc()).limit(1)
    ).first()
    prev = GENESIS_HASH if last is None else str(last.hash)
    fields: dict[str, Any] = {
        "entry_id": 1 if last is None else int(last.entry_id) + 1,
        "at": now_utc(),
        "user": user,
        "db_user": db_user,
        "action": action,
        "run_id": run_id,
        "sample": sample,
        "detail": detail if isinstance(detail, str) else _canonical(detail),
        "reason": reason,
    }
    digest = entry_hash(prev, fields)
    connection.execute(sa.insert(AUDIT).values(**fields, prev_hash=prev, hash=digest))
    return digest


def _db_user(connection: Connection, dialect: str) -> str:
    if dialect != "postgresql":
        return ""
    return str(connection.execute(sa.select(sa.func.current_user())).scalar() or "")


def _package_version() -> str:
    from ikzf1assay._provenance import package_version

    return package_version()


def _create(connection: Connection, dialect: str) -> None:
    upgrade_to_head(connection)
    at = now_utc()
    connection.execute(
        sa.insert(MARKER).values(id=1, app=APP, created_at=at, created_with=_package_version())
    )
    _append_audit(
        connection,
        user=_os_user(),
        db_user=_db_user(connection, dialect),
        action="create registry",
        detail={"schema": head_revision(), "ikzf1assay": _package_version()},
    )


def open_registry(url: str | os.PathLike[str], *, create: bool = True) -> Registry:
    """Open the registry at ``url``; create it in an empty database.

    Parameters
    ----------
    url
        A file path or ``sqlite:///PATH`` (SQLite: WAL journal, 30 s busy timeout, foreign
        keys on), or ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`` (psycopg 3).
    create
        Create the SQLite file when absent, and the schema (at the newest revision) in an
        empty database. False: refuse both.

    Returns
    -------
    Registry
        The open registry; close it (or use it as a context manager).

    Raises
    ------
    RegistryError
        A foreign database (tables but no ikzf1assay marker), a schema newer or older than
        this package's (an older one is migrated only by :func:`migrate`).
    RegistryUnavailableError
        A file that is not SQLite (corrupted or not a database), a server that cannot be
        reached.
    """
    db = connect_database(url, create=create)
    try:
        with translated(db.url_display, "open the registry"):
            with transaction(db, write=False) as connection:
                state = schema_state(connection)
            if state.kind == "empty" and create:
                with transaction(db, write=True) as connection:
                    state = schema_state(connection)  # another process may have created it
                    if state.kind == "empty":
                        _create(connection, db.dialect)
                        state = schema_state(connection)
        if state.kind == "empty":
            raise RegistryError(
                f"registry {db.url_display}: the database is empty and create=False: "
                "no registry there"
            )
        _refuse_state(state, db.url_display)
    except BaseException:
        db.engine.dispose()
        raise
    return Registry(db)


def migrate(url: str | os.PathLike[str]) -> tuple[str, str]:
    """Upgrade a registry's schema to this package's newest revision (back it up first).

    Parameters
    ----------
    url
        As for :func:`open_registry`; the database must already hold a registry.

    Returns
    -------
    tuple of str
        (revision before, revision after); equal when there was nothing to do.

    Raises
    ------
    RegistryError
        An empty or foreign database, or a schema newer than this package's.
    """
    db = connect_database(url, create=False)
    try:
        with (
            translated(db.url_display, "migrate the registry"),
            transaction(db, write=True) as connection,
        ):
            state = schema_state(connection)
            if state.kind != "registry" or state.revision is None:
                _refuse_state(state, db.url_display)
            before = str(state.revision)
            head = head_revision()
            if before not in known_revisions():
                _refuse_state(state, db.url_display)
            if before == head:
                return before, head
            upgrade_to_head(connection)
            _append_audit(
                connection,
                user=_os_user(),
                db_user=_db_user(connection, db.dialect),
                action="migrate schema",
                detail={"from": before, "to": head, "ikzf1assay": _package_version()},
            )
            return before, head
    finally:
        db.engine.dispose()


# ---------------------------------------------------------------------------------- registry


class Registry:
    """An open registry. Every method runs in its own transaction; writes are serialised.

    Parameters
    ----------
    db
        The database, from :func:`open_registry` (do not build one yourself).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.url_display: str = db.url_display

    # -- plumbing

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Registry({self.url_display!r})"

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (for measurements and administration tools only: writing
        through it bypasses the audit trail, and the database refuses most such writes)."""
        return self._db.engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.dialect

    def close(self) -> None:
        """Close the registry's connections."""
        self._db.engine.dispose()

    @contextlib.contextmanager
    def _write(self, doing: str) -> Iterator[tuple[Connection, str]]:
        with (
            translated(self.url_display, doing),
            transaction(self._db, write=True) as connection,
        ):
            yield connection, _db_user(connection, self._db.dialect)

    @contextlib.contextmanager
    def _read(self, doing: str) -> Iterator[Connection]:
        with (
            translated(self.url_display, doing),
            transaction(self._db, write=False) as connection,
        ):
            yield connection

    def _run_row(self, connection: Connection, run_id: int) -> Any:
        row = connection.execute(sa.select(RUNS).where(RUNS.c.run_id == int(run_id))).first()
        if row is None:
            low, high = connection.execute(
                sa.select(sa.func.min(RUNS.c.run_id), sa.func.max(RUNS.c.run_id))
            ).one()
            have = "the registry has no runs" if low is None else f"runs {low} to {high} exist"
            raise RegistryError(f"run {run_id} is not in registry {self.url_display} ({have})")
        return row

    @staticmethod
    def _latest_analysis(connection: Connection, run_id: int) -> int | None:
        value = connection.execute(
            sa.select(sa.func.max(ANALYSES.c.analysis_id)).where(ANALYSES.c.run_id == run_id)
        ).scalar()
        return None if value is None else int(value)

    @staticmethod
    def _latest_subquery() -> Any:
        return (
            sa.select(ANALYSES.c.run_id, sa.func.max(ANALYSES.c.analysis_id).label("analysis_id"))
            .group_by(ANALYSES.c.run_id)
            .subquery("latest")
        )

    def _effective_calls(
        self, connection: Connection, run_id: int | None, *, with_data: bool = False
    ) -> pd.DataFrame:
        """The latest analysis' calls of one run (or of every run) with their latest review;
        with ``with_data``, also each call's row as imported (JSON text, column ``data``)."""
        latest = self._latest_subquery()
        calls = sa.select(
            latest.c.run_id,
            CALLS.c.analysis_id,
            CALLS.c.position,
            CALLS.c.sample,
            CALLS.c.call,
            CALLS.c.deletions,
            CALLS.c.status,
            CALLS.c.reason,
            (CALLS.c.data if with_data else sa.literal("{}")).label("data"),
        ).join(latest, CALLS.c.analysis_id == latest.c.analysis_id)
        reviews = sa.select(
            REVIEWS.c.analysis_id,
            REVIEWS.c.sample,
            REVIEWS.c.version,
            REVIEWS.c.kind,
            REVIEWS.c.call,
            REVIEWS.c.deletions,
            REVIEWS.c.status,
            REVIEWS.c.reason,
            REVIEWS.c.user,
            REVIEWS.c.at,
        ).join(latest, REVIEWS.c.analysis_id == latest.c.analysis_id)
        if run_id is not None:
            calls = calls.where(latest.c.run_id == run_id)
            reviews = reviews.where(latest.c.run_id == run_id)
        machine = _frame(connection, calls.order_by(latest.c.run_id, CALLS.c.position))
        review = _frame(connection, reviews)
        last = (
            review.sort_values("version")
            .drop_duplicates(["analysis_id", "sample"], keep="last")
            .rename(columns=lambda c: c if c in ("analysis_id", "sample") else f"r_{c}")
        )
        merged = machine.merge(last, how="left", on=["analysis_id", "sample"])
        version = pd.to_numeric(merged["r_version"], errors="coerce")
        reviewed = version.notna()
        out = pd.DataFrame(
            {
                "run_id": merged["run_id"].astype("int64"),
                "analysis_id": merged["analysis_id"].astype("int64"),
                "sample": merged["sample"],
                "call": merged["r_call"].where(reviewed, merged["call"]),
                "status": merged["r_status"].where(reviewed, merged["status"]),
                "deletions": merged["r_deletions"].where(reviewed, merged["deletions"]),
                "reason": merged["r_reason"].where(reviewed, merged["reason"]),
                "reviewed": reviewed.astype(bool),
                "version": version.fillna(0).astype("int64"),
                "reviewed_by": merged["r_user"].where(reviewed, ""),
                "reviewed_at": merged["r_at"].where(reviewed, ""),
                "machine_call": merged["call"],
                "machine_status": merged["status"],
                "machine_deletions": merged["deletions"],
                "machine_reason": merged["reason"],
                "data": merged["data"],
            }
        )
        return out.reset_index(drop=True)

    def _setting(self, connection: Connection, key: str) -> str | None:
        value = connection.execute(sa.select(SETTINGS.c.value).where(SETTINGS.c.key == key))
        found = value.scalar()
        return None if found is None else str(found)

    # -- import

    def import_run(self, record: RunRecord, user: str) -> ImportResult:
        """Store a called run in one transaction: the run (once), its analysis (once per
        parameters, assay and version), every well and call, and the audit entries.

        Parameters
        ----------
        record
            The run, from ``ikzf1assay call``.
        user
            Who imports it.

        Returns
        -------
        ImportResult
            The run and analysis ids and whether each was created.

        Raises
        ------
        RegistryError
            A record without files or calls, a re-analysis of a released run, refused rights.
        """
        user = _check_user(user)
        files = list(record.files)
        if not files or not all(
            isinstance(n, str) and isinstance(b, bytes | bytearray) for n, b in files
        ):
            raise RegistryError("a run record needs its export file(s) as (name, bytes) pairs")
        run_sha = run_identity([(n, bytes(b)) for n, b in files])
        run_date = normalise_run_date(record.run_date)
        parameters = _canonical(record.parameters)
        identity = {
            "parameters": record.parameters,
            "assay_sha256": record.assay_sha256,
            "package_version": record.package_version,
        }
        analysis_sha = _sha256(_canonical(identity).encode("utf-8"))
        calls_rows = self._call_rows(record.calls)
        wells_rows = self._well_rows(record.wells)
        reference = self._reference(record)
        file_rows = [
            {
                "position": i,
                "name": name,
                "sha256": _sha256(bytes(content)),
                "size": len(content),
                "compression": "zlib",
                "content": zlib.compress(bytes(content), 6),
            }
            for i, (name, content) in enumerate(files)
        ]
        with self._write("import the run") as (connection, db_user):
            existing = connection.execute(
                sa.select(RUNS.c.run_id, RUNS.c.status).where(RUNS.c.run_sha256 == run_sha)
            ).first()
            created_run = existing is None
            if existing is not None:
                run_id = int(existing.run_id)
                known = connection.execute(
                    sa.select(ANALYSES.c.analysis_id).where(
                        ANALYSES.c.run_id == run_id, ANALYSES.c.analysis_sha256 == analysis_sha
                    )
                ).scalar()
                if known is not None:
                    return ImportResult(run_id, int(known), False, False, run_sha)
                if existing.status == "released":
                    raise RegistryError(
                        f"run {run_id} of registry {self.url_display} is released: a new "
                        "analysis would change its calls; correct a call with amend"
                    )
            else:
                inserted = connection.execute(
                    sa.insert(RUNS).values(
                        run_sha256=run_sha,
                        file=" + ".join(name for name, _ in files),
                        format=record.format,
                        instrument=record.instrument or "",
                        run_date=run_date,
                        imported_at=now_utc(),
                        imported_by=user,
                        db_user=db_user,
                        status="draft",
                        qc_flag="",
                    )
                )
                run_id = int(_new_id(inserted))
                connection.execute(
                    sa.insert(RUN_FILES), [{**row, "run_id": run_id} for row in file_rows]
                )
                _append_audit(
                    connection,
                    user=user,
                    db_user=db_user,
                    action="import run",
                    run_id=run_id,
                    detail={
                        "run_sha256": run_sha,
                        "files": [
                            {"name": r["name"], "sha256": r["sha256"], "size": r["size"]}
                            for r in file_rows
                        ],
                        "format": record.format,
                        "instrument": record.instrument or "",
                        "run_date": run_date,
                        "run_date_as_given": record.run_date,
                    },
                )
            inserted = connection.execute(
                sa.insert(ANALYSES).values(
                    run_id=run_id,
                    analysis_sha256=analysis_sha,
                    parameters=parameters,
                    assay_sha256=record.assay_sha256,
                    package_version=record.package_version,
                    provenance=_canonical(record.provenance),
                    reference=reference,
                    created_at=now_utc(),
                    created_by=user,
                    db_user=db_user,
                )
            )
            analysis_id = int(_new_id(inserted))
            if wells_rows:
                connection.execute(
                    sa.insert(WELLS), [{**row, "analysis_id": analysis_id} for row in wells_rows]
                )
            connection.execute(
                sa.insert(CALLS), [{**row, "analysis_id": analysis_id} for row in calls_rows]
            )
            _append_audit(
                connection,
                user=user,
                db_user=db_user,
                action="analysis",
                run_id=run_id,
                detail={
                    "analysis_id": analysis_id,
                    "analysis_sha256": analysis_sha,
                    "assay_sha256": record.assay_sha256,
                    "package_version": record.package_version,
                    "parameters": record.parameters,
                    "samples": len(calls_rows),
                    "wells": len(wells_rows),
                },
            )
        return ImportResult(run_id, analysis_id, created_run, True, run_sha)

    @staticmethod
    def _call_rows(calls: pd.DataFrame) -> list[dict[str, Any]]:
        missing = [c for c in ("sample", "call", "status") if c not in calls.columns]
        if missing:
            raise RegistryError(
                "the calls table lacks column(s) " + ", ".join(missing) + " (expected calls.tsv)"
            )
        if calls.empty:
            raise RegistryError("the calls table is empty: a run without samples is not stored")
        rows = []
        seen: set[str] = set()
        for i, record in enumerate(json_records(calls)):
            sample = (_text(record.get("sample")) or "").strip()
            if not sample:
                raise RegistryError(f"row {i + 1} of the calls table has no sample name")
            if sample in seen:
                raise RegistryError(f"sample {sample!r} appears twice in the calls table")
            seen.add(sample)
            rows.append(
                {
                    "position": i,
                    "sample": sample,
                    "call": _text(record.get("call")) or "",
                    "deletions": _text(record.get("deletions")) or "",
                    "status": (_text(record.get("status")) or "").strip(),
                    "reason": _text(record.get("reason")) or "",
                    "data": json.dumps(record, ensure_ascii=False, default=str),
                }
            )
        return rows

    @staticmethod
    def _well_rows(wells: pd.DataFrame) -> list[dict[str, Any]]:
        rows = []
        for i, record in enumerate(json_records(wells)):
            rows.append(
                {
                    "position": i,
                    "well": _text(record.get("well")),
                    "sample": _text(record.get("sample")),
                    "target": _text(record.get("target")),
                    "reaction": _text(record.get("reaction")),
                    "role": _text(record.get("role")),
                    "ct": _float(record.get("ct")),
                    "amplification": _text(record.get("amplification")),
                    "omitted": _bool(record.get("omitted", False)),
                    "data": json.dumps(record, ensure_ascii=False, default=str),
                }
            )
        return rows

    @staticmethod
    def _reference(record: RunRecord) -> str | None:
        """The reference reaction: from the parameters or provenance, else ALB or the one
        reaction of the wells that is not a deletion (Δ...)."""
        prov = record.provenance if isinstance(record.provenance, Mapping) else {}
        nested = prov.get("parameters") if isinstance(prov.get("parameters"), Mapping) else {}
        for source in (record.parameters, nested, prov):
            value = source.get("reference") if isinstance(source, Mapping) else None
            if isinstance(value, str) and value.strip():
                return value.strip()
        if "reaction" not in record.wells.columns:
            return None
        reactions = {str(r) for r in record.wells["reaction"].dropna().unique()}
        if "ALB" in reactions:
            return "ALB"
        others = sorted(r for r in reactions if r and not r.startswith(("Δ", "∆")))
        return others[0] if len(others) == 1 else None

    def find(
        self,
        files: list[tuple[str, bytes]],
        parameters: Mapping[str, Any],
        assay_sha256: str,
        package_version: str,
    ) -> tuple[int, int | None] | None:
        """Whether an export, and this analysis of it, is already in the registry.

        Parameters
        ----------
        files
            The export's file(s) as (name, bytes).
        parameters, assay_sha256, package_version
            The analysis identity, as in :class:`RunRecord`.

        Returns
        -------
        tuple or None
            None when the run is not stored; else (run id, analysis id), the analysis id
            None when this analysis of the run is not stored.
        """
        run_sha = run_identity([(n, bytes(b)) for n, b in files])
        identity = {
            "parameters": dict(parameters),
            "assay_sha256": assay_sha256,
            "package_version": package_version,
        }
        analysis_sha = _sha256(_canonical(identity).encode("utf-8"))
        with self._read("look the run up") as connection:
            run_id = connection.execute(
                sa.select(RUNS.c.run_id).where(RUNS.c.run_sha256 == run_sha)
            ).scalar()
            if run_id is None:
                return None
            analysis_id = connection.execute(
                sa.select(ANALYSES.c.analysis_id).where(
                    ANALYSES.c.run_id == run_id, ANALYSES.c.analysis_sha256 == analysis_sha
                )
            ).scalar()
        return int(run_id), None if analysis_id is None else int(analysis_id)

    # -- reading

    def runs(self) -> pd.DataFrame:
        """The registry's runs, one row each, by run id.

        Returns
        -------
        pandas.DataFrame
            run_id, file, run_date, instrument, format, status, imported_at, imported_by,
            analyses, samples, calls (the effective calls of the latest analysis by kind, e.g.
            ``Δ4-7 2, not detected 5, inconclusive 1``), qc_flag.
        """
        with self._read("list the runs") as connection:
            runs = _frame(
                connection,
                sa.select(
                    RUNS.c.run_id,
                    RUNS.c.file,
                    RUNS.c.run_date,
                    RUNS.c.instrument,
                    RUNS.c.format,
                    RUNS.c.status,
                    RUNS.c.imported_at,
                    RUNS.c.imported_by,
                    RUNS.c.qc_flag,
                ).order_by(RUNS.c.run_id),
            )
            counts = _frame(
                connection,
                sa.select(ANALYSES.c.run_id, sa.func.count().label("analyses")).group_by(
                    ANALYSES.c.run_id
                ),
            )
            calls = self._effective_calls(connection, None)
        tally = calls.groupby(["run_id", "call"], sort=False).size()
        kinds_of: dict[int, list[tuple[str, int]]] = {}
        for key, count in tally.items():
            run, call = cast("tuple[Any, Any]", key)
            kinds_of.setdefault(int(run), []).append((str(call), int(count)))
        summary = {
            run: (
                sum(n for _, n in kinds),
                ", ".join(f"{k} {n}" for k, n in sorted(kinds, key=lambda x: _call_kind_key(x[0]))),
            )
            for run, kinds in kinds_of.items()
        }
        n_analyses = dict(
            zip(counts["run_id"].astype(int), counts["analyses"].astype(int), strict=True)
        )
        ids = runs["run_id"].astype(int).tolist()
        out = pd.DataFrame(
            {
                "run_id": ids,
                "file": runs["file"].tolist(),
                "run_date": runs["run_date"].fillna("").tolist(),
                "instrument": runs["instrument"].tolist(),
                "format": runs["format"].tolist(),
                "status": runs["status"].tolist(),
                "imported_at": runs["imported_at"].tolist(),
                "imported_by": runs["imported_by"].tolist(),
                "analyses": [n_analyses.get(i, 0) for i in ids],
                "samples": [summary.get(i, (0, ""))[0] for i in ids],
                "calls": [summary.get(i, (0, ""))[1] for i in ids],
                "qc_flag": runs["qc_flag"].fillna("").tolist(),
            }
        )
        return out

    def show(self, run_id: int) -> dict[str, Any]:
        """Everything stored about one run.

        Parameters
        ----------
        run_id
            The run.

        Returns
        -------
        dict
            ``run`` (dict: the run's fields, its files and sign-off), ``analyses`` (DataFrame,
            parameters and provenance as JSON text, oldest first), ``wells`` (DataFrame: the
            latest analysis' wells as imported), ``calls`` (DataFrame: the latest analysis'
            effective call and status beside the machine's, reviewed, version), ``reviews``
            (DataFrame: every review and amendment, every version).

        Raises
        ------
        RegistryError
            An unknown run (the message names the ids that exist).
        """
        with self._read(f"show run {run_id}") as connection:
            row = self._run_row(connection, run_id)
            run: dict[str, Any] = {c.name: row._mapping[c.name] for c in RUNS.c}
            files = _frame(
                connection,
                sa.select(RUN_FILES.c.name, RUN_FILES.c.sha256, RUN_FILES.c.size)
                .where(RUN_FILES.c.run_id == row.run_id)
                .order_by(RUN_FILES.c.position),
            )
            run["files"] = json_records(files)
            signoff = connection.execute(
                sa.select(SIGNOFFS).where(SIGNOFFS.c.run_id == row.run_id)
            ).first()
            run["signoff"] = None if signoff is None else dict(signoff._mapping)
            analyses = _frame(
                connection,
                sa.select(
                    ANALYSES.c.analysis_id,
                    ANALYSES.c.run_id,
                    ANALYSES.c.analysis_sha256,
                    ANALYSES.c.created_at,
                    ANALYSES.c.created_by,
                    ANALYSES.c.db_user,
                    ANALYSES.c.assay_sha256,
                    ANALYSES.c.package_version,
                    ANALYSES.c.reference,
                    ANALYSES.c.parameters,
                    ANALYSES.c.provenance,
                )
                .where(ANALYSES.c.run_id == row.run_id)
                .order_by(ANALYSES.c.analysis_id),
            )
            latest = self._latest_analysis(connection, int(row.run_id))
            analyses["latest"] = analyses["analysis_id"] == latest
            wells_raw = _frame(
                connection,
                sa.select(WELLS.c.data)
                .where(WELLS.c.analysis_id == (latest or -1))
                .order_by(WELLS.c.position),
            )
            calls = self._effective_calls(connection, int(row.run_id), with_data=True)
            reviews = _frame(
                connection,
                sa.select(
                    REVIEWS.c.review_id,
                    REVIEWS.c.analysis_id,
                    REVIEWS.c.sample,
                    REVIEWS.c.version,
                    REVIEWS.c.kind,
                    REVIEWS.c.call,
                    REVIEWS.c.deletions,
                    REVIEWS.c.status,
                    REVIEWS.c.reason,
                    REVIEWS.c.user,
                    REVIEWS.c.db_user,
                    REVIEWS.c.at,
                )
                .where(REVIEWS.c.run_id == row.run_id)
                .order_by(REVIEWS.c.review_id),
            )
        wells = pd.DataFrame([json.loads(d) for d in wells_raw["data"]])
        wells.insert(0, "analysis_id", latest)
        extra = pd.DataFrame([json.loads(d) for d in calls["data"]], index=calls.index)
        extra = extra.drop(
            columns=[c for c in extra.columns if c in calls.columns or c == "reason"],
            errors="ignore",
        )
        calls = pd.concat([calls.drop(columns=["data"]), extra], axis=1)
        return {
            "run": run,
            "analyses": analyses,
            "wells": wells,
            "calls": calls,
            "reviews": reviews,
        }

    def export_files(self, run_id: int) -> list[tuple[str, bytes]]:
        """The export file(s) of a run, as imported.

        Parameters
        ----------
        run_id
            The run.

        Returns
        -------
        list of (str, bytes)
            (file name, content) in the order imported.
        """
        with self._read(f"read the files of run {run_id}") as connection:
            row = self._run_row(connection, run_id)
            stored = connection.execute(
                sa.select(RUN_FILES.c.name, RUN_FILES.c.compression, RUN_FILES.c.content)
                .where(RUN_FILES.c.run_id == row.run_id)
                .order_by(RUN_FILES.c.position)
            ).all()
        out = []
        for name, compression, content in stored:
            data = bytes(content)
            out.append((str(name), zlib.decompress(data) if compression == "zlib" else data))
        return out

    # -- review, sign-off, amendment

    def _decide(
        self, run_id: int, sample: str, call: str, reason: str, user: str, kind: str
    ) -> int:
        user = _check_user(user)
        if not isinstance(reason, str) or not reason.strip():
            raise RegistryError(f"a {kind} needs a reason (why the call is {call!r})")
        doing = "review the call" if kind == "review" else "amend the call"
        with self._write(doing) as (connection, db_user):
            row = self._run_row(connection, run_id)
            if kind == "review" and row.status == "released":
                raise RegistryError(
                    f"run {run_id} is released: use amend to correct a call after release"
                )
            if kind == "amendment" and row.status != "released":
                raise RegistryError(
                    f"run {run_id} is a draft (not released): use review, not amend"
                )
            analysis_id = self._latest_analysis(connection, int(row.run_id))
            machine = connection.execute(
                sa.select(CALLS.c.call, CALLS.c.status).where(
                    CALLS.c.analysis_id == (analysis_id or -1), CALLS.c.sample == sample
                )
            ).first()
            if machine is None or analysis_id is None:
                names = connection.execute(
                    sa.select(CALLS.c.sample)
                    .where(CALLS.c.analysis_id == (analysis_id or -1))
                    .order_by(CALLS.c.position)
                ).scalars()
                listed = list(names)
                shown = ", ".join(listed[:12]) + (", ..." if len(listed) > 12 else "")
                raise RegistryError(f"sample {sample!r} is not in run {run_id} (samples: {shown})")
            deletions = connection.execute(
                sa.select(WELLS.c.reaction).distinct().where(WELLS.c.analysis_id == analysis_id)
            ).scalars()
            table_calls = connection.execute(
                sa.select(CALLS.c.call, CALLS.c.deletions).where(CALLS.c.analysis_id == analysis_id)
            ).all()
            mentioned = [d for _, ds in table_calls for d in str(ds).split(",") if d]
            new_call, new_deletions, new_status = normalise_review_call(
                call, [*(d for d in deletions if d), *mentioned], [str(c) for c, _ in table_calls]
            )
            previous = connection.execute(
                sa.select(REVIEWS.c.version, REVIEWS.c.call)
                .where(REVIEWS.c.analysis_id == analysis_id, REVIEWS.c.sample == sample)
                .order_by(REVIEWS.c.version.desc())
                .limit(1)
            ).first()
            version = 1 if previous is None else int(previous.version) + 1
            previous_call = str(machine.call) if previous is None else str(previous.call)
            at = now_utc()
            inserted = connection.execute(
                sa.insert(REVIEWS).values(
                    run_id=int(row.run_id),
                    analysis_id=analysis_id,
                    sample=sample,
                    version=version,
                    kind=kind,
                    call=new_call,
                    deletions=new_deletions,
                    status=new_status,
                    reason=reason.strip(),
                    user=user,
                    db_user=db_user,
                    at=at,
                )
            )
            _append_audit(
                connection,
                user=user,
                db_user=db_user,
                action="review" if kind == "review" else "amend",
                run_id=int(row.run_id),
                sample=sample,
                detail={
                    "analysis_id": analysis_id,
                    "version": version,
                    "call": new_call,
                    "deletions": new_deletions,
                    "previous_call": previous_call,
                    "machine_call": str(machine.call),
                },
                reason=reason.strip(),
            )
            return int(_new_id(inserted))

    def review(self, run_id: int, sample: str, call: str, reason: str, user: str) -> int:
        """Record a reviewer's call for a sample of a draft run (the machine call stays).

        Parameters
        ----------
        run_id, sample
            The run and the sample (of the run's latest analysis).
        call
            The reviewed call (see :mod:`ikzf1assay.registry._vocabulary` for what is read).
        reason
            Why: required.
        user
            Who reviews.

        Returns
        -------
        int
            The review's id.

        Raises
        ------
        RegistryError
            A released run (use :meth:`amend`), an unknown run or sample, an empty reason, a
            call outside the vocabulary.
        """
        return self._decide(run_id, sample, call, reason, user, "review")

    def amend(self, run_id: int, sample: str, call: str, reason: str, user: str) -> int:
        """Correct a sample's call on a released run: a new version; older ones stay.

        Parameters
        ----------
        run_id, sample, call, reason, user
            As for :meth:`review`.

        Returns
        -------
        int
            The amendment's id (in the reviews table).

        Raises
        ------
        RegistryError
            A draft run (use :meth:`review`), an unknown run or sample, an empty reason, a call
            outside the vocabulary.
        """
        return self._decide(run_id, sample, call, reason, user, "amendment")

    def signoff(self, run_id: int, user: str) -> str:
        """Release a draft run.

        Refused while a sample of the latest analysis whose status is neither ``valid`` nor
        ``invalid`` (``inconclusive``, ``review``...) has no review decision; refused when
        ``user`` imported the run, unless the setting ``allow_self_signoff`` is true; refused
        on a released run.

        Parameters
        ----------
        run_id
            The run.
        user
            Who signs off.

        Returns
        -------
        str
            The audit chain's head hash after the sign-off entry: keep it elsewhere (a lab
            notebook, an e-mail) so that a later rewrite of the chain can be detected.
        """
        user = _check_user(user)
        with self._write(f"sign off run {run_id}") as (connection, db_user):
            row = self._run_row(connection, run_id)
            if row.status == "released":
                raise RegistryError(
                    f"run {run_id} is already released (by {row.released_by} at "
                    f"{row.released_at}); correct a call with amend"
                )
            allow = (self._setting(connection, "allow_self_signoff") or "").strip().casefold()
            if user == row.imported_by and allow not in _TRUE:
                raise RegistryError(
                    f"run {run_id} was imported by {user}: another person must sign it off "
                    "(or the lab sets allow_self_signoff to true)"
                )
            analysis_id = self._latest_analysis(connection, int(row.run_id))
            if analysis_id is None:
                raise RegistryError(f"run {run_id} has no analysis to sign off")
            calls = self._effective_calls(connection, int(row.run_id))
            pending = calls[~calls["machine_status"].isin(NO_REVIEW_NEEDED) & ~calls["reviewed"]]
            if not pending.empty:
                listed = [
                    f"{s} ({st or 'no status'})"
                    for s, st in zip(pending["sample"], pending["machine_status"], strict=True)
                ]
                raise RegistryError(
                    f"run {run_id} cannot be signed off: {len(listed)} sample(s) need a review "
                    "decision first: "
                    + ", ".join(listed[:12])
                    + (", ..." if len(listed) > 12 else "")
                )
            head = _append_audit(
                connection,
                user=user,
                db_user=db_user,
                action="sign-off",
                run_id=int(row.run_id),
                detail={
                    "analysis_id": analysis_id,
                    "samples": len(calls),
                    "reviewed": int(calls["reviewed"].sum()),
                },
            )
            at = now_utc()
            connection.execute(
                sa.insert(SIGNOFFS).values(
                    run_id=int(row.run_id),
                    analysis_id=analysis_id,
                    user=user,
                    db_user=db_user,
                    at=at,
                    head_hash=head,
                )
            )
            connection.execute(
                sa.update(RUNS)
                .where(RUNS.c.run_id == row.run_id)
                .values(status="released", released_at=at, released_by=user)
            )
        return head

    # -- audit

    def audit(self) -> pd.DataFrame:
        """The audit trail, oldest first.

        Returns
        -------
        pandas.DataFrame
            entry_id, at, user, db_user, action, run_id, sample, detail, reason, prev_hash, hash.
        """
        with self._read("read the audit trail") as connection:
            frame = _frame(connection, sa.select(AUDIT).order_by(AUDIT.c.entry_id))
        frame["run_id"] = frame["run_id"].astype("Int64")
        return frame

    def verify_audit(self) -> list[str]:
        """Check the audit chain: every entry's hash, and its link to the entry before.

        Returns
        -------
        list of str
            Empty when the chain is intact; otherwise one message per broken entry (an edited
            entry, or an entry whose predecessor was edited or removed). A hash chain cannot
            see its last entries removed, nor a whole chain rewritten by someone with write
            access: compare :meth:`head_hash` with the hash printed at sign-off.
        """
        problems = []
        expected_prev = GENESIS_HASH
        expected_id = 1
        with self._read("read the audit trail") as connection:
            result = connection.execute(sa.select(AUDIT).order_by(AUDIT.c.entry_id))
            for row in result:
                fields = dict(row._mapping)
                entry = int(fields["entry_id"])
                notes = []
                if entry != expected_id:
                    gap = entry - expected_id
                    notes.append(
                        f"{gap} entr{'y' if gap == 1 else 'ies'} before it missing "
                        f"(ids jump from {expected_id - 1} to {entry})"
                        if gap > 0
                        else f"entry id out of sequence (expected {expected_id})"
                    )
                if fields["prev_hash"] != expected_prev:
                    notes.append(
                        "its prev_hash does not match the hash of the entry before it "
                        "(an entry before it was removed or edited)"
                    )
                if entry_hash(str(fields["prev_hash"]), fields) != fields["hash"]:
                    notes.append("its content does not match its hash (edited)")
                if notes:
                    problems.append(f"audit entry {entry}: " + "; ".join(notes))
                expected_prev = str(fields["hash"])
                expected_id = entry + 1
        return problems

    def head_hash(self) -> str:
        """The hash of the audit chain's last entry.

        Returns
        -------
        str
            64 hexadecimal characters (:data:`GENESIS_HASH` for an empty chain).
        """
        with self._read("read the audit trail") as connection:
            value = connection.execute(
                sa.select(AUDIT.c.hash).order_by(AUDIT.c.entry_id.desc()).limit(1)
            ).scalar()
        return GENESIS_HASH if value is None else str(value)

    # -- exports for the cohort and QC

    def export_calls(self, include_draft: bool = False) -> pd.DataFrame:
        """The effective calls (reviewed or amended where they were) of each run's latest
        analysis, in the form ``ikzf1assay cohort --calls`` reads.

        Parameters
        ----------
        include_draft
            Also the runs not yet released.

        Returns
        -------
        pandas.DataFrame
            sample, call, status, reason, run_date (``YYYY-MM-DD``, empty when the run's date
            is unknown or not unambiguous), run_id, analysis_id, reviewed, deletions,
            run_status; by run id, then the calls table's order.
        """
        with self._read("export the calls") as connection:
            calls = self._effective_calls(connection, None)
            runs = _frame(connection, sa.select(RUNS.c.run_id, RUNS.c.run_date, RUNS.c.status))
        runs = runs.rename(columns={"status": "run_status"})
        merged = calls.merge(runs, on="run_id", how="left")
        if not include_draft:
            merged = merged[merged["run_status"] == "released"]
        out = pd.DataFrame(
            {
                "sample": merged["sample"],
                "call": merged["call"],
                "status": merged["status"],
                "reason": merged["reason"],
                "run_date": [_iso_day(d) for d in merged["run_date"]],
                "run_id": merged["run_id"].astype("int64"),
                "analysis_id": merged["analysis_id"].astype("int64"),
                "reviewed": merged["reviewed"].astype(bool),
                "deletions": merged["deletions"].fillna(""),
                "run_status": merged["run_status"],
            }
        )
        return out.reset_index(drop=True)

    def _wells_of_latest(
        self, connection: Connection, role: str, reaction: Any = None
    ) -> pd.DataFrame:
        latest = self._latest_subquery()
        statement = (
            sa.select(latest.c.run_id, WELLS.c.reaction, WELLS.c.ct)
            .select_from(WELLS)
            .join(latest, WELLS.c.analysis_id == latest.c.analysis_id)
            .join(ANALYSES, ANALYSES.c.analysis_id == latest.c.analysis_id)
            .where(WELLS.c.role == role, sa.not_(WELLS.c.omitted))
        )
        if reaction is not None:
            statement = statement.where(WELLS.c.reaction == reaction)
        return _frame(connection, statement)

    def _run_frame(self, connection: Connection) -> pd.DataFrame:
        return _frame(
            connection,
            sa.select(RUNS.c.run_id, RUNS.c.run_date, RUNS.c.imported_at, RUNS.c.status)
            .where(RUNS.c.run_id.in_(sa.select(ANALYSES.c.run_id)))
            .order_by(RUNS.c.run_id),
        )

    def control_series(self) -> pd.DataFrame:
        """Positive-control Ct per run and reaction (latest analysis; omitted wells left out).

        Returns
        -------
        pandas.DataFrame
            run_id, run_date, imported_at, status, reaction, ct (mean Ct of the run's
            positive-control wells of the reaction; NaN when none amplified), n_wells,
            n_amplified; by run id, then reaction.
        """
        with self._read("read the control series") as connection:
            wells = self._wells_of_latest(connection, "positive_control")
            runs = self._run_frame(connection)
        columns = ["run_id", "run_date", "imported_at", "status", "reaction", "ct", "n_wells"]
        if wells.empty:
            return pd.DataFrame(columns=[*columns, "n_amplified"])
        wells["ct"] = pd.to_numeric(wells["ct"], errors="coerce")
        grouped = (
            wells.groupby(["run_id", "reaction"], sort=True)["ct"]
            .agg(ct="mean", n_wells="size", n_amplified="count")
            .reset_index()
        )
        out = grouped.merge(runs, on="run_id", how="left")
        out["run_id"] = out["run_id"].astype("int64")
        return (
            out[[*columns, "n_amplified"]]
            .sort_values(["run_id", "reaction"])
            .reset_index(drop=True)
        )

    def reference_series(self, reference: str | None = None) -> pd.DataFrame:
        """Median Ct of the reference reaction over each run's sample wells (latest analysis).

        Parameters
        ----------
        reference
            The reference reaction's name; None: each analysis' own (from its parameters or
            provenance, else ALB or the one reaction that is not a deletion).

        Returns
        -------
        pandas.DataFrame
            run_id, run_date, imported_at, status, reference, median_ct (NaN when no sample
            well of it amplified), n_wells; one row per run with an analysis, by run id.
        """
        with self._read("read the reference series") as connection:
            wells = self._wells_of_latest(
                connection, "sample", ANALYSES.c.reference if reference is None else reference
            )
            runs = self._run_frame(connection)
            refs = _frame(
                connection,
                sa.select(ANALYSES.c.run_id, ANALYSES.c.reference).where(
                    ANALYSES.c.analysis_id.in_(sa.select(self._latest_subquery().c.analysis_id))
                ),
            )
        refs = refs.rename(columns={"reference": "ref"})
        if reference is not None:
            refs["ref"] = reference
        runs = runs.merge(refs, on="run_id", how="left")
        wells["ct"] = pd.to_numeric(wells["ct"], errors="coerce")
        stats = (
            wells.groupby("run_id")["ct"].agg(median_ct="median", n_wells="size").reset_index()
            if not wells.empty
            else pd.DataFrame({"run_id": [], "median_ct": [], "n_wells": []})
        )
        out = runs.merge(stats, on="run_id", how="left")
        out["n_wells"] = out["n_wells"].fillna(0).astype("int64")
        out["median_ct"] = out["median_ct"].astype(float)
        out = out.rename(columns={"ref": "reference"})
        out["run_id"] = out["run_id"].astype("int64")
        return out[
            ["run_id", "run_date", "imported_at", "status", "reference", "median_ct", "n_wells"]
        ].reset_index(drop=True)

    # -- flags and settings

    def set_qc_flags(self, flags: Mapping[int, str], user: str | None = None) -> None:
        """Set the QC flag text of runs (``""`` clears it), shown by :meth:`runs`; audited.

        Parameters
        ----------
        flags
            run id -> flag text.
        user
            Who sets them; None: the operating-system user.
        """
        who = _check_user(user) if user is not None else _os_user()
        with self._write("set the QC flags") as (connection, db_user):
            current = {
                int(r): str(f or "")
                for r, f in connection.execute(sa.select(RUNS.c.run_id, RUNS.c.qc_flag))
            }
            for run_id, flag in sorted(flags.items()):
                if int(run_id) not in current:
                    self._run_row(connection, run_id)  # raises, naming the runs that exist
                text = str(flag or "")
                if current[int(run_id)] == text:
                    continue
                connection.execute(
                    sa.update(RUNS).where(RUNS.c.run_id == int(run_id)).values(qc_flag=text)
                )
                _append_audit(
                    connection,
                    user=who,
                    db_user=db_user,
                    action="qc flag",
                    run_id=int(run_id),
                    detail={"flag": text, "previous": current[int(run_id)]},
                )

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A lab setting (``allow_self_signoff``, ``qc_baseline_runs``...).

        Parameters
        ----------
        key
            The setting's name.
        default
            Returned when it was never set.

        Returns
        -------
        str or None
            The value as text.
        """
        with self._read("read the settings") as connection:
            value = self._setting(connection, key)
        return default if value is None else value

    def set_setting(self, key: str, value: str, user: str) -> None:
        """Set a lab setting; audited with its previous value.

        Parameters
        ----------
        key
            The setting's name.
        value
            Its value, as text.
        user
            Who sets it.
        """
        user = _check_user(user)
        if not isinstance(key, str) or not key.strip():
            raise RegistryError("a setting needs a name")
        key = key.strip()
        text = str(value)
        with self._write(f"set {key}") as (connection, db_user):
            previous = self._setting(connection, key)
            if previous == text:
                return
            at = now_utc()
            if previous is None:
                connection.execute(
                    sa.insert(SETTINGS).values(key=key, value=text, updated_at=at, updated_by=user)
                )
            else:
                connection.execute(
                    sa.update(SETTINGS)
                    .where(SETTINGS.c.key == key)
                    .values(value=text, updated_at=at, updated_by=user)
                )
            _append_audit(
                connection,
                user=user,
                db_user=db_user,
                action="setting",
                detail={"key": key, "value": text, "previous": previous},
            )
