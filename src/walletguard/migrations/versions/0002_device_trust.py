"""Device trust: devices and sessions are trusted or untrusted; step-up challenges.

Revision ID: 0002
Revises: 0001
Created: 2026-12-01

Before this revision every logged-in device acted as the owner. Upgrading keeps that
promise only where it is safe: for each owner, the active device seen first becomes
``trusted`` (``trusted_via = 'first_device'``) with its live sessions; every other device
and session starts untrusted and earns trust through ``/v1/challenges``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_challenges",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", walletguard.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=True),
        sa.Column("fingerprint_digest", sa.String(length=64), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", walletguard.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("codes_sent", sa.Integer(), nullable=False),
        sa.Column("code_submissions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_device_challenges_device_id_devices")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_device_challenges_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_device_challenges")),
    )
    op.create_index("ix_device_challenges_pending", "device_challenges",
                    ["user_id", "status", "expires_at"], unique=False)

    # New NOT NULL columns arrive with a server default so rows already there get a value;
    # the default is dropped afterwards (the application always writes the column).
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trust", sa.String(length=20), nullable=False,
                                      server_default="untrusted"))
        batch_op.add_column(sa.Column("trusted_at", walletguard.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("trusted_via", sa.String(length=40), nullable=True))
    with op.batch_alter_table("device_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trusted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("challenge_id", sa.String(length=40), nullable=True))

    # Each owner's first active device is trusted, with its live sessions.
    op.execute(
        "UPDATE devices SET trust = 'trusted', trusted_via = 'first_device', "
        "trusted_at = first_seen_at "
        "WHERE status = 'active' AND id IN ("
        " SELECT d.id FROM devices d WHERE d.status = 'active' AND NOT EXISTS ("
        "  SELECT 1 FROM devices e WHERE e.user_id = d.user_id AND e.status = 'active'"
        "  AND (e.first_seen_at < d.first_seen_at"
        "       OR (e.first_seen_at = d.first_seen_at AND e.id < d.id))))")
    sessions = sa.table("device_sessions", sa.column("trusted", sa.Boolean()),
                        sa.column("revoked_at"), sa.column("device_id"))
    devices = sa.table("devices", sa.column("id"), sa.column("trust"))
    op.execute(
        sessions.update()
        .where(sessions.c.revoked_at.is_(None),
               sessions.c.device_id.in_(sa.select(devices.c.id)
                                        .where(devices.c.trust == "trusted")))
        .values(trusted=True))

    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.alter_column("trust", server_default=None, existing_type=sa.String(20),
                              existing_nullable=False)
    with op.batch_alter_table("device_sessions", schema=None) as batch_op:
        batch_op.alter_column("trusted", server_default=None, existing_type=sa.Boolean(),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("trusted_via")
        batch_op.drop_column("trusted_at")
        batch_op.drop_column("trust")
    with op.batch_alter_table("device_sessions", schema=None) as batch_op:
        batch_op.drop_column("challenge_id")
        batch_op.drop_column("trusted")
    op.drop_index("ix_device_challenges_pending", table_name="device_challenges")
    op.drop_table("device_challenges")
