"""Initial schema: observations, tasks, transitions, assignment history, assets, snapshots, series.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OBSERVATION_STATUSES = (
    "'pending', 'assigned', 'in_progress', 'acquisition_complete', 'suspended', "
    "'completed', 'failed', 'aborted'"
)
TASK_STATUSES = "'pending', 'scheduled', 'running', 'completed', 'failed', 'canceled'"


def _id() -> sa.String:
    return sa.String(length=200)


def _name() -> sa.String:
    return sa.String(length=200)


def _status() -> sa.String:
    return sa.String(length=32)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", _name(), nullable=False),
        sa.Column("owner", _name(), nullable=False),
        sa.Column("queue", _name(), nullable=False),
        sa.Column("status", _status(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("window_start", _utc(), nullable=False),
        sa.Column("window_end", _utc(), nullable=False),
        sa.Column("cancel_on", _utc(), nullable=True),
        sa.Column("is_monitoring", sa.Boolean(), nullable=False),
        sa.Column("cadence_next_eligible", _utc(), nullable=True),
        sa.Column("series_count", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stale_flag", sa.Boolean(), nullable=False),
        sa.Column("warned_at", _utc(), nullable=True),
        sa.CheckConstraint(f"status IN ({OBSERVATION_STATUSES})", name="ck_observations_status"),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="ck_observations_progress"),
        sa.PrimaryKeyConstraint("id", name="pk_observations"),
    )
    op.create_index("ix_observations_status_created", "observations", ["status", "created_at"])
    op.create_index("ix_observations_queue_status", "observations", ["queue", "status"])
    op.create_index("ix_observations_window", "observations", ["window_start", "window_end"])

    op.create_table(
        "tasks",
        sa.Column("id", _id(), nullable=False),
        sa.Column("observation_id", _id(), nullable=False),
        sa.Column("request_index", sa.Integer(), nullable=False),
        sa.Column("type", _status(), nullable=False),
        sa.Column("status", _status(), nullable=False),
        sa.Column("telescope", _name(), nullable=True),
        sa.Column("instrument", _name(), nullable=True),
        sa.Column("sync_group", _id(), nullable=True),
        sa.Column("planned_start", _utc(), nullable=True),
        sa.Column("window_start", _utc(), nullable=False),
        sa.Column("window_end", _utc(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fencing_token", sa.Integer(), nullable=False),
        sa.Column("claimed_by", _name(), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.CheckConstraint(f"status IN ({TASK_STATUSES})", name="ck_tasks_status"),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="ck_tasks_progress"),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name="fk_tasks_observation_id_observations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_observation_id", "tasks", ["observation_id"])
    op.create_index("ix_tasks_status_window", "tasks", ["status", "window_start", "id"])
    op.create_index("ix_tasks_telescope_status", "tasks", ["telescope", "status"])
    op.create_index("ix_tasks_window", "tasks", ["window_start", "window_end"])
    op.create_index("ix_tasks_sync_group", "tasks", ["sync_group"])

    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_kind", _status(), nullable=False),
        sa.Column("entity_id", _id(), nullable=False),
        sa.Column("from_status", _status(), nullable=True),
        sa.Column("to_status", _status(), nullable=False),
        sa.Column("actor", _name(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.CheckConstraint(
            "entity_kind IN ('observation', 'task')", name="ck_transitions_entity_kind"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transitions"),
    )
    op.create_index("ix_transitions_entity", "transitions", ["entity_id", "id"])

    op.create_table(
        "assignment_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", _id(), nullable=False),
        sa.Column("from_telescope", _name(), nullable=True),
        sa.Column("from_instrument", _name(), nullable=True),
        sa.Column("to_telescope", _name(), nullable=True),
        sa.Column("to_instrument", _name(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_assignment_history_task_id_tasks"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assignment_history"),
    )
    op.create_index("ix_assignment_history_task", "assignment_history", ["task_id", "id"])

    op.create_table(
        "assets",
        sa.Column("id", _id(), nullable=False),
        sa.Column("observation_id", _id(), nullable=False),
        sa.Column("task_id", _id(), nullable=True),
        sa.Column("kind", _name(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("task_info", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"], ["observations.id"], name="fk_assets_observation_id_observations"
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_assets_task_id_tasks"),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
    )
    op.create_index("ix_assets_observation", "assets", ["observation_id", "created_at"])
    op.create_index("ix_assets_task", "assets", ["task_id", "created_at"])

    op.create_table(
        "constraint_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("constraint_name", _name(), nullable=False),
        sa.Column("timestamp", _utc(), nullable=False),
        sa.Column("is_ok", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_constraint_snapshots"),
    )
    op.create_index(
        "ix_constraint_snapshots_series", "constraint_snapshots", ["constraint_name", "timestamp"]
    )

    op.create_table(
        "series_history",
        sa.Column("observation_id", _id(), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("outcome", _status(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("next_eligible", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name="fk_series_history_observation_id_observations",
        ),
        sa.PrimaryKeyConstraint("observation_id", "run", name="pk_series_history"),
    )


def downgrade() -> None:
    for table in (
        "series_history",
        "constraint_snapshots",
        "assets",
        "assignment_history",
        "transitions",
        "tasks",
        "observations",
    ):
        op.drop_table(table)
