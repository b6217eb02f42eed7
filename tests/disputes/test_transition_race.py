"""Agents deciding one dispute at once, through ``walletguard serve --workers 2``: the
database orders them (each move locks the owner's wallet row, then reads the dispute
again), so exactly one decision lands and every other is ``409 illegal_transition`` —
never two decisions, two audit rows or two notices."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from tests import factories, races
from walletguard.audit.models import AuditEvent
from walletguard.disputes import service as disputes
from walletguard.disputes.models import Dispute
from walletguard.incidents import service as incidents
from walletguard.notifications.models import OutboxMessage
from walletguard.runtime import Platform


def test_concurrent_decisions_on_one_dispute_land_once(server: str, platform: Platform,
                                                        merchant_id: str) -> None:
    owner = factories.register_owner(platform, balance=10_000)
    payment = factories.pay(platform, owner, merchant_id, 2_500)["id"]
    now = platform.clock.now()
    with platform.db.transaction() as db:
        incident = incidents.report_for_owner(db, policy=platform.policy, actor=factories.AGENT,
                                              user_id=owner.user_id, now=now)
        (opened,) = disputes.open_disputes(
            db, actor=owner.principal, policy=platform.policy, incident_id=incident.id,
            transfer_ids=[str(payment)], note=None, now=now)["items"]
        dispute_id = opened["id"]
    agent = factories.staff_headers(platform, "agent")
    contenders = 12
    barrier = threading.Barrier(contenders)

    def decide(i: int, http: httpx.Client) -> httpx.Response:
        barrier.wait()
        return http.post(f"/v1/admin/disputes/{dispute_id}/transition", headers=agent,
                         json={"to": "upheld" if i % 2 else "rejected"})

    with (races.clients_on_both_workers(server, contenders, timeout=90) as clients,
          ThreadPoolExecutor(contenders) as pool):
        responses = list(pool.map(decide, range(contenders), clients))
    races.assert_both_workers_served(responses)

    landed = [r for r in responses if r.status_code == 200]
    assert len(landed) == 1, [r.text for r in responses]
    for refused in (r for r in responses if r.status_code != 200):
        body = factories.assert_problem(refused, 409, "illegal_transition")
        assert body["current"] == landed[0].json()["status"]
    with platform.db.transaction() as db:
        stored = db.execute(select(Dispute).where(Dispute.id == dispute_id)).scalar_one()
        assert stored.status == landed[0].json()["status"]
        moves = db.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.subject == owner.user_id,
            AuditEvent.action == "dispute.status_changed")).scalar_one()
        told = db.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.user_id == owner.user_id,
            OutboxMessage.topic == "dispute.status_changed",
            OutboxMessage.channel == "inbox")).scalar_one()
    assert (moves, told) == (1, 1)
