from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from walletguard.audit import service as audit
from walletguard.http.deps import Agent, Tx

router = APIRouter(tags=["staff"])


@router.get("/v1/admin/audit")
def audit_events(
    agent: Agent, db: Tx, user_id: Annotated[str, Query(min_length=1, max_length=40)],
    before: Annotated[int | None, Query(ge=1, le=2**62, description=(
        "the `older` of the previous page: events appended before that one"))] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = audit.MAX_PAGE,
) -> dict[str, Any]:
    """The user's audit events, newest first, a page at a time; `older` (when not null)
    is the `before` of the next, older page."""
    page = audit.events_for(db, subject=user_id, before=before, limit=limit)
    return {"items": [
        {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
         "reason": e.reason, "data": e.data, "hash": e.hash} for e in page.items],
        "older": page.older}
