"""The money path. Every yuan that leaves a wallet goes through ``_authorize``:

    lock the payer's wallet row            (the one lock order: wallet rows first)
    claim the idempotency key              (replay the first answer, success or refusal)
    guard: freezes and locks               (read under the lock, so a committed freeze wins)
    authenticate: PIN / biometric / password-free rules
    limits: daily, by strength, observation halves them
    funds: available = balance − holds
    post the balanced ledger transfer, update the wallet's day counters
    enqueue the transaction alert          (outbox, same transaction)

A refusal after the claim is remembered under the key and committed with what it
counted (a wrong PIN, a lock), then raised; nothing else is written before a refusal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.credentials.service import RelyingParty
from walletguard.crypto import Keyring, derive, keyed_digest
from walletguard.db import new_id
from walletguard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    LimitExceeded,
    MethodNotAvailable,
    NotFound,
    RateLimited,
    ReplayedRefusal,
    StepUpRequired,
)
from walletguard.identity import service as identity
from walletguard.ledger import idempotency
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerEntry, LedgerTransfer, Wallet
from walletguard.notifications import service as notifications
from walletguard.payments.models import Merchant
from walletguard.policy import Policy
from walletguard.restrictions import service as restrictions

Method = Literal["pin", "biometric", "password_free", "emergency_code"]
MAX_AMOUNT = 10**11
# Refusals that say nothing suspicious about who is paying do not count toward the
# decline lock: wrong PINs have their own lock, and a request for stronger
# authentication is the system asking, not the payer failing.
NOT_COUNTED = {"account_frozen", "account_locked", "pin_locked", "idempotency_conflict",
               "invalid_pin", "not_found", "invalid_input", "step_up_required"}


@dataclass(frozen=True)
class PaymentAuth:
    method: Method
    pin: str | None = None
    assertion: dict[str, Any] | None = None
    code: str | None = None


@dataclass(frozen=True)
class PaymentRequest:
    merchant_id: str
    amount: int
    auth: PaymentAuth
    category: str | None = None


@dataclass(frozen=True)
class TransferRequest:
    to_phone: str
    amount: int
    auth: PaymentAuth
    note: str | None = None


@dataclass(frozen=True)
class MoneyPath:
    """What the money path needs from the platform, built once per process."""

    keys: Keyring
    policy: Policy
    rp: RelyingParty
    zone: ZoneInfo = field(init=False)
    idempotency_key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.policy.timezone))
        object.__setattr__(self, "idempotency_key",
                           derive(self.keys.pin_pepper, "walletguard idempotency request v1"))

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


# Merchants never change their ledger account: cache the mapping per process.
_merchant_accounts: dict[str, str] = {}


def _merchant_account(db: Session, merchant_id: str) -> str:
    account = _merchant_accounts.get(merchant_id)
    if account is None:
        merchant = db.get(Merchant, merchant_id)
        if merchant is None:
            raise NotFound("no such merchant", field="merchant_id")
        account = _merchant_accounts[merchant_id] = merchant.account_id
    return account


def authorize_payment(
    db: Session, *, path: MoneyPath, owner: Principal, request: PaymentRequest,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Pay a merchant from the owner's wallet. Returns the response body."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    _check_amount(request.amount)
    wallet = ledger.lock_wallet(db, user_id)
    answer = _answer(new_id("txn"), request.amount, wallet, now)
    payload = _fingerprint(path, {"op": "payment", **asdict(request)})
    claim = idempotency.claim(db, scope=f"owner:{user_id}", key=idempotency_key,
                              payload=payload, now=now, expected=(201, answer))
    if claim.replay is not None:
        return _replay(claim.replay)
    try:
        merchant_account = _merchant_account(db, request.merchant_id)
        _authorize(db, path=path, owner=owner, wallet=wallet, amount=request.amount,
                   auth=request.auth, now=now, kind="payment")
        transfer = ledger.post(
            db, kind="payment", user_id=user_id, counterparty_id=request.merchant_id,
            currency=wallet.currency, now=now, auth_method=request.auth.method,
            category=request.category, transfer_id=answer["id"],
            legs=[ledger.Leg(wallet.account_id, -request.amount),
                  ledger.Leg(merchant_account, request.amount)],
        )
    except DomainError as refusal:
        raise _remember_refusal(db, path, wallet, claim, refusal, owner, now) from None
    _succeeded(db, wallet, transfer, now)
    return answer


def transfer_to_owner(
    db: Session, *, path: MoneyPath, owner: Principal, request: TransferRequest,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Send money to another owner by phone. Both wallets are locked, in id order.

    Whether ``to_phone`` has a wallet is told only after the payer has authenticated
    (PIN or biometric), and misses are counted per owner: before that a registered and an
    unregistered phone get the same answer, so the transfer is no registration oracle."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    _check_amount(request.amount)
    payee = identity.find_by_phone(db, vault=path.keys.vault, phone=request.to_phone)
    if payee is not None and payee.id == user_id:
        raise InvalidInput("cannot transfer to yourself", field="to_phone")
    wallets = ledger.lock_wallets(db, [user_id] + ([payee.id] if payee is not None else []))
    wallet = wallets[user_id]
    answer = _answer(new_id("txn"), request.amount, wallet, now)
    payload = _fingerprint(path, {"op": "transfer", **asdict(request)})
    claim = idempotency.claim(db, scope=f"owner:{user_id}", key=idempotency_key,
                              payload=payload, now=now, expected=(201, answer))
    if claim.replay is not None:
        return _replay(claim.replay)

    def payee_exists() -> None:
        if payee is None:
            _count_unknown_recipient(db, path, user_id, now)
            raise NotFound("no wallet for this phone", field="to_phone")

    try:
        _authorize(db, path=path, owner=owner, wallet=wallet, amount=request.amount,
                   auth=request.auth, now=now, kind="transfer", authenticated=payee_exists)
    except DomainError as refusal:
        raise _remember_refusal(db, path, wallet, claim, refusal, owner, now) from None
    assert payee is not None
    payee_wallet = wallets[payee.id]
    transfer = ledger.post(
        db, kind="transfer", user_id=user_id, counterparty_id=payee.id,
        currency=wallet.currency, now=now, auth_method=request.auth.method,
        category=request.note, transfer_id=answer["id"],
        legs=[ledger.Leg(wallet.account_id, -request.amount),
              ledger.Leg(payee_wallet.account_id, request.amount)],
    )
    ledger.credit_wallet(payee_wallet, request.amount, now)
    notifications.enqueue(db, topic="transaction.received", user_id=payee.id, now=now,
                          recipients=[("alert", payee.id)],
                          payload={"transfer_id": transfer.id, "amount": request.amount})
    _succeeded(db, wallet, transfer, now)
    return answer


def _count_unknown_recipient(db: Session, path: MoneyPath, user_id: str,
                             now: datetime) -> None:
    """Each transfer to a phone without a wallet says so; an owner may learn that only so
    often (the count is kept with the refusal)."""
    day = timedelta(days=1)
    misses = throttle.hit(db, key=f"transfer:unknown:{user_id}", window=day, now=now)
    if misses > path.policy.transfers.unknown_recipients_per_day:
        raise RateLimited("too many transfers to phones without a wallet today",
                          retry_after=int(day.total_seconds()))


def _fingerprint(path: MoneyPath, payload: dict[str, Any]) -> dict[str, Any]:
    """The request as the idempotency record sees it: a keyed digest. The record stores a
    plain SHA-256 of what it is given; over the raw body (a six-digit PIN, a payee's
    phone) that hash could be brute-forced back by anyone holding only the database."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"op": payload["op"],
            "request": keyed_digest(path.idempotency_key, canonical)}


def _check_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be between 1 and {MAX_AMOUNT} minor units",
                           field="amount")


def _replay(stored: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = stored
    if status == 201:
        return body
    raise ReplayedRefusal(status, body)


def _answer(transfer_id: str, amount: int, wallet: Wallet, now: datetime) -> dict[str, Any]:
    """The success answer, known before the work: the wallet is locked, so if the money
    moves, the balance afterwards is exactly this. It is stored with the idempotency
    claim; a refusal replaces it before commit."""
    return {"id": transfer_id, "status": "succeeded", "amount": amount,
            "currency": wallet.currency, "balance": wallet.balance - amount,
            "created_at": now.isoformat()}


def _succeeded(db: Session, wallet: Wallet, transfer: LedgerTransfer, now: datetime) -> None:
    wallet.declines_in_a_row = 0
    notifications.enqueue(db, topic="transaction.alert", user_id=wallet.user_id, now=now,
                          recipients=[("alert", wallet.user_id)],
                          payload={"transfer_id": transfer.id, "kind": transfer.kind,
                                   "amount": transfer.amount})


def _remember_refusal(
    db: Session, path: MoneyPath, wallet: Wallet, claim: idempotency.Claim,
    refusal: DomainError, owner: Principal, now: datetime,
) -> DomainError:
    """Keep the refusal: under its key, in the decline counter (which may lock), and in
    the owner's audit chain."""
    if refusal.code not in NOT_COUNTED:
        wallet.declines_in_a_row += 1
        if wallet.declines_in_a_row >= path.policy.restrictions.payment_failure_lock_count:
            wallet.declines_in_a_row = 0
            restrictions.place_lock(
                db, user_id=wallet.user_id, scope=restrictions.Scope.PAYMENTS,
                source="declines", reason="too many declined payments in a row",
                expires_at=now + _hours(path.policy.restrictions.payment_failure_lock_hours),
                now=now, actor=Principal(role=Role.SYSTEM, id="decline-guard"))
    audit.append(db, actor=owner.ref, action="payment.declined", subject=wallet.user_id,
                 at=now, chain=wallet.user_id, reason=refusal.code,
                 data={"detail": refusal.detail})
    claim.remember(db, refusal.status, refusal.problem())
    return refusal.kept()


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _authorize(
    db: Session, *, path: MoneyPath, owner: Principal, wallet: Wallet, amount: int,
    auth: PaymentAuth, now: datetime, kind: Literal["payment", "transfer"],
    authenticated: Callable[[], None] | None = None,
) -> None:
    """Everything that must hold before money moves; the wallet row is locked.
    ``authenticated`` runs once the payer has authenticated, before any limit or debit."""
    policy, limits = path.policy, path.policy.limits
    active = restrictions.active_for_payment(db, wallet=wallet, now=now)
    restrictions.guard(active, restrictions.Action.PAY)
    observed = restrictions.in_observation(active)
    _roll_day(wallet, path.today(now))
    if auth.method == "password_free":
        if kind == "transfer":
            raise _step_up(db, path, owner, now,
                           "password-free is for small merchant payments; a transfer to "
                           "another owner needs your PIN or biometric")
        # The < 2 elements allowance (per payment, per day, in a row) is its own
        # counter; the wallet's daily limit below covers every method together.
        _password_free(db, path=path, owner=owner, wallet=wallet, amount=amount,
                       observed=observed, now=now)
    elif auth.method == "pin":
        if not auth.pin:
            raise InvalidInput("auth.pin is required for method pin", field="auth.pin")
        credentials.judge_pin(
            db, keys=path.keys, policy=policy, user_id=wallet.user_id, pin=auth.pin, now=now,
            offer_biometric=lambda: _biometric_ready(db, path, owner, now))
        wallet.password_free_in_a_row = 0
    elif auth.method == "biometric":
        if not auth.assertion:
            raise InvalidInput("auth.assertion is required for method biometric",
                               field="auth.assertion")
        credentials.verify_biometric(db, rp=path.rp, policy=policy, owner=owner,
                                     assertion=auth.assertion, now=now)
        wallet.password_free_in_a_row = 0
    else:
        raise MethodNotAvailable("emergency codes are issued by an institution; "
                                 "this wallet platform has none enabled yet")
    if authenticated is not None:
        authenticated()
    daily = min(wallet.daily_limit, limits.two_factor_daily)
    if observed:
        daily = int(daily * policy.restrictions.observation_limit_factor)
    if wallet.spent_today + amount > daily:
        raise LimitExceeded("the daily outgoing limit would be exceeded",
                            daily_limit=daily, spent_today=wallet.spent_today)
    ledger.debit_wallet(wallet, amount, now)
    wallet.spent_today += amount
    if auth.method == "password_free":
        wallet.password_free_spent_today += amount
        wallet.password_free_in_a_row += 1


def _roll_day(wallet: Wallet, today: date) -> None:
    if wallet.counter_day != today:
        wallet.counter_day = today
        wallet.spent_today = 0
        wallet.password_free_spent_today = 0


def _biometric_ready(db: Session, path: MoneyPath, owner: Principal, now: datetime) -> bool:
    return credentials.biometric_eligible(
        db, policy=path.policy, device_id=owner.device_id, now=now
    ) and credentials.active_binding(db, device_id=owner.device_id) is not None


def _step_up(db: Session, path: MoneyPath, owner: Principal, now: datetime,
             why: str) -> StepUpRequired:
    methods = ["pin"] + (["biometric"] if _biometric_ready(db, path, owner, now) else [])
    return StepUpRequired(why, methods=methods)


def password_free_limits(path: MoneyPath, wallet: Wallet) -> tuple[int, int]:
    """The owner's own limits, never above the regulatory profile's."""
    limits = path.policy.limits
    per = min(wallet.password_free_per_payment or limits.password_free_per_payment,
              limits.password_free_per_payment)
    daily = min(wallet.password_free_daily or limits.password_free_daily,
                limits.password_free_daily, limits.single_factor_daily)
    return per, daily


def _password_free(
    db: Session, *, path: MoneyPath, owner: Principal, wallet: Wallet, amount: int,
    observed: bool, now: datetime,
) -> None:
    def step_up(why: str) -> StepUpRequired:
        return _step_up(db, path, owner, now, why)

    if observed:
        raise step_up("password-free payments are off while the wallet is under observation")
    if not wallet.password_free_enabled:
        raise step_up("password-free payments are not enabled")
    per, daily = password_free_limits(path, wallet)
    if amount > per:
        raise step_up(f"above the password-free limit of {per} per payment")
    if wallet.password_free_spent_today + amount > daily:
        raise step_up(f"above the password-free limit of {daily} per day")
    if wallet.password_free_in_a_row >= path.policy.limits.password_free_consecutive:
        raise step_up("confirm with your PIN after several password-free payments in a row")


# ---- settings and views ---------------------------------------------------------------


def set_password_free(
    db: Session, *, path: MoneyPath, owner: Principal, enabled: bool,
    per_payment_limit: int | None, daily_limit: int | None, now: datetime,
    pin: str | None = None,
) -> Wallet:
    """Turning password-free payments on, or raising their limits, is itself a strong
    authentication (PSD2 RTS: an exemption is granted under SCA): it needs the PIN.
    Turning them off or lowering a limit needs nothing."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    active = restrictions.active(db, user_id=user_id, now=now)
    if enabled:
        # Turning password-free off is always allowed (easy to stop); turning it on is
        # not while a freeze or lock stands.
        restrictions.guard(active, restrictions.Action.PAY)
    limits = path.policy.limits
    if enabled and restrictions.in_observation(active):
        raise Conflict("password-free payments stay off while the wallet is under observation")
    for name, value, cap in (("per_payment_limit", per_payment_limit,
                              limits.password_free_per_payment),
                             ("daily_limit", daily_limit, limits.password_free_daily)):
        if value is not None and not 0 < value <= cap:
            raise InvalidInput(f"{name} must be between 1 and {cap}", field=name)
    if enabled and _loosens_password_free(path, wallet, per_payment_limit, daily_limit):
        if pin is None:
            raise StepUpRequired("turning password-free payments on needs your payment PIN",
                                 methods=["pin"])
        credentials.judge_pin(db, keys=path.keys, policy=path.policy, user_id=user_id, pin=pin,
                              now=now)
        # A judged PIN is the strong authentication the "5 in a row" rule asks for.
        wallet.password_free_in_a_row = 0
    # Otherwise the count is kept, so toggling the setting cannot reopen the allowance.
    wallet.password_free_enabled = enabled
    wallet.password_free_per_payment = per_payment_limit
    wallet.password_free_daily = daily_limit
    wallet.updated_at = now
    audit.append(db, actor=owner.ref, action="settings.password_free", subject=user_id, at=now,
                 chain=user_id, data={"enabled": enabled, "per_payment_limit": per_payment_limit,
                                      "daily_limit": daily_limit})
    return wallet


def _loosens_password_free(path: MoneyPath, wallet: Wallet, per_payment: int | None,
                           daily: int | None) -> bool:
    if not wallet.password_free_enabled:
        return True
    limits = path.policy.limits
    old_per, old_daily = password_free_limits(path, wallet)
    new_per = min(per_payment or limits.password_free_per_payment,
                  limits.password_free_per_payment)
    new_daily = min(daily or limits.password_free_daily, limits.password_free_daily,
                    limits.single_factor_daily)
    return new_per > old_per or new_daily > old_daily


def set_daily_limit(
    db: Session, *, path: MoneyPath, owner: Principal, daily_limit: int, pin: str | None,
    now: datetime,
) -> Wallet:
    """Lowering is immediate; raising needs the PIN (step-up)."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    wallet = ledger.lock_wallet(db, user_id)
    active = restrictions.active(db, user_id=user_id, now=now)
    restrictions.guard(active, restrictions.Action.SETTINGS)
    cap = path.policy.limits.max_daily_limit
    if not 0 <= daily_limit <= cap:
        raise InvalidInput(f"daily_limit must be between 0 and {cap}", field="daily_limit")
    if daily_limit > wallet.daily_limit:
        restrictions.guard(active, restrictions.Action.PAY)
        if pin is None:
            raise StepUpRequired("raising the limit needs your payment PIN", methods=["pin"])
        credentials.judge_pin(db, keys=path.keys, policy=path.policy, user_id=user_id, pin=pin,
                              now=now)
    previous = wallet.daily_limit
    wallet.daily_limit = daily_limit
    wallet.updated_at = now
    audit.append(db, actor=owner.ref, action="settings.daily_limit", subject=user_id, at=now,
                 chain=user_id, data={"from": previous, "to": daily_limit})
    return wallet


def wallet_view(db: Session, *, path: MoneyPath, owner: Principal,
                now: datetime) -> dict[str, Any]:
    owner.require(Role.OWNER)
    wallet = ledger.get_wallet(db, str(owner.user_id))
    active = restrictions.active(db, user_id=wallet.user_id, now=now)
    observed = restrictions.in_observation(active)
    same_day = wallet.counter_day == path.today(now)
    limits = path.policy.limits
    daily = min(wallet.daily_limit, limits.two_factor_daily)
    if observed:
        daily = int(daily * path.policy.restrictions.observation_limit_factor)
    per, pf_daily = password_free_limits(path, wallet)
    return {
        "balance": wallet.balance,
        "available": wallet.balance - wallet.held,
        "currency": wallet.currency,
        "daily_limit": daily,
        "spent_today": wallet.spent_today if same_day else 0,
        "under_observation": observed,
        "password_free": {
            "enabled": wallet.password_free_enabled and not observed,
            "per_payment_limit": per,
            "daily_limit": pf_daily,
            "spent_today": wallet.password_free_spent_today if same_day else 0,
        },
    }


def transactions(
    db: Session, *, owner: Principal, since: datetime | None, until: datetime | None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Everything that touched the owner's wallet account, newest first."""
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
    query = (
        select(LedgerTransfer, LedgerEntry.amount)
        .join(LedgerEntry, LedgerEntry.transfer_id == LedgerTransfer.id)
        .where(LedgerEntry.account_id == wallet.account_id)
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


# ---- operator ---------------------------------------------------------------------------


def create_merchant(
    db: Session, *, actor: Principal, policy: Policy, name: str, category: str, now: datetime
) -> Merchant:
    actor.require(Role.OPERATOR)
    name = text.free_text(name, field="name", max_length=200)
    category = text.free_text(category, field="category", max_length=40)
    merchant_id = new_id("mer")
    account = ledger.open_account(db, kind="merchant", owner_id=merchant_id,
                                  currency=policy.currency, now=now)
    merchant = Merchant(id=merchant_id, name=name, category=category, account_id=account.id,
                        created_at=now)
    db.add(merchant)
    audit.append(db, actor=actor.ref, action="merchant.created", subject=merchant.id, at=now,
                 data={"name": name, "category": category})
    return merchant


def top_up(
    db: Session, *, actor: Principal, user_id: str, amount: int, idempotency_key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Money in from the operator's clearing account."""
    actor.require(Role.OPERATOR)
    _check_amount(amount)
    wallet = ledger.lock_wallet(db, user_id)
    claim = idempotency.claim(db, scope=actor.ref, key=idempotency_key,
                              payload={"op": "topup", "user_id": user_id, "amount": amount},
                              now=now)
    if claim.replay is not None:
        return _replay(claim.replay)
    transfer, wallet = ledger.top_up(db, user_id=user_id, amount=amount, now=now)
    audit.append(db, actor=actor.ref, action="wallet.topped_up", subject=user_id, at=now,
                 chain=user_id, data={"transfer_id": transfer.id, "amount": amount})
    notifications.enqueue(db, topic="transaction.alert", user_id=user_id, now=now,
                          recipients=[("alert", user_id)],
                          payload={"transfer_id": transfer.id, "kind": "topup",
                                   "amount": amount})
    body = {"id": transfer.id, "balance": wallet.balance, "amount": amount,
            "currency": wallet.currency}
    claim.remember(db, 201, body)
    return body


def refund_payment(
    db: Session, *, actor: Principal, payment_id: str, amount: int | None, reason: str,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Reverse a payment in part or whole as new entries; the original is never edited
    beyond its running refunded total, which the payer's wallet lock serialises."""
    actor.require(Role.OPERATOR)
    payment = db.get(LedgerTransfer, payment_id)
    if payment is None or payment.kind != "payment" or payment.user_id is None:
        raise NotFound("no such payment")
    wallet = ledger.lock_wallet(db, payment.user_id)
    db.refresh(payment)
    refund_amount = payment.amount - payment.refunded if amount is None else amount
    claim = idempotency.claim(db, scope=actor.ref, key=idempotency_key,
                              payload={"op": "refund", "payment_id": payment_id,
                                       "amount": amount, "reason": reason}, now=now)
    if claim.replay is not None:
        return _replay(claim.replay)
    if refund_amount <= 0 or payment.refunded + refund_amount > payment.amount:
        raise InvalidInput("a refund cannot exceed what is left of the payment",
                           field="amount", refundable=payment.amount - payment.refunded)
    merchant_account = _merchant_account(db, str(payment.counterparty_id))
    refund = ledger.post(db, kind="refund", user_id=payment.user_id,
                         counterparty_id=payment.counterparty_id, currency=payment.currency,
                         now=now, refund_of=payment.id,
                         legs=[ledger.Leg(merchant_account, -refund_amount),
                               ledger.Leg(wallet.account_id, refund_amount)])
    payment.refunded += refund_amount
    ledger.credit_wallet(wallet, refund_amount, now)
    audit.append(db, actor=actor.ref, action="payment.refunded", subject=payment.user_id,
                 at=now, chain=payment.user_id, reason=reason,
                 data={"payment_id": payment.id, "refund_id": refund.id,
                       "amount": refund_amount})
    body = {"id": refund.id, "payment_id": payment.id, "amount": refund_amount,
            "refunded_total": payment.refunded, "balance": wallet.balance}
    claim.remember(db, 201, body)
    return body


def merchant_balance(db: Session, *, merchant_id: str) -> int:
    account = db.execute(select(Merchant.account_id).where(Merchant.id == merchant_id)
                         ).scalar_one_or_none()
    if account is None:
        raise NotFound("no such merchant")
    return ledger.account_balance(db, account)

