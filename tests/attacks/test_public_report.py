"""Attacks on the public lost-phone report (``POST /v1/lost-phone-reports``), replayed
against a real 2-worker ``walletguard serve``.

Found on the landed build: five misses for a phone from one address made the owner's
correct report from another address 429 (one bucket per phone: the thief holding the SIM
could keep the owner from freezing); 429s had no ``Retry-After``; a matching report
answered ~30 ms slower than a miss; ``placed_by`` showed the reporter's address to
whoever held the owner's session."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import select

from tests import factories
from tests.attacks.support import (
    CONTACT_REPORTS,
    address,
    assert_frozen_at_once,
    frozen_by_lost_phone,
    owner_state,
    report,
    report_body,
    speaking_from,
    wrong_last4,
)
from walletguard.audit.models import AuditEvent
from walletguard.incidents import service as incidents
from walletguard.models import Base
from walletguard.notifications.models import OutboxMessage
from walletguard.restrictions.models import Restriction
from walletguard.runtime import Platform


def assert_rate_limited(answer: httpx.Response) -> int:
    factories.assert_problem(answer, 429, "rate_limited")
    retry_after = int(answer.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    return retry_after


def test_a_thiefs_misses_never_keep_the_owners_report_from_another_address_from_freezing(
    server: str, platform: Platform, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=20_000)
    thief = address(1)
    local = owner.phone.removeprefix("+86")
    spellings = [owner.phone, local, f"+86 {local[:3]} {local[3:7]} {local[7:]}",
                 f"0086{local}", local]
    before = owner_state(platform, owner.user_id)

    misses = [report(server, thief, report_body(owner, phone=p,
                                                id_number_last4=wrong_last4(owner, n)))
              for n, p in enumerate(spellings)]
    assert [m.status_code for m in misses] == [202] * 5
    # The thief's own allowance for this phone is spent, whatever he sends next (a
    # correct report included: the refusal cannot depend on the details).
    assert_rate_limited(report(server, thief, report_body(owner, real_name="李蕾")))
    assert_rate_limited(report(server, thief, report_body(owner)))
    assert owner_state(platform, owner.user_id) == before
    assert not frozen_by_lost_phone(platform, owner.user_id)

    # The owner, from a friend's browser elsewhere: frozen at once.
    answer = report(server, address(2), report_body(owner))

    assert answer.status_code == 202, answer.text
    assert frozen_by_lost_phone(platform, owner.user_id)
    assert_frozen_at_once(server, platform, owner, merchant_id)
    assert owner_state(platform, owner.user_id)["wallet"] == before["wallet"]  # money intact


def test_a_flood_of_guesses_from_many_addresses_refuses_nobody_and_tells_owner_and_staff(
    server: str, platform: Platform, merchant_id: str
) -> None:
    owner = factories.register_owner(platform, balance=20_000)
    before = owner_state(platform, owner.user_id)
    threshold = platform.policy.lost_phone.guessing_alert_failures_per_hour
    per_pair = platform.policy.lost_phone.reports_per_phone_per_ip_per_hour
    guessers = 2 * threshold // per_pair + 1

    statuses = [report(server, address(10 + g), report_body(
        owner, id_number_last4=wrong_last4(owner, g * per_pair + n))).status_code
        for g in range(guessers) for n in range(per_pair)]

    # Every guess is judged (and missed): no phone-wide count ever refuses.
    assert statuses == [202] * guessers * per_pair
    assert owner_state(platform, owner.user_id) == before
    with platform.db.transaction() as db:
        told = [(m.channel, m.recipient) for m in db.execute(
            select(OutboxMessage).where(OutboxMessage.topic == incidents.GUESSING_TOPIC)
        ).scalars()]
    # Once per window, however many guesses: the owner's SMS, the device, and staff.
    assert sorted(told) == sorted([("sms", owner.user_id), ("inbox", owner.user_id),
                                   ("push", owner.device_id), incidents.STAFF_SECURITY])
    agent = factories.staff_headers(platform, "agent")
    with httpx.Client(base_url=server, timeout=30) as http:
        audit = http.get("/v1/admin/audit", params={"user_id": owner.user_id},
                         headers=agent).json()
    assert "incident.lost_phone_guessing" in str(audit)

    answer = report(server, address(200), report_body(owner))

    assert answer.status_code == 202
    assert_frozen_at_once(server, platform, owner, merchant_id)


def test_match_miss_and_already_frozen_answer_alike_and_no_sooner_than_the_floor(
    server: str, platform: Platform
) -> None:
    """≥ 50 of each through the real server, interleaved in random order so load on this
    shared machine falls on all three alike. Before the fix: ≈ 42 ms for a miss, ≈ 73 ms
    for an already-frozen wallet, more for a fresh match."""
    rounds = 50
    floor = platform.policy.lost_phone.response_floor_ms / 1000
    fresh = [factories.register_owner(platform, pin=None) for _ in range(rounds)]
    frozen = factories.register_owner(platform, pin=None)
    with platform.db.transaction() as db:
        incidents.report_for_owner(db, policy=platform.policy, actor=factories.AGENT,
                                   user_id=frozen.user_id, now=platform.clock.now())
    kinds: dict[str, Any] = {
        "miss": lambda i: report_body(fresh[i], id_number_last4=wrong_last4(fresh[i])),
        "match": lambda i: report_body(fresh[i]),
        "frozen": lambda i: report_body(frozen),
    }
    seen: dict[str, list[float]] = {kind: [] for kind in kinds}
    bodies: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    sent = 0
    for i in range(rounds):
        # A miss for an owner comes before the match for that owner, the rest at random.
        order = ["miss", "match", "frozen"]
        random.shuffle(order)
        order.remove("miss")
        order.insert(random.randrange(order.index("match") + 1), "miss")
        for kind in order:
            with speaking_from(server, address(1000 + sent)) as http:
                started = time.perf_counter()
                answer = http.post("/v1/lost-phone-reports", json=kinds[kind](i))
                seen[kind].append(time.perf_counter() - started)
            sent += 1
            assert answer.status_code == 202, (kind, answer.text)
            assert answer.headers["content-type"] == "application/json"
            bodies[kind].append(answer.json())

    shapes = {(tuple(sorted(b)), b["message"], b["incident_id"][:4], len(b["incident_id"]))
              for kind in bodies for b in bodies[kind]}
    assert len(shapes) == 1, shapes
    assert min(min(times) for times in seen.values()) >= floor, seen
    medians = {kind: statistics.median(times) for kind, times in seen.items()}
    # The floor is the answer's time; what is left is the event loop's wake-up and the
    # loopback round trip, the same for all three. 15 ms is half the gap the fix closes
    # (≈ 31 ms) and several times the spread measured between the medians (see report).
    assert max(medians.values()) - min(medians.values()) < 0.015, medians
    # Every match froze its owner once (the miss made before it placed nothing); the
    # already-frozen owner still has the one freeze.
    with platform.db.transaction() as db:
        placed = [r.user_id for r in db.execute(select(Restriction)).scalars()]
    assert sorted(placed) == sorted([o.user_id for o in fresh] + [frozen.user_id])


def test_the_reporters_address_is_in_no_owner_view_only_in_the_audit_data(
    server: str, platform: Platform
) -> None:
    owner = factories.register_owner(platform, balance=5_000)
    source = address(77)

    assert report(server, source, report_body(owner)).status_code == 202
    assert report(server, source, report_body(owner)).status_code == 202  # joins

    again = factories.log_in(platform, user_id=owner.user_id, phone_number=owner.phone,
                             device="phone-2")
    with httpx.Client(base_url=server, timeout=30) as http:
        me = http.get("/v1/me", headers=again.headers).json()
        [freeze] = me["restrictions"]
        assert freeze["placed_by"] == "public report"
        one = http.get(f"/v1/restrictions/{freeze['id']}", headers=again.headers).json()
        assert one["placed_by"] == "public report"
        [incident] = http.get(f"/v1/admin/users/{owner.user_id}/incidents",
                              headers=factories.staff_headers(platform, "agent")).json()["items"]
        view = http.get(f"/v1/incidents/{incident['id']}", headers=again.headers).json()
    assert source not in str(me) + str(one) + str(view)
    # Nowhere in the database but the audit events' data (and the address's own counter).
    with platform.db.engine.connect() as conn:
        leaks = {table.name for table in Base.metadata.sorted_tables
                 if table.name not in ("audit_events", "throttle_buckets")
                 for row in conn.execute(select(table)) if source in repr(tuple(row))}
    assert leaks == set()
    with platform.db.transaction() as db:
        events = db.execute(select(AuditEvent).where(AuditEvent.subject == owner.user_id)
                            ).scalars().all()
    assert all(source not in e.actor for e in events)
    reported = {e.action: e.data.get("reporter_ip") for e in events
                if e.action.startswith("incident.lost_phone_reported")}
    assert reported == {"incident.lost_phone_reported": source,
                        "incident.lost_phone_reported_again": source}


def test_contact_and_hotline_reports_still_freeze_when_the_public_form_is_saturated(
    server: str, platform: Platform, merchant_id: str
) -> None:
    """A flood from many addresses, including the one the contact and the agent use,
    fills every public counter; the signed-in fallbacks count nothing public."""
    first = factories.register_owner(platform, balance=10_000)
    second = factories.register_owner(platform, name="王芳", balance=10_000)
    sister, friend, cousin = (factories.register_owner(platform, name="陈雪")
                              for _ in range(3))
    factories.name_trusted_contacts(platform, first, [sister, friend, cousin])
    limit = platform.policy.lost_phone.reports_per_ip_per_hour
    flooders = ["127.0.0.1"] + [address(300 + n) for n in range(2)]
    for source in flooders:
        statuses = [report(server, source, report_body(
            (first, second)[n % 2], id_number_last4=wrong_last4((first, second)[n % 2], n))
        ).status_code for n in range(limit + 1)]
        assert statuses[-1] == 429
    for source in flooders:
        assert_rate_limited(report(server, source, report_body(first)))
    before = {o.user_id: owner_state(platform, o.user_id) for o in (first, second)}
    assert not frozen_by_lost_phone(platform, first.user_id)

    with httpx.Client(base_url=server, timeout=30) as http:
        by_contact = http.post(CONTACT_REPORTS, json={"phone": first.phone},
                               headers=sister.headers)
        by_agent = http.post(f"/v1/admin/users/{second.user_id}/incidents",
                             headers=factories.staff_headers(platform, "agent"))

    assert by_contact.status_code == 201, by_contact.text
    assert by_agent.status_code == 201, by_agent.text
    for owner in (first, second):
        assert frozen_by_lost_phone(platform, owner.user_id)
        assert_frozen_at_once(server, platform, owner, merchant_id)
        assert owner_state(platform, owner.user_id)["wallet"] == before[owner.user_id]["wallet"]
