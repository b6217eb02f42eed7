from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from walletguard.auth.principal import Principal, Role
from walletguard.http.deps import Agent, AnyOwner, ClientIp, Now, PlatformDep, Tx, role
from walletguard.http.schema import Strict
from walletguard.incidents import service as incidents

router = APIRouter()

# Only owners (their own incidents) and agents read incidents. Judged before any look-up,
# so another role gets the same 403 for every id, real or decoy. Reading is open to an
# untrusted owner session (it may read and report); ticking the checklist is not.
OwnerOrAgentReading = Annotated[Principal, role(Role.OWNER, Role.AGENT, untrusted_ok=True)]
OwnerOrAgent = Annotated[Principal, role(Role.OWNER, Role.AGENT)]


class LostPhoneReportIn(Strict):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        examples=["+8613912345678"])
    real_name: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        examples=["陈静"])
    id_number_last4: Annotated[str, StringConstraints(min_length=4, max_length=4)] = Field(
        examples=["001X"])


class OwnerReportIn(Strict):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"device_id": "dev_2NOifZi5nfz902xDkpHU"}, {}]})

    device_id: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="the lost device; omit to treat every other device as lost")


class ContactReportIn(Strict):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        examples=["+8613800138000"], description="the phone of the owner who named you")


class TickIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"done": True}]})

    done: bool = True


@router.post("/v1/lost-phone-reports", status_code=202, tags=["public"],
             responses={429: {"description": "too many reports from this address (with "
                                             "`Retry-After`); another address is not "
                                             "affected"}})
async def report_lost_phone(body: LostPhoneReportIn, platform: PlatformDep,
                            ip: ClientIp) -> dict[str, Any]:
    """No sign-in needed. The same answer, status and time whether or not the details
    match; when they do, the wallet is frozen and the incident opened before this answers.

    Async on purpose: the use case runs in the thread pool in its own transaction, which
    commits before the response-time floor is awaited on the event loop, so a slow
    answer holds no worker thread and no database connection."""
    started = time.monotonic()
    report = incidents.LostPhoneReport(phone=body.phone, real_name=body.real_name,
                                       id_number_last4=body.id_number_last4)

    def run() -> incidents.ReportAnswer:
        with platform.db.transaction() as db:
            return incidents.report_lost_phone(
                db, keys=platform.keys, policy=platform.policy, reporter_ip=ip,
                now=platform.clock.now(), report=report)

    answer = await run_in_threadpool(run)
    # Refusals (429, 422) leave at once: they are decided before any account is looked
    # up, so their timing tells nothing, and a flood should not hold connections open.
    floor = platform.policy.lost_phone.response_floor_ms / 1000
    await asyncio.sleep(max(0.0, started + floor - time.monotonic()))
    return {"incident_id": answer.incident_id, "message": answer.message,
            "next_steps": answer.next_steps}


@router.post("/v1/incidents", status_code=201, tags=["owner"])
def report_from_another_device(body: OwnerReportIn, owner: AnyOwner, platform: PlatformDep,
                               db: Tx, now: Now) -> dict[str, Any]:
    incident = incidents.report_for_owner(db, policy=platform.policy, actor=owner,
                                          user_id=str(owner.user_id), device_id=body.device_id,
                                          now=now)
    return incidents.incident_view(db, actor=owner, incident_id=incident.id, now=now)


@router.post("/v1/trusted-contacts/lost-phone-reports", status_code=201, tags=["owner"])
def report_as_trusted_contact(body: ContactReportIn, owner: AnyOwner, platform: PlatformDep,
                              db: Tx, now: Now) -> dict[str, Any]:
    """A trusted contact reports the phone of an owner who named them: the same one step
    as the owner's own report. Returns the incident id only (the checklist is the owner's)."""
    incident = incidents.report_for_contact(db, keys=platform.keys, policy=platform.policy,
                                            actor=owner, phone=body.phone, now=now)
    return {"incident_id": incident.id, "reported_at": incident.reported_at.isoformat()}


@router.post("/v1/admin/users/{user_id}/incidents", status_code=201, tags=["staff"])
def hotline_report(user_id: str, agent: Agent, platform: PlatformDep, db: Tx,
                   now: Now) -> dict[str, Any]:
    incident = incidents.report_for_owner(db, policy=platform.policy, actor=agent,
                                          user_id=user_id, now=now)
    return incidents.incident_view(db, actor=agent, incident_id=incident.id, now=now)


@router.get("/v1/admin/users/{user_id}/incidents", tags=["staff"])
def incidents_of_user(user_id: str, agent: Agent, db: Tx) -> dict[str, Any]:
    return {"items": [{"id": i.id, "kind": i.kind, "status": i.status,
                       "reported_at": i.reported_at.isoformat()}
                      for i in incidents.incidents_of(db, actor=agent, user_id=user_id)]}


@router.get("/v1/incidents/{incident_id}", tags=["owner", "staff"])
def get_incident(incident_id: str, caller: OwnerOrAgentReading, db: Tx, now: Now) -> dict[str, Any]:
    return incidents.incident_view(db, actor=caller, incident_id=incident_id, now=now)


@router.put("/v1/incidents/{incident_id}/checklist/{item_id}", tags=["owner", "staff"])
def tick_item(incident_id: str, item_id: str, body: TickIn, caller: OwnerOrAgent, db: Tx,
              now: Now) -> dict[str, Any]:
    incidents.tick_checklist_item(db, actor=caller, incident_id=incident_id, item_id=item_id,
                                  done=body.done, now=now)
    return incidents.incident_view(db, actor=caller, incident_id=incident_id, now=now)
