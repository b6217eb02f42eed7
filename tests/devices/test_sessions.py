"""Owner sessions and the devices they are bound to: login binds, anomalies are noted,
unbinding ends sessions at once in every worker, guesses are throttled per account and
per IP, lost devices stay out, idle sessions expire."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories, races
from walletguard.app import create_app
from walletguard.auth.models import ThrottleBucket
from walletguard.auth.principal import Principal, Role
from walletguard.clock import ManualClock
from walletguard.devices import service as devices
from walletguard.devices.models import Device, DeviceSession
from walletguard.runtime import Platform


def login_body(phone: str, *, device: str = "phone-1", password: str = factories.PASSWORD,
               fingerprint: dict[str, Any] | None = None,
               context: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": phone, "password": password,
        "device": {"id": device, "name": f"{device} name", "platform": "android",
                   "fingerprint": fingerprint if fingerprint is not None else {"model": device}}}
    if context is not None:
        body["context"] = context
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def registered(client: TestClient | httpx.Client) -> str:
    phone = factories.phone()
    created = client.post("/v1/users", json={
        "phone": phone, "password": factories.PASSWORD, "real_name": "陈静",
        "id_number": factories.resident_id()})
    assert created.status_code == 201, created.text
    return phone


def approved(client: TestClient | httpx.Client, trusted: dict[str, Any],
             asking: dict[str, Any]) -> dict[str, Any]:
    """The trusted session approves the asking one's device with the payment PIN (set
    first if the owner has none yet)."""
    client.put("/v1/payment-pin", json={"pin": factories.PIN}, headers=bearer(trusted["token"]))
    assert (trusted["trust"], asking["trust"]) == ("trusted", "untrusted")
    done = client.post(f"/v1/challenges/{asking['challenge_id']}/approve",
                       json={"pin": factories.PIN}, headers=bearer(trusted["token"]))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved"
    return {**asking, "trust": "trusted"}


def device_row(platform: Platform, device_id: str) -> Device:
    with platform.db.transaction() as db:
        device = factories.by_id(db, Device, device_id)
        assert device is not None
        return device


def test_login_binds_a_session_to_the_device_and_records_where_it_came_from(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    first = client.post("/v1/sessions", json=login_body(
        phone, context={"ip": "203.0.113.7", "lat": 31.23, "lon": 121.47}))
    assert first.status_code == 201, first.text
    assert first.json()["new_device"] is True
    device = device_row(platform, first.json()["device_id"])
    assert device.first_seen_at == device.last_seen_at == device.trusted_since == clock.now()
    assert (device.last_ip, device.last_lat, device.last_lon) == ("203.0.113.7", 31.23, 121.47)
    assert device.last_anomaly_at is None
    with platform.db.transaction() as db:
        session = db.execute(select(DeviceSession)).scalar_one()
        assert session.device_id == device.id
        assert session.token_digest == platform.keys.token_digest(first.json()["token"])

    started = clock.now()
    clock.advance(days=3)
    again = client.post("/v1/sessions", json=login_body(phone))
    assert again.status_code == 201
    assert again.json()["device_id"] == device.id and again.json()["new_device"] is False
    device = device_row(platform, device.id)
    assert device.first_seen_at == started and device.last_seen_at == clock.now()
    assert device.last_ip == "testclient"  # no reported IP: the connection's address
    assert device.last_anomaly_at is None
    # both sessions live: a second login does not end the first
    assert client.get("/v1/me", headers=bearer(first.json()["token"])).status_code == 200
    assert client.get("/v1/me", headers=bearer(again.json()["token"])).status_code == 200


def test_same_device_id_with_another_fingerprint_is_recorded_as_an_anomaly(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    first = client.post("/v1/sessions", json=login_body(phone, fingerprint={"model": "Mate 60",
                                                                            "os": "4.2"}))
    clock.advance(hours=1)
    same = client.post("/v1/sessions", json=login_body(phone, fingerprint={"os": "4.2",
                                                                           "model": "Mate 60"}))
    assert device_row(platform, same.json()["device_id"]).last_anomaly_at is None
    clock.advance(hours=1)
    cloned = client.post("/v1/sessions", json=login_body(
        phone, fingerprint={"model": "Pixel 8", "os": "14"}))
    assert cloned.status_code == 201, cloned.text
    assert cloned.json()["device_id"] == first.json()["device_id"]
    device = device_row(platform, first.json()["device_id"])
    assert device.last_anomaly_at == clock.now()


def test_devices_are_listed_with_last_seen_location_and_which_one_is_calling(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    a = client.post("/v1/sessions", json=login_body(phone, device="phone-a",
                                                    context={"lat": 30.0, "lon": 120.0}))
    clock.advance(minutes=5)
    b = client.post("/v1/sessions", json=login_body(phone, device="tablet-b"))
    listed = client.get("/v1/devices", headers=bearer(a.json()["token"]))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [d["id"] for d in items] == [a.json()["device_id"], b.json()["device_id"]]
    assert [d["current"] for d in items] == [True, False]
    assert items[0]["last_location"] == {"lat": 30.0, "lon": 120.0}
    assert items[1]["last_location"] is None
    assert items[1]["name"] == "tablet-b name"
    for key in ("first_seen_at", "last_seen_at", "trusted_since", "last_ip", "platform"):
        assert key in items[0]
    # another owner sees only their own
    other = factories.register_owner(platform)
    theirs = client.get("/v1/devices", headers=other.headers).json()["items"]
    assert [d["id"] for d in theirs] == [other.device_id]


def test_unbinding_a_device_revokes_its_sessions_in_the_very_next_request(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    a1 = client.post("/v1/sessions", json=login_body(phone, device="phone-a")).json()
    a2 = client.post("/v1/sessions", json=login_body(phone, device="phone-a")).json()
    b = approved(client, a1,
                 client.post("/v1/sessions", json=login_body(phone, device="tablet-b")).json())
    deleted = client.delete(f"/v1/devices/{a1['device_id']}", headers=bearer(b["token"]))
    assert deleted.status_code == 204, deleted.text
    for token in (a1["token"], a2["token"]):
        refused = client.get("/v1/me", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthenticated"
    assert client.get("/v1/me", headers=bearer(b["token"])).status_code == 200
    listed = client.get("/v1/devices", headers=bearer(b["token"])).json()["items"]
    assert [d["id"] for d in listed] == [b["device_id"]]
    with platform.db.transaction() as db:
        revoked = db.execute(select(DeviceSession).where(
            DeviceSession.device_id == a1["device_id"])).scalars().all()
        assert {s.revoked_at for s in revoked} == {clock.now()}
    # gone is gone: a second delete, or a delete of a device one does not own
    assert client.delete(f"/v1/devices/{a1['device_id']}",
                         headers=bearer(b["token"])).status_code == 404
    other = factories.register_owner(platform)
    assert client.delete(f"/v1/devices/{b['device_id']}",
                         headers=other.headers).status_code == 404
    assert client.get("/v1/me", headers=bearer(b["token"])).status_code == 200


def test_an_owner_may_unbind_the_device_they_are_calling_from(
    client: TestClient, platform: Platform,
) -> None:
    phone = registered(client)
    a = client.post("/v1/sessions", json=login_body(phone)).json()
    assert client.delete(f"/v1/devices/{a['device_id']}",
                         headers=bearer(a["token"])).status_code == 204
    assert client.get("/v1/me", headers=bearer(a["token"])).status_code == 401


def test_a_device_bound_again_after_unbinding_starts_its_trust_afresh(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    a = client.post("/v1/sessions", json=login_body(phone)).json()
    clock.advance(days=40)
    a = client.post("/v1/sessions", json=login_body(phone)).json()  # idle: sign in again
    b = approved(client, a,
                 client.post("/v1/sessions", json=login_body(phone, device="other")).json())
    assert client.delete(f"/v1/devices/{a['device_id']}",
                         headers=bearer(b["token"])).status_code == 204
    clock.advance(hours=1)
    again = client.post("/v1/sessions", json=login_body(phone)).json()
    assert again["device_id"] == a["device_id"] and again["new_device"] is True
    assert again["trust"] == "untrusted"  # it earns trust again, like any new device
    assert device_row(platform, a["device_id"]).trusted_since == clock.now()


def test_unbinding_through_one_worker_stops_the_token_in_every_worker(
    server: str, platform: Platform,
) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        phone = registered(http)
        a = http.post("/v1/sessions", json=login_body(phone, device="phone-a")).json()
        b = approved(http, a, http.post("/v1/sessions",
                                        json=login_body(phone, device="tablet-b")).json())
        for _ in range(6):  # warm both workers up with the soon-to-be-revoked token
            assert http.get("/v1/me", headers=bearer(a["token"])).status_code == 200
        assert http.delete(f"/v1/devices/{a['device_id']}",
                           headers=bearer(b["token"])).status_code == 204
    # connections to both worker processes
    served = races.Served()
    with races.clients_on_both_workers(server, 12, timeout=30) as clients:
        for http in clients:
            refused = served.saw(http.get("/v1/me", headers=bearer(a["token"])))
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] == "unauthenticated"
    served.assert_both_workers()


def test_parallel_wrong_passwords_are_judged_at_most_the_account_limit(
    server: str, platform: Platform,
) -> None:
    limit = platform.policy.login.max_failures_per_account_per_address
    attempts = 30
    with httpx.Client(base_url=server, timeout=30) as http:
        phone = registered(http)
    barrier = threading.Barrier(attempts)
    served = races.Served()

    def guess(i: int, http: httpx.Client) -> tuple[int, str]:
        barrier.wait()
        response = served.saw(http.post("/v1/sessions", json=login_body(
            phone, password=f"wrong-guess-{i:03d}")))
        return response.status_code, response.json().get("code", "")

    with (races.clients_on_both_workers(server, attempts) as clients,
          ThreadPoolExecutor(attempts) as pool):
        outcomes = Counter(pool.map(guess, range(attempts), clients))
    assert outcomes[(401, "unauthenticated")] == limit, outcomes
    assert outcomes[(429, "rate_limited")] == attempts - limit, outcomes
    served.assert_both_workers()
    # and now even the right password waits for the window, from this address
    with httpx.Client(base_url=server, timeout=30) as http:
        locked = http.post("/v1/sessions", json=login_body(phone))
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_the_account_throttle_lifts_when_the_window_has_passed(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    phone = registered(client)
    limit = platform.policy.login.max_failures_per_account_per_address
    for i in range(limit):
        assert client.post("/v1/sessions", json=login_body(
            phone, password=f"wrong-{i}")).status_code == 401
    assert client.post("/v1/sessions", json=login_body(phone)).status_code == 429
    clock.advance(minutes=platform.policy.login.window_minutes + 1)
    assert client.post("/v1/sessions", json=login_body(phone)).status_code == 201


def test_a_successful_login_resets_the_account_count(
    client: TestClient, platform: Platform,
) -> None:
    phone = registered(client)
    limit = platform.policy.login.max_failures_per_account_per_address
    for round_ in range(3):
        for i in range(limit - 1):
            assert client.post("/v1/sessions", json=login_body(
                phone, password=f"typo-{round_}-{i}")).status_code == 401
        assert client.post("/v1/sessions", json=login_body(phone)).status_code == 201


def test_guesses_across_many_accounts_from_one_address_are_throttled_per_ip(
    platform: Platform,
) -> None:
    limit = platform.policy.login.max_failures_per_ip
    app = create_app(platform=platform)
    with TestClient(app, client=("198.51.100.9", 5000)) as attacker, \
            TestClient(app, client=("192.0.2.44", 5000)) as neighbour:
        victim = registered(neighbour)
        for i in range(limit):
            # a different account every time, and a forged reported IP every time
            response = attacker.post("/v1/sessions", json=login_body(
                factories.phone(), context={"ip": f"10.0.{i // 250}.{i % 250}"}))
            assert response.status_code == 401, (i, response.text)
        refused = attacker.post("/v1/sessions", json=login_body(
            victim, context={"ip": "10.9.9.9"}))
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        # the victim, from their own address, is not locked out by the attacker
        assert neighbour.post("/v1/sessions", json=login_body(victim)).status_code == 201
    with platform.db.transaction() as db:
        keys = set(db.execute(select(ThrottleBucket.key)).scalars())
    assert "login:ip:198.51.100.9" in keys
    assert not any(k.startswith("login:ip:10.") for k in keys)


def test_successful_logins_do_not_use_up_the_ip_allowance(
    platform: Platform,
) -> None:
    """Many owners behind one address (an office, a carrier NAT) can all log in."""
    app = create_app(platform=platform)
    with TestClient(app, client=("203.0.113.50", 1000)) as office:
        phones = [registered(office) for _ in range(3)]
        for i in range(platform.policy.login.max_failures_per_ip + 5):
            response = office.post("/v1/sessions", json=login_body(phones[i % 3]))
            assert response.status_code == 201, (i, response.text)


@pytest.mark.parametrize("status", ["lost", "wiped"])
def test_a_lost_or_wiped_device_cannot_log_in_and_its_old_token_is_dead(
    status: str, client: TestClient, platform: Platform,
) -> None:
    owner = factories.register_owner(platform, device="old-phone")
    with platform.db.transaction() as db:
        device = factories.by_id(db, Device, owner.device_id)
        assert device is not None
        devices.end_device(db, device=device, status=status, reason="phone reported lost",
                           actor=Principal(role=Role.AGENT, id="key_test"),
                           now=platform.clock.now())
    assert client.get("/v1/me", headers=owner.headers).status_code == 401
    refused = client.post("/v1/sessions", json=login_body(owner.phone, device="old-phone"))
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    with platform.db.transaction() as db:
        assert db.execute(select(DeviceSession).where(
            DeviceSession.revoked_at.is_(None))).first() is None
    # the owner, on a new phone, can
    assert client.post("/v1/sessions", json=login_body(owner.phone,
                                                       device="new-phone")).status_code == 201


def test_an_idle_session_expires_and_a_used_one_does_not(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    idle = platform.session_idle_timeout
    active = factories.register_owner(platform)
    dormant = factories.register_owner(platform)
    for _ in range(3):  # used every so often: lives well past one idle period
        clock.advance(seconds=idle.total_seconds() * 0.6)
        assert client.get("/v1/me", headers=active.headers).status_code == 200
    refused = client.get("/v1/me", headers=dormant.headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    assert "expired" in refused.json()["detail"]


def test_a_session_just_inside_the_idle_timeout_still_works(
    client: TestClient, platform: Platform, clock: ManualClock,
) -> None:
    owner = factories.register_owner(platform)
    clock.advance(seconds=platform.session_idle_timeout.total_seconds() - 1)
    assert client.get("/v1/me", headers=owner.headers).status_code == 200


def test_wrong_password_and_unknown_phone_get_the_same_answer(client: TestClient) -> None:
    phone = registered(client)
    wrong = client.post("/v1/sessions", json=login_body(phone, password="not-the-one-1"))
    unknown = client.post("/v1/sessions", json=login_body(factories.phone()))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
