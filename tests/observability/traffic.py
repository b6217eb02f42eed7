"""Real traffic for the observability tests: sign-up, login, PIN, payments (good, wrong
PIN until the lock, password-free refused), a freeze with the owner's words, a public
lost-phone report, and requests that carry PII where it does not belong."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests import factories
from walletguard.runtime import Platform

WRONG_PIN = "402918"


# Clients pinned to different workers (tests/races.py), taken in turn while ``run`` has
# them; otherwise every request opens its own connection.
_spread: list[httpx.Client] = []
_turn = itertools.count()


def call(base: str, method: str, path: str, *, headers: dict[str, str] | None = None,
         **kwargs: object) -> httpx.Response:
    """One request: on the next of the spread clients, or on a new connection."""
    if _spread:
        http = _spread[next(_turn) % len(_spread)]
        return http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    with httpx.Client(base_url=base, timeout=30) as http:
        return http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


@dataclass
class Sent:
    """What the traffic carried that no log line may show, and what it was answered."""

    secrets: dict[str, str] = field(default_factory=dict)
    request_ids: list[str] = field(default_factory=list)
    payments: Counter[tuple[str, str]] = field(default_factory=Counter)  # (method, outcome)
    refusals: Counter[str] = field(default_factory=Counter)  # code on /v1/payments

    def pay(self, base: str, headers: dict[str, str], body: dict[str, object]) -> None:
        rid = str(uuid.uuid4())
        self.request_ids.append(rid)
        answer = call(base, "POST", "/v1/payments", json=body,
                      headers={**headers, "X-Request-Id": rid})
        assert answer.headers["x-request-id"] == rid
        auth = body.get("auth")
        method = auth.get("method") if isinstance(auth, dict) else None
        method = method if method in {"pin", "password_free"} else "unknown"
        outcome = "succeeded" if answer.status_code == 201 else answer.json()["code"]
        self.payments[(method, outcome)] += 1
        if answer.status_code != 201:
            self.refusals[outcome] += 1


def run(base: str, platform: Platform, *, via: dict[str, str] | None = None,
        spread: list[httpx.Client] | None = None) -> Sent:
    """``via``: headers every request carries (``X-Forwarded-For`` behind a proxy);
    ``spread``: clients on different workers, used in turn (the kernel, left to itself,
    may hand one worker every new connection)."""
    _spread[:] = spread or []
    try:
        return _run(base, platform, via=via)
    finally:
        _spread.clear()


def _run(base: str, platform: Platform, *, via: dict[str, str] | None = None) -> Sent:
    via = via or {}
    sent = Sent()
    operator_key = factories.api_key(platform, "operator")
    operator = {**via, "Authorization": f"Bearer {operator_key}"}
    phone, id_number, name = factories.phone(), factories.resident_id(), "欧阳静怡"
    created = call(base, "POST", "/v1/users", headers=via, json={
        "phone": phone, "password": factories.PASSWORD, "real_name": name,
        "id_number": id_number})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    login = call(base, "POST", "/v1/sessions", headers=via, json={
        "phone": phone, "password": factories.PASSWORD,
        "device": {"id": "p1", "name": "Mate", "platform": "android",
                   "fingerprint": {"model": "Mate 60"}}})
    assert login.status_code == 201, login.text
    token = login.json()["token"]
    me = {**via, "Authorization": f"Bearer {token}"}
    assert call(base, "PUT", "/v1/payment-pin", json={"pin": factories.PIN},
                headers=me).status_code == 204
    merchant = call(base, "POST", "/v1/merchants", headers=operator,
                    json={"name": "便利店", "category": "retail"})
    assert merchant.status_code == 201, merchant.text
    topup = call(base, "POST", "/v1/topups", headers=operator,
                 json={"user_id": user_id, "amount": 50_000})
    assert topup.status_code == 201, topup.text

    pay = {"merchant_id": merchant.json()["id"], "amount": 1_250}
    for _ in range(3):
        sent.pay(base, me, {**pay, "auth": {"method": "pin", "pin": factories.PIN}})
    sent.pay(base, me, {**pay, "amount": 100, "auth": {"method": "password_free"}})
    sent.pay(base, me, {**pay, "auth": {"method": "cash-please", "pin": factories.PIN}})
    for _ in range(platform.policy.pin.max_consecutive_failures):
        sent.pay(base, me, {**pay, "auth": {"method": "pin", "pin": WRONG_PIN}})
    sent.pay(base, me, {**pay, "auth": {"method": "pin", "pin": factories.PIN}})

    # PII where it has no business: a query string, a request id, the owner's own words.
    assert call(base, "GET", "/v1/me", headers={**me, "X-Request-Id": phone},
                params={"phone": phone, "name": name}).status_code == 200
    reason = f"{name} lost the phone {phone}"
    frozen = call(base, "POST", "/v1/freeze", headers=me, json={"reason": reason})
    assert frozen.status_code == 201, frozen.text
    report = call(base, "POST", "/v1/lost-phone-reports", headers=via, json={
        "phone": phone, "real_name": name, "id_number_last4": id_number[-4:]})
    assert report.status_code == 202, report.text
    bad_login = call(base, "POST", "/v1/sessions", headers=via, json={
        "phone": phone, "password": "Wrong-" + factories.PASSWORD,
        "device": {"id": "p2", "name": "Mate", "platform": "android", "fingerprint": {}}})
    assert bad_login.status_code in (401, 403, 429), bad_login.text

    sent.secrets = {
        "phone": phone, "phone digits": phone.removeprefix("+"),
        "national phone": phone.removeprefix("+86"), "name": name,
        "family name and first letter": name[:3], "id number": id_number,
        "password": factories.PASSWORD, "token": token, "operator key": operator_key,
        "pin": factories.PIN, "wrong pin": WRONG_PIN, "user id": user_id,
        "freeze reason": reason,
    }
    return sent


def scrape(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics answer, keyed by name and labels."""
    text = call(base, "GET", "/metrics").text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def delta(before: dict[tuple[str, frozenset[tuple[str, str]]], float],
          after: dict[tuple[str, frozenset[tuple[str, str]]], float],
          name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)
