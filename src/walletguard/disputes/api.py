from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.auth.principal import Principal, Role
from walletguard.disputes import evidence, pdf
from walletguard.disputes import service as disputes
from walletguard.http.deps import Agent, Now, Owner, PlatformDep, Tx, role
from walletguard.http.schema import Name, Strict, Text, Timestamp

router = APIRouter()

# The owner (trusted sessions: these show and change money matters) or an agent.
OwnerOrAgent = Annotated[Principal, role(Role.OWNER, Role.AGENT)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=100)]
DocumentRefs = dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], Reference]


class PoliceReportIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"report_number": "沪公(徐)立字[2026]10432号", "station": "徐汇分局田林派出所",
         "reported_on": "2026-12-01T10:30:00+08:00"}]})

    report_number: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(
        description="the police receipt number (报警回执编号)")
    station: Name | None = None
    reported_on: Timestamp | None = None


class DisputesIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"transfer_ids": ["trf_2NOifZi5nfz902xDkpHU"], "note": "not me: phone was stolen"}]})

    transfer_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=disputes.MAX_DISPUTES_AT_ONCE,
        description="payments and transfers from your wallet in the suspicious window")
    note: Text | None = None


class ClaimIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"insurer_type": "wallet_security", "amount": 129900},
        {"insurer_type": "third_party", "amount": 1200000,
         "documents": {"insurance_policy": "PICC-2026-0018812"}}]})

    insurer_type: disputes.InsurerKey
    amount: int = Field(gt=0, le=10**12, description="claimed, in minor units")
    documents: DocumentRefs = Field(
        default_factory=dict,
        description="references to the documents only the owner can give, by key "
                    "(insurance_policy, bank_fraud_confirmation)")
    note: Text | None = None


class DocumentsIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"documents": {"bank_fraud_confirmation": "CMB-FR-20261201-77"}}]})

    documents: DocumentRefs


class DisputeMoveIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"to": "investigating", "note": "asked the merchant for the delivery address"}]})

    to: disputes.DisputeStatus
    note: Text | None = None


class ClaimMoveIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"to": "submitted", "note": "sent to the insurer, case 2026-118"}]})

    to: disputes.ClaimStatus
    note: Text | None = None


_PDF: dict[int | str, dict[str, Any]] = {200: {
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    "description": "the pack as JSON, or as a PDF with `?format=pdf`"}}


@router.get("/v1/incidents/{incident_id}/evidence", tags=["owner", "staff"], responses=_PDF)
def evidence_pack(
    incident_id: str, caller: OwnerOrAgent, platform: PlatformDep, db: Tx, now: Now,
    format: Annotated[Literal["json", "pdf"], Query(
        description="json (default) or pdf (Chinese and English)")] = "json",
) -> Any:
    """The evidence pack for the police and the insurer: freeze certificate, every
    transaction in the suspicious window, devices, police report, claims and the
    audit-chain hash to check it with (``walletguard audit verify --expect``)."""
    pack = evidence.evidence_pack(db, actor=caller, vault=platform.keys.vault,
                                  policy=platform.policy, incident_id=incident_id, now=now)
    if format == "pdf":
        return Response(pdf.render(pack), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="evidence-{incident_id}.pdf"'})
    return pack


@router.put("/v1/incidents/{incident_id}/police-report", tags=["owner"])
def record_police_report(incident_id: str, body: PoliceReportIn, owner: Owner, db: Tx,
                         now: Now) -> dict[str, Any]:
    row = disputes.record_police_report(db, actor=owner, incident_id=incident_id,
                                        report_number=body.report_number,
                                        station=body.station, reported_on=body.reported_on,
                                        now=now)
    return disputes.police_report_view(row) or {}


@router.post("/v1/incidents/{incident_id}/disputes", status_code=201, tags=["owner"])
def open_disputes(incident_id: str, body: DisputesIn, owner: Owner, platform: PlatformDep,
                  db: Tx, now: Now) -> dict[str, Any]:
    """Mark transactions in the suspicious window as not yours: one dispute each."""
    opened = disputes.open_disputes(db, actor=owner, policy=platform.policy,
                                    incident_id=incident_id, transfer_ids=body.transfer_ids,
                                    note=body.note, now=now)
    return {"items": [disputes.dispute_view(d) for d in opened]}


@router.get("/v1/incidents/{incident_id}/disputes", tags=["owner", "staff"])
def disputes_of_incident(incident_id: str, caller: OwnerOrAgent, db: Tx) -> dict[str, Any]:
    return {"items": [disputes.dispute_view(d) for d in disputes.disputes_of(
        db, actor=caller, incident_id=incident_id)]}


@router.post("/v1/incidents/{incident_id}/claims", status_code=201, tags=["owner"])
def open_claim(incident_id: str, body: ClaimIn, owner: Owner, platform: PlatformDep, db: Tx,
               now: Now) -> dict[str, Any]:
    """An insurance claim (seed 000 §4), with its required documents checklisted."""
    claim = disputes.open_claim(db, actor=owner, policy=platform.policy,
                                incident_id=incident_id, insurer_type=body.insurer_type,
                                amount=body.amount, documents=dict(body.documents),
                                note=body.note, now=now)
    return disputes.claim_view(db, claim, policy=platform.policy)


@router.get("/v1/incidents/{incident_id}/claims", tags=["owner", "staff"])
def claims_of_incident(incident_id: str, caller: OwnerOrAgent, platform: PlatformDep,
                       db: Tx) -> dict[str, Any]:
    return {"items": [disputes.claim_view(db, c, policy=platform.policy)
                      for c in disputes.claims_of(db, actor=caller, incident_id=incident_id)]}


@router.put("/v1/incidents/{incident_id}/claims/{claim_id}/documents", tags=["owner"])
def provide_documents(incident_id: str, claim_id: str, body: DocumentsIn, owner: Owner,
                      platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    claim = disputes.provide_documents(db, actor=owner, incident_id=incident_id,
                                       claim_id=claim_id, documents=dict(body.documents),
                                       now=now)
    return disputes.claim_view(db, claim, policy=platform.policy)


@router.get("/v1/admin/disputes", tags=["staff"])
def dispute_queue(
    agent: Agent, db: Tx,
    status: Annotated[disputes.DisputeStatus | None, Query()] = None,
) -> dict[str, Any]:
    return {"items": [disputes.dispute_view(d)
                      for d in disputes.dispute_queue(db, actor=agent, status=status)]}


@router.post("/v1/admin/disputes/{dispute_id}/transition", tags=["staff"])
def move_dispute(dispute_id: str, body: DisputeMoveIn, agent: Agent, db: Tx,
                 now: Now) -> dict[str, Any]:
    """Move a dispute on (``open`` → ``investigating`` → ``upheld`` | ``rejected``);
    any other step is ``409 illegal_transition``."""
    return disputes.dispute_view(disputes.move_dispute(
        db, actor=agent, dispute_id=dispute_id, to=body.to, note=body.note, now=now))


@router.get("/v1/admin/claims", tags=["staff"])
def claim_queue(
    agent: Agent, platform: PlatformDep, db: Tx,
    status: Annotated[disputes.ClaimStatus | None, Query()] = None,
) -> dict[str, Any]:
    return {"items": [disputes.claim_view(db, c, policy=platform.policy)
                      for c in disputes.claim_queue(db, actor=agent, status=status)]}


@router.post("/v1/admin/claims/{claim_id}/transition", tags=["staff"])
def move_claim(claim_id: str, body: ClaimMoveIn, agent: Agent, platform: PlatformDep, db: Tx,
               now: Now) -> dict[str, Any]:
    """Move a claim on (``open`` → ``submitted`` → ``approved`` → ``paid``, or
    ``rejected``); ``submitted`` needs every required document (``documents_missing``)."""
    claim = disputes.move_claim(db, actor=agent, claim_id=claim_id, to=body.to,
                                note=body.note, now=now)
    return disputes.claim_view(db, claim, policy=platform.policy)
