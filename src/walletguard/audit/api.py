from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from walletguard.audit import service as audit
from walletguard.http.deps import Agent, Tx

router = APIRouter(tags=["staff"])


@router.get("/v1/admin/audit")
def audit_events(
    agent: Agent, db: Tx, user_id: Annotated[str, Query(min_length=1, max_length=40)],
) -> dict[str, Any]:
    events = audit.events_for(db, subject=user_id)
    return {"items": [
        {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
         "reason": e.reason, "data": e.data, "hash": e.hash} for e in events]}
