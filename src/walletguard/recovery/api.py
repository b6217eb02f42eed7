"""Recovery cases (public: the owner may have no device left), the teller's in-person
check, the owner's cancel, trusted contacts' approval links, and the institution's
emergency payment code."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.auth.principal import Principal, Role
from walletguard.http.deps import Agent, AnyOwner, ClientIp, Now, Owner, PlatformDep, Tx, role
from walletguard.http.schema import Amount, Name, Strict, Text
from walletguard.recovery import appeals, channel_changes, contacts
from walletguard.recovery import service as recovery
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform

router = APIRouter()
Teller = Annotated[Principal, role(Role.TELLER)]
Institution = Annotated[Principal, role(Role.INSTITUTION)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _ports(platform: Platform) -> recovery.Ports:
    return recovery.Ports(bank=platform.bank, identity_verifier=platform.identity_verifier,
                          carrier=platform.carrier, voice=platform.voice_verifier,
                          rp=platform.money.rp, link_base=link_base(platform),
                          risk=platform.risk)


def link_base(platform: Platform) -> str:
    """Approval links point at the app's origin (the first WebAuthn origin)."""
    return platform.money.rp.origins[0]


class DeviceRefIn(Strict):
    id: Short = Field(description="the app's device id of the device to recover to",
                      examples=["ios-7f3a"])


class CaseIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+8613912345678", "purpose": "new_device", "device": {"id": "ios-7f3a"}}]})

    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)]
    purpose: Literal["reset_pin", "unfreeze", "unlock", "new_device"]
    device: DeviceRefIn | None = None


class VerificationIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"channel": "bank_card", "card_number": "6222020200112233445"},
        {"channel": "bank_card", "card_number": "6222020200112233445", "otp": "384615"},
        {"channel": "id_document", "document_image": "upload_91ab", "selfie_image": "up_22"},
        {"channel": "trusted_contacts"},
        {"channel": "history_quiz"},
        {"channel": "history_quiz", "answers": {"q1": "1280", "q2": "便利店",
                                                "q3": "2026-11-20"}},
        {"channel": "device_biometric"},
        {"channel": "hotline_voice", "call_ref": "call_5d1e"}]})

    channel: Literal["bank_card", "id_document", "trusted_contacts", "history_quiz",
                     "device_biometric", "hotline_voice"]
    card_number: Annotated[str, StringConstraints(max_length=30)] | None = None
    otp: Annotated[str, StringConstraints(max_length=12)] | None = None
    document_image: Short | None = None
    selfie_image: Short | None = None
    answers: Annotated[dict[Short, Short], Field(max_length=20)] | None = Field(
        None, description="history_quiz: the answer to each question id")
    assertion: dict[str, Any] | None = Field(
        None, description="device_biometric: the WebAuthn assertion (PublicKeyCredential "
                          "JSON) answering the options the first step gave")
    call_ref: Short | None = Field(
        None, description="hotline_voice: the hotline's reference of the verified call")


class CompleteIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"new_pin": "730264"}, {}]})

    new_pin: Annotated[str, StringConstraints(max_length=12)] | None = None


class BranchCheckIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"document_type": "passport", "document_number": "E12345678",
         "branch": "ICBC Shanghai Xuhui"}]})

    document_type: Literal["resident_id", "passport", "drivers_licence", "electronic_id"]
    document_number: Annotated[str, StringConstraints(max_length=40)]
    branch: Name


class EmergencyCodeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"user_id": "usr_3f9c", "document_checked": True, "amount": 30000}]})

    user_id: Short
    document_checked: bool = Field(description="the owner's ID document was checked in "
                                               "person by the institution")
    amount: Amount


def case_body(view: recovery.CaseView) -> dict[str, Any]:
    return {
        "id": view.id, "purpose": view.purpose, "status": view.status,
        "channels": view.channels, "assurance": view.assurance,
        "required_assurance": view.required_assurance,
        "expires_at": view.expires_at.isoformat(),
        "delay_until": view.delay_until.isoformat() if view.delay_until else None}


@router.post("/v1/recovery-cases", status_code=201, tags=["public"])
def open_case(body: CaseIn, platform: PlatformDep, db: Tx, now: Now,
              ip: ClientIp) -> dict[str, Any]:
    """Open a recovery case. The answer is the same whether or not the phone has a
    wallet; the owner's channels are told when it does."""
    view = recovery.open_case(
        db, keys=platform.keys, policy=platform.policy, ports=_ports(platform),
        phone=body.phone, purpose=body.purpose, client_ip=ip, now=now,
        device=recovery.RecoveringDevice(id=body.device.id) if body.device else None)
    return case_body(view)


def prompt_body(prompt: recovery.Prompt) -> dict[str, Any]:
    return {"id": prompt.case_id, "channel": prompt.channel, "next_step": prompt.next_step,
            **prompt.detail}


@router.post("/v1/recovery-cases/{case_id}/verifications", tags=["public"])
def add_verification(case_id: str, body: VerificationIn, platform: PlatformDep, db: Tx,
                     now: Now) -> dict[str, Any]:
    """Add evidence. A channel's first step (``trusted_contacts``; ``history_quiz``
    without ``answers``; ``device_biometric`` without ``assertion``; ``bank_card``
    without ``otp``) sends or fetches what the owner answers next (``next_step``)."""
    fields = body.model_dump(exclude={"channel"}, exclude_none=True)
    done = recovery.verify(db, keys=platform.keys, policy=platform.policy,
                           ports=_ports(platform), case_id=case_id, channel=body.channel,
                           fields=fields, now=now)
    return prompt_body(done) if isinstance(done, recovery.Prompt) else case_body(done)


@router.post("/v1/recovery-cases/{case_id}/complete", tags=["public"])
def complete_case(case_id: str, body: CompleteIn, platform: PlatformDep, db: Tx,
                  now: Now) -> dict[str, Any]:
    """Act on a case that reached its assurance; to a device not yet trusted, the first
    call starts the security delay (status ``delayed``) and a call after it completes."""
    done = recovery.complete(db, keys=platform.keys, policy=platform.policy,
                             ports=_ports(platform), case_id=case_id, new_pin=body.new_pin,
                             now=now)
    return {**case_body(done.case), "lifted": done.lifted,
            "sessions_ended": done.sessions_ended,
            "observation_until": (done.observation_until.isoformat()
                                  if done.observation_until else None),
            "new_payees_blocked_until": (done.new_payees_blocked_until.isoformat()
                                         if done.new_payees_blocked_until else None)}


@router.post("/v1/recovery-cases/{case_id}/cancel", tags=["owner"])
def cancel_case(case_id: str, owner: AnyOwner, db: Tx, now: Now) -> dict[str, Any]:
    """"That was not me": any session of the owner cancels an open or delayed case."""
    return case_body(recovery.cancel(db, owner=owner, case_id=case_id, now=now))


@router.post("/v1/recovery-cases/{case_id}/approvals/void", tags=["owner"])
def void_approvals(case_id: str, owner: AnyOwner, db: Tx, now: Now) -> dict[str, Any]:
    """The owner voids every trusted-contact approval collected for the case."""
    return {"voided": contacts.void(db, owner=owner, case_id=case_id, now=now)}


Token = Annotated[str, StringConstraints(min_length=10, max_length=120)]


class ApprovalDecisionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"decision": "approve"}]})

    decision: Literal["approve", "refuse"]


def approval_body(view: contacts.ApprovalView) -> dict[str, Any]:
    return {"owner_name": view.owner_name_masked, "purpose": view.purpose,
            "status": view.status, "expires_at": view.expires_at.isoformat(),
            "approvals": view.approvals, "approvals_required": view.approvals_required,
            "link": view.link, "qr_svg": view.qr_svg}


@router.get("/v1/recovery-approvals/{token}", tags=["public"])
def show_approval(token: Token, platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    """What an approval link asks (with its QR code). Reading never spends the link:
    mail scanners fetch links before the contact does."""
    return approval_body(contacts.show(db, keys=platform.keys, policy=platform.policy,
                                       token=token, link_base=link_base(platform), now=now))


@router.post("/v1/recovery-approvals/{token}", tags=["owner"])
def decide_approval(token: Token, body: ApprovalDecisionIn, contact: Owner,
                    platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    """The trusted contact the link was sent to approves or refuses, once, from a
    trusted session of their own."""
    return approval_body(contacts.decide(
        db, keys=platform.keys, policy=platform.policy, contact=contact, token=token,
        decision=body.decision, link_base=link_base(platform), now=now))


@router.post("/v1/admin/recovery-cases/{case_id}/branch-verification", tags=["staff"])
def branch_verification(case_id: str, body: BranchCheckIn, teller: Teller,
                        platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    """A teller records the in-person document check (seed 004) as the case's evidence."""
    document = restrictions.DocumentEvidence(**body.model_dump())
    return case_body(recovery.branch_verify(
        db, keys=platform.keys, policy=platform.policy, ports=_ports(platform), actor=teller,
        case_id=case_id, document=document, now=now))


@router.post("/v1/emergency-codes", status_code=201, tags=["staff"])
def issue_emergency_code(body: EmergencyCodeIn, institution: Institution,
                         platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    """Issue a one-off payment code after an in-person document check (seed 002 §8). The
    code is shown once: only its keyed digest is kept, so a retry issues a new one."""
    issued = recovery.issue_emergency_code(
        db, keys=platform.keys, policy=platform.policy, actor=institution,
        user_id=body.user_id, document_checked=body.document_checked, amount=body.amount,
        now=now)
    return {"code": issued.code, "expires_at": issued.expires_at.isoformat(),
            "limit": issued.limit}


# ---- appeals (seed 002 §5): the form, the agent queue, maker-checker ------------------------


class AppealIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"registered_month": "2023-04", "device_names": ["iPhone 13"],
         "counterparties": ["便利店", "瑞幸咖啡"], "amounts": [1250, 3800],
         "top_ups": [50000]}]})

    registered_month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")] | None = (
        Field(None, description="the month the account was opened (YYYY-MM)"))
    device_names: list[Name] = Field(default_factory=list, max_length=5,
                                     description="phones the wallet was used on")
    counterparties: list[Name] = Field(default_factory=list, max_length=5,
                                       description="shops paid recently")
    amounts: list[Amount] = Field(default_factory=list, max_length=5,
                                  description="amounts of recent payments")
    top_ups: list[Amount] = Field(default_factory=list, max_length=5,
                                  description="amounts of recent top-ups")


class AppealDecisionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "recommend", "note": "called back on the phone on file; answers fit"},
        {"decision": "approve", "note": "second review: form and call-back notes agree"}]})

    decision: Literal["recommend", "approve", "reject"] = Field(
        description="a first agent recommends; a different agent approves; either rejects")
    note: Text


def appeal_body(view: appeals.AppealView) -> dict[str, Any]:
    return {"id": view.id, "case_id": view.case_id, "status": view.status,
            "submitted_at": view.submitted_at.isoformat(), "due_at": view.due_at.isoformat()}


@router.post("/v1/recovery-cases/{case_id}/appeal", status_code=201, tags=["public"])
def file_appeal(case_id: str, body: AppealIn, platform: PlatformDep, db: Tx,
                now: Now) -> dict[str, Any]:
    """File the account-history form on a case (open or in manual review): scored against
    the wallet's facts, queued for agents, answered within the SLA."""
    form = appeals.AppealForm(**body.model_dump())
    return appeal_body(appeals.submit(db, keys=platform.keys, policy=platform.policy,
                                      case_id=case_id, form=form, now=now))


@router.get("/v1/admin/appeals", tags=["staff"])
def appeal_queue(agent: Agent, db: Tx, now: Now) -> dict[str, Any]:
    """Appeals waiting for a decision, the soonest due first: the form's score and
    breakdown (never the owner's answers or history), the SLA due time, who recommended."""
    return {"items": [
        {"id": i.id, "case_id": i.case_id, "purpose": i.purpose, "case_status": i.case_status,
         "status": i.status, "score": i.score, "breakdown": i.breakdown,
         "submitted_at": i.submitted_at.isoformat(), "due_at": i.due_at.isoformat(),
         "overdue": i.overdue, "recommended_by": i.recommended_by}
        for i in appeals.queue(db, actor=agent, now=now)]}


@router.post("/v1/admin/appeals/{appeal_id}/decision", tags=["staff"])
def decide_appeal(appeal_id: str, body: AppealDecisionIn, agent: Agent,
                  platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    """Maker-checker: ``recommend`` (first agent), ``approve`` (a different agent; adds
    the appeal's evidence to the case, never shortens its delay), or ``reject``."""
    return appeal_body(appeals.decide(db, policy=platform.policy, actor=agent,
                                      appeal_id=appeal_id, decision=body.decision,
                                      note=body.note, now=now))


# ---- changing a recovery channel (issue 18 §4) --------------------------------------------


class PhoneChangeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+8613812345678"}, {"phone": "+8613812345678", "challenge_id": "chg_9a"}]})

    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)]
    challenge_id: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="the step-up challenge a first attempt answered with, once met")


def change_body(change: channel_changes.ChangeView) -> dict[str, Any]:
    return {"id": change.id, "kind": change.kind, "status": change.status,
            "requested_at": change.requested_at.isoformat(),
            "effective_at": change.effective_at.isoformat(),
            "ended_at": change.ended_at.isoformat() if change.ended_at else None,
            "end_reason": change.end_reason}


@router.put("/v1/account-phone", tags=["owner"])
def change_account_phone(body: PhoneChangeIn, owner: Owner, platform: PlatformDep, db: Tx,
                         now: Now) -> dict[str, Any]:
    """Ask to change the account phone: a fresh step-up first, then the change waits the
    cooling-off window; the phone on file is told and any owner session may cancel."""
    return {"pending_change": change_body(channel_changes.request_phone(
        db, keys=platform.keys, policy=platform.policy, owner=owner, phone=body.phone,
        challenge_id=body.challenge_id, now=now))}


@router.get("/v1/channel-changes", tags=["owner"])
def list_channel_changes(owner: AnyOwner, db: Tx) -> dict[str, Any]:
    """Recovery-channel changes asked for, waiting, applied, cancelled or void."""
    return {"items": [change_body(c) for c in channel_changes.changes_of(db, owner=owner)]}


@router.post("/v1/channel-changes/{change_id}/cancel", tags=["owner"])
def cancel_channel_change(change_id: str, owner: AnyOwner, db: Tx, now: Now) -> dict[str, Any]:
    """"That was not me": any session of the owner cancels a waiting change."""
    return change_body(channel_changes.cancel(db, owner=owner, change_id=change_id, now=now))
