"""A refusal never commits half a change: the judged part of a use case runs in a
savepoint, and only what a refusal keeps on purpose survives it (walletguard.db)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests import factories
from tests.factories import ManualPlatform
from tests.payments.test_statement_count import counted_statements
from walletguard.credentials import service as credentials
from walletguard.credentials.models import PaymentPin
from walletguard.db import Inserts, judged
from walletguard.errors import DomainError, InvalidInput
from walletguard.ledger import service as ledger
from walletguard.ledger.models import IdempotencyRecord, Wallet
from walletguard.runtime import Platform


def _wallet(platform: Platform, user_id: str) -> Wallet:
    with platform.db.transaction() as db:
        return db.get_one(Wallet, user_id)


def _failures(platform: Platform, user_id: str) -> int:
    with platform.db.transaction() as db:
        return db.get_one(PaymentPin, user_id).failures


def test_a_write_added_before_the_pin_check_does_not_survive_a_wrong_pin(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next person who writes something on the money path before the PIN is judged
    cannot commit it with the refusal: only the counted failure and the remembered answer
    are kept."""
    owner = factories.register_owner(platform, balance=50_000)
    merchant = factories.merchant(platform)
    real_judge = credentials.judge_pin

    def judge_after_a_careless_write(db: Session, **kwargs: Any) -> None:
        kwargs["wallet"].daily_limit = 1  # the careless write, flushed before judging
        db.flush()
        real_judge(db, **kwargs)

    # The money path calls credentials.judge_pin through the module: patched here, it runs.
    monkeypatch.setattr(credentials, "judge_pin", judge_after_a_careless_write)
    limit_before = _wallet(platform, owner.user_id).daily_limit

    with pytest.raises(DomainError) as refused:
        factories.pay(platform, owner, merchant, 100, pin="000000", key="careless")

    assert refused.value.code == "invalid_pin"
    wallet = _wallet(platform, owner.user_id)
    assert wallet.daily_limit == limit_before  # the write did not survive
    assert wallet.balance == 50_000
    assert _failures(platform, owner.user_id) == 1  # the failure did
    with platform.db.transaction() as db:
        remembered = db.execute(select(IdempotencyRecord.status_code)
                                .where(IdempotencyRecord.key == "careless")).scalar_one()
    assert remembered == 403


def test_a_refusal_keeps_exactly_what_it_asks_to_keep(platform: Platform) -> None:
    owner = factories.register_owner(platform)

    def keep(db: Session) -> None:
        db.execute(text("UPDATE wallets SET daily_limit = 123 WHERE user_id = :u"),
                   {"u": owner.user_id})

    with pytest.raises(InvalidInput), platform.db.transaction() as db:
        wallet = ledger.lock_wallet(db, owner.user_id)
        with judged(db):
            wallet.balance = 999_999
            db.flush()
            raise InvalidInput("refused").keeping(keep)

    after = _wallet(platform, owner.user_id)
    assert (after.balance, after.daily_limit) == (0, 123)


def test_nested_judged_parts_keep_once(platform: Platform) -> None:
    owner = factories.register_owner(platform)

    def keep(db: Session) -> None:
        db.execute(text("UPDATE wallets SET daily_limit = daily_limit + 1 WHERE user_id = :u"),
                   {"u": owner.user_id})

    before = _wallet(platform, owner.user_id).daily_limit
    with pytest.raises(InvalidInput), platform.db.transaction() as db:
        ledger.lock_wallet(db, owner.user_id)
        with judged(db), judged(db):
            raise InvalidInput("refused").keeping(keep)

    assert _wallet(platform, owner.user_id).daily_limit == before + 1


def test_a_refusal_outside_a_judged_part_commits_nothing(platform: Platform) -> None:
    owner = factories.register_owner(platform)
    with pytest.raises(InvalidInput), platform.db.transaction() as db:
        ledger.lock_wallet(db, owner.user_id).balance = 5
        db.flush()
        raise InvalidInput("refused")
    assert _wallet(platform, owner.user_id).balance == 0


def test_a_refusal_with_writes_to_keep_outside_a_judged_part_is_a_bug(
    platform: Platform,
) -> None:
    """Nothing would hold the lock or undo the judged work: refused loudly, never
    committed quietly."""
    with pytest.raises(RuntimeError, match="outside judged"), platform.db.transaction():
        raise InvalidInput("refused").keeping(lambda db: None)


def test_judging_a_pin_outside_a_judged_part_is_a_bug(platform: Platform) -> None:
    owner = factories.register_owner(platform)
    with pytest.raises(RuntimeError, match="inside judged"), platform.db.transaction() as db:
        credentials.judge_pin(db, keys=platform.keys, policy=platform.policy,
                              wallet=ledger.lock_wallet(db, owner.user_id), pin="000000",
                              now=platform.clock.now())


def test_a_refusal_after_the_judged_part_s_last_write_is_a_bug_and_commits_nothing(
    platform: Platform,
) -> None:
    """``Inserts.finish`` writes outside the savepoint when none is open yet (ADR 0012): a
    refusal after it could not be undone, so it is refused loudly and nothing commits."""
    owner = factories.register_owner(platform)
    with pytest.raises(RuntimeError, match="after the judged part's last write"), \
            platform.db.transaction() as db:
        wallet = ledger.lock_wallet(db, owner.user_id)
        with judged(db):
            wallet.balance = 999_999
            Inserts().finish(db, updating=[wallet])
            raise InvalidInput("refused")

    assert _wallet(platform, owner.user_id).balance == 0


@pytest.mark.parametrize("read_first", [False, True], ids=["nothing before", "a read before"])
def test_the_judged_part_s_last_write_commits_with_or_without_an_open_savepoint(
    platform: ManualPlatform, read_first: bool,
) -> None:
    """With nothing run before it, the last write opens no savepoint at all; after a
    statement (which opened one), it runs inside that savepoint. Both commit."""
    owner = factories.register_owner(platform)
    with counted_statements(platform) as seen, platform.db.transaction() as db:
        wallet = ledger.lock_wallet(db, owner.user_id)
        with judged(db):
            if read_first:
                db.execute(select(IdempotencyRecord.id).limit(1)).all()
            wallet.balance = 777
            Inserts().finish(db, updating=[wallet])

    assert _wallet(platform, owner.user_id).balance == 777
    assert ("SAVEPOINT" in seen, "RELEASE" in seen) == (read_first, read_first), seen
    assert seen.count("UPDATE") == 1, seen


def test_the_judged_part_s_last_write_ends_with_it(platform: Platform) -> None:
    """The mark of a finished judged part does not outlive it: a later judged part of the
    same transaction may refuse as usual."""
    owner = factories.register_owner(platform)
    with pytest.raises(InvalidInput), platform.db.transaction() as db:
        wallet = ledger.lock_wallet(db, owner.user_id)
        with judged(db):
            wallet.balance = 10
            Inserts().finish(db, updating=[wallet])
        with judged(db):
            wallet.daily_limit = 1
            raise InvalidInput("refused")

    after = _wallet(platform, owner.user_id)
    assert after.balance == 10
    assert after.daily_limit != 1
