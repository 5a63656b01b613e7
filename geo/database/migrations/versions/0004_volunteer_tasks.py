"""Volunteer tasks (居民点单、党组织派单、新就业群体接单、评单): accounts of dispatchers and
volunteers, phones that stay signed in, invitations, tasks and their state changes.

The tables are new: nothing stored before changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CATEGORIES = "'meal', 'medicine', 'shopping', 'company', 'ride', 'repair', 'other'"
STATES = "'new', 'dispatched', 'taken', 'done', 'rated', 'cancelled'"
PLACE_SOURCES = "'map', 'phone', 'community'"
ROLES = "'resident', 'dispatcher', 'volunteer', 'staff', 'system'"
REASONS = ("'cannot_make_it', 'cannot_reach', 'duplicate', 'no_volunteer', 'not_a_volunteer_task', 'other', "
           "'resident_withdrew'")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "task_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("shown_name", sa.String(12), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.CheckConstraint("role IN ('dispatcher', 'volunteer')", name="ck_task_accounts_role"),
        sa.UniqueConstraint("name", name="uq_task_accounts_name"),
    )
    op.create_index("ix_task_accounts_community_code", "task_accounts", ["community_code"])
    op.create_table(
        "task_sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("task_accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        sa.UniqueConstraint("token_hash", name="uq_task_sign_ins_token_hash"),
    )
    op.create_index("ix_task_sign_ins_account_id", "task_sign_ins", ["account_id"])
    op.create_table(
        "task_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        _time("expires_at"),
        _time("created_at"),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.CheckConstraint("uses_left >= 0", name="ck_task_invitations_uses"),
        sa.UniqueConstraint("code_hash", name="uq_task_invitations_code_hash"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("place_source", sa.String(16), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("area_lon", sa.Float(), nullable=True),
        sa.Column("area_lat", sa.Float(), nullable=True),
        _time("window_start"),
        _time("window_end"),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("contact", sa.String(40), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("offered_to", sa.Integer(), sa.ForeignKey("task_accounts.id"), nullable=True),
        sa.Column("taken_by", sa.Integer(), sa.ForeignKey("task_accounts.id"), nullable=True),
        sa.Column("done_note", sa.String(200), nullable=True),
        sa.Column("done_photo", sa.String(80), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("rating_words", sa.String(100), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("bonus_points", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(24), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _time("taken_at", True),
        _time("done_at", True),
        _time("rated_at", True),
        _time("ended_at", True),
        _time("purged_at", True),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name="ck_tasks_category"),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_tasks_state"),
        sa.CheckConstraint(f"place_source IN ({PLACE_SOURCES})", name="ck_tasks_place_source"),
        sa.CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name="ck_tasks_stars"),
        sa.CheckConstraint("window_end > window_start", name="ck_tasks_window"),
        sa.UniqueConstraint("code", name="uq_tasks_code"),
        sa.UniqueConstraint("submission_key", name="uq_tasks_submission_key"),
    )
    op.create_index("ix_tasks_community_code", "tasks", ["community_code"])
    op.create_index("ix_tasks_state", "tasks", ["state"])
    op.create_index("ix_tasks_taken_by", "tasks", ["taken_by"])
    op.create_index("ix_tasks_created_at", "tasks", ["created_at"])
    op.create_index("ix_tasks_done_at", "tasks", ["done_at"])
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("task_accounts.id"), nullable=True),
        sa.Column("actor_name", sa.String(80), nullable=True),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("task_accounts.id"), nullable=True),
        sa.Column("reason", sa.String(24), nullable=True),
        _time("at"),
        sa.CheckConstraint(f"to_state IN ({STATES})", name="ck_task_events_state"),
        sa.CheckConstraint(f"actor_role IN ({ROLES})", name="ck_task_events_role"),
        sa.CheckConstraint(f"reason IS NULL OR reason IN ({REASONS})", name="ck_task_events_reason"),
    )
    op.create_index("ix_task_events_task_id", "task_events", ["task_id"])


def downgrade() -> None:
    op.drop_table("task_events")
    op.drop_table("tasks")
    op.drop_table("task_invitations")
    op.drop_table("task_sign_ins")
    op.drop_table("task_accounts")
