"""The registry's tables at the head revision, for SQLAlchemy Core queries.

The migrations (``migrations/versions``) create these tables; this module only describes them.
Timestamps are ISO 8601 text in UTC (``2026-01-31T09:15:02.123456Z``) so that both engines
store, return and hash them identically.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "ANALYSES",
    "AUDIT",
    "CALLS",
    "MARKER",
    "METADATA",
    "REVIEWS",
    "RUNS",
    "RUN_FILES",
    "SETTINGS",
    "SIGNOFFS",
    "WELLS",
]

METADATA = sa.MetaData()

MARKER = sa.Table(
    "ikzf1assay_registry",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("app", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("created_with", sa.Text, nullable=False),
)

RUNS = sa.Table(
    "runs",
    METADATA,
    sa.Column("run_id", sa.Integer, primary_key=True),
    sa.Column("run_sha256", sa.Text, nullable=False, unique=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("instrument", sa.Text, nullable=False),
    sa.Column("run_date", sa.Text, nullable=True),
    sa.Column("imported_at", sa.Text, nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    sa.Column("db_user", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("released_at", sa.Text, nullable=True),
    sa.Column("released_by", sa.Text, nullable=True),
    sa.Column("qc_flag", sa.Text, nullable=False, server_default=""),
)

RUN_FILES = sa.Table(
    "run_files",
    METADATA,
    sa.Column("file_id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("compression", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

ANALYSES = sa.Table(
    "analyses",
    METADATA,
    sa.Column("analysis_id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False, index=True),
    sa.Column("analysis_sha256", sa.Text, nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("assay_sha256", sa.Text, nullable=False),
    sa.Column("package_version", sa.Text, nullable=False),
    sa.Column("provenance", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("db_user", sa.Text, nullable=False),
    sa.UniqueConstraint("run_id", "analysis_sha256"),
)

WELLS = sa.Table(
    "wells",
    METADATA,
    sa.Column("well_id", sa.Integer, primary_key=True),
    sa.Column(
        "analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False, index=True
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("well", sa.Text, nullable=True),
    sa.Column("sample", sa.Text, nullable=True),
    sa.Column("target", sa.Text, nullable=True),
    sa.Column("reaction", sa.Text, nullable=True),
    sa.Column("role", sa.Text, nullable=True),
    sa.Column("ct", sa.Float, nullable=True),
    sa.Column("amplification", sa.Text, nullable=True),
    sa.Column("omitted", sa.Boolean, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

CALLS = sa.Table(
    "calls",
    METADATA,
    sa.Column("call_id", sa.Integer, primary_key=True),
    sa.Column(
        "analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False, index=True
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sample", sa.Text, nullable=False),
    sa.Column("call", sa.Text, nullable=False),
    sa.Column("deletions", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.UniqueConstraint("analysis_id", "sample"),
)

REVIEWS = sa.Table(
    "reviews",
    METADATA,
    sa.Column("review_id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False, index=True),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
    sa.Column("sample", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # review | amendment
    sa.Column("call", sa.Text, nullable=False),
    sa.Column("deletions", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("db_user", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.UniqueConstraint("analysis_id", "sample", "version"),
)

SIGNOFFS = sa.Table(
    "signoffs",
    METADATA,
    sa.Column("signoff_id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False, unique=True),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("db_user", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("head_hash", sa.Text, nullable=False),
)

AUDIT = sa.Table(
    "audit",
    METADATA,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("db_user", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("run_id", sa.Integer, nullable=True),
    sa.Column("sample", sa.Text, nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
)

SETTINGS = sa.Table(
    "settings",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)
