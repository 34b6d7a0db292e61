"""The three PostgreSQL roles of a shared registry: technician, reviewer and read-only.

=========================  ==============================================================
role                       may
=========================  ==============================================================
``ikzf1assay_readonly``    read every table
``ikzf1assay_technician``  read; import runs (insert runs, their files, analyses, wells,
                           calls and audit entries)
``ikzf1assay_reviewer``    what a technician may, and review, sign off, amend (insert
                           reviews and sign-offs, update a run's status) and set QC flags
=========================  ==============================================================

The roles cannot log in: give each person a login role that is a member of one of them
(``CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE ikzf1assay_technician``). No role may update
or delete stored results or the audit trail; lab settings are written by the database owner.
The statements are composed with :mod:`psycopg.sql` (identifiers quoted), never formatted.
"""

from __future__ import annotations

import os
from typing import Any

from ikzf1assay.errors import RegistryError
from ikzf1assay.registry._engine import connect_database

__all__ = ["READONLY", "REVIEWER", "ROLES", "TECHNICIAN", "create_roles"]

READONLY = "ikzf1assay_readonly"
TECHNICIAN = "ikzf1assay_technician"
REVIEWER = "ikzf1assay_reviewer"
ROLES = (READONLY, TECHNICIAN, REVIEWER)
_IMPORT_TABLES = ("runs", "run_files", "analyses", "wells", "calls", "audit")
_REVIEW_TABLES = ("reviews", "signoffs")
_REVIEW_RUN_COLUMNS = ("status", "released_at", "released_by", "qc_flag")


def _statements(schema: str) -> list[Any]:
    from psycopg import sql

    s = sql.Identifier(schema)
    everyone = sql.SQL(", ").join(sql.Identifier(r) for r in ROLES)
    out: list[Any] = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, everyone),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, everyone),
        sql.SQL("GRANT {} TO {}").format(sql.Identifier(TECHNICIAN), sql.Identifier(REVIEWER)),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            s, sql.Identifier(TECHNICIAN)
        ),
    ]
    for table in _IMPORT_TABLES:
        out.append(
            sql.SQL("GRANT INSERT ON {}.{} TO {}").format(
                s, sql.Identifier(table), sql.Identifier(TECHNICIAN)
            )
        )
    for table in _REVIEW_TABLES:
        out.append(
            sql.SQL("GRANT INSERT ON {}.{} TO {}").format(
                s, sql.Identifier(table), sql.Identifier(REVIEWER)
            )
        )
    out.append(
        sql.SQL("GRANT UPDATE ({}) ON {}.{} TO {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in _REVIEW_RUN_COLUMNS),
            s,
            sql.Identifier("runs"),
            sql.Identifier(REVIEWER),
        )
    )
    return out


def create_roles(url: str | os.PathLike[str]) -> list[str]:
    """Create the three roles (when absent) and grant them their rights on the registry.

    Idempotent: run it again after :func:`ikzf1assay.registry.migrate` so new tables get
    their grants. Needs a database user allowed to create roles (the administrator).

    Parameters
    ----------
    url
        The registry's ``postgresql://`` URL (the registry must exist: open it once first).

    Returns
    -------
    list of str
        The roles created now (empty when all three existed).

    Raises
    ------
    RegistryError
        A SQLite registry (roles are PostgreSQL's), or rights the user lacks.
    """
    import psycopg
    from psycopg import sql

    from ikzf1assay.registry.store import open_registry

    db = connect_database(url, create=True)  # connects to nothing yet: checks the URL
    db.engine.dispose()
    if db.dialect != "postgresql":
        raise RegistryError(
            f"registry {db.url_display}: roles exist only on PostgreSQL; a SQLite registry is "
            "protected by the file's permissions"
        )
    open_registry(url, create=False).close()  # refuses a foreign or outdated database
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    created = []
    try:
        with psycopg.connect(conninfo, autocommit=False) as connection:
            schema = connection.execute(sql.SQL("SELECT current_schema()")).fetchone()
            assert schema is not None
            for role in ROLES:
                exists = connection.execute(
                    sql.SQL("SELECT 1 FROM pg_roles WHERE rolname = %s"), (role,)
                ).fetchone()
                if exists is None:
                    connection.execute(
                        sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role))
                    )
                    created.append(role)
            for statement in _statements(str(schema[0])):
                connection.execute(statement)
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RegistryError(
            f"registry {db.url_display}: cannot create the roles: {first} (the database user "
            "needs CREATEROLE and ownership of the registry's tables)"
        ) from None
    return created
