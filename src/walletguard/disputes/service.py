"""Police reports, disputes and insurance claims: what the owner does about a lost-phone
incident afterwards (seed 000 §4), and how agents move disputes and claims on.

Every use case that writes takes the owner's wallet lock first (the one lock order; it
also orders two agents moving the same dispute), checks everything it refuses for before
it writes anything — so a refusal commits nothing and needs no savepoint — then writes
the change, its audit row, a timeline entry on the incident and the owner's notice, in
the caller's one transaction. Moving a dispute to ``upheld`` moves no money: a refund is
the operator's (``payments.operator``), decided with the merchant or the payee's bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard import text
from walletguard.audit import service as audit
from walletguard.auth.principal import Principal, Role
from walletguard.db import new_id
from walletguard.disputes.models import Claim, Dispute, PoliceReport
from walletguard.errors import (
    AlreadyDisputed,
    ClaimOverLimit,
    DocumentsMissing,
    IllegalTransition,
    InvalidInput,
    NotFound,
    OutsideSuspiciousWindow,
)
from walletguard.incidents import service as incidents
from walletguard.incidents.models import Incident
from walletguard.ledger import idempotency
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerEntry, LedgerTransfer
from walletguard.notifications import service as notifications
from walletguard.policy import EvidencePolicy, Policy
from walletguard.restrictions.models import Restriction

# ---- the state machines ------------------------------------------------------------------

#: A dispute: the owner says a transaction was not theirs; an agent investigates with the
#: merchant or the payee's bank and decides. ``upheld``: unauthorised (a refund is owed).
DISPUTE_FLOW: dict[str, tuple[str, ...]] = {
    "open": ("investigating", "upheld", "rejected"),
    "investigating": ("upheld", "rejected"),
    "upheld": (),
    "rejected": (),
}
#: A claim: collected (``open``) until every required document is there, sent to the
#: insurer (``submitted``), then the insurer's answer and, if approved, its payment.
CLAIM_FLOW: dict[str, tuple[str, ...]] = {
    "open": ("submitted", "rejected"),
    "submitted": ("approved", "rejected"),
    "approved": ("paid",),
    "rejected": (),
    "paid": (),
}
DisputeStatus = Literal["open", "investigating", "upheld", "rejected"]
ClaimStatus = Literal["open", "submitted", "approved", "rejected", "paid"]
#: What the owner is told when an agent moves a dispute or a claim (notifications.templates).
STATUS_TOPICS = {"dispute": "dispute.status_changed", "claim": "claim.status_changed"}
DISPUTABLE_KINDS = ("payment", "transfer")  # money the owner's wallet paid out
MAX_DISPUTES_AT_ONCE = 100


# ---- what each insurer asks for (seed 000 §4) --------------------------------------------

@dataclass(frozen=True)
class Document:
    key: str
    name: str
    # Who provides it: the owner (a reference they type), the police report the owner
    # recorded on the incident, or this wallet's evidence pack.
    source: Literal["owner", "police_report", "evidence_pack"]


DOCUMENTS: dict[str, Document] = {d.key: d for d in (
    Document("police_filing_notice", "Police filing notice (警方立案通知书)", "police_report"),
    Document("transaction_window", "Transactions in the abnormal window (交易异常时间段)",
             "evidence_pack"),
    Document("freeze_certificate", "Proof of the freeze (账户冻结证明)", "evidence_pack"),
    Document("insurance_policy", "The insurance policy number (保单号)", "owner"),
    Document("bank_fraud_confirmation", "The bank's confirmation of card fraud (盗刷认定)",
             "owner"),
)}


@dataclass(frozen=True)
class InsurerType:
    key: str
    name: str
    documents: tuple[str, ...]
    pays_within: str


INSURER_TYPES: dict[str, InsurerType] = {i.key: i for i in (
    InsurerType("wallet_security", "Wallet security insurance (账户安全险)",
                ("police_filing_notice", "transaction_window", "freeze_certificate"),
                "3-7 working days"),
    InsurerType("card_insurance", "Bank card insurance (银行信用卡险)",
                ("bank_fraud_confirmation", "transaction_window", "freeze_certificate"),
                "by the next statement date"),
    InsurerType("third_party", "Third-party insurer (第三方财险)",
                ("police_filing_notice", "insurance_policy", "transaction_window",
                 "freeze_certificate"),
                "5-15 working days"),
)}
InsurerKey = Literal["wallet_security", "card_insurance", "third_party"]


def claim_limit(rules: EvidencePolicy, insurer_type: str) -> int | None:
    """What the insurance pays at most per case (None: no cap known here)."""
    return {"wallet_security": rules.wallet_insurance_limit,
            "third_party": rules.third_party_insurance_limit,
            "card_insurance": rules.card_insurance_limit}[insurer_type]


# ---- the suspicious window ---------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime

    def holds(self, at: datetime) -> bool:
        return self.opens <= at <= self.closes


def suspicious_window(policy: Policy, incident: Incident) -> Window:
    """Around the report: thefts happen in the hours after a loss, before anyone reports
    it (seed 000 §1: most within 2 h), and a freeze may be lifted and the money moved on."""
    rules = policy.evidence
    return Window(opens=incident.reported_at - timedelta(hours=rules.window_hours_before),
                  closes=incident.reported_at + timedelta(hours=rules.window_hours_after))


# ---- police report -----------------------------------------------------------------------

def record_police_report(
    db: Session, *, actor: Principal, incident_id: str, report_number: str,
    station: str | None, reported_on: datetime | None, now: datetime,
) -> PoliceReport:
    """The owner records (or corrects) the police report number for the insurer (seed 000
    §4: the 报警回执编号). It provides every claim's ``police_filing_notice``."""
    actor.require(Role.OWNER)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    number = text.free_text(report_number, field="report_number", max_length=60)
    where = None if station is None else text.free_text(station, field="station",
                                                        max_length=text.NAME_MAX)
    if reported_on is not None and reported_on.tzinfo is None:
        raise InvalidInput("reported_on needs a time zone", field="reported_on")
    ledger.lock_wallet(db, incident.user_id)  # the owner's audit chain is appended under it
    row = db.get(PoliceReport, (incident.user_id, incident.id))
    first = row is None
    if row is None:
        row = PoliceReport(user_id=incident.user_id, incident_id=incident.id,
                           report_number=number, updated_at=now)
        db.add(row)
    row.report_number, row.station, row.reported_on, row.updated_at = (
        number, where, reported_on, now)
    audit.append(db, actor=actor.ref, action="incident.police_report_recorded",
                 subject=incident.user_id, at=now, chain=incident.user_id,
                 data={"incident_id": incident.id, "report_number": number,
                       "station": where, "first": first})
    incidents.record_event(db, incident, kind="police_report.recorded", now=now,
                           detail={"report_number": number, "station": where})
    db.flush()
    return row


def police_report_of(db: Session, incident: Incident) -> PoliceReport | None:
    return db.get(PoliceReport, (incident.user_id, incident.id))


def police_report_view(row: PoliceReport | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"report_number": row.report_number, "station": row.station,
            "reported_on": row.reported_on.isoformat() if row.reported_on else None,
            "updated_at": row.updated_at.isoformat()}


# ---- disputes ----------------------------------------------------------------------------

def open_disputes(
    db: Session, *, actor: Principal, policy: Policy, incident_id: str,
    transfer_ids: list[str], note: str | None, now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The owner marks payments and transfers from their wallet in the incident's
    suspicious window as unauthorised: one dispute each, all or none.

    Refusals: ``not_found`` (not a payment or transfer from this owner's wallet — the
    same for another owner's and for none), ``outside_suspicious_window``,
    ``already_disputed`` (with the ``transfer_ids``)."""
    actor.require(Role.OWNER)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    ids = list(dict.fromkeys(transfer_ids))
    if not 1 <= len(ids) <= MAX_DISPUTES_AT_ONCE:
        raise InvalidInput(f"name 1 to {MAX_DISPUTES_AT_ONCE} transactions",
                           field="transfer_ids")
    reason = None if note is None else text.free_text(note, field="note",
                                                      max_length=text.TEXT_MAX)
    ledger.lock_wallet(db, incident.user_id)
    # A retry with the same Idempotency-Key gets the first answer (or refusal) again.
    return idempotency.once(
        db, scope=actor.ref, key=idempotency_key, now=now, status=201,
        payload={"route": f"disputes:{incident.id}",
                 "body": {"transfer_ids": ids, "note": reason}},
        work=lambda: {"items": [dispute_view(d) for d in _open_disputes(
            db, actor=actor, policy=policy, incident=incident, ids=ids, reason=reason,
            now=now)]})


def _open_disputes(
    db: Session, *, actor: Principal, policy: Policy, incident: Incident, ids: list[str],
    reason: str | None, now: datetime,
) -> list[Dispute]:
    user_id = incident.user_id
    window = suspicious_window(policy, incident)
    found = {t.id: t for t in db.execute(
        select(LedgerTransfer).where(LedgerTransfer.user_id == user_id,
                                     LedgerTransfer.id.in_(ids))).scalars()}
    # A transfer between owners has a copy on each side: only money out of this wallet
    # (its wallet leg negative) can be disputed by this owner.
    wallet = ledger.get_wallet(db, user_id)
    paid_out = set(db.execute(select(LedgerEntry.transfer_id).where(
        LedgerEntry.user_id == user_id, LedgerEntry.transfer_id.in_(ids),
        LedgerEntry.account_id == wallet.account_id, LedgerEntry.amount < 0)).scalars())
    for transfer_id in ids:
        transfer = found.get(transfer_id)
        if (transfer is None or transfer_id not in paid_out
                or transfer.kind not in DISPUTABLE_KINDS):
            raise NotFound("no such payment or transfer from your wallet",
                           field="transfer_ids", transfer_id=transfer_id)
        if not window.holds(transfer.created_at):
            raise OutsideSuspiciousWindow(
                "only transactions in the incident's suspicious window can be disputed",
                transfer_id=transfer_id, window={"opens": window.opens.isoformat(),
                                                 "closes": window.closes.isoformat()})
    disputed = sorted(db.execute(select(Dispute.transfer_id).where(
        Dispute.user_id == user_id, Dispute.transfer_id.in_(ids))).scalars())
    if disputed:
        raise AlreadyDisputed("already disputed", transfer_ids=disputed)
    opened = [Dispute(user_id=user_id, id=new_id("dsp"), incident_id=incident.id,
                      transfer_id=transfer_id, amount=found[transfer_id].amount,
                      status="open", note=reason, opened_at=now)
              for transfer_id in ids]
    db.add_all(opened)
    for dispute in opened:
        audit.append(db, actor=actor.ref, action="dispute.opened", subject=user_id, at=now,
                     chain=user_id, reason=reason,
                     data={"dispute_id": dispute.id, "incident_id": incident.id,
                           "transfer_id": dispute.transfer_id, "amount": dispute.amount})
    incidents.record_event(db, incident, kind="disputes.opened", now=now, detail={
        "disputes": [{"id": d.id, "transfer_id": d.transfer_id} for d in opened]})
    notifications.notify_owner(db, topic="dispute.opened", user_id=user_id, now=now,
                               payload={"incident_id": incident.id, "count": len(opened),
                                        "amount": sum(d.amount for d in opened)})
    db.flush()
    return opened


def move_dispute(
    db: Session, *, actor: Principal, dispute_id: str, to: str, note: str | None,
    now: datetime,
) -> Dispute:
    """An agent moves a dispute along ``DISPUTE_FLOW``; ``illegal_transition`` (409, with
    ``status`` and ``allowed``) for any other step. The owner is told."""
    actor.require(Role.AGENT)
    if to not in DISPUTE_FLOW:
        raise InvalidInput(f"to must be one of {', '.join(DISPUTE_FLOW)}", field="to")
    reason = None if note is None else text.free_text(note, field="note",
                                                      max_length=text.TEXT_MAX)
    located = db.execute(select(Dispute.user_id).where(Dispute.id == dispute_id)).scalar()
    if located is None:
        raise NotFound("no such dispute")
    ledger.lock_wallet(db, located)
    # Read again under the lock: another agent's move committed before it counts.
    dispute = db.execute(select(Dispute).where(Dispute.user_id == located,
                                               Dispute.id == dispute_id)
                         .execution_options(populate_existing=True)).scalar_one()
    before = dispute.status
    _check_step(DISPUTE_FLOW, before, to)
    dispute.status, dispute.decided_at, dispute.decided_by = to, now, actor.ref
    if reason is not None:
        dispute.note = reason
    _announce(db, actor=actor, kind="dispute", row_id=dispute.id, user_id=located,
              incident_id=dispute.incident_id, before=before, to=to, note=reason, now=now,
              extra={"transfer_id": dispute.transfer_id, "amount": dispute.amount})
    db.flush()
    return dispute


def _check_step(flow: dict[str, tuple[str, ...]], before: str, to: str) -> None:
    if to not in flow[before]:
        allowed = list(flow[before])
        raise IllegalTransition(
            f"a {before} case cannot become {to}"
            + (f"; next: {', '.join(allowed)}" if allowed else "; it is final"),
            current=before, allowed=allowed)


def _announce(
    db: Session, *, actor: Principal, kind: Literal["dispute", "claim"], row_id: str,
    user_id: str, incident_id: str, before: str, to: str, note: str | None, now: datetime,
    extra: dict[str, Any],
) -> None:
    """The audit row, the timeline entry and the owner's notice of one state change."""
    detail = {f"{kind}_id": row_id, "from": before, "to": to, **extra}
    audit.append(db, actor=actor.ref, action=f"{kind}.status_changed", subject=user_id,
                 at=now, chain=user_id, reason=note,
                 data={**detail, "incident_id": incident_id})
    incident = db.get(Incident, (user_id, incident_id))
    if incident is not None:
        incidents.record_event(db, incident, kind=f"{kind}.status_changed", now=now,
                               detail=detail)
    notifications.notify_owner(db, topic=STATUS_TOPICS[kind], user_id=user_id, now=now,
                               payload={**detail, "incident_id": incident_id, "status": to,
                                        "note": note or ""})


def disputes_of(db: Session, *, actor: Principal, incident_id: str) -> list[Dispute]:
    actor.require(Role.OWNER, Role.AGENT)  # amounts of transactions: trusted sessions only
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    return list(db.execute(
        select(Dispute).where(Dispute.user_id == incident.user_id,
                              Dispute.incident_id == incident.id)
        .order_by(Dispute.opened_at, Dispute.id)).scalars())


def dispute_queue(db: Session, *, actor: Principal, status: str | None,
                  limit: int = 200) -> list[Dispute]:
    """The agents' queue, oldest first."""
    actor.require(Role.AGENT)
    query = select(Dispute)
    if status is not None:
        query = query.where(Dispute.status == status)
    return list(db.execute(query.order_by(Dispute.opened_at, Dispute.id).limit(limit))
                .scalars())


def dispute_view(dispute: Dispute) -> dict[str, Any]:
    return {"id": dispute.id, "incident_id": dispute.incident_id,
            "user_id": dispute.user_id, "transfer_id": dispute.transfer_id,
            "amount": dispute.amount, "status": dispute.status, "note": dispute.note,
            "opened_at": dispute.opened_at.isoformat(),
            "decided_at": dispute.decided_at.isoformat() if dispute.decided_at else None,
            "decided_by": dispute.decided_by,
            "next": list(DISPUTE_FLOW[dispute.status])}


# ---- claims ------------------------------------------------------------------------------

def open_claim(
    db: Session, *, actor: Principal, policy: Policy, incident_id: str, insurer_type: str,
    amount: int, documents: dict[str, str], note: str | None, now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The owner opens a claim with one of the insurer types of seed 000 §4, with the
    references to the documents only they can give (``documents``: key → reference);
    the rest come from the police report and the evidence pack.

    Refusals: ``invalid_input`` (unknown type, a document this type does not ask the
    owner for), ``claim_over_limit`` (more than the type pays per case, with ``limit``)."""
    actor.require(Role.OWNER)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    insurer = INSURER_TYPES.get(insurer_type)
    if insurer is None:
        raise InvalidInput(f"insurer_type must be one of {', '.join(INSURER_TYPES)}",
                           field="insurer_type")
    if amount <= 0:
        raise InvalidInput("amount must be positive (minor units)", field="amount")
    limit = claim_limit(policy.evidence, insurer.key)
    if limit is not None and amount > limit:
        raise ClaimOverLimit(f"{insurer.name} pays at most {limit} per case", limit=limit)
    provided = _owner_references(insurer, documents)
    reason = None if note is None else text.free_text(note, field="note",
                                                      max_length=text.TEXT_MAX)
    ledger.lock_wallet(db, incident.user_id)
    return idempotency.once(
        db, scope=actor.ref, key=idempotency_key, now=now, status=201,
        payload={"route": f"claims:{incident.id}",
                 "body": {"insurer_type": insurer.key, "amount": amount,
                          "documents": provided, "note": reason}},
        work=lambda: claim_view(db, _open_claim(
            db, actor=actor, incident=incident, insurer=insurer, amount=amount,
            provided=provided, reason=reason, now=now), policy=policy))


def _open_claim(
    db: Session, *, actor: Principal, incident: Incident, insurer: InsurerType, amount: int,
    provided: dict[str, str], reason: str | None, now: datetime,
) -> Claim:
    claim = Claim(user_id=incident.user_id, id=new_id("clm"), incident_id=incident.id,
                  insurer_type=insurer.key, amount=amount, status="open",
                  documents={"required": list(insurer.documents), "provided": provided},
                  opened_at=now, updated_at=now, note=reason)
    db.add(claim)
    audit.append(db, actor=actor.ref, action="claim.opened", subject=incident.user_id,
                 at=now, chain=incident.user_id, reason=reason,
                 data={"claim_id": claim.id, "incident_id": incident.id,
                       "insurer_type": insurer.key, "amount": amount,
                       "documents": sorted(provided)})
    incidents.record_event(db, incident, kind="claim.opened", now=now, detail={
        "claim_id": claim.id, "insurer_type": insurer.key, "amount": amount})
    notifications.notify_owner(db, topic="claim.opened", user_id=incident.user_id, now=now,
                               payload={"claim_id": claim.id, "incident_id": incident.id,
                                        "insurer_type": insurer.key, "amount": amount})
    db.flush()
    return claim


def _owner_references(insurer: InsurerType, documents: dict[str, str]) -> dict[str, str]:
    own = [k for k in insurer.documents if DOCUMENTS[k].source == "owner"]
    refs: dict[str, str] = {}
    for key, reference in documents.items():
        if key not in own:
            raise InvalidInput(
                f"{insurer.key} asks the owner for {', '.join(own) or 'no documents'}; "
                f"{key!r} is not one of them", field="documents")
        refs[key] = text.free_text(reference, field=f"documents.{key}", max_length=100)
    return refs


def provide_documents(
    db: Session, *, actor: Principal, incident_id: str, claim_id: str,
    documents: dict[str, str], now: datetime,
) -> Claim:
    """The owner adds or corrects document references while the claim is ``open``."""
    actor.require(Role.OWNER)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    ledger.lock_wallet(db, incident.user_id)
    claim = db.execute(select(Claim).where(Claim.user_id == incident.user_id,
                                           Claim.id == claim_id,
                                           Claim.incident_id == incident.id)
                       .execution_options(populate_existing=True)).scalar_one_or_none()
    if claim is None:
        raise NotFound("no such claim")
    if claim.status != "open":
        raise IllegalTransition("documents can be changed only while the claim is open",
                                current=claim.status, allowed=list(CLAIM_FLOW[claim.status]))
    refs = _owner_references(INSURER_TYPES[claim.insurer_type], documents)
    # A new dict: the JSON column sees an assignment, not an in-place change.
    claim.documents = {**claim.documents,
                       "provided": {**claim.documents.get("provided", {}), **refs}}
    claim.updated_at = now
    audit.append(db, actor=actor.ref, action="claim.documents_provided",
                 subject=incident.user_id, at=now, chain=incident.user_id,
                 data={"claim_id": claim.id, "documents": sorted(refs)})
    incidents.record_event(db, incident, kind="claim.documents_provided", now=now,
                           detail={"claim_id": claim.id, "documents": sorted(refs)})
    db.flush()
    return claim


def move_claim(
    db: Session, *, actor: Principal, claim_id: str, to: str, note: str | None,
    now: datetime,
) -> Claim:
    """An agent moves a claim along ``CLAIM_FLOW``. Sending it to the insurer
    (``submitted``) needs every required document: ``documents_missing`` (409, with
    ``missing``) otherwise."""
    actor.require(Role.AGENT)
    if to not in CLAIM_FLOW:
        raise InvalidInput(f"to must be one of {', '.join(CLAIM_FLOW)}", field="to")
    reason = None if note is None else text.free_text(note, field="note",
                                                      max_length=text.TEXT_MAX)
    located = db.execute(select(Claim.user_id).where(Claim.id == claim_id)).scalar()
    if located is None:
        raise NotFound("no such claim")
    ledger.lock_wallet(db, located)
    claim = db.execute(select(Claim).where(Claim.user_id == located, Claim.id == claim_id)
                       .execution_options(populate_existing=True)).scalar_one()
    before = claim.status
    _check_step(CLAIM_FLOW, before, to)
    if to == "submitted":
        missing = [d["key"] for d in checklist(db, claim) if not d["provided"]]
        if missing:
            raise DocumentsMissing("the insurer needs every required document first",
                                   missing=missing)
    claim.status, claim.updated_at, claim.decided_by = to, now, actor.ref
    if reason is not None:
        claim.note = reason
    _announce(db, actor=actor, kind="claim", row_id=claim.id, user_id=located,
              incident_id=claim.incident_id, before=before, to=to, note=reason, now=now,
              extra={"insurer_type": claim.insurer_type, "amount": claim.amount})
    db.flush()
    return claim


def checklist(db: Session, claim: Claim) -> list[dict[str, Any]]:
    """Each required document, whether it is there, and where it comes from."""
    provided: dict[str, str] = claim.documents.get("provided", {})
    police = db.get(PoliceReport, (claim.user_id, claim.incident_id))
    frozen = db.execute(select(Restriction.id).where(
        Restriction.user_id == claim.user_id, Restriction.incident_id == claim.incident_id,
        Restriction.kind == "freeze").limit(1)).scalar() is not None
    pack = f"GET /v1/incidents/{claim.incident_id}/evidence?format=pdf"
    items = []
    for key in claim.documents.get("required", []):
        document = DOCUMENTS[key]
        reference: str | None
        if document.source == "owner":
            reference = provided.get(key)
        elif document.source == "police_report":
            reference = police.report_number if police else None
        elif key == "freeze_certificate":
            reference = pack if frozen else None
        else:
            reference = pack
        items.append({"key": key, "name": document.name, "source": document.source,
                      "provided": reference is not None, "reference": reference})
    return items


def claims_of(db: Session, *, actor: Principal, incident_id: str) -> list[Claim]:
    actor.require(Role.OWNER, Role.AGENT)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    return list(db.execute(
        select(Claim).where(Claim.user_id == incident.user_id,
                            Claim.incident_id == incident.id)
        .order_by(Claim.opened_at, Claim.id)).scalars())


def claim_queue(db: Session, *, actor: Principal, status: str | None,
                limit: int = 200) -> list[Claim]:
    actor.require(Role.AGENT)
    query = select(Claim)
    if status is not None:
        query = query.where(Claim.status == status)
    return list(db.execute(query.order_by(Claim.opened_at, Claim.id).limit(limit)).scalars())


def claim_view(db: Session, claim: Claim, *, policy: Policy) -> dict[str, Any]:
    insurer = INSURER_TYPES[claim.insurer_type]
    return {"id": claim.id, "incident_id": claim.incident_id, "user_id": claim.user_id,
            "insurer_type": claim.insurer_type, "insurer": insurer.name,
            "pays_within": insurer.pays_within,
            "limit": claim_limit(policy.evidence, claim.insurer_type),
            "amount": claim.amount, "status": claim.status, "note": claim.note,
            "documents": checklist(db, claim),
            "opened_at": claim.opened_at.isoformat(), "updated_at": claim.updated_at.isoformat(),
            "decided_by": claim.decided_by, "next": list(CLAIM_FLOW[claim.status])}
