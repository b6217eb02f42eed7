"""What the owner sets and sees of the wallet: password-free payments, the daily limit,
the wallet view and the transaction list. Loosening anything needs the PIN; tightening
needs nothing (easy to stop, hard to restart)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.db import judged
from walletguard.errors import Conflict, InvalidInput, StepUpRequired
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerEntry, LedgerTransfer, Wallet
from walletguard.payments import limits
from walletguard.payments.service import MoneyPath
from walletguard.restrictions import service as restrictions


def set_password_free(
    db: Session, *, path: MoneyPath, owner: Principal, enabled: bool,
    per_payment_limit: int | None, daily_limit: int | None, now: datetime,
    pin: str | None = None,
) -> Wallet:
    """Turning password-free payments on, or raising their limits, is itself a strong
    authentication (PSD2 RTS: an exemption is granted under SCA): it needs the PIN.
    Turning them off or lowering a limit needs nothing.

    Refusals: ``account_frozen``, ``account_locked``, ``pin_locked`` (turning on),
    ``conflict`` (under observation), ``invalid_input``, ``step_up_required``,
    ``pin_not_set``, ``invalid_pin``."""
    owner.require(Role.OWNER)
    wallet = ledger.lock_wallet(db, str(owner.user_id))
    with judged(db):
        active = restrictions.active(db, user_id=wallet.user_id, now=now)
        if enabled:
            # Turning password-free off is always allowed (easy to stop); turning it on is
            # not while a freeze or lock stands.
            restrictions.guard(active, restrictions.Action.PAY)
        caps = path.policy.limits
        if enabled and restrictions.in_observation(active):
            raise Conflict("password-free payments stay off while the wallet is under "
                           "observation")
        for name, value, cap in (("per_payment_limit", per_payment_limit,
                                  caps.password_free_per_payment),
                                 ("daily_limit", daily_limit, caps.password_free_daily)):
            if value is not None and not 0 < value <= cap:
                raise InvalidInput(f"{name} must be between 1 and {cap}", field=name)
        if enabled and limits.loosens_password_free(caps, wallet, per_payment=per_payment_limit,
                                                    daily=daily_limit):
            if pin is None:
                raise StepUpRequired("turning password-free payments on needs your payment "
                                     "PIN", methods=["pin"])
            credentials.judge_pin(db, keys=path.keys, policy=path.policy, wallet=wallet,
                                  pin=pin, now=now)
            # A judged PIN is the strong authentication the "5 in a row" rule asks for.
            wallet.password_free_in_a_row = 0
        # Otherwise the count is kept, so toggling the setting cannot reopen the allowance.
        wallet.password_free_enabled = enabled
        wallet.password_free_per_payment = per_payment_limit
        wallet.password_free_daily = daily_limit
        wallet.updated_at = now
        audit.append(db, actor=owner.ref, action="settings.password_free",
                     subject=wallet.user_id, at=now, chain=wallet.user_id,
                     data={"enabled": enabled, "per_payment_limit": per_payment_limit,
                           "daily_limit": daily_limit})
    return wallet


def set_daily_limit(
    db: Session, *, path: MoneyPath, owner: Principal, daily_limit: int, pin: str | None,
    now: datetime,
) -> Wallet:
    """Lowering is immediate; raising needs the PIN (step-up).

    Refusals: ``account_frozen``, ``account_locked``, ``pin_locked`` (raising),
    ``invalid_input``, ``step_up_required``, ``pin_not_set``, ``invalid_pin``."""
    owner.require(Role.OWNER)
    wallet = ledger.lock_wallet(db, str(owner.user_id))
    with judged(db):
        active = restrictions.active(db, user_id=wallet.user_id, now=now)
        restrictions.guard(active, restrictions.Action.SETTINGS)
        cap = path.policy.limits.max_daily_limit
        if not 0 <= daily_limit <= cap:
            raise InvalidInput(f"daily_limit must be between 0 and {cap}", field="daily_limit")
        if daily_limit > wallet.daily_limit:
            restrictions.guard(active, restrictions.Action.PAY)
            if pin is None:
                raise StepUpRequired("raising the limit needs your payment PIN",
                                     methods=["pin"])
            credentials.judge_pin(db, keys=path.keys, policy=path.policy, wallet=wallet,
                                  pin=pin, now=now)
        previous = wallet.daily_limit
        wallet.daily_limit = daily_limit
        wallet.updated_at = now
        audit.append(db, actor=owner.ref, action="settings.daily_limit",
                     subject=wallet.user_id, at=now, chain=wallet.user_id,
                     data={"from": previous, "to": daily_limit})
    return wallet


def wallet_view(db: Session, *, path: MoneyPath, owner: Principal,
                now: datetime) -> dict[str, Any]:
    """The wallet as its owner sees it, with the restrictions in force on it (what they
    block, since and until when, who placed them in words): a frozen wallet says so."""
    owner.require(Role.OWNER)
    wallet = ledger.get_wallet(db, str(owner.user_id))
    active = restrictions.active(db, user_id=wallet.user_id, now=now)
    observed = restrictions.in_observation(active)
    spent, password_free_spent = limits.spent_today(wallet, path.today(now))
    per, per_day = limits.wallet_password_free_caps(path.policy.limits, wallet)
    return {
        "balance": wallet.balance,
        "available": wallet.balance - wallet.held,
        "currency": wallet.currency,
        "daily_limit": limits.daily_cap(path.policy, wallet, observed=observed),
        "spent_today": spent,
        "under_observation": observed,
        "restrictions": [restrictions.in_force_view(r) for r in active],
        "password_free": {
            "enabled": wallet.password_free_enabled and not observed,
            "per_payment_limit": per,
            "daily_limit": per_day,
            "spent_today": password_free_spent,
        },
    }


def transactions(
    db: Session, *, owner: Principal, since: datetime | None, until: datetime | None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Everything that touched the owner's wallet account, newest first.

    Refusals: ``invalid_input`` (a time without a zone, or out of range)."""
    owner.require(Role.OWNER)
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        if value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone (e.g. 2025-01-31T00:00:00+08:00)",
                               field=name)
        try:
            # Stored times are UTC; a time near year 1 or 9999 may not be (9999-12-31
            # 23:59:59-14:00 is in year 10000 in UTC), and the database layer would fail.
            value.replace(tzinfo=None) - (value.utcoffset() or timedelta(0))
        except OverflowError:
            raise InvalidInput(f"{name} is out of range (years 1-9999 in UTC)",
                               field=name) from None
    wallet = ledger.get_wallet(db, str(owner.user_id))
    # The owner's entries and their transfer copies, all on the owner's shard (ADR 0008).
    query = (
        select(LedgerTransfer, LedgerEntry.amount)
        .join(LedgerEntry, (LedgerEntry.user_id == LedgerTransfer.user_id)
              & (LedgerEntry.transfer_id == LedgerTransfer.id))
        .where(LedgerEntry.user_id == wallet.user_id, LedgerTransfer.user_id == wallet.user_id,
               LedgerEntry.account_id == wallet.account_id)
    )
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    if until is not None:
        query = query.where(LedgerEntry.created_at < until)
    rows = db.execute(query.order_by(LedgerEntry.id.desc()).limit(limit)).all()
    return [
        {"id": t.id, "kind": t.kind, "amount": signed, "currency": t.currency,
         "counterparty": t.counterparty_id if t.user_id == wallet.user_id else t.user_id,
         "auth_method": t.auth_method, "created_at": t.created_at.isoformat(),
         "status": "succeeded"}
        for t, signed in rows
    ]
