"""Recovery: cases, their evidence and per-channel counts, and emergency payment codes.

Revision ID: 0005
Revises: 0004
Created: 2026-12-01

The revision only creates tables, so its place in the chain changes nothing it does. Every table is an owner table: ``user_id`` is NOT NULL and leads each primary key,
unique constraint and reference to another owner table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = walletguard.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recovery_cases",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("required_assurance", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("risk", sa.JSON(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("device_name", sa.String(length=100), nullable=True),
        sa.Column("device_platform", sa.String(length=20), nullable=True),
        sa.Column("fingerprint_digest", sa.String(length=64), nullable=True),
        sa.Column("delay_until", _TS, nullable=True),
        sa.Column("completed_at", _TS, nullable=True),
        sa.Column("cancelled_at", _TS, nullable=True),
        sa.Column("cancelled_by", sa.String(length=80), nullable=True),
        sa.Column("opened_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_recovery_cases_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_recovery_cases")),
    )
    op.create_index("ix_recovery_cases_id", "recovery_cases", ["id"], unique=False)
    op.create_table(
        "recovery_evidence",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("strength", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id", "case_id"],
                                ["recovery_cases.user_id", "recovery_cases.id"],
                                name=op.f("fk_recovery_evidence_user_id_recovery_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_recovery_evidence_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_recovery_evidence")),
        sa.UniqueConstraint("user_id", "case_id", "channel",
                            name=op.f("uq_recovery_evidence_user_id")),
    )
    op.create_table(
        "recovery_channel_states",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id", "case_id"],
                                ["recovery_cases.user_id", "recovery_cases.id"],
                                name=op.f("fk_recovery_channel_states_user_id_recovery_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_recovery_channel_states_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "case_id", "channel",
                                name=op.f("pk_recovery_channel_states")),
    )
    op.create_table(
        "emergency_codes",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("limit_minor", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("used_for", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_emergency_codes_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_emergency_codes")),
        sa.UniqueConstraint("user_id", "code_digest", name=op.f("uq_emergency_codes_user_id")),
    )


def downgrade() -> None:
    op.drop_table("emergency_codes")
    op.drop_table("recovery_channel_states")
    op.drop_table("recovery_evidence")
    op.drop_index("ix_recovery_cases_id", table_name="recovery_cases")
    op.drop_table("recovery_cases")
