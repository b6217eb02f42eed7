"""How every table distributes across database nodes (Citus), one rule for all of them.

Each table is exactly one of:

* **owner-sharded** — the default: every row belongs to one owner and lives on that
  owner's shard. Its distribution column (``user_id``, or the name in
  ``DISTRIBUTION_COLUMN``) is NOT NULL and part of the primary key, of every unique
  constraint and of every foreign key to another owner-sharded table, so Citus can route
  each statement to one shard and enforce each constraint there.
* **reference** — small and shared (merchants, API keys), copied to every node; listed
  by name in ``REFERENCE``. It refers to no owner-sharded table.
* **lookup** — a global uniqueness keyed by what it looks up (a phone digest → the user
  id), distributed by that key and claimed with ``INSERT … ON CONFLICT``; listed in
  ``LOOKUP`` with its key. It refers to no other table.

``tests/test_distribution_rule.py`` checks the metadata against this rule (revision 0007
brought the tables of the first two revisions to it), and
``tests/test_statement_routing.py`` checks that the hot statements filter by the
distribution column. ``walletguard distribute`` applies it on Citus (docs/scaling.md).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Table, UniqueConstraint


class Kind(StrEnum):
    OWNER = "owner-sharded"
    REFERENCE = "reference"
    LOOKUP = "lookup"


#: Small, shared tables, copied to every node: staff keys, merchants, the operator's
#: linked platforms, risk policy candidates.
REFERENCE = frozenset({"api_keys", "merchants", "partners", "risk_policy_changes"})

#: Global-uniqueness tables and the key each is distributed by.
LOOKUP = {"throttle_buckets": "key", "risk_brake_counts": "key", "phone_claims": "phone_index"}

#: Owner-sharded tables whose owner column is not called ``user_id``. An audit chain's
#: id is its owner's user id (or ``system`` for staff and platform actions).
DISTRIBUTION_COLUMN = {"users": "id", "audit_chains": "id", "audit_events": "chain_id"}


def kind_of(table: Table) -> Kind:
    if table.name in REFERENCE:
        return Kind.REFERENCE
    if table.name in LOOKUP:
        return Kind.LOOKUP
    return Kind.OWNER


def distribution_column(table: Table) -> str:
    """The column an owner-sharded or lookup table is distributed by."""
    if table.name in LOOKUP:
        return LOOKUP[table.name]
    return DISTRIBUTION_COLUMN.get(table.name, "user_id")


def violations(tables: list[Table]) -> list[str]:
    """Every way ``tables`` break the rule, one sentence each (empty: they follow it)."""
    by_name = {t.name: t for t in tables}
    found: list[str] = []

    def kind_of_name(name: str) -> Kind:
        return kind_of(by_name[name]) if name in by_name else Kind.OWNER

    for table in tables:
        kind = kind_of(table)
        fks = list(table.foreign_key_constraints)
        if kind is Kind.REFERENCE:
            for fk in fks:
                if kind_of_name(fk.referred_table.name) is not Kind.REFERENCE:
                    target = fk.referred_table.name
                    found.append(f"{table.name}: a reference table refers to {target} "
                                 f"({kind_of_name(target)})")
            continue
        column = distribution_column(table)
        if column not in table.c:
            found.append(f"{table.name}: no {column} column — is it owner-sharded, or should "
                         "it be listed as reference or lookup?")
            continue
        if kind is Kind.LOOKUP:
            if [c.name for c in table.primary_key.columns] != [column]:
                found.append(f"{table.name}: a lookup table's primary key is its key {column}")
            for fk in fks:
                found.append(f"{table.name}: a lookup table refers to no table "
                             f"(refers to {fk.referred_table.name})")
            continue
        if table.c[column].nullable:
            found.append(f"{table.name}.{column}: the owner column must be NOT NULL")
        if column not in table.primary_key.columns:
            found.append(f"{table.name}: the primary key does not include {column}")
        uniques = [sorted(c.name for c in u.columns) for u in table.constraints
                   if isinstance(u, UniqueConstraint)]
        uniques += [sorted(c.name for c in i.columns) for i in table.indexes if i.unique]
        for names in uniques:
            if column not in names:
                found.append(f"{table.name}: unique ({', '.join(names)}) does not include "
                             f"{column}")
        for fk in fks:
            referred = fk.referred_table
            referred_kind = kind_of_name(referred.name)
            if referred_kind is Kind.REFERENCE:
                continue
            if referred_kind is Kind.LOOKUP:
                found.append(f"{table.name}: refers to the lookup table {referred.name}")
                continue
            pairs = {(e.parent.name, e.column.name) for e in fk.elements}
            referred_column = distribution_column(referred)
            if (column, referred_column) not in pairs:
                found.append(
                    f"{table.name}: foreign key ({', '.join(fk.column_keys)}) → "
                    f"{referred.name} does not include {column} → "
                    f"{referred.name}.{referred_column}")
    return found
