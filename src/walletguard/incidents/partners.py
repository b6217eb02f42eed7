"""Linked partners on a lost-phone incident: the signed ``wallet.owner.lost_device``
event each receives, and their acknowledgements on the incident's timeline.

A partner proves who it is by signing its acknowledgement with the secret it verifies
our webhooks with (``notifications.webhooks``): no API key to issue, and the same replay
window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard.crypto import PiiVault
from walletguard.errors import NotFound, Unauthenticated
from walletguard.incidents.models import Incident, IncidentEvent
from walletguard.notifications import service as notifications
from walletguard.notifications import webhooks
from walletguard.notifications.models import Partner
from walletguard.policy import Policy


def tell_partners(db: Session, *, incident: Incident, now: datetime) -> int:
    """One signed event per enabled partner, in the report's transaction (outbox)."""
    return notifications.enqueue(
        db, topic="partner.lost_phone", user_id=incident.user_id, now=now,
        recipients=notifications.partner_recipients(db),
        payload={"event": notifications.LOST_DEVICE_EVENT, "incident_id": incident.id,
                 "reported_at": incident.reported_at.isoformat(),
                 "acknowledge": "POST /v1/partner-acknowledgements"})


def acknowledge(
    db: Session, *, vault: PiiVault, policy: Policy, partner_key: str | None, body: bytes,
    signature: str | None, incident_id: str, reference: str | None, now: datetime,
) -> dict[str, Any]:
    partner = db.get(Partner, partner_key) if partner_key else None
    try:
        if partner is None or not partner.enabled:
            raise webhooks.InvalidSignature("unknown partner")
        webhooks.verify(notifications.partner_secret(vault, partner), body, signature,
                        now=now, tolerance_seconds=policy.notifications.webhook_tolerance_seconds)
    except webhooks.InvalidSignature:
        # One answer for an unknown partner, a bad signature and a stale one.
        raise Unauthenticated("the acknowledgement is not signed by a linked partner") from None
    # A partner names the incident alone (a look-up over every shard on Citus).
    incident = db.execute(select(Incident).where(Incident.id == incident_id)
                          ).scalar_one_or_none()
    if incident is None:
        raise NotFound("no such incident", field="incident_id")
    before = {a.partner_key for a in notifications.acknowledgements(
        db, user_id=incident.user_id, incident_id=incident.id)}
    ack = notifications.acknowledge(db, partner=partner, incident_user_id=incident.user_id,
                                    incident_id=incident.id, reference=reference, now=now)
    if partner.key not in before:
        db.add(IncidentEvent(user_id=incident.user_id, incident_id=incident.id, at=now,
                             kind="partner.acknowledged",
                             detail={"partner": partner.key, "name": partner.name,
                                     "reference": reference}))
    return {"incident_id": incident.id, "partner": partner.key,
            "acknowledged_at": ack.acknowledged_at.isoformat(), "reference": ack.reference}
