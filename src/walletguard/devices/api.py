from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.auth import service as auth
from walletguard.devices import service as devices
from walletguard.errors import Unauthenticated
from walletguard.http.deps import (
    PASSWORD_SLOT,
    ClientIp,
    Now,
    Owner,
    PlatformDep,
    Tx,
    bearer_token,
)
from walletguard.http.schema import Out, Strict, Text

router = APIRouter(tags=["owner"])

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


class DeviceOut(Out):
    id: str
    name: str
    platform: str
    status: Literal["active", "lost"]
    first_seen_at: str
    last_seen_at: str
    trusted_since: str
    last_ip: str | None
    last_location: dict[str, float] | None
    current: bool


class CommandIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"type": "lost_mode", "message": "This phone is lost. Please call 13900139000.",
         "contact_number": "+8613900139000"},
        {"type": "ring"}, {"type": "wipe"}]})

    type: Literal["ring", "lost_mode", "wipe"]
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
                                     peer_ip=ip))
    return SessionOut(token=started.token, device_id=started.device.id,
                      new_device=started.new_device)


def _device_out(d: Any, current: str | None) -> DeviceOut:
    location = ({"lat": d.last_lat, "lon": d.last_lon}
                if d.last_lat is not None and d.last_lon is not None else None)
    return DeviceOut(id=d.id, name=d.name, platform=d.platform, status=d.status,
                     first_seen_at=d.first_seen_at.isoformat(),
                     last_seen_at=d.last_seen_at.isoformat(),
                     trusted_since=d.trusted_since.isoformat(), last_ip=d.last_ip,
                     last_location=location, current=d.id == current)


@router.get("/v1/devices", response_model=dict[str, list[DeviceOut]])
def list_devices(owner: Owner, db: Tx) -> dict[str, list[DeviceOut]]:
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
def send_command(device_id: str, body: CommandIn, owner: Owner, db: Tx,
                 now: Now) -> CommandOut:
    command = devices.issue_command(db, actor=owner, device_id=device_id, type=body.type,
                                    message=body.message, contact_number=body.contact_number,
                                    now=now)
    return _command_out(command)


def calling_device(platform: PlatformDep, db: Tx, now: Now,
                   token: Annotated[str, Depends(bearer_token)]) -> str:
    """The device behind a token — a live session, or a lost device's revoked one, which
    may still fetch its queued lost-mode message and wipe."""
    digest = platform.keys.token_digest(token)
    lost = devices.lost_device_commands_stay_reachable(db, token_digest=digest)
    if lost is not None:
        return lost
    caller = auth.authenticate(db, keys=platform.keys, token=token, now=now,
                               idle_timeout=platform.session_idle_timeout)
    if caller.device_id is None:
        raise Unauthenticated("a device session is needed")
    return caller.device_id


CallingDevice = Annotated[str, Depends(calling_device)]


@router.get("/v1/devices/current/commands", response_model=dict[str, list[CommandOut]])
def fetch_commands(device_id: CallingDevice, db: Tx, now: Now) -> dict[str, list[CommandOut]]:
    return {"items": [_command_out(c)
                      for c in devices.fetch_commands(db, device_id=device_id, now=now)]}


@router.post("/v1/devices/current/commands/{command_id}/ack", response_model=CommandOut)
def acknowledge_command(command_id: str, device_id: CallingDevice, db: Tx,
                        now: Now) -> CommandOut:
    return _command_out(devices.acknowledge_command(db, device_id=device_id,
                                                    command_id=command_id, now=now))
