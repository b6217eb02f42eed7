"""Refreshing a session's last-use time never takes a lock before the use case's wallet
lock (a lost-phone report locks the wallet, then the sessions: the other order would
deadlock against it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from tests import factories
from tests.factories import ManualPlatform
from walletguard.auth import service as auth
from walletguard.devices.models import DeviceSession
from walletguard.payments import service as payments


def test_a_stale_session_is_touched_after_the_wallet_lock_at_commit(
    platform: ManualPlatform,
) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    merchant = factories.merchant(platform)
    platform.clock.advance(minutes=platform.policy.login.session_touch_minutes + 1)
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(platform.db.engine, "before_cursor_execute", record)
    try:
        with platform.db.transaction() as db:
            caller = auth.authenticate(db, keys=platform.keys, policy=platform.policy,
                                       token=owner.token, now=platform.clock.now())
            payments.authorize_payment(
                db, path=platform.money, owner=caller, idempotency_key=None,
                now=platform.clock.now(),
                request=payments.PaymentRequest(
                    merchant_id=merchant, amount=100,
                    auth=payments.PaymentAuth(method="pin", pin=factories.PIN)))
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", record)
    wallet_lock = next(i for i, s in enumerate(statements) if s.startswith("select")
                       and "from wallets" in s)
    touch = next(i for i, s in enumerate(statements)
                 if s.startswith("update device_sessions"))
    assert wallet_lock < touch
    with platform.db.transaction() as db:
        used = db.execute(select(DeviceSession.last_used_at).where(
            DeviceSession.user_id == owner.user_id)).scalar_one()
    assert used == platform.clock.now()


def test_a_refused_request_does_not_touch_the_session(platform: ManualPlatform) -> None:
    owner = factories.register_owner(platform)
    before = platform.clock.now()
    platform.clock.advance(minutes=platform.policy.login.session_touch_minutes + 1)
    try:
        with platform.db.transaction() as db:
            auth.authenticate(db, keys=platform.keys, policy=platform.policy,
                              token=owner.token, now=platform.clock.now())
            raise RuntimeError("the use case failed")
    except RuntimeError:
        pass
    with platform.db.transaction() as db:
        used = db.execute(select(DeviceSession.last_used_at).where(
            DeviceSession.user_id == owner.user_id)).scalar_one()
    assert used == before
