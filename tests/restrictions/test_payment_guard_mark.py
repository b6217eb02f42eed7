"""The money path reads the restrictions table only for wallets marked as possibly
restricted; every placement marks the wallet, and only a payment that finds nothing in
force clears the mark."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from tests.factories import ManualPlatform
from walletguard.errors import AccountFrozen, DomainError
from walletguard.ledger.models import Wallet
from walletguard.payments import service as payments
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform


def marked(platform: Platform, user_id: str) -> bool:
    with platform.db.transaction() as db:
        return bool(db.execute(select(Wallet.may_be_restricted)
                               .where(Wallet.user_id == user_id)).scalar_one())



def test_a_freeze_marks_the_wallet_and_the_mark_clears_only_once_nothing_is_in_force(
    platform: Platform,
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    assert not marked(platform, owner.user_id)
    with platform.db.transaction() as db:
        freeze = restrictions.owner_freeze(db, actor=owner.principal, reason="lost",
                                           now=platform.clock.now())
    assert marked(platform, owner.user_id)
    try:
        factories.pay(platform, owner, merchant, 100)
        raise AssertionError("a frozen wallet paid")
    except AccountFrozen:
        pass
    assert marked(platform, owner.user_id)  # still in force: the mark stays
    with platform.db.transaction() as db:
        restrictions.lift(db, actor=factories.AGENT, restriction_id=freeze["id"],
                          reason="owner verified", policy=platform.policy, keys=platform.keys,
                          now=platform.clock.now())
    assert marked(platform, owner.user_id)  # a lift does not clear it; a payment may
    factories.pay(platform, owner, merchant, 100)
    assert not marked(platform, owner.user_id)


def test_a_pin_lock_marks_the_wallet_and_its_expiry_is_read_from_the_table(
    platform: ManualPlatform,
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    for _ in range(platform.policy.pin.max_consecutive_failures):
        try:
            with platform.db.transaction() as db:
                payments.authorize_payment(
                    db, path=platform.money, owner=owner.principal, idempotency_key=None,
                    now=platform.clock.now(),
                    request=payments.PaymentRequest(
                        merchant_id=merchant, amount=100,
                        auth=payments.PaymentAuth(method="pin", pin="000001")))
        except DomainError:  # every attempt is refused; the lock is what counts
            pass
    assert marked(platform, owner.user_id)
    platform.clock.advance(hours=platform.policy.pin.lock_hours)
    factories.pay(platform, owner, merchant, 100)
    assert not marked(platform, owner.user_id)
