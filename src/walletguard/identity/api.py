from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.http.deps import PASSWORD_SLOT, AnyOwner, ClientIp, Now, Owner, PlatformDep, Tx
from walletguard.http.schema import Label, Out, RealName, Strict
from walletguard.identity import service as identity
from walletguard.policy import TrustedContactsPolicy
from walletguard.recovery import channel_changes

router = APIRouter(tags=["owner"])
_CONTACTS = TrustedContactsPolicy.model_fields


class RegisterIn(Strict):
    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)] = Field(
        examples=["+8613912345678"])
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        examples=["Plum-Blossom-88"])
    real_name: RealName = Field(examples=["陈静"])
    id_number: Annotated[str, StringConstraints(min_length=15, max_length=18)] = Field(
        examples=["110105198805120018"])


class CreatedOut(Out):
    id: str


class RestrictionOut(Out):
    id: str
    kind: str
    scope: str
    reason: str
    source: str
    placed_at: str
    placed_by: str = Field(description='who placed it, in words: "you", "public report", '
                                       '"trusted contact", "agent", "teller", "system"')
    expires_at: str | None = None


class MeOut(Out):
    id: str
    phone_masked: str
    name_masked: str
    state: str
    restrictions: list[RestrictionOut]


@router.post("/v1/users", status_code=201, response_model=CreatedOut,
             dependencies=[PASSWORD_SLOT])
def register_owner(body: RegisterIn, platform: PlatformDep, db: Tx, now: Now,
                   ip: ClientIp) -> CreatedOut:
    user = identity.register(
        db, keys=platform.keys, policy=platform.policy, now=now, client_ip=ip,
        data=identity.Registration(phone=body.phone, password=body.password,
                                   real_name=body.real_name, id_number=body.id_number))
    return CreatedOut(id=user.id)


@router.get("/v1/me", response_model=MeOut)
def me(owner: AnyOwner, platform: PlatformDep, db: Tx, now: Now) -> dict[str, Any]:
    return identity.me(db, vault=platform.keys.vault, owner=owner, now=now)


class ContactIn(Strict):
    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)] = Field(
        examples=["+8613900139000"])
    relation: Label = Field(
        examples=["sister"])


class TrustedContactsIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"contacts": [
        {"phone": "+8613900139000", "relation": "sister"},
        {"phone": "+8613700137000", "relation": "friend"},
        {"phone": "+8613600136000", "relation": "colleague"}]}]})

    # The count is the policy's (``identity.set_trusted_contacts`` judges it); the document
    # states the default so clients and fuzzers know it, and a body no policy could
    # accept is refused before any look-up.
    contacts: list[ContactIn] = Field(
        max_length=20, json_schema_extra={"minItems": _CONTACTS["min_contacts"].default,
                                          "maxItems": _CONTACTS["max_contacts"].default})
    challenge_id: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="the step-up challenge a first attempt answered with, once met")


class ContactOut(Out):
    user_id: str
    phone_masked: str
    name_masked: str
    relation: str
    added_at: str


def _contacts_out(views: list[identity.ContactView]) -> dict[str, list[ContactOut]]:
    return {"contacts": [ContactOut(user_id=v.user_id, phone_masked=v.phone_masked,
                                    name_masked=v.name_masked, relation=v.relation,
                                    added_at=v.added_at.isoformat()) for v in views]}


class ChannelChangeOut(Out):
    id: str
    kind: str
    status: str
    requested_at: str
    effective_at: str
    ended_at: str | None
    end_reason: str | None


def change_out(change: channel_changes.ChangeView) -> ChannelChangeOut:
    return ChannelChangeOut(
        id=change.id, kind=change.kind, status=change.status,
        requested_at=change.requested_at.isoformat(),
        effective_at=change.effective_at.isoformat(),
        ended_at=change.ended_at.isoformat() if change.ended_at else None,
        end_reason=change.end_reason)


class ContactsChangeOut(Out):
    contacts: list[ContactOut] = Field(description="the contacts in force now (unchanged)")
    pending_change: ChannelChangeOut = Field(
        description="the change, effective after the cooling-off window unless cancelled")


@router.put("/v1/trusted-contacts", response_model=ContactsChangeOut)
def set_trusted_contacts(body: TrustedContactsIn, owner: Owner, platform: PlatformDep, db: Tx,
                         now: Now) -> ContactsChangeOut:
    """Name 3–5 other owners who hear of a lost phone and may approve a recovery. A
    recovery channel: the change needs a fresh step-up (``step_up_required`` with a
    ``challenge_id`` first) and takes effect after the cooling-off window, during which
    the owner's channels and the current contacts are told and any session may cancel."""
    change = channel_changes.request_trusted_contacts(
        db, keys=platform.keys, policy=platform.policy, owner=owner, now=now,
        challenge_id=body.challenge_id,
        contacts=[identity.ContactEntry(phone=c.phone, relation=c.relation)
                  for c in body.contacts])
    current = _contacts_out(identity.trusted_contacts(db, keys=platform.keys, owner=owner))
    return ContactsChangeOut(contacts=current["contacts"], pending_change=change_out(change))


@router.get("/v1/trusted-contacts", response_model=dict[str, list[ContactOut]])
def list_trusted_contacts(owner: Owner, platform: PlatformDep,
                          db: Tx) -> dict[str, list[ContactOut]]:
    return _contacts_out(identity.trusted_contacts(db, keys=platform.keys, owner=owner))
