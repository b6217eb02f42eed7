"""The money path: a payment to a merchant and a transfer to another owner. Every yuan
that leaves a wallet goes through here, in this order:

    check the amount                        (before any lock)
    lock the payer's wallet row             (the one lock; a transfer locks both wallets,
                                             in user-id order — see ``walletguard.db``)
    claim the idempotency key               (replay the first answer, success or refusal)
    ── judged (a savepoint) ──────────────────────────────────────────────────────────────
    guard: freezes and locks                (read under the lock, so a committed freeze wins)
    authenticate: PIN / biometric / password-free rules
    new payees: blocked for 48 h after a recovery   (``recovery.payees``, from the guard's read)
    risk: the owner's risk state judged and updated   (``risk.service``)
    limits: daily, by strength, observation halves them   (``payments.limits``)
    move the money: debit the wallet, post the balanced ledger transfer, count the day
    enqueue the transaction alert           (outbox, same transaction)
    ──────────────────────────────────────────────────────────────────────────────────────
    on a refusal: the judged work is rolled back; the refusal is remembered under the key,
    counted toward the decline lock and audited — and that is all that commits.

Owner settings and views live in ``payments.owner``; merchants, top-ups and refunds in
``payments.operator``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from walletguard.audit import service as audit
from walletguard.auth import throttle
from walletguard.auth.principal import Principal, Role
from walletguard.credentials import service as credentials
from walletguard.credentials.service import RelyingParty
from walletguard.crypto import Keyring, derive, keyed_digest
from walletguard.db import Inserts, judged, new_id
from walletguard.devices import service as devices
from walletguard.devices.models import Device, DeviceSession
from walletguard.errors import (
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
from walletguard.ledger.models import LedgerTransfer
from walletguard.ledger.service import LockedWallet
from walletguard.notifications import service as notifications
from walletguard.payments import limits
from walletguard.payments.models import Merchant
from walletguard.policy import DAILY_WINDOW, Policy
from walletguard.recovery import payees as new_payees
from walletguard.recovery import service as recovery
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction
from walletguard.risk import service as risk
from walletguard.risk.signals import Event

Method = Literal["pin", "biometric", "password_free", "emergency_code"]
METHODS: tuple[Method, ...] = get_args(Method)
# Refusals that say nothing suspicious about who is paying do not count toward the
# decline lock: wrong PINs have their own lock, and a request for stronger
# authentication is the system asking, not the payer failing.
NOT_COUNTED = {"account_frozen", "account_locked", "pin_locked", "idempotency_conflict",
               "invalid_pin", "not_found", "invalid_input", "step_up_required",
               "new_payee_blocked"}


@dataclass(frozen=True)
class PaymentAuth:
    method: Method
    pin: str | None = None
    assertion: dict[str, Any] | None = None
    code: str | None = None


@dataclass(frozen=True)
class RiskContext:
    """Where the payer is, as the device reports it (risk signals), and the challenge a
    risk step-up opened, once met."""

    ip: str | None = None
    lat: float | None = None
    lon: float | None = None
    challenge_id: str | None = None


@dataclass(frozen=True)
class PaymentRequest:
    merchant_id: str
    amount: int
    auth: PaymentAuth
    category: str | None = None
    context: RiskContext = field(default_factory=RiskContext)


@dataclass(frozen=True)
class TransferRequest:
    to_phone: str
    amount: int
    auth: PaymentAuth
    note: str | None = None
    context: RiskContext = field(default_factory=RiskContext)


@dataclass(frozen=True)
class MoneyPath:
    """What the money path needs from the platform, built once per process."""

    keys: Keyring
    policy: Policy
    rp: RelyingParty
    risk: risk.RiskEngine | None = None
    zone: ZoneInfo = field(init=False)
    idempotency_key: bytes = field(init=False, repr=False)
    # Merchants never change their ledger account: the mapping is cached per process.
    _merchant_accounts: dict[str, str] = field(init=False, repr=False, compare=False,
                                               default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.policy.timezone))
        object.__setattr__(self, "idempotency_key",
                           derive(self.keys.pin_pepper, "walletguard idempotency request v1"))

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def merchant_account(self, db: Session, merchant_id: str) -> str:
        account = self._merchant_accounts.get(merchant_id)
        if account is None:
            account = self._merchant_accounts[merchant_id] = merchant_account(db, merchant_id)
        return account


def merchant_account(db: Session, merchant_id: str) -> str:
    """The ledger account of a merchant, or ``not_found``."""
    merchant = db.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("no such merchant", field="merchant_id")
    return merchant.account_id


def authorize_payment(
    db: Session, *, path: MoneyPath, owner: Principal, request: PaymentRequest,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Pay a merchant from the owner's wallet. Returns the response body.

    Refusals: ``invalid_input``, ``not_found`` (merchant), ``account_frozen``,
    ``account_locked``, ``pin_locked``, ``pin_not_set``, ``invalid_pin``,
    ``invalid_biometric``, ``step_up_required``, ``method_not_available``,
    ``new_payee_blocked`` (48 h after a recovery), ``limit_exceeded``,
    ``insufficient_funds``, ``idempotency_conflict``."""
    owner.require(Role.OWNER)
    check_amount(request.amount)
    # A PIN payment reads the PIN with the lock: one statement (``lock_wallet_with_pin``).
    lock = credentials.lock_wallet_with_pin if request.auth.method == "pin" else (
        ledger.lock_wallet)
    wallet = lock(db, str(owner.user_id))
    answer = _answer(new_id("txn"), request.amount, wallet, now)
    claim = idempotency.claim(db, scope=f"owner:{wallet.user_id}", key=idempotency_key,
                              payload=_fingerprint(path, {"op": "payment", **_request_of(request)}),
                              now=now, expected=(201, answer))
    if claim.replay is not None:
        return replay(claim.replay)
    try:
        with judged(db):
            to_account = path.merchant_account(db, request.merchant_id)
            closing = Inserts()
            _authorize(db, path=path, owner=owner, wallet=wallet, amount=request.amount,
                       auth=request.auth, now=now, kind="payment",
                       merchant_id=request.merchant_id, payment_id=answer["id"],
                       context=request.context, payee=f"merchant:{request.merchant_id}",
                       counterparty_id=request.merchant_id, closing=closing)
            _move_money(db, wallet=wallet, kind="payment", amount=request.amount,
                        to_account=to_account, counterparty_id=request.merchant_id,
                        auth=request.auth, category=request.category,
                        transfer_id=answer["id"], now=now, closing=closing)
            closing.finish(db, updating=[wallet])
    except DomainError as refusal:
        _remember_refusal(db, path, wallet, claim, refusal, owner, now)
        raise
    return answer


def transfer_to_owner(
    db: Session, *, path: MoneyPath, owner: Principal, request: TransferRequest,
    idempotency_key: str | None, now: datetime,
) -> dict[str, Any]:
    """Send money to another owner by phone. Both wallets are locked, in id order.

    Whether ``to_phone`` has a wallet is told only after the payer has authenticated
    (PIN or biometric), and misses are counted per owner: before that a registered and an
    unregistered phone get the same answer, so the transfer is no registration oracle.

    Refusals: those of ``authorize_payment`` (``not_found`` for a phone without a wallet),
    and ``rate_limited`` after too many such phones in a day."""
    owner.require(Role.OWNER)
    user_id = str(owner.user_id)
    check_amount(request.amount)
    payee = identity.find_by_phone(db, vault=path.keys.vault, phone=request.to_phone)
    if payee is not None and payee.id == user_id:
        raise InvalidInput("cannot transfer to yourself", field="to_phone")
    wallets = ledger.lock_wallets(db, [user_id] + ([payee.id] if payee is not None else []))
    wallet = wallets[user_id]
    answer = _answer(new_id("txn"), request.amount, wallet, now)
    claim = idempotency.claim(db, scope=f"owner:{user_id}", key=idempotency_key,
                              payload=_fingerprint(path, {"op": "transfer",
                                                          **_request_of(request)}),
                              now=now, expected=(201, answer))
    if claim.replay is not None:
        return replay(claim.replay)

    def payee_exists() -> None:
        if payee is None:
            _refuse_unknown_recipient(db, path, user_id, now)

    try:
        with judged(db):
            closing = Inserts()
            _authorize(db, path=path, owner=owner, wallet=wallet, amount=request.amount,
                       auth=request.auth, now=now, kind="transfer", authenticated=payee_exists,
                       context=request.context,
                       payee=f"owner:{payee.id}" if payee is not None else None,
                       counterparty_id=payee.id if payee is not None else None,
                       closing=closing)
            assert payee is not None
            payee_wallet = wallets[payee.id]
            transfer = _move_money(
                db, wallet=wallet, kind="transfer", amount=request.amount,
                to_account=payee_wallet.account_id, counterparty_id=payee.id,
                auth=request.auth, category=request.note, transfer_id=answer["id"], now=now,
                to_owner=payee.id, closing=closing)
            ledger.credit_wallet(payee_wallet, request.amount, now)
            notifications.enqueue(
                db, topic="transaction.received", user_id=payee.id, now=now,
                recipients=[("alert", payee.id)],
                payload={"transfer_id": transfer.id, "amount": request.amount}, into=closing)
            closing.finish(db, updating=[wallet, payee_wallet])
    except DomainError as refusal:
        _remember_refusal(db, path, wallet, claim, refusal, owner, now)
        raise
    return answer


def check_amount(amount: int) -> None:
    if not 0 < amount <= limits.MAX_AMOUNT:
        raise InvalidInput(f"amount must be between 1 and {limits.MAX_AMOUNT} minor units",
                           field="amount")


def replay(stored: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    """The first answer given under an idempotency key: the body of a success, or the
    refusal raised again."""
    status, body = stored
    if status == 201:
        return body
    raise ReplayedRefusal(status, body)


def _refuse_unknown_recipient(db: Session, path: MoneyPath, user_id: str,
                              now: datetime) -> None:
    """Each transfer to a phone without a wallet says so; an owner may learn that only so
    often. The count is written before the refusal and kept with it (``keeping``): it runs
    inside the judged part, after the payer authenticated."""
    key = f"transfer:unknown:{user_id}"

    def count(db: Session) -> int:
        return throttle.hit(db, key=key, window=DAILY_WINDOW, now=now)

    if count(db) > path.policy.transfers.unknown_recipients_per_day:
        raise RateLimited("too many transfers to phones without a wallet today",
                          retry_after=throttle.seconds_left(db, key=key, window=DAILY_WINDOW,
                                                            now=now)
                          ).keeping(count)
    raise NotFound("no wallet for this phone", field="to_phone").keeping(count)


def _request_of(request: PaymentRequest | TransferRequest) -> dict[str, Any]:
    """The request as idempotency compares it: where the payer stands (``context``) may
    differ between a request and its retry."""
    fields = asdict(request)
    del fields["context"]
    return fields


def _fingerprint(path: MoneyPath, payload: dict[str, Any]) -> dict[str, Any]:
    """The request as the idempotency record sees it: a keyed digest. The record stores a
    plain SHA-256 of what it is given; over the raw body (a six-digit PIN, a payee's
    phone) that hash could be brute-forced back by anyone holding only the database."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"op": payload["op"],
            "request": keyed_digest(path.idempotency_key, canonical)}


def _answer(transfer_id: str, amount: int, wallet: LockedWallet,
            now: datetime) -> dict[str, Any]:
    """The success answer, known before the work: the wallet is locked, so if the money
    moves, the balance afterwards is exactly this. It is stored with the idempotency
    claim; a refusal replaces it before commit."""
    return {"id": transfer_id, "status": "succeeded", "amount": amount,
            "currency": wallet.currency, "balance": wallet.balance - amount,
            "created_at": now.isoformat()}


def _remember_refusal(
    db: Session, path: MoneyPath, wallet: LockedWallet, claim: idempotency.Claim,
    refusal: DomainError, owner: Principal, now: datetime,
) -> None:
    """What the money path keeps of a refusal, written after the judged work is rolled
    back: the answer under its key, the decline counter (which may lock), the audit row."""
    if refusal.code not in NOT_COUNTED:
        wallet.declines_in_a_row += 1
        if wallet.declines_in_a_row >= path.policy.restrictions.payment_failure_lock_count:
            wallet.declines_in_a_row = 0
            restrictions.place_lock(
                db, wallet=wallet, scope=restrictions.Scope.PAYMENTS,
                source="declines", reason="too many declined payments in a row",
                expires_at=now + timedelta(
                    hours=path.policy.restrictions.payment_failure_lock_hours),
                now=now, actor=Principal(role=Role.SYSTEM, id="decline-guard"))
    audit.append(db, actor=owner.ref, action="payment.declined", subject=wallet.user_id,
                 at=now, chain=wallet.user_id, reason=refusal.code,
                 data={"detail": refusal.detail})
    claim.remember(db, refusal.status, refusal.problem())


def _authorize(
    db: Session, *, path: MoneyPath, owner: Principal, wallet: LockedWallet, amount: int,
    auth: PaymentAuth, now: datetime, kind: Literal["payment", "transfer"],
    authenticated: Callable[[], None] | None = None, merchant_id: str | None = None,
    payment_id: str | None = None, context: RiskContext | None = None,
    payee: str | None = None, counterparty_id: str | None = None,
    closing: Inserts | None = None,
) -> None:
    """Everything that must hold before money moves; the wallet row is locked.
    ``authenticated`` runs once the payer has authenticated, before the risk engine and
    any limit."""
    policy = path.policy
    active = restrictions.active_on_locked(db, wallet=wallet, now=now)
    # An emergency code is for an owner whose wallet is frozen for payments (seed 002
    # §8): only what blocks the whole account stops it.
    covering = [r for r in active if auth.method != "emergency_code"
                or r.scope == restrictions.Scope.ACCOUNT]
    restrictions.guard(covering, restrictions.Action.PAY)
    observed = restrictions.in_observation(active)
    _roll_day(wallet, path.today(now))
    if auth.method == "password_free":
        if kind == "transfer":
            raise _step_up(db, path, owner, now,
                           "password-free is for small merchant payments; a transfer to "
                           "another owner needs your PIN or biometric")
        # The < 2 elements allowance (per payment, per day, in a row) is its own
        # counter; the wallet's daily cap below covers every method together.
        why_not = limits.password_free_refusal(policy, wallet, amount, observed=observed)
        if why_not is not None:
            raise _step_up(db, path, owner, now, why_not)
    elif auth.method == "pin":
        if not auth.pin:
            raise InvalidInput("auth.pin is required for method pin", field="auth.pin")
        credentials.judge_pin(
            db, keys=path.keys, policy=policy, wallet=wallet, pin=auth.pin, now=now,
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
        if kind == "transfer" or merchant_id is None or payment_id is None:
            raise MethodNotAvailable("an emergency code pays a merchant, not another owner")
        if not auth.code:
            raise InvalidInput("auth.code is required for method emergency_code",
                               field="auth.code")
        merchant = db.get(Merchant, merchant_id)
        recovery.redeem_emergency_code(
            db, keys=path.keys, policy=policy, wallet=wallet, code=auth.code, amount=amount,
            merchant_category=merchant.category if merchant else None,
            payment_id=payment_id, now=now)
        observed = True
    if authenticated is not None:
        authenticated()
    if counterparty_id is not None and auth.method != "emergency_code":
        # After a recovery, new payees wait (``recovery.payees``); an emergency code is
        # exempt: an institution checked the owner in person for this one payment.
        new_payees.check(db, active=active, policy=policy, user_id=wallet.user_id,
                         counterparty_id=counterparty_id, now=now)
    if path.risk is not None:
        _judge_risk(db, path=path, engine=path.risk, owner=owner, wallet=wallet,
                    kind=kind, amount=amount, payee=payee, context=context or RiskContext(),
                    # The freeze an emergency code was issued for (after an in-person
                    # check) is no risk signal against it.
                    active=covering, now=now, closing=closing)
    cap = limits.daily_cap(policy, wallet, observed=observed)
    if wallet.spent_today + amount > cap:
        raise LimitExceeded("the daily outgoing limit would be exceeded",
                            daily_limit=cap, spent_today=wallet.spent_today)


def _judge_risk(
    db: Session, *, path: MoneyPath, engine: risk.RiskEngine, owner: Principal,
    wallet: LockedWallet, kind: str, amount: int, payee: str | None, context: RiskContext,
    active: list[Restriction], now: datetime, closing: Inserts | None = None,
) -> None:
    """The risk engine on the money path: the state is read and written once under the
    wallet lock; a step-up answers with a challenge the device-trust flow can meet (the
    payment retried with its ``context.challenge_id`` once met)."""
    if not engine.policy.risk.enabled:
        return
    event = Event(at=now, type=kind, device_id=owner.device_id, ip=context.ip,
                  lat=context.lat, lon=context.lon, amount=amount, payee=payee,
                  frozen=any(r.kind == restrictions.Kind.FREEZE for r in active),
                  lost_report_standing=restrictions.lost_report_standing(active))
    met = context.challenge_id is not None and risk.met_step_up(
        db, user_id=wallet.user_id, session_id=owner.session_id,
        challenge_id=context.challenge_id, kind=kind, amount=amount, payee=payee,
        policy=path.policy, now=now)
    evaluation = risk.evaluate(db, engine=engine, wallet=wallet, event=event,
                               now=now, exclude_device=owner.device_id, step_up_met=met)

    def step_up() -> StepUpRequired:
        challenge_id = new_id("chg")
        refusal = _step_up(db, path, owner, now, "this payment looks unusual; confirm it is "
                           "you, then retry it with context.challenge_id")
        refusal.extra["methods"] = ["device_approval", "sms_code_and_pin"]
        refusal.extra["challenge_id"] = challenge_id
        return refusal.keeping(
            lambda db: _open_risk_challenge(db, path, owner, challenge_id, now),
            # The step-up covers this operation only: this kind, amount and payee, once.
            lambda db: risk.bind_step_up(db, user_id=wallet.user_id,
                                         challenge_id=challenge_id, kind=kind, amount=amount,
                                         payee=payee, now=now))

    # An allowed payment's decision row joins its closing writes (``closing``).
    risk.enforce(db, evaluation, wallet=wallet, user_id=wallet.user_id, now=now,
                 step_up=step_up, into=closing)


def _open_risk_challenge(db: Session, path: MoneyPath, owner: Principal, challenge_id: str,
                         now: datetime) -> None:
    session = db.get(DeviceSession, (owner.user_id, owner.session_id))
    device = db.get(Device, (owner.user_id, owner.device_id))
    if session is None or device is None:
        return
    devices.open_challenge_for(db, policy=path.policy, session=session, device=device,
                               fingerprint=device.fingerprint_digest, now=now,
                               challenge_id=challenge_id)


def _move_money(
    db: Session, *, wallet: LockedWallet, kind: str, amount: int, to_account: str,
    counterparty_id: str, auth: PaymentAuth, category: str | None, transfer_id: str,
    now: datetime, closing: Inserts, to_owner: str | None = None,
) -> LedgerTransfer:
    """Debit the locked wallet and post the balanced transfer, together; count the day;
    tell the payer. The transfer, its entries and the alert join ``closing``, which the
    caller writes last: one statement on PostgreSQL (``db.Inserts``), after the wallet's
    UPDATE."""
    ledger.debit_wallet(wallet, amount, now)
    wallet.spent_today += amount
    if auth.method == "password_free":
        wallet.password_free_spent_today += amount
        wallet.password_free_in_a_row += 1
    wallet.declines_in_a_row = 0
    # The wallet's changes are flushed as one UPDATE ahead of the ledger's inserts.
    transfer = ledger.post(
        db, kind=kind, user_id=wallet.user_id, counterparty_id=counterparty_id,
        currency=wallet.currency, now=now, auth_method=auth.method, category=category,
        transfer_id=transfer_id,
        # A payee owner's leg lives on the payee's shard (``to_owner``); a merchant's on
        # the payer's (ADR 0008).
        legs=[ledger.Leg(wallet.account_id, -amount),
              ledger.Leg(to_account, amount, user_id=to_owner)], into=closing)
    notifications.enqueue(db, topic="transaction.alert", user_id=wallet.user_id, now=now,
                          recipients=[("alert", wallet.user_id)],
                          payload={"transfer_id": transfer.id, "kind": transfer.kind,
                                   "amount": transfer.amount}, into=closing)
    return transfer


def _roll_day(wallet: LockedWallet, today: date) -> None:
    if wallet.counter_day != today:
        wallet.counter_day = today
        wallet.spent_today = 0
        wallet.password_free_spent_today = 0


def _biometric_ready(db: Session, path: MoneyPath, owner: Principal, now: datetime) -> bool:
    return credentials.biometric_eligible(
        db, policy=path.policy, user_id=owner.user_id, device_id=owner.device_id, now=now
    ) and credentials.active_binding(db, user_id=owner.user_id,
                                     device_id=owner.device_id) is not None


def _step_up(db: Session, path: MoneyPath, owner: Principal, now: datetime,
             why: str) -> StepUpRequired:
    methods = ["pin"] + (["biometric"] if _biometric_ready(db, path, owner, now) else [])
    return StepUpRequired(why, methods=methods)
