"""The brake judges the deny rate of every worker together: a real ``walletguard serve
--workers 2`` whose workers each see too few decisions to trip on their own, while
together they are over the ceiling (the server's policy: ``tests/risk/conftest.py``)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import select

from tests import factories, races
from tests.risk.conftest import BRAKE_CEILING, BRAKE_MIN_EVENTS
from walletguard.notifications.models import OutboxMessage
from walletguard.risk.models import RiskDecision
from walletguard.runtime import Platform

OWNERS = 4
# Events before the probes: the owners' first logins and these denies, one short of the
# events the brake needs, so the first probe is the decision that trips it.
DENIED = BRAKE_MIN_EVENTS - 1 - OWNERS
TOR = "192.0.2.66"


def risky_login(owner: factories.RemoteOwner, n: int) -> dict[str, Any]:
    """After a SIM change, a device never seen, through Tor: 50 + 25 + 20 = 95, a deny
    at medium (a lock is 100)."""
    return {"phone": owner.phone, "password": factories.PASSWORD,
            "device": {"id": f"thief-{n}", "name": "thief", "platform": "android",
                       "fingerprint": {"model": f"thief-{n}"}},
            "context": {"ip": TOR}}


def test_the_brake_trips_on_the_combined_deny_rate_of_both_workers(
    risk_server: str, platform: Platform,
) -> None:
    operator = factories.staff_headers(platform, "operator")
    # Each owner's first login is an allow (a device never seen weighs 25).
    owners = [factories.remote_owner(risk_server, operator, pin=None) for _ in range(OWNERS)]
    with httpx.Client(base_url=risk_server, timeout=30) as http:
        for owner in owners:
            told = http.post("/v1/carrier-signals", headers=operator, json={
                "phone": owner.phone, "event": "sim_swap",
                "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            assert told.status_code == 202, told.text
    # With the first probe, both workers together have seen the events the brake needs,
    # and more than half are denies (ceiling 0.5); neither worker alone has.
    assert (DENIED + 1) / BRAKE_MIN_EVENTS > BRAKE_CEILING
    assert (OWNERS + DENIED + 1) // 2 + 1 < BRAKE_MIN_EVENTS
    with races.clients_on_both_workers(risk_server, 2) as clients:
        answers = [clients[n % 2].post("/v1/sessions", json=risky_login(owners[n % OWNERS], n),
                                       headers={"X-Forwarded-For": f"10.0.3.{n}"})
                   for n in range(DENIED)]
        races.assert_both_workers_served(answers)
        assert [r.status_code for r in answers] == [403] * DENIED, [r.text for r in answers]
        assert {r.json()["code"] for r in answers} == {"risk_denied"}
        # Each worker shares its counts within the sync period (0.1 s here).
        time.sleep(1.0)
        # The same risky login on each worker now falls back to a step-up: an untrusted
        # session with the reasons, not a refusal.
        probes = [client.post("/v1/sessions", json=risky_login(owners[0], 10 + n),
                              headers={"X-Forwarded-For": f"10.0.4.{n}"})
                  for n, client in enumerate(clients)]
        races.assert_both_workers_served(probes)
    for probe in probes:
        assert probe.status_code == 201, probe.text
        assert probe.json()["trust"] == "untrusted" and probe.json()["reasons"]
    with platform.db.transaction() as db:
        braked = db.execute(select(RiskDecision.outcome).where(
            RiskDecision.user_id == owners[0].user_id, RiskDecision.braked.is_(True))
        ).scalars().all()
        assert braked == ["step_up", "step_up"]
        alerts = db.execute(select(OutboxMessage).where(
            OutboxMessage.topic == "risk.brake_tripped")).scalars().all()
        # Both workers tripped; the first to trip in the window claimed the one alert.
        assert len(alerts) == 1
