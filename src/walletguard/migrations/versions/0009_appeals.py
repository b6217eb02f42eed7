"""Recovery appeals (maker-checker) and recovery-channel changes in their cooling-off.

Revision ID: 0009
Revises: 0008
Created: 2026-12-01

The revision only creates tables. Both are owner tables: ``user_id`` is NOT NULL and
leads each primary key and unique constraint; ``recovery_appeals`` refers to its case
with the owner's id. Neither refers to ``users`` (being re-keyed by another revision):
the owner's id is a plain column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TS = walletguard.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recovery_appeals",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("submitted_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("recommended_by", sa.String(length=80), nullable=True),
        sa.Column("recommended_at", _TS, nullable=True),
        sa.Column("recommend_note", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id", "case_id"], ["recovery_cases.user_id", "recovery_cases.id"],
            name=op.f("fk_recovery_appeals_user_id_recovery_cases")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_recovery_appeals")),
        sa.UniqueConstraint("user_id", "case_id",
                            name=op.f("uq_recovery_appeals_user_id")),
    )
    op.create_index("ix_recovery_appeals_id", "recovery_appeals", ["id"], unique=False)
    op.create_index("ix_recovery_appeals_queue", "recovery_appeals", ["status", "due_at"],
                    unique=False)
    op.create_table(
        "recovery_channel_changes",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payload_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("effective_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_recovery_channel_changes")),
    )
    op.create_index("ix_recovery_channel_changes_due", "recovery_channel_changes",
                    ["status", "effective_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recovery_channel_changes_due", table_name="recovery_channel_changes")
    op.drop_table("recovery_channel_changes")
    op.drop_index("ix_recovery_appeals_queue", table_name="recovery_appeals")
    op.drop_index("ix_recovery_appeals_id", table_name="recovery_appeals")
    op.drop_table("recovery_appeals")
