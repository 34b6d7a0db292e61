"""The initial registry: marker, runs and their files, analyses, wells, calls, reviews,
sign-offs and the audit trail, with the database-level guards (append-only tables, no change
to a released run's calls).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

# The guards, as literal DDL (no SQL is built by formatting): the tables audit, run_files,
# analyses, wells, calls, reviews and signoffs are append-only; a run is never deleted and its
# identity columns (run_id, run_sha256, file, format, instrument, run_date, imported_at,
# imported_by, db_user) never change; its status moves draft -> released only; a released
# run takes no new review and no new analysis.
SQLITE_GUARDS = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table audit is append-only (update refused)'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table audit is append-only (delete refused)'); END""",
    """CREATE TRIGGER run_files_no_update BEFORE UPDATE ON run_files BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table run_files is append-only (update refused)'); END""",
    """CREATE TRIGGER run_files_no_delete BEFORE DELETE ON run_files BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table run_files is append-only (delete refused)'); END""",
    """CREATE TRIGGER analyses_no_update BEFORE UPDATE ON analyses BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table analyses is append-only (update refused)'); END""",
    """CREATE TRIGGER analyses_no_delete BEFORE DELETE ON analyses BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table analyses is append-only (delete refused)'); END""",
    """CREATE TRIGGER wells_no_update BEFORE UPDATE ON wells BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table wells is append-only (update refused)'); END""",
    """CREATE TRIGGER wells_no_delete BEFORE DELETE ON wells BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table wells is append-only (delete refused)'); END""",
    """CREATE TRIGGER calls_no_update BEFORE UPDATE ON calls BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table calls is append-only (update refused)'); END""",
    """CREATE TRIGGER calls_no_delete BEFORE DELETE ON calls BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table calls is append-only (delete refused)'); END""",
    """CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table reviews is append-only (update refused)'); END""",
    """CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table reviews is append-only (delete refused)'); END""",
    """CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON signoffs BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table signoffs is append-only (update refused)'); END""",
    """CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON signoffs BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: table signoffs is append-only (delete refused)'); END""",
    """CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: runs cannot be deleted'); END""",
    """CREATE TRIGGER runs_frozen BEFORE UPDATE ON runs WHEN NEW.run_id IS NOT OLD.run_id OR
NEW.run_sha256 IS NOT OLD.run_sha256 OR NEW.file IS NOT OLD.file OR NEW.format IS NOT
OLD.format OR NEW.instrument IS NOT OLD.instrument OR NEW.run_date IS NOT OLD.run_date
OR NEW.imported_at IS NOT OLD.imported_at OR NEW.imported_by IS NOT OLD.imported_by OR
NEW.db_user IS NOT OLD.db_user OR (OLD.status = 'released' AND NEW.status IS NOT
'released') BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: a run''s identity and release cannot change'); END""",
    """CREATE TRIGGER reviews_released BEFORE INSERT ON reviews WHEN NEW.kind = 'review' AND
(SELECT status FROM runs WHERE run_id = NEW.run_id) = 'released' BEGIN SELECT
RAISE(ABORT, 'ikzf1assay registry: the run is released: use amend'); END""",
    """CREATE TRIGGER analyses_released BEFORE INSERT ON analyses WHEN (SELECT status FROM runs
WHERE run_id = NEW.run_id) = 'released' BEGIN SELECT RAISE(ABORT,
'ikzf1assay registry: the run is released: its calls cannot change'); END""",
]

POSTGRES_GUARDS = [
    """CREATE FUNCTION ikzf1assay_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ikzf1assay registry: table % is append-only (% refused)',
TG_TABLE_NAME,
    lower(TG_OP);
END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER run_files_append_only BEFORE UPDATE OR DELETE ON run_files FOR EACH ROW
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER analyses_append_only BEFORE UPDATE OR DELETE ON analyses FOR EACH ROW
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER wells_append_only BEFORE UPDATE OR DELETE ON wells FOR EACH ROW EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER calls_append_only BEFORE UPDATE OR DELETE ON calls FOR EACH ROW EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews FOR EACH ROW
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER signoffs_append_only BEFORE UPDATE OR DELETE ON signoffs FOR EACH ROW
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER run_files_no_truncate BEFORE TRUNCATE ON run_files FOR EACH STATEMENT
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER analyses_no_truncate BEFORE TRUNCATE ON analyses FOR EACH STATEMENT
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER wells_no_truncate BEFORE TRUNCATE ON wells FOR EACH STATEMENT EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER calls_no_truncate BEFORE TRUNCATE ON calls FOR EACH STATEMENT EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews FOR EACH STATEMENT EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER signoffs_no_truncate BEFORE TRUNCATE ON signoffs FOR EACH STATEMENT
EXECUTE FUNCTION ikzf1assay_append_only()""",
    """CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON runs FOR EACH STATEMENT EXECUTE
FUNCTION ikzf1assay_append_only()""",
    """CREATE FUNCTION ikzf1assay_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ikzf1assay registry: runs cannot be deleted';
  END IF;
  IF NEW.run_id IS DISTINCT FROM OLD.run_id OR NEW.run_sha256 IS DISTINCT FROM
OLD.run_sha256 OR NEW.file IS DISTINCT FROM OLD.file OR NEW.format IS DISTINCT FROM
OLD.format OR NEW.instrument IS DISTINCT FROM OLD.instrument OR NEW.run_date IS DISTINCT
FROM OLD.run_date OR NEW.imported_at IS DISTINCT FROM OLD.imported_at OR NEW.imported_by
IS DISTINCT FROM OLD.imported_by OR NEW.db_user IS DISTINCT FROM OLD.db_user OR
(OLD.status = 'released' AND NEW.status IS DISTINCT FROM 'released') THEN
    RAISE EXCEPTION 'ikzf1assay registry: a run''s identity and release cannot change';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER runs_guard BEFORE UPDATE OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION
ikzf1assay_runs_guard()""",
    """CREATE FUNCTION ikzf1assay_released_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'review' AND (SELECT status FROM runs WHERE run_id = NEW.run_id) =
'released'
  THEN
    RAISE EXCEPTION 'ikzf1assay registry: the run is released: use amend';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE FUNCTION ikzf1assay_released_analysis() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT status FROM runs WHERE run_id = NEW.run_id) = 'released' THEN
    RAISE EXCEPTION 'ikzf1assay registry: the run is released: its calls cannot change';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER reviews_released BEFORE INSERT ON reviews FOR EACH ROW EXECUTE FUNCTION
ikzf1assay_released_review()""",
    """CREATE TRIGGER analyses_released BEFORE INSERT ON analyses FOR EACH ROW EXECUTE FUNCTION
ikzf1assay_released_analysis()""",
]


def upgrade() -> None:
    """Create the tables and guards of schema 0001."""
    op.create_table(
        "ikzf1assay_registry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("app", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_with", sa.Text, nullable=False),
    )
    op.create_table(
        "runs",
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
        sa.CheckConstraint("status IN ('draft', 'released')", name="runs_status"),
    )
    op.create_table(
        "run_files",
        sa.Column("file_id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("compression", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_run_files_run_id", "run_files", ["run_id"])
    op.create_table(
        "analyses",
        sa.Column("analysis_id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("analysis_sha256", sa.Text, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("assay_sha256", sa.Text, nullable=False),
        sa.Column("package_version", sa.Text, nullable=False),
        sa.Column("provenance", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("db_user", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", "analysis_sha256", name="uq_analyses_identity"),
    )
    op.create_index("ix_analyses_run_id", "analyses", ["run_id"])
    op.create_table(
        "wells",
        sa.Column("well_id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
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
    op.create_index("ix_wells_analysis_id", "wells", ["analysis_id"])
    op.create_table(
        "calls",
        sa.Column("call_id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("sample", sa.Text, nullable=False),
        sa.Column("call", sa.Text, nullable=False),
        sa.Column("deletions", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.UniqueConstraint("analysis_id", "sample", name="uq_calls_sample"),
    )
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
        sa.Column("sample", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("call", sa.Text, nullable=False),
        sa.Column("deletions", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("db_user", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.UniqueConstraint("analysis_id", "sample", "version", name="uq_reviews_version"),
        sa.CheckConstraint("kind IN ('review', 'amendment')", name="reviews_kind"),
    )
    op.create_index("ix_reviews_run_id", "reviews", ["run_id"])
    op.create_table(
        "signoffs",
        sa.Column("signoff_id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("analysis_id", sa.Integer, sa.ForeignKey("analyses.analysis_id"), nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("db_user", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("head_hash", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", name="uq_signoffs_run"),
    )
    op.create_table(
        "audit",
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
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    """Not supported: a registry is never downgraded (restore a backup instead)."""
    raise NotImplementedError("a registry is never downgraded: restore a backup instead")
