"""Report events: every state change with who, when and the answer to the reporter.

Reports filed before this revision get their filing event ("new", by the reporter, at the time
the report was made), so every report's history starts the same way; one already moved on gets
a second event to its current state at its last change, by "migration 0002" (who made that change
was not recorded before).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATES = "'new', 'verified', 'dispatched', 'resolved', 'rejected'"


def upgrade() -> None:
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(500), nullable=True),
        sa.CheckConstraint(f"to_state IN ({STATES})", name="ck_report_events_state"),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])
    op.execute(
        "INSERT INTO report_events (report_id, from_state, to_state, actor, at, answer) "
        "SELECT id, NULL, 'new', NULL, created_at, NULL FROM reports ORDER BY id"
    )
    op.execute(
        "INSERT INTO report_events (report_id, from_state, to_state, actor, at, answer) "
        "SELECT id, 'new', state, 'migration 0002', updated_at, NULL FROM reports WHERE state <> 'new' ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("report_events")
