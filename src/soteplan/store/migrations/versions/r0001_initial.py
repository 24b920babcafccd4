"""Initial schema: runs and their result tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``soteplan_runs`` and ``soteplan_run_tables``."""
    op.create_table(
        "soteplan_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("soteplan_version", sa.String(40), nullable=False),
        sa.Column("spec_yaml", sa.Text(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("n_tables", sa.Integer(), nullable=False),
    )
    op.create_index("ix_soteplan_runs_name", "soteplan_runs", ["name"])
    op.create_table(
        "soteplan_run_tables",
        sa.Column(
            "run_id",
            sa.String(36),
            sa.ForeignKey("soteplan_runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("dtypes", sa.JSON(), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("soteplan_run_tables")
    op.drop_index("ix_soteplan_runs_name", table_name="soteplan_runs")
    op.drop_table("soteplan_runs")
