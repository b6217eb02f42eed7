"""The distribution rule (``walletguard.distribution``, docs/architecture.md "Distribution"):
every table is owner-sharded, reference or lookup, so the schema can spread across Citus
nodes by owner. A table added later that is none of these fails here."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, MetaData, String, Table, UniqueConstraint

from walletguard import distribution
from walletguard.models import Base


def _tables_with(make: object) -> list[Table]:
    """Today's tables plus one more, built in a copy of the metadata."""
    meta = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(meta)
    assert callable(make)
    make(meta)
    return list(meta.sorted_tables)


#: What today's tables break: nothing (revision 0007 re-keyed those of 0001-0002). A new
#: table that breaks the rule is not here and fails the test.
KNOWN_DEBT: frozenset[str] = frozenset()


def test_every_table_follows_the_distribution_rule_but_the_listed_debt() -> None:
    found = set(distribution.violations(list(Base.metadata.sorted_tables)))
    assert found - KNOWN_DEBT == set(), "a table breaks the distribution rule"
    assert KNOWN_DEBT - found == set(), "fixed: remove these lines from KNOWN_DEBT"


def test_every_listed_table_exists() -> None:
    names = set(Base.metadata.tables)
    assert set(distribution.REFERENCE) <= names
    assert set(distribution.LOOKUP) <= names
    assert set(distribution.DISTRIBUTION_COLUMN) <= names


@pytest.mark.parametrize(("what", "make", "expected"), [
    ("no owner column and not listed",
     lambda m: Table("notes", m, Column("id", String(40), primary_key=True)),
     "notes: no user_id column"),
    ("a primary key without the owner",
     lambda m: Table("notes", m, Column("id", String(40), primary_key=True),
                     Column("user_id", String(40), nullable=False)),
     "notes: the primary key does not include user_id"),
    ("a global unique",
     lambda m: Table("notes", m, Column("user_id", String(40), primary_key=True),
                     Column("id", String(40), primary_key=True),
                     Column("digest", String(64), nullable=False),
                     UniqueConstraint("digest")),
     "notes: unique (digest) does not include user_id"),
    ("a foreign key to an owner table without the owner",
     lambda m: Table("notes", m, Column("user_id", String(40), primary_key=True),
                     Column("id", String(40), primary_key=True),
                     Column("device_id", String(40), ForeignKey("devices.id"))),
     "notes: foreign key (device_id) → devices does not include user_id"),
    ("a nullable owner column",
     lambda m: Table("notes", m, Column("id", String(40), primary_key=True),
                     Column("user_id", String(40), nullable=True)),
     "notes.user_id: the owner column must be NOT NULL"),
])
def test_a_table_that_breaks_the_rule_is_named(what: str, make: object, expected: str) -> None:
    found = distribution.violations(_tables_with(make))
    assert any(v.startswith(expected) for v in found), (what, found)


def test_a_reference_table_may_not_refer_to_an_owner_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(distribution, "REFERENCE", distribution.REFERENCE | {"notes"})
    found = distribution.violations(_tables_with(
        lambda m: Table("notes", m, Column("id", String(40), primary_key=True),
                        Column("user_id", String(40), ForeignKey("users.id")))))
    assert "notes: a reference table refers to users (owner-sharded)" in found


def test_a_lookup_table_is_keyed_by_what_it_looks_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distribution, "LOOKUP", {**distribution.LOOKUP, "notes": "digest"})
    found = distribution.violations(_tables_with(
        lambda m: Table("notes", m, Column("id", String(40), primary_key=True),
                        Column("digest", String(64), nullable=False),
                        Column("user_id", String(40), ForeignKey("users.id")))))
    assert "notes: a lookup table's primary key is its key digest" in found
    assert "notes: a lookup table refers to no table (refers to users)" in found


def test_a_table_that_follows_the_rule_passes() -> None:
    found = distribution.violations(_tables_with(
        lambda m: Table("notes", m, Column("user_id", String(40), primary_key=True),
                        Column("id", String(40), primary_key=True),
                        Column("digest", String(64), nullable=False),
                        UniqueConstraint("user_id", "digest"))))
    assert [v for v in found if v.startswith("notes")] == []
