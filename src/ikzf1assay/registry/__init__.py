"""The registry: every run, analysis, well, call, review and sign-off, kept for years.

(docs/registry.md holds the same text for users.)

What it keeps
-------------
One database (SQLite file or PostgreSQL) holds every imported run export (its bytes, so a
run can be re-analysed after the file is gone), each analysis of it (parameters, assay file
hash, package version, provenance), every well and call, every review, sign-off and
amendment, and an append-only audit trail of who did what, when and why. A run's identity is
the SHA-256 of its export (of its files' sorted SHA-256s for a multi-file export such as a
CFX pair): the same export imported again is a no-op; the same run called with other
parameters, assay or version is a new analysis, never an overwrite. Stored results are never
changed: a review stands beside the machine call, an amendment after release is a new
version, and the older versions stay visible.

Several workstations, one PostgreSQL server
-------------------------------------------
SQLite (``--db registry.db``) suits one workstation; a shared network folder is not safe for
SQLite. For several workstations, run one PostgreSQL server (version 13 or newer) and give
every workstation the same URL::

    # on the server, once, as the database administrator
    createdb ikzf1assay
    python -c "from ikzf1assay.registry import open_registry; open_registry('postgresql://admin@dbhost/ikzf1assay').close()"
    python -c "from ikzf1assay.registry.roles import create_roles; create_roles('postgresql://admin@dbhost/ikzf1assay')"
    psql -d ikzf1assay -c "CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE ikzf1assay_technician"
    psql -d ikzf1assay -c "CREATE ROLE bob LOGIN PASSWORD '...' IN ROLE ikzf1assay_reviewer"
    psql -d ikzf1assay -c "CREATE ROLE clinic LOGIN PASSWORD '...' IN ROLE ikzf1assay_readonly"

    # on each workstation (the password in ~/.pgpass, not in the URL)
    export IKZF1ASSAY_DB=postgresql://alice@dbhost/ikzf1assay

Three roles: ``ikzf1assay_technician`` reads everything and imports runs;
``ikzf1assay_reviewer`` can also review, sign off, amend and set QC flags;
``ikzf1assay_readonly`` only reads. The server itself refuses what a role may not do. Lab
settings (``allow_self_signoff``...) are written by the database owner only. Protect the
server as any clinical database: TLS (``?sslmode=require``), ``pg_hba.conf`` restricted to
the lab's workstations, and regular backups (``pg_dump``) kept off the server. Schema
upgrades are never silent: after installing a newer ikzf1assay, the administrator runs
``ikzf1assay registry migrate --db URL`` once (back up first); until then every workstation
refuses the registry with a message saying so.

The audit trail and what a hash chain cannot detect
---------------------------------------------------
Each audit entry stores the hash of the entry before it and its own hash, SHA-256 over that
previous hash and the entry's fields; appends are serialised (SQLite: a write transaction
begins IMMEDIATE; PostgreSQL: an advisory lock), so concurrent writers cannot fork the chain.
The database refuses UPDATE and DELETE on the audit trail and on stored results (triggers;
on PostgreSQL the roles have no such grants either), and ``registry audit --verify``
recomputes the chain: an entry edited in place, or removed from the middle, is reported.
A hash chain cannot detect

- a cut tail: its last entries removed (the shorter chain is still consistent);
- a rewrite of the whole chain (or of everything after some point) by someone with write
  access to the database who recomputes the hashes;
- anything done by someone who can drop the triggers and also rewrite the chain.

Hence the head hash printed at every sign-off: keep it elsewhere (the run's paper record, a
lab notebook, an e-mail). A kept hash that is no longer in the chain, or a chain whose head is
older than the last kept hash, shows a cut or a rewrite.
"""

from ikzf1assay.registry._engine import display_url
from ikzf1assay.registry._engine import head_revision as _head_revision
from ikzf1assay.registry.store import ImportResult, Registry, RunRecord, migrate, open_registry

__all__ = [
    "SCHEMA_REVISION",
    "ImportResult",
    "Registry",
    "RunRecord",
    "display_url",
    "migrate",
    "open_registry",
]

#: the newest schema revision this package knows (the Alembic head)
SCHEMA_REVISION: str = _head_revision()
