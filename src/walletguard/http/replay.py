"""Idempotency for state-changing requests that move no money (freeze, merchants, …).

The key is claimed in the request's transaction; the answer is stored with the change.
A refusal rolls everything back, claim included, so a retry is judged afresh. (Money
movements remember refusals too; they claim inside the payments service.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from walletguard.auth.principal import Principal
from walletguard.errors import ReplayedRefusal
from walletguard.ledger import idempotency


def once(
    db: Session, *, caller: Principal, key: str | None, route: str, payload: Any,
    now: datetime, status: int, run: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    claim = idempotency.claim(db, scope=caller.ref, key=key,
                              payload={"route": route, "body": payload}, now=now)
    if claim.replay is not None:
        stored_status, body = claim.replay
        if stored_status != status:
            raise ReplayedRefusal(stored_status, body)
        return body
    body = run()
    claim.remember(db, status, body)
    return body
