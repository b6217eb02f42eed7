"""Owner keys: every table of revisions 0001-0002 follows the distribution rule.

Revision ID: 0007
Revises: 0006
Created: 2026-12-01

What changes, data kept (``walletguard.distribution``, docs/scaling.md):

* primary keys become ``(user_id, id)`` (audit events: ``(chain_id, id)``), and the
  foreign keys between owner tables carry ``user_id``;
* ``user_id`` is added and back-filled on ledger entries, incident events, checklist
  items, idempotency records and ledger accounts; outbox rows and ledger transfers about
  no owner get ``system``;
* global uniques become per owner (session token digests, biometric credential ids,
  wallet accounts, idempotency keys, outbox dedupe keys); the phone's uniqueness moves
  to the lookup table ``phone_claims``;
* a trusted contact is another owner's row: its foreign key goes (the column stays);
  merchants (a reference table) and ledger entries no longer have a foreign key to
  ledger accounts, whose shared rows live on their own key (ADR 0008);
* a self-reference to another owner's row (a refund of another owner's payment, a
  reinstatement by another owner's restriction: never written by the use cases) is
  cleared, since it cannot hold as an owner-keyed foreign key;
* a transfer between two owners gets a copy of its header on the payee's side, holding
  the payee's entry (ADR 0008).

Integer ids keep their values. On PostgreSQL they keep their sequences; on SQLite,
where only a one-column ``INTEGER PRIMARY KEY`` counts by itself, each such table's
rowid is set to its id, and new ids are the largest rowid plus one
(``walletguard.db.next_serial``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import walletguard.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SYSTEM = "system"

#: Foreign keys on ``id`` alone, dropped before the keys they point at change.
OLD_FOREIGN_KEYS = {
    "biometric_bindings": ["fk_biometric_bindings_device_id_devices"],
    "device_challenges": ["fk_device_challenges_device_id_devices"],
    "device_commands": ["fk_device_commands_device_id_devices"],
    "device_sessions": ["fk_device_sessions_device_id_devices"],
    "webauthn_challenges": ["fk_webauthn_challenges_device_id_devices"],
    "document_checks": ["fk_document_checks_restriction_id_restrictions"],
    "restrictions": ["fk_restrictions_reinstated_by_restrictions"],
    "incident_events": ["fk_incident_events_incident_id_incidents"],
    "checklist_items": ["fk_checklist_items_incident_id_incidents"],
    "ledger_entries": ["fk_ledger_entries_transfer_id_ledger_transfers",
                       "fk_ledger_entries_account_id_ledger_accounts"],
    "ledger_transfers": ["fk_ledger_transfers_refund_of_ledger_transfers"],
    "wallets": ["fk_wallets_account_id_ledger_accounts"],
    "merchants": ["fk_merchants_account_id_ledger_accounts"],
    "trusted_contacts": ["fk_trusted_contacts_contact_user_id_users"],
}

#: New primary keys (owner column first).
PRIMARY_KEYS = {
    "devices": ["user_id", "id"],
    "device_sessions": ["user_id", "id"],
    "device_commands": ["user_id", "id"],
    "biometric_bindings": ["user_id", "id"],
    "webauthn_challenges": ["user_id", "id"],
    "restrictions": ["user_id", "id"],
    "document_checks": ["user_id", "id"],
    "incidents": ["user_id", "id"],
    "incident_events": ["user_id", "id"],
    "checklist_items": ["user_id", "id"],
    "trusted_contacts": ["user_id", "id"],
    "ledger_accounts": ["user_id", "id"],
    "ledger_transfers": ["user_id", "id"],
    "ledger_entries": ["user_id", "id"],
    "idempotency_records": ["user_id", "id"],
    "outbox": ["user_id", "id"],
    "audit_events": ["chain_id", "id"],
}

#: Tables whose id is an integer counted by the database.
SERIAL = ["trusted_contacts", "incident_events", "audit_events", "outbox", "ledger_entries",
          "idempotency_records"]

#: Global uniques dropped, and what replaces them (None: nothing, the lookup table does).
UNIQUES = {
    "device_sessions": ("uq_device_sessions_token_digest", ["user_id", "token_digest"]),
    "biometric_bindings": ("uq_biometric_bindings_credential_id", ["user_id", "credential_id"]),
    "wallets": ("uq_wallets_account_id", ["user_id", "account_id"]),
    "idempotency_records": ("uq_idempotency_records_scope", ["user_id", "scope", "key"]),
    "outbox": ("uq_outbox_dedupe_key", ["user_id", "dedupe_key"]),
    "users": ("uq_users_phone_index", None),
}

#: Composite foreign keys: table → [(columns, referred table, referred columns)].
NEW_FOREIGN_KEYS = {
    "biometric_bindings": [(["user_id", "device_id"], "devices", ["user_id", "id"])],
    "device_challenges": [(["user_id", "device_id"], "devices", ["user_id", "id"])],
    "device_commands": [(["user_id", "device_id"], "devices", ["user_id", "id"])],
    "device_sessions": [(["user_id", "device_id"], "devices", ["user_id", "id"])],
    "webauthn_challenges": [(["user_id", "device_id"], "devices", ["user_id", "id"])],
    "document_checks": [(["user_id", "restriction_id"], "restrictions", ["user_id", "id"])],
    "restrictions": [(["user_id", "reinstated_by"], "restrictions", ["user_id", "id"])],
    "incident_events": [(["user_id", "incident_id"], "incidents", ["user_id", "id"])],
    "checklist_items": [(["user_id", "incident_id"], "incidents", ["user_id", "id"])],
    "ledger_entries": [(["user_id", "transfer_id"], "ledger_transfers", ["user_id", "id"])],
    "ledger_transfers": [(["user_id", "refund_of"], "ledger_transfers", ["user_id", "id"])],
    "wallets": [(["user_id", "account_id"], "ledger_accounts", ["user_id", "id"])],
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # 1. The owner column where it was missing, back-filled.
    for name in ("incident_events", "checklist_items", "ledger_entries", "idempotency_records",
                 "ledger_accounts"):
        op.add_column(name, sa.Column("user_id", sa.String(length=40), nullable=True))
    for name in ("incident_events", "checklist_items"):
        op.execute(f"UPDATE {name} SET user_id = (SELECT i.user_id FROM incidents i "  # noqa: S608 - constant names
                   f"WHERE i.id = {name}.incident_id)")
    # An account's key: the owner of the wallet it backs; a shared account (merchant,
    # clearing) is its own key.
    op.execute("UPDATE ledger_accounts SET user_id = COALESCE("
               "(SELECT w.user_id FROM wallets w WHERE w.account_id = ledger_accounts.id), "
               "CASE WHEN kind = 'wallet' AND owner_id IS NOT NULL THEN owner_id ELSE id END)")
    for name in ("ledger_transfers", "outbox"):
        op.execute(sa.text(f"UPDATE {name} SET user_id = :system WHERE user_id IS NULL")  # noqa: S608 - constant names
                   .bindparams(system=SYSTEM))
    # A wallet's leg lives with the wallet's owner; a shared account's leg with the
    # transfer's owner.
    op.execute("UPDATE ledger_entries SET user_id = COALESCE("
               "(SELECT w.user_id FROM wallets w WHERE w.account_id = ledger_entries.account_id), "
               "(SELECT t.user_id FROM ledger_transfers t "
               " WHERE t.id = ledger_entries.transfer_id))")
    # A key claimed by an owner belongs to that owner; any other caller's (an operator's
    # top-up or refund) keeps its scope as its key: see docs/scaling.md.
    op.execute("UPDATE idempotency_records SET user_id = CASE WHEN scope LIKE 'owner:%' "
               "THEN substr(scope, 7) ELSE scope END")

    # A row refers to its own owner's rows only (the use cases never write otherwise); a
    # reference to another owner's row could not hold as an owner-keyed foreign key, so
    # such a reference, if any, is cleared rather than fail the upgrade.
    op.execute("UPDATE restrictions SET reinstated_by = NULL WHERE reinstated_by IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.id = "
               "restrictions.reinstated_by AND r.user_id = restrictions.user_id)")
    op.execute("UPDATE ledger_transfers SET refund_of = NULL WHERE refund_of IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = "
               "ledger_transfers.refund_of AND t.user_id = ledger_transfers.user_id)")

    # 2. Foreign keys on ``id`` alone go, before the keys they point at change.
    for name, constraints in OLD_FOREIGN_KEYS.items():
        with op.batch_alter_table(name) as batch_op:
            for constraint in constraints:
                batch_op.drop_constraint(constraint, type_="foreignkey")

    # 3. Primary keys and uniques by owner; the owner column NOT NULL.
    uniques = dict(UNIQUES)
    for name, columns in PRIMARY_KEYS.items():
        with op.batch_alter_table(name) as batch_op:
            if columns[0] == "user_id":
                batch_op.alter_column("user_id", existing_type=sa.String(length=40),
                                      nullable=False)
            batch_op.drop_constraint(f"pk_{name}", type_="primary")
            batch_op.create_primary_key(f"pk_{name}", columns)
            if name in uniques:
                old, new = uniques.pop(name)
                batch_op.drop_constraint(old, type_="unique")
                if new is not None:
                    batch_op.create_unique_constraint(f"uq_{name}_{new[0]}", new)
    for name, (old, new) in uniques.items():
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_constraint(old, type_="unique")
            if new is not None:
                batch_op.create_unique_constraint(f"uq_{name}_{new[0]}", new)
    if sqlite:
        for name in SERIAL:
            # rowid = id, in two steps so no row takes another's rowid on the way.
            op.execute(f"UPDATE {name} SET rowid = -id")  # noqa: S608 - constant names
            op.execute(f"UPDATE {name} SET rowid = -rowid")  # noqa: S608 - constant names

    # 4. The payee's copy of each transfer between owners, holding the payee's entry.
    op.execute(
        "INSERT INTO ledger_transfers (user_id, id, kind, counterparty_id, amount, currency, "
        "auth_method, category, refund_of, refunded, created_at) "
        "SELECT DISTINCT e.user_id, t.id, t.kind, t.user_id, t.amount, t.currency, "
        "t.auth_method, t.category, NULL, 0, t.created_at "
        "FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id "
        "WHERE e.user_id <> t.user_id AND NOT EXISTS (SELECT 1 FROM ledger_transfers c "
        " WHERE c.user_id = e.user_id AND c.id = t.id)")

    # 5. The phone's uniqueness, in its lookup table.
    op.create_table(
        "phone_claims",
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", walletguard.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_index", name=op.f("pk_phone_claims")),
    )
    op.execute("INSERT INTO phone_claims (phone_index, user_id, claimed_at) "
               "SELECT phone_index, id, created_at FROM users")

    # 6. Foreign keys between owner tables, by owner.
    for name, keys in NEW_FOREIGN_KEYS.items():
        with op.batch_alter_table(name) as batch_op:
            for columns, referred, referred_columns in keys:
                batch_op.create_foreign_key(f"fk_{name}_{columns[0]}_{referred}", referred,
                                            columns, referred_columns)


def downgrade() -> None:
    raise NotImplementedError("0007 re-keys every owner table; restore a backup instead")

