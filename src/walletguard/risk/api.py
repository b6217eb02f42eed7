from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.http.deps import Agent, Now, Operator, Owner, PlatformDep, Tx
from walletguard.http.schema import Strict, Text, Timestamp
from walletguard.risk import service as risk
from walletguard.risk.models import RiskDecision, RiskPolicyChange

router = APIRouter()


class CarrierSignalIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+8613912345678", "event": "sim_swap", "at": "2026-12-01T09:30:00+08:00"},
        {"phone": "+8613912345678", "event": "unknown", "at": "2026-12-01T09:30:00+08:00"}]})

    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)]
    event: Literal["sim_swap", "no_swap", "unknown"] = Field(
        description="``unknown`` is a signal of its own, never read as no swap")
    at: Timestamp = Field(description="when the carrier saw it (RFC 3339)")


class TripIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"days": 10}]})

    days: Annotated[int, Field(ge=1, le=365)]


class PolicyChangeIn(Strict):
    candidate: dict[str, Any] = Field(
        description="a whole [risk] section (walletguard policy docs lists its keys)",
        examples=[{"sensitivity": "high"}])
    reason: Text


def _decision(d: RiskDecision) -> dict[str, Any]:
    return {"id": d.id, "at": d.at.isoformat(), "event": d.event_type, "decision": d.outcome,
            "score": d.score, "sensitivity": d.sensitivity, "braked": d.braked,
            "overrides": d.overrides, "rules": d.rules, "reasons": d.reasons,
            "shadow": None if d.shadow_outcome is None else {
                "decision": d.shadow_outcome, "score": d.shadow_score,
                "rules": d.shadow_rules}}


def _change(c: RiskPolicyChange) -> dict[str, Any]:
    return {"id": c.id, "status": c.status, "candidate": c.candidate, "reason": c.reason,
            "proposed_by": c.proposed_by, "proposed_at": c.proposed_at.isoformat(),
            "decided_by": c.decided_by,
            "decided_at": c.decided_at.isoformat() if c.decided_at else None}


@router.post("/v1/carrier-signals", status_code=202, tags=["operator"])
def carrier_signal(body: CarrierSignalIn, operator: Operator, platform: PlatformDep, db: Tx,
                   now: Now) -> dict[str, Any]:
    """A carrier's word about a phone number (the answer does not say whether a wallet
    has it)."""
    risk.record_carrier_signal(db, engine=platform.risk, keys=platform.keys, actor=operator,
                               phone=body.phone, event=body.event, at=body.at, now=now)
    return {"accepted": True}


@router.post("/v1/risk/trips", status_code=201, tags=["owner"])
def confirm_trip(body: TripIn, owner: Owner, platform: PlatformDep, db: Tx,
                 now: Now) -> dict[str, Any]:
    until = risk.confirm_trip(db, engine=platform.risk, owner=owner, days=body.days, now=now)
    return {"impossible_travel_muted_until": until.isoformat()}


@router.get("/v1/admin/users/{user_id}/risk-decisions", tags=["agent"])
def decisions(user_id: str, agent: Agent, db: Tx,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The whole trace of the decisions rules had a say in, newest first."""
    return {"items": [_decision(d) for d in risk.decisions_for(db, actor=agent,
                                                               user_id=user_id, limit=limit)]}


@router.get("/v1/risk/shadow-report", tags=["operator"])
def shadow_report(operator: Operator, db: Tx, now: Now,
                  hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24) -> dict[str, Any]:
    return risk.shadow_report(db, actor=operator, since=now - timedelta(hours=hours))


@router.post("/v1/risk/policy-changes", status_code=201, tags=["operator"])
def propose(body: PolicyChangeIn, operator: Operator, platform: PlatformDep, db: Tx,
            now: Now) -> dict[str, Any]:
    change = risk.propose_change(db, actor=operator, candidate=body.candidate,
                                 reason=body.reason, now=now)
    platform.risk.forget_cached_rules()
    return _change(change)


@router.post("/v1/risk/policy-changes/{change_id}/approve", tags=["operator"])
def approve(change_id: str, operator: Operator, platform: PlatformDep, db: Tx,
            now: Now) -> dict[str, Any]:
    change = risk.approve_change(db, actor=operator, change_id=change_id, now=now)
    platform.risk.forget_cached_rules()
    return _change(change)
