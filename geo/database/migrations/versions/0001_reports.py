"""Reports table: hazards at a place and station feedback, with their current state.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KINDS = "'hazard', 'station'"
STATES = "'new', 'verified', 'dispatched', 'resolved', 'rejected'"


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("amenity", sa.String(32), nullable=True),
        sa.Column("station_id", sa.String(40), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("photo", sa.String(80), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="ck_reports_kind"),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_reports_state"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_reports_lonlat"),
        sa.UniqueConstraint("reference", name="uq_reports_reference"),
        sa.UniqueConstraint("submission_key", name="uq_reports_submission_key"),
    )
    op.create_index("ix_reports_station_id", "reports", ["station_id"])
    op.create_index("ix_reports_state", "reports", ["state"])
    op.create_index("ix_reports_created_at", "reports", ["created_at"])


def downgrade() -> None:
    op.drop_table("reports")
