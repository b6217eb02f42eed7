"""The outbox's delivery rules, in process, on both databases, with an injected clock:
back-off, dead letters, claims two workers race for, the inbox, periodic jobs."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from walletguard.clock import ManualClock
from walletguard.notifications import service as notifications
from walletguard.notifications import worker
from walletguard.notifications.channels import Channels, DeliveryFailed, SmsChannel
from walletguard.notifications.models import InboxMessage, OutboxMessage
from walletguard.runtime import Platform


class _Failing:
    """A webhook receiver that is down: every post fails (temporarily)."""

    def __init__(self) -> None:
        self.calls = 0

    def post(self, **_: object) -> None:
        self.calls += 1
        raise DeliveryFailed("webhook HTTP 503")


def _partner_message(platform: Platform) -> int:
    now = platform.clock.now()
    owner = factories.register_owner(platform)
    _deliver_what_is_there(platform)
    with platform.db.transaction() as db:
        notifications.add_partner(db, vault=platform.keys.vault, key="carrier-x",
                                  name="Carrier X", category="carrier",
                                  webhook_url="http://127.0.0.1:9/unused", now=now)
        notifications.enqueue(db, topic="partner.lost_phone", user_id=owner.user_id,
                              recipients=[("webhook", "carrier-x")], payload={}, now=now)
        return db.execute(select(OutboxMessage.id).where(OutboxMessage.channel == "webhook")
                          ).scalar_one()


def _deliver_what_is_there(platform: Platform) -> None:
    """The notices that signing up wrote (new sign-in …), out of the way."""
    report = worker.deliver_due(platform, worker.Deliverer(platform,
                                                           worker.build_channels(platform)))
    with platform.db.transaction() as db:
        dead = db.execute(select(OutboxMessage.topic, OutboxMessage.channel,
                                 OutboxMessage.last_error)
                          .where(OutboxMessage.dead_at.is_not(None))).all()
    assert report.delivered == report.claimed, dead


def _row(platform: Platform, message_id: int) -> OutboxMessage:
    with platform.db.transaction() as db:
        row = factories.by_id(db, OutboxMessage, message_id)
        assert row is not None
        return row


def test_failed_deliveries_back_off_exponentially_then_dead_letter(platform: Platform,
                                                                   clock: ManualClock) -> None:
    rules = platform.policy.notifications
    message_id = _partner_message(platform)
    down = _Failing()
    deliverer = worker.Deliverer(platform, Channels(email=None, webhooks=down,
                                                    sms=SmsChannel(platform.sms), push=None,
                                                    staff=None))
    waits = []
    for attempt in range(1, rules.max_attempts + 1):
        assert worker.deliver_due(platform, deliverer).claimed == 1
        row = _row(platform, message_id)
        assert row.attempts == attempt
        if attempt < rules.max_attempts:
            assert row.dead_at is None and row.next_attempt_at is not None
            waits.append(row.next_attempt_at - clock.now())
            # Not due before its back-off has passed.
            clock.advance(seconds=(waits[-1] - timedelta(seconds=1)).total_seconds())
            assert worker.deliver_due(platform, deliverer).claimed == 0
            clock.advance(seconds=1)
    assert waits == [timedelta(seconds=min(rules.backoff_max_seconds,
                                           rules.backoff_base_seconds * 2 ** n))
                     for n in range(rules.max_attempts - 1)]
    row = _row(platform, message_id)
    assert row.dead_at is not None and row.last_error == "webhook HTTP 503"
    assert down.calls == rules.max_attempts
    clock.advance(days=1)
    assert worker.deliver_due(platform, deliverer).claimed == 0


def test_a_worker_that_died_holding_a_claim_leaves_it_to_another_after_the_lease(
        platform: Platform, clock: ManualClock) -> None:
    message_id = _partner_message(platform)
    with platform.db.transaction() as db:
        assert [c.id for c in worker.claim(db, platform=platform, now=clock.now())] == [
            message_id]
    # The claimant is gone (never records). Within the lease nobody else may take it.
    with platform.db.transaction() as db:
        assert worker.claim(db, platform=platform, now=clock.now()) == []
    clock.advance(seconds=platform.policy.notifications.lease_seconds)
    with platform.db.transaction() as db:
        again = worker.claim(db, platform=platform, now=clock.now())
    assert [(c.id, c.attempts) for c in again] == [(message_id, 2)]


def test_two_workers_claiming_at_once_never_take_the_same_message(platform: Platform) -> None:
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    with platform.db.transaction() as db:
        for n in range(30):
            notifications.enqueue(db, topic="transaction.alert", user_id=owner.user_id,
                                  recipients=[("alert", owner.user_id)], payload={"n": n},
                                  now=now)
    barrier = threading.Barrier(2, timeout=20)
    taken: list[list[int]] = [[], []]
    failures: list[BaseException] = []

    def contender(slot: int) -> None:
        try:
            with platform.db.transaction() as db:
                barrier.wait()
                taken[slot] = [c.id for c in worker.claim(db, platform=platform, now=now)]
                if not platform.db.is_sqlite:
                    # Both claims stand uncommitted at once: without the row locks the
                    # second would pick (and wait on) the first one's rows.
                    barrier.wait()
        except BaseException as exc:
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures, failures
    assert taken[0] and taken[1], taken
    assert not set(taken[0]) & set(taken[1])


def test_the_inbox_gets_one_message_per_outbox_row_even_when_delivered_twice(
        platform: Platform, client: object) -> None:
    owner = factories.register_owner(platform)
    now = platform.clock.now()
    with platform.db.transaction() as db:
        notifications.enqueue(db, topic="transaction.alert", user_id=owner.user_id,
                              recipients=[("alert", owner.user_id)],
                              payload={"kind": "payment", "amount": 1250,
                                       "transfer_id": "trf_x"}, now=now)
    with platform.db.transaction() as db:
        claimed = [c for c in worker.claim(db, platform=platform, now=now)
                   if c.topic == "transaction.alert"]
    deliverer = worker.Deliverer(platform, worker.build_channels(platform))
    deliverer.deliver(claimed[0])
    deliverer.deliver(claimed[0])  # a repeat after a crash
    with platform.db.transaction() as db:
        rows = list(db.execute(select(InboxMessage)).scalars())
    assert len(rows) == 1
    answer = client.get("/v1/inbox", headers=owner.headers)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["items"]
    assert "¥12.50" in item["body"] and item["topic"] == "transaction.alert"


def test_checklist_reminders_are_sent_once_before_each_item_is_due(
        platform: Platform, clock: ManualClock) -> None:
    from walletguard.incidents import service as incidents

    owner = factories.register_owner(platform)
    with platform.db.transaction() as db:
        incidents.report_for_owner(db, policy=platform.policy, actor=factories.AGENT,
                                   user_id=owner.user_id, now=clock.now())
    first_due = min(platform.policy.incidents.urgency_hours.values())
    ahead = platform.policy.notifications.checklist_reminder_minutes
    clock.advance(hours=first_due, minutes=-(ahead - 1))
    first = worker.run_jobs(platform)["checklist_reminders"]
    again = worker.run_jobs(platform)["checklist_reminders"]
    assert first > 0 and again == 0
    with platform.db.transaction() as db:
        keys = db.execute(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.topic == "incident.checklist_reminder")).scalars().all()
    assert len(keys) == first == len(set(keys))
