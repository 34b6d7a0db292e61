"""Lab settings (audited) and the QC flag of each run.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.qc_flag`` and the ``settings`` table."""
    op.add_column("runs", sa.Column("qc_flag", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "settings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Not supported: a registry is never downgraded (restore a backup instead)."""
    raise NotImplementedError("a registry is never downgraded: restore a backup instead")
