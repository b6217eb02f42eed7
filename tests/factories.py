"""Build real data through the real use cases (never by inserting rows)."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from walletguard.auth import service as auth
from walletguard.auth.principal import Principal, Role
from walletguard.clock import ManualClock
from walletguard.credentials import service as credentials
from walletguard.db import Base
from walletguard.devices import service as devices
from walletguard.identity import service as identity
from walletguard.payments import operator as operations
from walletguard.payments import owner as wallets
from walletguard.payments import service as payments
from walletguard.runtime import Platform


@dataclass
class ManualPlatform(Platform):
    """The platform the tests run on: its clock moves only when a test says so, and the
    type says so too (``platform.clock.advance(hours=3)`` checks)."""

    clock: ManualClock

    @classmethod
    def of(cls, platform: Platform, clock: ManualClock) -> ManualPlatform:
        parts = {f.name: getattr(platform, f.name) for f in fields(platform)}
        return cls(**{**parts, "clock": clock})


PASSWORD = "Plum-Blossom-88"
PIN = "730264"
OPERATOR = Principal(role=Role.OPERATOR, id="key_test_operator")
AGENT = Principal(role=Role.AGENT, id="key_test_agent")
TELLER = Principal(role=Role.TELLER, id="key_test_teller")


def resident_id(birth: date | None = None) -> str:
    birth = birth or date(1988, 5, 12)
    body = f"110105{birth:%Y%m%d}{random.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def phone() -> str:
    return f"+86139{random.randint(0, 99_999_999):08d}"


@dataclass
class Owner:
    user_id: str
    phone: str
    real_name: str
    id_number: str
    token: str
    device_id: str
    principal: Principal

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register_owner(
    platform: Platform, *, name: str = "陈静", balance: int = 0, pin: str | None = PIN,
    device: str = "phone-1", birth: date | None = None,
) -> Owner:
    now = platform.clock.now()
    number, id_number = phone(), resident_id(birth)
    with platform.db.transaction() as db:
        user = identity.register(db, keys=platform.keys, policy=platform.policy, now=now,
                                 data=identity.Registration(phone=number, password=PASSWORD,
                                                            real_name=name,
                                                            id_number=id_number))
        user_id = user.id
    owner = log_in(platform, user_id=user_id, phone_number=number, device=device)
    owner.real_name, owner.id_number = name, id_number
    if pin is not None:
        with platform.db.transaction() as db:
            credentials.set_pin(db, keys=platform.keys, policy=platform.policy,
                                owner=owner.principal, pin=pin, current_pin=None, now=now)
    if balance:
        top_up(platform, owner.user_id, balance)
    return owner


def log_in(platform: Platform, *, user_id: str, phone_number: str,
           device: str = "phone-1") -> Owner:
    with platform.db.transaction() as db:
        started = devices.start_session(
            db, keys=platform.keys, policy=platform.policy, phone=phone_number,
            password=PASSWORD, now=platform.clock.now(),
            device=devices.DeviceInfo(id=device, name=device, platform="android",
                                      fingerprint={"model": device}),
            context=devices.LoginContext(ip="127.0.0.1"))
        principal = Principal(role=Role.OWNER, id=user_id, user_id=user_id,
                              device_id=started.device.id, session_id=started.session.id,
                              trusted=started.trusted,
                              challenge_id=started.challenge.id if started.challenge
                              else None)
        return Owner(user_id=user_id, phone=phone_number, real_name="", id_number="",
                     token=started.token, device_id=started.device.id, principal=principal)


def top_up(platform: Platform, user_id: str, amount: int) -> None:
    with platform.db.transaction() as db:
        operations.top_up(db, actor=OPERATOR, user_id=user_id, amount=amount,
                        idempotency_key=None, now=platform.clock.now())


def merchant(platform: Platform, name: str = "便利店") -> str:
    with platform.db.transaction() as db:
        return operations.create_merchant(db, actor=OPERATOR, policy=platform.policy, name=name,
                                          category="retail", now=platform.clock.now()).id


def api_key(platform: Platform, role: str) -> str:
    with platform.db.transaction() as db:
        _, secret = auth.create_api_key(db, keys=platform.keys, role=role, name=f"test {role}",
                                        actor=OPERATOR, now=platform.clock.now())
        return secret


# ---- added for tests/restrictions, tests/incidents, tests/devices/test_commands ----------


def staff_headers(platform: Platform, role: str) -> dict[str, str]:
    """``Authorization`` for a fresh staff or operator API key (agent, teller, …)."""
    return {"Authorization": f"Bearer {api_key(platform, role)}"}


def name_trusted_contacts(platform: Platform, owner: Owner, contacts: list[Owner],
                          relation: str = "friend") -> None:
    """The owner names ``contacts`` (3–5 other owners) through the real use case."""
    with platform.db.transaction() as db:
        identity.set_trusted_contacts(
            db, keys=platform.keys, policy=platform.policy, owner=owner.principal,
            now=platform.clock.now(),
            contacts=[identity.ContactEntry(phone=c.phone, relation=relation)
                      for c in contacts])


def bind_biometric(platform: Platform, owner: Owner, *, pin: str = PIN) -> str:
    """Register a WebAuthn platform credential on the owner's device through the real
    ceremony: a software authenticator (P-256, ``none`` attestation) answers the
    service's own creation options. Returns the binding id."""
    import base64
    import hashlib
    import json
    import os

    import cbor2
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64url(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    rp = platform.money.rp
    now = platform.clock.now()
    with platform.db.transaction() as db:
        options = credentials.begin_biometric_registration(
            db, rp=rp, policy=platform.policy, owner=owner.principal, now=now)
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    cose_key = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: public.x.to_bytes(32, "big"),
                            -3: public.y.to_bytes(32, "big")})
    credential_id = os.urandom(16)
    auth_data = (hashlib.sha256(rp.id.encode()).digest() + bytes([0x45]) + bytes(4)
                 + bytes(16) + len(credential_id).to_bytes(2, "big") + credential_id
                 + cose_key)
    client_data = json.dumps({"type": "webauthn.create", "challenge": options["challenge"],
                              "origin": rp.origins[0], "crossOrigin": False}).encode()
    attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
    credential = {"id": b64url(credential_id), "rawId": b64url(credential_id),
                  "type": "public-key",
                  "response": {"clientDataJSON": b64url(client_data),
                               "attestationObject": b64url(attestation)}}
    with platform.db.transaction() as db:
        binding = credentials.finish_biometric_registration(
            db, keys=platform.keys, policy=platform.policy, rp=rp, owner=owner.principal,
            credential=credential, pin=pin, now=now, risk=platform.risk)
        return binding.id


# ---- added for tests/payments, tests/ledger, tests/credentials -------------------------


def pay(platform: Platform, owner: Owner, merchant_id: str, amount: int, *,
        method: str = "pin", pin: str | None = PIN, key: str | None = None,
        assertion: dict[str, object] | None = None) -> dict[str, object]:
    """One payment through the money path, in its own transaction (as the HTTP edge
    runs it). Refusals raise the DomainError, after committing what they keep."""
    auth_pin = pin if method == "pin" else None
    with platform.db.transaction() as db:
        return payments.authorize_payment(
            db, path=platform.money, owner=owner.principal, idempotency_key=key,
            now=platform.clock.now(),
            request=payments.PaymentRequest(
                merchant_id=merchant_id, amount=amount,
                auth=payments.PaymentAuth(method=method, pin=auth_pin,  # type: ignore[arg-type]
                                          assertion=assertion)))


def enable_password_free(platform: Platform, owner: Owner, *,
                         per_payment_limit: int | None = None,
                         daily_limit: int | None = None) -> None:
    with platform.db.transaction() as db:
        wallets.set_password_free(db, path=platform.money, owner=owner.principal,
                                   enabled=True, per_payment_limit=per_payment_limit,
                                   daily_limit=daily_limit, now=platform.clock.now(), pin=PIN)


@dataclass(frozen=True)
class MoneySnapshot:
    """Everything a refusal must leave as it was."""

    balances: dict[str, int]
    transfers: int
    entries: int
    alerts: int


def money_snapshot(platform: Platform) -> MoneySnapshot:
    from sqlalchemy import func, select

    from walletguard.ledger.models import LedgerEntry, LedgerTransfer, Wallet
    from walletguard.notifications.models import OutboxMessage

    with platform.db.transaction() as db:
        return MoneySnapshot(
            balances={u: b for u, b in db.execute(select(Wallet.user_id, Wallet.balance))},
            transfers=db.execute(select(func.count()).select_from(LedgerTransfer)).scalar_one(),
            entries=db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one(),
            alerts=db.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.topic.like("transaction.%"))).scalar_one(),
        )


@dataclass(frozen=True)
class RemoteOwner:
    """An owner built over HTTP against a running server (``server`` fixture)."""

    user_id: str
    phone: str
    headers: dict[str, str]


def remote_owner(base_url: str, operator: dict[str, str], *, balance: int = 0,
                 pin: str | None = PIN, device: str = "phone-1") -> RemoteOwner:
    """Register, log in, set the PIN and top up through the public API."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=30) as http:
        number = phone()
        created = http.post("/v1/users", json={"phone": number, "password": PASSWORD,
                                               "real_name": "陈静", "id_number": resident_id()})
        assert created.status_code == 201, created.text
        session = http.post("/v1/sessions", json={
            "phone": number, "password": PASSWORD,
            "device": {"id": device, "name": device, "platform": "android",
                       "fingerprint": {"model": device}}})
        assert session.status_code == 201, session.text
        headers = {"Authorization": f"Bearer {session.json()['token']}"}
        if pin is not None:
            done = http.put("/v1/payment-pin", json={"pin": pin}, headers=headers)
            assert done.status_code == 204, done.text
        if balance:
            topped = http.post("/v1/topups", json={"user_id": created.json()["id"],
                                                   "amount": balance}, headers=operator)
            assert topped.status_code == 201, topped.text
        return RemoteOwner(user_id=created.json()["id"], phone=number, headers=headers)


def assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    """An HTTP refusal is RFC 9457 problem+json with the API.md ``code``."""
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


# ---- device trust ------------------------------------------------------------------------


def trusted(owner: Owner) -> Owner:
    """The same owner with the principal marked trusted (after a step-up was met)."""
    owner.principal = Principal(role=Role.OWNER, id=owner.user_id, user_id=owner.user_id,
                                device_id=owner.device_id,
                                session_id=owner.principal.session_id, trusted=True)
    return owner


def trust_by_staff(platform: Platform, owner: Owner, reason: str = "verified in person") -> Owner:
    """An agent trusts the device ``owner`` is signed in on (the real use case)."""
    from walletguard.devices import challenges

    with platform.db.transaction() as db:
        challenges.trust_device_by_staff(db, actor=AGENT, device_id=owner.device_id,
                                         reason=reason, now=platform.clock.now())
    return trusted(owner)


def second_device(platform: Platform, owner: Owner, device: str = "phone-2") -> Owner:
    """Sign in on another device and approve it from ``owner``'s trusted one with the PIN."""
    from walletguard.devices import challenges

    other = log_in(platform, user_id=owner.user_id, phone_number=owner.phone, device=device)
    other.real_name, other.id_number = owner.real_name, owner.id_number
    assert other.principal.challenge_id is not None, "the device is trusted already"
    with platform.db.transaction() as db:
        challenges.approve(db, keys=platform.keys, policy=platform.policy,
                           owner=owner.principal, challenge_id=other.principal.challenge_id,
                           pin=PIN, now=platform.clock.now(), engine=platform.risk)
    return trusted(other)


M = TypeVar("M", bound=Base)


def by_id(db: Session, model: type[M], row_id: object) -> M | None:
    """A row by its id alone, for a test's look at the data (the application names an
    owner's row by its full key, ``(user_id, id)``; a test may not know the owner)."""
    column = model.__table__.c["id"]
    return db.execute(select(model).where(column == row_id)).scalar_one_or_none()
