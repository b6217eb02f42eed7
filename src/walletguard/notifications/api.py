from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.http.deps import AnyOwner, Now, Owner, PlatformDep, Tx
from walletguard.http.schema import Strict
from walletguard.incidents import partners
from walletguard.notifications import service as notifications
from walletguard.notifications import webhooks

router = APIRouter()


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the partner's signature covers these bytes."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class NotificationSettingsIn(Strict):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"locale": "en", "email": "chen.jing@example.com"}, {"locale": "zh-CN"},
                     {"clear_email": True}]})

    locale: Annotated[str, StringConstraints(max_length=10)] | None = Field(
        None, description="zh-CN or en: the language of every notice")
    email: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="where e-mail notices go (stored encrypted)")
    clear_email: bool = False


class AcknowledgementIn(Strict):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"incident_id": "inc_2NOifZi5nfz902xDkpHU", "reference": "CM-88120"}]})

    incident_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    reference: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="the partner's own case number")


@router.get("/v1/inbox", tags=["owner"])
def inbox(owner: AnyOwner, db: Tx) -> dict[str, Any]:
    """The in-app inbox: every notice the owner was sent, newest first."""
    return {"items": [{"id": m.outbox_id, "topic": m.topic, "subject": m.subject,
                       "body": m.body, "created_at": m.created_at.isoformat(),
                       "read": m.read_at is not None}
                      for m in notifications.inbox(db, owner=owner)]}


@router.put("/v1/notification-settings", tags=["owner"])
def set_notification_settings(body: NotificationSettingsIn, owner: Owner,
                              platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    return notifications.set_settings(db, vault=platform.keys.vault, policy=platform.policy,
                                      owner=owner, locale=body.locale, email=body.email,
                                      clear_email=body.clear_email, now=now)


@router.post("/v1/partner-acknowledgements", status_code=201, tags=["partner"])
def acknowledge(
    body: AcknowledgementIn, raw: RawBody, platform: PlatformDep, db: Tx, now: Now,
    partner: Annotated[str | None, Header(alias=webhooks.PARTNER_HEADER)] = None,
    signature: Annotated[str | None, Header(alias=webhooks.SIGNATURE_HEADER)] = None,
) -> dict[str, Any]:
    """A linked partner acknowledges a ``wallet.owner.lost_device`` event. No token: the
    request is signed like our webhooks (``Walletguard-Signature: t=…,v1=…`` over
    ``"<t>.<body>"`` with the partner's secret) and names the partner in
    ``Walletguard-Partner``. The acknowledgement shows on the incident's timeline."""
    return partners.acknowledge(db, vault=platform.keys.vault, policy=platform.policy,
                                partner_key=partner, body=raw, signature=signature,
                                incident_id=body.incident_id, reference=body.reference,
                                now=now)
