"""Whose place a report carries: the reporter's tap, or the station's register position.

Station feedback may now carry the place where the reporter says the station really is. Reports
filed before this revision keep their place and are marked as before: hazards by the reporter,
station feedback at the station's register position.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHECK = "place_source IN ('reporter', 'register')"


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # SQLite adds a CHECK constraint only with the column (or by rebuilding the table)
        op.execute("ALTER TABLE reports ADD COLUMN place_source VARCHAR(16) DEFAULT 'reporter' NOT NULL "
                   f"CONSTRAINT ck_reports_place_source CHECK ({CHECK})")
    else:
        op.add_column("reports", sa.Column("place_source", sa.String(16), nullable=False, server_default="reporter"))
        op.create_check_constraint("ck_reports_place_source", "reports", CHECK)
    op.execute("UPDATE reports SET place_source = 'register' WHERE kind = 'station'")


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint("ck_reports_place_source", "reports", type_="check")
    op.drop_column("reports", "place_source")
