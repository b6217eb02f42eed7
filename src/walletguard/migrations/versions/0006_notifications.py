"""Notifications: outbox delivery state, inbox, partners and acknowledgements, police
reports, disputes and claims.

Revision ID: 0006
Revises: 0005
Created: 2026-12-01

The outbox keeps every existing row as it was: the new columns are nullable, so a row
written before this revision is pending with no back-off (delivered by the first worker).
New owner tables carry ``user_id`` (NOT NULL) first in their primary key, so they can be
distributed by owner; they refer to ``users.id`` only (``incidents`` has no
``(user_id, id)`` key yet to point a composite foreign key at).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=False),
    sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_partners')),
    )
    op.create_table('claims',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.String(length=40), nullable=False),
    sa.Column('insurer_type', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('opened_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_claims_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'id', name=op.f('pk_claims'))
    )
    op.create_table('disputes',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.String(length=40), nullable=False),
    sa.Column('transfer_id', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('opened_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', walletguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disputes_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('user_id', 'transfer_id', name=op.f('uq_disputes_user_id'))
    )
    op.create_table('inbox_messages',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', walletguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inbox_messages_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'outbox_id', name=op.f('pk_inbox_messages'))
    )
    op.create_table('notification_settings',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('email_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('partner_acknowledgements',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.String(length=40), nullable=False),
    sa.Column('partner_key', sa.String(length=40), nullable=False),
    sa.Column('acknowledged_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['partner_key'], ['partners.key'], name=op.f('fk_partner_acknowledgements_partner_key_partners')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_partner_acknowledgements_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'incident_id', 'partner_key', name=op.f('pk_partner_acknowledgements'))
    )
    op.create_table('police_reports',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.String(length=40), nullable=False),
    sa.Column('report_number', sa.String(length=60), nullable=False),
    sa.Column('station', sa.String(length=200), nullable=True),
    sa.Column('reported_on', walletguard.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', walletguard.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_police_reports_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'incident_id', name=op.f('pk_police_reports'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', walletguard.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('leased_until', walletguard.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dead_at', walletguard.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_dedupe_key'), ['dedupe_key'])



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('last_error')
        batch_op.drop_column('dead_at')
        batch_op.drop_column('leased_until')
        batch_op.drop_column('next_attempt_at')

    op.drop_table('police_reports')
    op.drop_table('partner_acknowledgements')
    op.drop_table('notification_settings')
    op.drop_table('inbox_messages')
    op.drop_table('disputes')
    op.drop_table('claims')
    op.drop_table('partners')
