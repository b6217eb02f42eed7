from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.http.deps import (
    Agent,
    AnyOwner,
    IdempotencyKey,
    Now,
    Owner,
    PlatformDep,
    Staff,
    Tx,
)
from walletguard.http.schema import Name, Strict, Text
from walletguard.restrictions import service as restrictions

router = APIRouter()


class FreezeIn(Strict):
    reason: Text = Field(examples=["phone lost"])


class AgentRestrictionIn(Strict):
    kind: Literal[restrictions.Kind.FREEZE] = restrictions.Kind.FREEZE
    scope: Literal[restrictions.Scope.PAYMENTS, restrictions.Scope.ACCOUNT] = (
        restrictions.Scope.ACCOUNT)
    reason: Text = Field(examples=["owner called the hotline: phone stolen"])


class DocumentIn(Strict):
    document_type: restrictions.DocumentType
    # Judged by type in the service (restrictions.DocumentEvidence), which names the field.
    document_number: Annotated[str, StringConstraints(max_length=40)]
    branch: Name


class LiftIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "owner verified on the hotline", "evidence": {"call_id": "HL-20261127-0412"}},
        {"reason": "identity checked at the branch",
         "document": {"document_type": "resident_id", "document_number": "110105198805120018",
                      "branch": "ICBC Shanghai Xuhui"}}]})

    reason: Text
    evidence: dict[str, str | int | bool] | None = Field(
        None, description="what the agent relied on (ticket, call id, recovery case)")
    document: DocumentIn | None = Field(None, description="required for tellers (seed 004)")


@router.post("/v1/freeze", status_code=201, tags=["owner"])
def freeze_own_wallet(body: FreezeIn, owner: AnyOwner, db: Tx, now: Now,
                      key: IdempotencyKey) -> dict[str, Any]:
    """Freeze payments at once. When this returns, no later payment can pass. A freeze
    of yours that still stands is answered again (``joined: true``), not stacked."""
    return restrictions.owner_freeze(db, actor=owner, reason=body.reason, now=now,
                                     idempotency_key=key)


@router.post("/v1/admin/users/{user_id}/restrictions", status_code=201, tags=["staff"])
def agent_freeze(user_id: str, body: AgentRestrictionIn, agent: Agent, db: Tx, now: Now,
                 key: IdempotencyKey) -> dict[str, Any]:
    return restrictions.agent_freeze(db, actor=agent, user_id=user_id,
                                     scope=restrictions.Scope(body.scope), reason=body.reason,
                                     now=now, idempotency_key=key)


@router.get("/v1/admin/users/{user_id}/restrictions", tags=["staff"])
def restrictions_of_user(user_id: str, staff: Staff, db: Tx, now: Now) -> dict[str, Any]:
    """The restrictions in force on a user, strictest first: what an agent or teller
    lifts (``DELETE /v1/admin/restrictions/{id}``)."""
    return {"items": [restrictions.view(r) for r in restrictions.of_user(
        db, actor=staff, user_id=user_id, now=now)]}


@router.delete("/v1/admin/restrictions/{restriction_id}", tags=["staff"])
def lift_restriction(restriction_id: str, body: LiftIn, staff: Staff, platform: PlatformDep,
                     db: Tx, now: Now) -> dict[str, Any]:
    document = (restrictions.DocumentEvidence(**body.document.model_dump())
                if body.document else None)
    lifted = restrictions.lift(db, actor=staff, restriction_id=restriction_id,
                               reason=body.reason, evidence=body.evidence, document=document,
                               policy=platform.policy, keys=platform.keys, now=now)
    return restrictions.view(lifted)


@router.delete("/v1/restrictions/{restriction_id}/lift", status_code=201, tags=["owner"])
def cancel_lift(restriction_id: str, owner: Owner, db: Tx, now: Now) -> dict[str, Any]:
    """"That was not me": within the cooling-off window, undo a lift."""
    return restrictions.view(restrictions.cancel_lift(db, actor=owner,
                                                      restriction_id=restriction_id, now=now),
                             for_owner=True)


@router.get("/v1/restrictions/{restriction_id}", tags=["owner"])
def get_restriction(restriction_id: str, owner: AnyOwner, db: Tx) -> dict[str, Any]:
    return restrictions.view(restrictions.get_for_owner(db, owner=owner,
                                                        restriction_id=restriction_id),
                             for_owner=True)
