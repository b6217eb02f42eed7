"""Risk engine: each owner's risk state, the decisions rules had a say in, and candidate
risk policies (shadow mode, maker-checker).

Revision ID: 0004
Revises: 0002 (there is no 0003: the revision that widens the keys of existing tables
for distribution, written beside this one, has not landed). The new owner tables already
follow the distribution rule (``user_id NOT NULL``, in the primary key, and the only
foreign key is ``user_id`` → ``users``).
Created: 2026-12-01

New tables only: no existing row is read or rewritten, so a database holding data
upgrades unchanged (the owners' state starts empty and is learnt from their next events).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_profiles",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("clean_allows", sa.Integer(), nullable=False),
        sa.Column("updated_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_risk_profiles_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_risk_profiles")),
    )
    op.create_table(
        "risk_decisions",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("sensitivity", sa.String(length=10), nullable=False),
        sa.Column("braked", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("shadow_outcome", sa.String(length=10), nullable=True),
        sa.Column("shadow_score", sa.Float(), nullable=True),
        sa.Column("shadow_rules", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_risk_decisions_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_risk_decisions")),
    )
    op.create_index("ix_risk_decisions_user_at", "risk_decisions", ["user_id", "at"],
                    unique=False)
    op.create_index("ix_risk_decisions_at", "risk_decisions", ["at"], unique=False)
    op.create_table(
        "risk_policy_changes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("candidate", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_by", sa.String(length=80), nullable=False),
        sa.Column("proposed_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", walletguard.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_policy_changes")),
    )
    op.create_index("ix_risk_policy_changes_status", "risk_policy_changes", ["status"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_risk_policy_changes_status", table_name="risk_policy_changes")
    op.drop_table("risk_policy_changes")
    op.drop_index("ix_risk_decisions_at", table_name="risk_decisions")
    op.drop_index("ix_risk_decisions_user_at", table_name="risk_decisions")
    op.drop_table("risk_decisions")
    op.drop_table("risk_profiles")
