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
from walletguard.http.replay import once
from walletguard.http.schema import Name, Strict, Text
from walletguard.restrictions import service as restrictions
from walletguard.restrictions.models import Restriction

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


def restriction_body(r: Restriction, *, for_owner: bool = False) -> dict[str, Any]:
    """A restriction as staff see it (``placed_by`` is the actor ref), or as its owner
    does (``for_owner``: ``placed_by`` in words, never an address or a key id)."""
    placed_by = restrictions.placed_by_label(r) if for_owner else r.placed_by
    return {
        "id": r.id, "user_id": r.user_id, "kind": r.kind, "scope": r.scope, "source": r.source,
        "reason": r.reason, "placed_by": placed_by, "placed_at": r.placed_at.isoformat(),
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
        "cancellable_until": r.cancellable_until.isoformat() if r.cancellable_until else None,
    }


@router.post("/v1/freeze", status_code=201, tags=["owner"])
def freeze_own_wallet(body: FreezeIn, owner: AnyOwner, db: Tx, now: Now,
                      key: IdempotencyKey) -> dict[str, Any]:
    """Freeze payments at once. When this returns, no later payment can pass."""
    return once(db, caller=owner, key=key, route="freeze", payload=body.model_dump(), now=now,
                status=201, run=lambda: restriction_body(
                    restrictions.owner_freeze(db, actor=owner, reason=body.reason, now=now),
                    for_owner=True))


@router.post("/v1/admin/users/{user_id}/restrictions", status_code=201, tags=["staff"])
def agent_freeze(user_id: str, body: AgentRestrictionIn, agent: Agent, db: Tx, now: Now,
                 key: IdempotencyKey) -> dict[str, Any]:
    return once(db, caller=agent, key=key, route=f"restrict:{user_id}",
                payload=body.model_dump(), now=now, status=201,
                run=lambda: restriction_body(restrictions.agent_freeze(
                    db, actor=agent, user_id=user_id, scope=restrictions.Scope(body.scope),
                    reason=body.reason, now=now)))


@router.delete("/v1/admin/restrictions/{restriction_id}", tags=["staff"])
def lift_restriction(restriction_id: str, body: LiftIn, staff: Staff, platform: PlatformDep,
                     db: Tx, now: Now) -> dict[str, Any]:
    document = (restrictions.DocumentEvidence(**body.document.model_dump())
                if body.document else None)
    lifted = restrictions.lift(db, actor=staff, restriction_id=restriction_id,
                               reason=body.reason, evidence=body.evidence, document=document,
                               policy=platform.policy, keys=platform.keys, now=now)
    return restriction_body(lifted)


@router.delete("/v1/restrictions/{restriction_id}/lift", status_code=201, tags=["owner"])
def cancel_lift(restriction_id: str, owner: Owner, db: Tx, now: Now) -> dict[str, Any]:
    """"That was not me": within the cooling-off window, undo a lift."""
    return restriction_body(restrictions.cancel_lift(db, actor=owner,
                                                     restriction_id=restriction_id, now=now),
                            for_owner=True)


@router.get("/v1/restrictions/{restriction_id}", tags=["owner"])
def get_restriction(restriction_id: str, owner: AnyOwner, db: Tx) -> dict[str, Any]:
    return restriction_body(restrictions.get_for_owner(db, owner=owner,
                                                       restriction_id=restriction_id),
                            for_owner=True)
