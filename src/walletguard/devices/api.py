from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from fastapi.routing import APIRoute
from pydantic import ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from walletguard.auth.principal import Principal
from walletguard.devices import challenges
from walletguard.devices import service as devices
from walletguard.http.deps import (
    PASSWORD_SLOT,
    Agent,
    AnyOwner,
    ClientIp,
    Now,
    Owner,
    PlatformDep,
    Tx,
    bearer_token,
)
from walletguard.http.schema import Out, Strict, Text
from walletguard.runtime import Platform

CURRENT = "current"


class _DeviceRoute(APIRoute):
    """``current`` names the calling device (``/v1/devices/current/commands``), never a
    ``{device_id}``: device ids are the server's (``dev_…``). Without this,
    ``POST /v1/devices/{device_id}/commands`` would also serve
    ``POST /v1/devices/current/commands``, and a 405 there would list POST as allowed."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and child.get("path_params", {}).get("device_id") == CURRENT:
            return Match.NONE, {}
        return match, child


router = APIRouter(tags=["owner"], route_class=_DeviceRoute)

Short = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class DeviceIn(Strict):
    id: Short = Field(examples=["a3f9-phone"])
    name: Short = Field(examples=["Mate 60"])
    platform: Literal["android", "ios", "harmonyos", "web", "other"]
    fingerprint: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=30, examples=[{"model": "Mate 60", "os": "4.2"}])


class ContextIn(Strict):
    ip: Annotated[str, StringConstraints(max_length=45)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class SessionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "phone": "+8613800138000", "password": "Plum-Blossom-88",
        "device": {"id": "a3f9-phone", "name": "Mate 60", "platform": "android",
                   "fingerprint": {"model": "Mate 60", "os": "HarmonyOS 4.2"}},
        "context": {"ip": "203.0.113.7", "lat": 31.23, "lon": 121.47}}]})

    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    device: DeviceIn
    context: ContextIn | None = None


class SessionOut(Out):
    token: str
    device_id: str
    new_device: bool
    trust: devices.Trust = Field(
        description="an untrusted session may only read, freeze, report a device lost, ring "
                    "it and set lost mode until its challenge is met")
    challenge_id: str | None = Field(
        None, description="the step-up an untrusted session answers (/v1/challenges/{id})")
    reasons: list[dict[str, str]] = Field(
        default_factory=list, description="why the risk engine asked for a step-up "
        "(rule, zh, en)")


class DeviceOut(Out):
    id: str
    name: str
    platform: str
    status: Literal["active", "lost"]
    first_seen_at: str
    last_seen_at: str
    trusted_since: str
    trust: devices.Trust
    last_ip: str | None
    last_location: dict[str, float] | None
    current: bool


class CommandIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"type": "lost_mode", "message": "This phone is lost. Please call 13900139000.",
         "contact_number": "+8613900139000"},
        {"type": "ring"}, {"type": "wipe"}]})

    type: devices.CommandType
    message: Text | None = None
    contact_number: Annotated[str, StringConstraints(max_length=32)] | None = None


class CommandOut(Out):
    id: str
    type: str
    message: str | None
    contact_number: str | None
    created_at: str
    delivered_at: str | None
    acknowledged_at: str | None


@router.post("/v1/sessions", status_code=201, response_model=SessionOut,
             dependencies=[PASSWORD_SLOT])
def log_in(body: SessionIn, platform: PlatformDep, db: Tx, now: Now,
           ip: ClientIp) -> SessionOut:
    context = body.context or ContextIn()
    started = devices.start_session(
        db, keys=platform.keys, policy=platform.policy, phone=body.phone,
        password=body.password, now=now,
        device=devices.DeviceInfo(id=body.device.id, name=body.device.name,
                                  platform=body.device.platform,
                                  fingerprint=dict(body.device.fingerprint)),
        context=devices.LoginContext(ip=context.ip or ip, lat=context.lat, lon=context.lon,
                                     peer_ip=ip), risk=platform.risk)
    return SessionOut(token=started.token, device_id=started.device.id,
                      new_device=started.new_device,
                      trust="trusted" if started.trusted else "untrusted",
                      challenge_id=started.challenge.id if started.challenge else None,
                      reasons=list(started.risk_reasons))


def _device_out(d: Any, current: str | None) -> DeviceOut:
    location = ({"lat": d.last_lat, "lon": d.last_lon}
                if d.last_lat is not None and d.last_lon is not None else None)
    return DeviceOut(id=d.id, name=d.name, platform=d.platform, status=d.status,
                     first_seen_at=d.first_seen_at.isoformat(),
                     last_seen_at=d.last_seen_at.isoformat(),
                     trusted_since=d.trusted_since.isoformat(), trust=d.trust,
                     last_ip=d.last_ip,
                     last_location=location, current=d.id == current)


@router.get("/v1/devices", response_model=dict[str, list[DeviceOut]])
def list_devices(owner: AnyOwner, db: Tx) -> dict[str, list[DeviceOut]]:
    return {"items": [_device_out(d, owner.device_id)
                      for d in devices.list_devices(db, owner=owner)]}


@router.delete("/v1/devices/{device_id}", status_code=204)
def unbind_device(device_id: str, owner: Owner, db: Tx, now: Now) -> Response:
    devices.unbind_device(db, owner=owner, device_id=device_id, now=now)
    return Response(status_code=204)


def _command_out(c: Any) -> CommandOut:
    return CommandOut(id=c.id, type=c.type, message=c.message, contact_number=c.contact_number,
                      created_at=c.created_at.isoformat(),
                      delivered_at=c.delivered_at.isoformat() if c.delivered_at else None,
                      acknowledged_at=c.acknowledged_at.isoformat() if c.acknowledged_at
                      else None)


@router.post("/v1/devices/{device_id}/commands", status_code=201, response_model=CommandOut)
def send_command(device_id: str, body: CommandIn, owner: AnyOwner, db: Tx,
                 now: Now) -> CommandOut:
    command = devices.issue_command(db, actor=owner, device_id=device_id, type=body.type,
                                    message=body.message, contact_number=body.contact_number,
                                    now=now)
    return _command_out(command)


def calling_device(platform: PlatformDep, db: Tx, now: Now,
                   token: Annotated[str, Depends(bearer_token)]) -> devices.DeviceRef:
    return devices.command_feed_device(db, keys=platform.keys, policy=platform.policy,
                                       token=token, now=now)


CallingDevice = Annotated[devices.DeviceRef, Depends(calling_device)]


@router.get("/v1/devices/current/commands", response_model=dict[str, list[CommandOut]])
def fetch_commands(device: CallingDevice, db: Tx, now: Now) -> dict[str, list[CommandOut]]:
    return {"items": [_command_out(c)
                      for c in devices.fetch_commands(db, device=device, now=now)]}


@router.post("/v1/devices/current/commands/{command_id}/ack", response_model=CommandOut)
def acknowledge_command(command_id: str, device: CallingDevice, db: Tx,
                        now: Now) -> CommandOut:
    return _command_out(devices.acknowledge_command(db, device=device,
                                                    command_id=command_id, now=now))


# ---- device trust: step-up challenges -------------------------------------------------

Pin = Annotated[str, StringConstraints(min_length=1, max_length=12)]


class ChallengeOut(Out):
    id: str
    status: challenges.Status
    device_id: str
    device_name: str
    platform: str
    last_ip: str | None
    created_at: str
    expires_at: str
    code_expires_at: str | None
    methods: list[str] = Field(description="step-up methods open to this device now; empty: "
                                           "only an agent, a teller or a recovery can trust it")


class ApproveIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"pin": "730264"}]})

    pin: Pin = Field(description="the payment PIN of the approving (trusted) device's owner")


class CodeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "492817",
                                                               "pin": "730264"}]})

    code: Annotated[str, StringConstraints(min_length=1, max_length=12)]
    pin: Pin


class TrustIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "owner verified on the hotline (call HL-20261201-0093)",
        "evidence": {"call_id": "HL-20261201-0093"}}]})

    reason: Text
    evidence: dict[str, str | int | bool] | None = None


def _challenge_out(v: challenges.ChallengeView) -> ChallengeOut:
    return ChallengeOut(
        id=v.id, status=v.status, device_id=v.device_id,
        device_name=v.device_name, platform=v.platform, last_ip=v.last_ip,
        created_at=v.created_at.isoformat(), expires_at=v.expires_at.isoformat(),
        code_expires_at=v.code_expires_at.isoformat() if v.code_expires_at else None,
        methods=v.methods)


def _view(platform: Platform, db: Session, owner: Principal, challenge_id: str,
          now: datetime) -> ChallengeOut:
    return _challenge_out(challenges.challenge_view(
        db, keys=platform.keys, policy=platform.policy, carrier=platform.carrier,
        sms=platform.sms, owner=owner, challenge_id=challenge_id, now=now))


@router.get("/v1/challenges", response_model=dict[str, list[ChallengeOut]])
def pending_challenges(owner: Owner, db: Tx, now: Now) -> dict[str, list[ChallengeOut]]:
    """On a trusted device: the owner's other devices asking to be trusted."""
    return {"items": [_challenge_out(v) for v in challenges.pending_for_approval(
        db, owner=owner, now=now)]}


@router.post("/v1/challenges", status_code=201, response_model=ChallengeOut)
def ask_again(owner: AnyOwner, platform: PlatformDep, db: Tx, now: Now) -> ChallengeOut:
    """An untrusted session whose challenge expired asks for a new one (the pending one
    is returned if there is one)."""
    challenge = challenges.new_challenge(db, policy=platform.policy, keys=platform.keys,
                                         owner=owner, now=now)
    return _view(platform, db, owner, challenge.id, now)


@router.get("/v1/challenges/{challenge_id}", response_model=ChallengeOut)
def get_challenge(challenge_id: str, owner: AnyOwner, platform: PlatformDep, db: Tx,
                  now: Now) -> ChallengeOut:
    return _view(platform, db, owner, challenge_id, now)


@router.post("/v1/challenges/{challenge_id}/approve", response_model=ChallengeOut)
def approve_challenge(challenge_id: str, body: ApproveIn, owner: Owner, platform: PlatformDep,
                      db: Tx, now: Now) -> ChallengeOut:
    """On a trusted device, with the PIN: trust the asking device."""
    challenges.approve(db, keys=platform.keys, policy=platform.policy, owner=owner,
                       challenge_id=challenge_id, pin=body.pin, now=now, engine=platform.risk)
    return _view(platform, db, owner, challenge_id, now)


@router.post("/v1/challenges/{challenge_id}/deny", response_model=ChallengeOut)
def deny_challenge(challenge_id: str, owner: Owner, platform: PlatformDep, db: Tx,
                   now: Now) -> ChallengeOut:
    """"That was not me": the asking session ends and an untrusted device is unbound."""
    challenges.deny(db, owner=owner, challenge_id=challenge_id, now=now)
    return _view(platform, db, owner, challenge_id, now)


@router.post("/v1/challenges/{challenge_id}/otp", response_model=ChallengeOut)
def send_challenge_code(challenge_id: str, owner: AnyOwner, platform: PlatformDep, db: Tx,
                        now: Now) -> ChallengeOut:
    """Send a one-time code to the account phone (void while a freeze stands or after a
    recent SIM change: 422 ``method_not_available``)."""
    challenges.send_code(db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
                         carrier=platform.carrier, owner=owner, challenge_id=challenge_id,
                         now=now)
    return _view(platform, db, owner, challenge_id, now)


@router.post("/v1/challenges/{challenge_id}/verify", response_model=ChallengeOut)
def verify_challenge_code(challenge_id: str, body: CodeIn, owner: AnyOwner,
                          platform: PlatformDep, db: Tx, now: Now) -> ChallengeOut:
    """The code and the payment PIN together trust this device."""
    challenges.verify_code(db, keys=platform.keys, policy=platform.policy, sms=platform.sms,
                           carrier=platform.carrier, owner=owner, challenge_id=challenge_id,
                           code=body.code, pin=body.pin, now=now, engine=platform.risk)
    return _view(platform, db, owner, challenge_id, now)


@router.post("/v1/admin/devices/{device_id}/trust", tags=["staff"],
             response_model=DeviceOut)
def trust_device(device_id: str, body: TrustIn, agent: Agent, db: Tx, now: Now) -> DeviceOut:
    """An agent who verified the owner trusts the device they hold."""
    device = challenges.trust_device_by_staff(db, actor=agent, device_id=device_id,
                                              reason=body.reason, evidence=body.evidence,
                                              now=now)
    return _device_out(device, None)
