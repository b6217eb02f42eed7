"""Recovery channels: trusted-contact approval requests (one per contact per case).

Revision ID: 0008
Revises: 0007
Created: 2026-12-01

A new owner table only: ``user_id`` leads its primary key, its unique constraint and its
foreign key to ``recovery_cases``. The contact is a plain column: ``users`` is being
re-keyed, so no foreign key points at it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recovery_approvals',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=40), nullable=False),
    sa.Column('contact_user_id', sa.String(length=40), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('requested_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_at', walletguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('voided_at', walletguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id', 'case_id'], ['recovery_cases.user_id', 'recovery_cases.id'], name=op.f('fk_recovery_approvals_user_id_recovery_cases')),
    sa.PrimaryKeyConstraint('user_id', 'id', name=op.f('pk_recovery_approvals')),
    sa.UniqueConstraint('user_id', 'case_id', 'contact_user_id', name=op.f('uq_recovery_approvals_user_id'))
    )
    with op.batch_alter_table('recovery_approvals', schema=None) as batch_op:
        batch_op.create_index('ix_recovery_approvals_token', ['token_digest'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recovery_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_recovery_approvals_token')

    op.drop_table('recovery_approvals')
