"""Risk engine: the owner's risk state moves onto the wallet row.

Revision ID: 0012
Revises: 0011
Created: 2026-12-01

Every event the engine judges is judged under the owner's wallet lock, and the payment
reads and writes that row anyway: kept there, the state costs the payment no statement
(it was two: the profile's read and its write). ADR 0009.

``wallets`` gains ``risk_state`` (the state as JSON; NULL before the owner's first
judged event) and ``risk_clean_allows`` (0 for a new row). Each ``risk_profiles`` row is
copied onto its owner's wallet (both columns, by ``user_id``), then ``risk_profiles`` is
dropped. A profile whose owner has no wallet (none is made by the use cases) would be
lost: the upgrade refuses to run rather than drop it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    orphans = conn.execute(sa.text(
        "SELECT count(*) FROM risk_profiles p WHERE NOT EXISTS "
        "(SELECT 1 FROM wallets w WHERE w.user_id = p.user_id)")).scalar_one()
    if orphans:
        raise RuntimeError(f"{orphans} risk profiles belong to owners without a wallet; "
                           "they would be lost: resolve them before upgrading")
    op.add_column("wallets", sa.Column("risk_state", sa.JSON(), nullable=True))
    op.add_column("wallets", sa.Column("risk_clean_allows", sa.Integer(), nullable=False,
                                       server_default="0"))
    conn.execute(sa.text(
        "UPDATE wallets SET "
        "risk_state = (SELECT p.state FROM risk_profiles p WHERE p.user_id = wallets.user_id), "
        "risk_clean_allows = (SELECT p.clean_allows FROM risk_profiles p "
        "                     WHERE p.user_id = wallets.user_id) "
        "WHERE EXISTS (SELECT 1 FROM risk_profiles p WHERE p.user_id = wallets.user_id)"))
    op.drop_table("risk_profiles")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO risk_profiles (user_id, state, clean_allows, updated_at) "
        "SELECT user_id, risk_state, risk_clean_allows, updated_at FROM wallets "
        "WHERE risk_state IS NOT NULL")
    with op.batch_alter_table("wallets") as batch:
        batch.drop_column("risk_clean_allows")
        batch.drop_column("risk_state")
