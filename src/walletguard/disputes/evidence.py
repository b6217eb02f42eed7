"""The evidence pack of a lost-phone incident, for the police and the insurer (seed 000
§4, §7): the freeze certificate, every transaction in the suspicious window, the
devices' last-seen times and locations, the police report and claims the owner
entered, and the owner's audit-chain hash so that the operator can prove, with
``walletguard audit verify --expect HASH``, that none of it was edited afterwards.

One read; it writes nothing. The PDF (``disputes.pdf``) renders this same dict, so the
JSON and the PDF cannot disagree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walletguard.audit.models import AuditChain, AuditEvent
from walletguard.audit.service import GENESIS
from walletguard.auth.principal import Principal, Role
from walletguard.crypto import PiiVault
from walletguard.devices.models import Device
from walletguard.disputes import service as disputes
from walletguard.disputes.models import Claim, Dispute
from walletguard.identity import service as identity
from walletguard.identity import validation
from walletguard.incidents import service as incidents
from walletguard.ledger import service as ledger
from walletguard.ledger.models import LedgerEntry, LedgerTransfer
from walletguard.payments.models import Merchant
from walletguard.policy import Policy
from walletguard.restrictions.models import Restriction

FREEZE_ACTION = "restriction.freeze_placed"
SCOPE_WORDS = {"payments": "payments, transfers and red packets",
               "account": "the whole account"}


def evidence_pack(
    db: Session, *, actor: Principal, vault: PiiVault, policy: Policy, incident_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The pack as a dict (the JSON answer). The owner's own incident or an agent;
    a trusted owner session only, as for ``GET /v1/transactions``: the pack lists every
    transaction, and a session the thief may hold must not read them."""
    actor.require(Role.OWNER, Role.AGENT)
    incident = incidents.visible_incident(db, actor=actor, incident_id=incident_id)
    user_id = incident.user_id
    user = identity.get_user(db, user_id)
    window = disputes.suspicious_window(policy, incident)
    chain = db.get(AuditChain, user_id)
    return {
        "incident": {"id": incident.id, "kind": incident.kind, "status": incident.status,
                     "reported_at": incident.reported_at.isoformat(),
                     "reported_via": incident.reported_via},
        "owner": {"user_id": user_id,
                  "name_masked": validation.mask_name(
                      vault.open("real_name", user.real_name_sealed)),
                  "phone_masked": validation.mask_phone(vault.open("phone", user.phone_sealed))},
        "generated_at": now.isoformat(),
        "generated_for": actor.ref,
        "currency": policy.currency,
        "timezone": policy.timezone,
        "window": {"opens": window.opens.isoformat(), "closes": window.closes.isoformat(),
                   "hours_before": policy.evidence.window_hours_before,
                   "hours_after": policy.evidence.window_hours_after},
        "freeze_certificate": _freezes(db, user_id=user_id, incident_id=incident.id),
        "transactions": _transactions(db, user_id=user_id, window=window),
        "devices": _devices(db, user_id=user_id),
        "police_report": disputes.police_report_view(disputes.police_report_of(db, incident)),
        "disputes": [disputes.dispute_view(d) for d in db.execute(
            select(Dispute).where(Dispute.user_id == user_id,
                                  Dispute.incident_id == incident.id)
            .order_by(Dispute.opened_at, Dispute.id)).scalars()],
        "claims": [disputes.claim_view(db, c, policy=policy) for c in db.execute(
            select(Claim).where(Claim.user_id == user_id, Claim.incident_id == incident.id)
            .order_by(Claim.opened_at, Claim.id)).scalars()],
        "audit": {
            "chain": user_id,
            "length": chain.length if chain else 0,
            "head_hash": chain.head_hash if chain else GENESIS,
            "verify": "walletguard audit verify --expect "
                      + (chain.head_hash if chain else GENESIS),
        },
    }


def _freezes(db: Session, *, user_id: str, incident_id: str) -> list[dict[str, Any]]:
    """Each freeze placed for the incident, with the audit event that recorded it (its
    hash is in the owner's chain, so the certificate can be checked)."""
    placed = list(db.execute(
        select(Restriction).where(Restriction.user_id == user_id,
                                  Restriction.incident_id == incident_id,
                                  Restriction.kind == "freeze")
        .order_by(Restriction.placed_at, Restriction.id)).scalars())
    if not placed:
        return []
    recorded = {e.data.get("restriction_id"): e for e in db.execute(
        select(AuditEvent).where(AuditEvent.chain_id == user_id,
                                 AuditEvent.action == FREEZE_ACTION)
        .order_by(AuditEvent.seq)).scalars()}
    certificates = []
    for r in placed:
        event = recorded.get(r.id)
        certificates.append({
            "restriction_id": r.id, "scope": r.scope,
            "covers": SCOPE_WORDS.get(r.scope, r.scope), "reason": r.reason,
            "placed_at": r.placed_at.isoformat(), "placed_by": r.placed_by,
            "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
            "lifted_by": r.lifted_by,
            "audit": None if event is None else {"chain": event.chain_id, "seq": event.seq,
                                                 "hash": event.hash,
                                                 "at": event.at.isoformat()}})
    return certificates


def _transactions(db: Session, *, user_id: str,
                  window: disputes.Window) -> list[dict[str, Any]]:
    """Every movement of the owner's wallet account in the window, oldest first, signed
    (a payment out is negative), with the dispute it carries if any."""
    wallet = ledger.get_wallet(db, user_id)
    rows = db.execute(
        select(LedgerTransfer, LedgerEntry.amount)
        .join(LedgerEntry, (LedgerEntry.user_id == LedgerTransfer.user_id)
              & (LedgerEntry.transfer_id == LedgerTransfer.id))
        .where(LedgerTransfer.user_id == user_id,
               LedgerEntry.account_id == wallet.account_id,
               LedgerTransfer.created_at >= window.opens,
               LedgerTransfer.created_at <= window.closes)
        .order_by(LedgerTransfer.created_at, LedgerEntry.id)).all()
    merchants = {m.id: m.name for m in db.execute(
        select(Merchant).where(Merchant.id.in_(
            {t.counterparty_id for t, _ in rows if t.counterparty_id}))).scalars()}
    disputed = {d.transfer_id: d.status for d in db.execute(
        select(Dispute).where(Dispute.user_id == user_id,
                              Dispute.transfer_id.in_({t.id for t, _ in rows}))).scalars()}
    found = []
    for transfer, signed in rows:
        other = transfer.counterparty_id  # each side's copy names the other side
        found.append({
            "id": transfer.id, "kind": transfer.kind, "amount": signed,
            "currency": transfer.currency, "counterparty": other,
            "counterparty_name": merchants.get(other or ""),
            "auth_method": transfer.auth_method, "created_at": transfer.created_at.isoformat(),
            "disputable": transfer.user_id == user_id
            and transfer.kind in disputes.DISPUTABLE_KINDS,
            "dispute": disputed.get(transfer.id)})
    return found


def _devices(db: Session, *, user_id: str) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "name": d.name, "platform": d.platform, "status": d.status,
         "first_seen_at": d.first_seen_at.isoformat(), "last_seen_at": d.last_seen_at.isoformat(),
         "last_ip": d.last_ip,
         "last_location": None if d.last_lat is None or d.last_lon is None
         else {"lat": d.last_lat, "lon": d.last_lon},
         "ended_at": d.ended_at.isoformat() if d.ended_at else None}
        for d in db.execute(select(Device).where(Device.user_id == user_id)
                            .order_by(Device.first_seen_at, Device.id)).scalars()]
