"""Recovery cases (public: the owner may have no device left), the teller's in-person
check, the owner's cancel, and the institution's emergency payment code."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.auth.principal import Principal, Role
from walletguard.http.deps import AnyOwner, ClientIp, Now, PlatformDep, Tx, role
from walletguard.http.schema import Amount, Name, Strict
from walletguard.recovery import service as recovery
from walletguard.restrictions import service as restrictions
from walletguard.runtime import Platform

router = APIRouter()
Teller = Annotated[Principal, role(Role.TELLER)]
Institution = Annotated[Principal, role(Role.INSTITUTION)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _ports(platform: Platform) -> recovery.Ports:
    return recovery.Ports(bank=platform.bank, identity_verifier=platform.identity_verifier,
                          carrier=platform.carrier, risk=platform.risk)


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
        {"channel": "id_document", "document_image": "upload_91ab", "selfie_image": "up_22"}]})

    channel: Literal["bank_card", "id_document"]
    card_number: Annotated[str, StringConstraints(max_length=30)] | None = None
    otp: Annotated[str, StringConstraints(max_length=12)] | None = None
    document_image: Short | None = None
    selfie_image: Short | None = None


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
    body: dict[str, Any] = {
        "id": view.id, "purpose": view.purpose, "status": view.status,
        "channels": view.channels, "assurance": view.assurance,
        "required_assurance": view.required_assurance,
        "expires_at": view.expires_at.isoformat(),
        "delay_until": view.delay_until.isoformat() if view.delay_until else None}
    if view.next_step:
        body["next_step"] = view.next_step
    return body


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


@router.post("/v1/recovery-cases/{case_id}/verifications", tags=["public"])
def add_verification(case_id: str, body: VerificationIn, platform: PlatformDep, db: Tx,
                     now: Now) -> dict[str, Any]:
    fields = body.model_dump(exclude={"channel"}, exclude_none=True)
    return case_body(recovery.verify(db, keys=platform.keys, policy=platform.policy,
                                     ports=_ports(platform), case_id=case_id,
                                     channel=body.channel, fields=fields, now=now))


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
