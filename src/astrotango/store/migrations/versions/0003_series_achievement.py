"""What each run of a monitoring series achieved: its tasks completed of its tasks, and why it
failed (before, only the outcome was kept; the numbers lived in a reset's reason text).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("series_history") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("tasks_completed", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("tasks", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("series_history") as batch:
        batch.drop_column("tasks")
        batch.drop_column("tasks_completed")
        batch.drop_column("reason")
