"""Shared by the attack suite: clients that speak from a chosen loopback address, and a
picture of everything an attack on an owner must leave as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from walletguard.credentials.models import BiometricBinding, PaymentPin
from walletguard.devices.models import Device, DeviceSession
from walletguard.identity.models import TrustedContact
from walletguard.incidents.models import Incident
from walletguard.ledger.models import Wallet
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform

REPORTS = "/v1/lost-phone-reports"
CONTACT_REPORTS = "/v1/trusted-contacts/lost-phone-reports"


def address(n: int) -> str:
    """The ``n``-th distinct client address: all of 127.0.0.0/8 is loopback on Linux, so
    a test speaks from as many "places" as it needs without a proxy header."""
    return f"127.1.{n // 250}.{1 + n % 250}"


@contextmanager
def speaking_from(server: str, source: str) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=server, transport=transport, timeout=30) as http:
        yield http


def report(server: str, source: str, body: dict[str, str]) -> httpx.Response:
    with speaking_from(server, source) as http:
        return http.post(REPORTS, json=body)


def report_body(owner: factories.Owner, **changes: str) -> dict[str, str]:
    body = {"phone": owner.phone, "real_name": owner.real_name,
            "id_number_last4": owner.id_number[-4:]}
    return {**body, **changes}


def wrong_last4(owner: factories.Owner, n: int = 0) -> str:
    """A well-formed last four that is not the owner's (``n`` picks which)."""
    candidates = [f"{(int(owner.id_number[-4:-1]) + 1 + n) % 1000:03d}{d}" for d in "0X"]
    return next(c for c in candidates if c != owner.id_number[-4:])


def owner_state(platform: Platform, user_id: str) -> dict[str, Any]:
    """Money, PIN, contacts, devices, sessions, bindings, restrictions and incidents of
    one owner: what an attack must not change."""
    with platform.db.transaction() as db:
        def rows(*columns: Any, where: Any) -> list[tuple[Any, ...]]:
            return sorted((tuple(r) for r in db.execute(select(*columns).where(where))),
                          key=repr)

        return {
            "wallet": rows(Wallet.balance, Wallet.held, Wallet.daily_limit,
                           Wallet.spent_today, Wallet.password_free_enabled,
                           where=Wallet.user_id == user_id),
            "pin": rows(PaymentPin.digest, PaymentPin.failures, PaymentPin.set_at,
                        where=PaymentPin.user_id == user_id),
            "contacts": rows(TrustedContact.contact_user_id, TrustedContact.relation,
                             TrustedContact.added_at, where=TrustedContact.user_id == user_id),
            "devices": rows(Device.id, Device.status, Device.ended_at,
                            where=Device.user_id == user_id),
            "sessions": rows(DeviceSession.id, DeviceSession.revoked_at,
                             where=DeviceSession.user_id == user_id),
            "bindings": rows(BiometricBinding.id, BiometricBinding.revoked_at,
                             where=BiometricBinding.user_id == user_id),
            "restrictions": rows(Restriction.id, Restriction.kind, Restriction.scope,
                                 Restriction.lifted_at, where=Restriction.user_id == user_id),
            "incidents": rows(Incident.id, Incident.status, where=Incident.user_id == user_id),
        }


def frozen_by_lost_phone(platform: Platform, user_id: str) -> bool:
    with platform.db.transaction() as db:
        return db.execute(select(Restriction.id).where(
            Restriction.user_id == user_id, Restriction.kind == "freeze",
            Restriction.source == "lost_phone", Restriction.lifted_at.is_(None))
        ).first() is not None


def assert_frozen_at_once(server: str, platform: Platform, owner: factories.Owner,
                          merchant_id: str) -> None:
    """The owner, signed in again on a new phone (trusted by staff, so the refusal is the
    freeze and not the step-up), finds the wallet frozen: no payment."""
    again = factories.trust_by_staff(platform, factories.log_in(
        platform, user_id=owner.user_id, phone_number=owner.phone,
        device="phone-after-report"))
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/v1/me", headers=again.headers).json()["state"] == "frozen"
        refused = http.post("/v1/payments", headers=again.headers, json={
            "merchant_id": merchant_id, "amount": 100,
            "auth": {"method": "pin", "pin": factories.PIN}})
    factories.assert_problem(refused, 403, "account_frozen")
