"""Risk engine: step-ups bound to the operation that asked for them, and the brake's
per-worker counts (so the deny rate it judges is every worker's).

Revision ID: 0011
Revises: 0009
Created: 2026-12-01

New tables only: no existing row is read or rewritten, so a database holding data
upgrades unchanged. ``risk_step_ups`` is owner-sharded (``user_id`` NOT NULL, first in the
primary key; the challenge id sits beside it as a plain column: no foreign key to the
tables of the first two revisions, which are being re-keyed). ``risk_brake_counts`` is a
lookup table keyed by ``slice:worker`` and refers to no table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_step_ups",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("challenge_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("payee", sa.String(length=80), nullable=True),
        sa.Column("created_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", walletguard.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "challenge_id", name=op.f("pk_risk_step_ups")),
    )
    op.create_table(
        "risk_brake_counts",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("slice_start", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=40), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Integer(), nullable=False),
        sa.Column("updated_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_risk_brake_counts")),
    )
    op.create_index("ix_risk_brake_counts_slice", "risk_brake_counts", ["slice_start"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_risk_brake_counts_slice", table_name="risk_brake_counts")
    op.drop_table("risk_brake_counts")
    op.drop_table("risk_step_ups")
