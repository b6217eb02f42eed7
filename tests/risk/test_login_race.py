"""Parallel logins of one owner each fold their event into the risk state: none is lost.
A real ``walletguard serve --workers 2``, contenders released by a barrier.

Each login reads the owner's risk state and writes it back; it does so under the
owner's wallet lock (the login's one lock), so the logins are judged one after another.
The contenders are the owner's own trusted phones, each from its own address: nothing
else they touch is shared (not a device row, not a throttle bucket), so without the
lock two of them read the same state and the later write drops the earlier event."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests import factories, races
from walletguard.risk import service as risk
from walletguard.runtime import Platform

PHONES = 10


def login(owner: factories.RemoteOwner, device: str) -> dict[str, Any]:
    return {"phone": owner.phone, "password": factories.PASSWORD,
            "device": {"id": device, "name": device, "platform": "android",
                       "fingerprint": {"model": device}}}


def test_parallel_logins_lose_no_risk_state_update(risk_server: str,
                                                   platform: Platform) -> None:
    operator = factories.staff_headers(platform, "operator")
    owner = factories.remote_owner(risk_server, operator)
    phones = [f"phone-{n}" for n in range(2, PHONES + 2)]
    with httpx.Client(base_url=risk_server, timeout=30) as http:
        for n, phone in enumerate(phones):
            # Each phone signs in (untrusted) and phone-1 approves it with the PIN.
            asked = http.post("/v1/sessions", json=login(owner, phone),
                              headers={"X-Forwarded-For": f"10.0.1.{n}"})
            assert asked.status_code == 201, asked.text
            approved = http.post(f"/v1/challenges/{asked.json()['challenge_id']}/approve",
                                 headers=owner.headers, json={"pin": factories.PIN})
            assert approved.status_code == 200, approved.text
    with platform.db.transaction() as db:
        before = risk.state_of(db, user_id=owner.user_id).events
        assert before > 0
    barrier = threading.Barrier(PHONES)

    def log_in(n: int, http: httpx.Client) -> httpx.Response:
        barrier.wait()
        return http.post("/v1/sessions", json=login(owner, phones[n]),
                         headers={"X-Forwarded-For": f"10.0.2.{n}"})

    with (races.clients_on_both_workers(risk_server, PHONES, timeout=90) as clients,
          ThreadPoolExecutor(PHONES) as pool):
        responses = list(pool.map(log_in, range(PHONES), clients))
    races.assert_both_workers_served(responses)
    assert [r.status_code for r in responses] == [201] * PHONES, [
        r.text for r in responses if r.status_code != 201]
    assert {r.json()["trust"] for r in responses} == {"trusted"}

    with platform.db.transaction() as db:
        assert risk.state_of(db, user_id=owner.user_id).events == before + PHONES
