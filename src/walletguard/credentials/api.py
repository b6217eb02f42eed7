from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import ConfigDict, Field, StringConstraints

from walletguard.credentials import service as credentials
from walletguard.http.deps import Now, Owner, PlatformDep, Tx
from walletguard.http.schema import Out, Strict

router = APIRouter(tags=["owner"])

Pin = Annotated[str, StringConstraints(min_length=1, max_length=12)]


class PinIn(Strict):
    pin: Pin = Field(examples=["730264"])
    current_pin: Pin | None = None


class BiometricRegistrationIn(Strict):
    # The shape of a real answer (base64url fields); its challenge is not one this server
    # issued, so sent as it is it answers 403 invalid_biometric after the PIN is judged.
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "credential": {"id": "q83vEjRWeJA", "rawId": "q83vEjRWeJA", "type": "public-key",
                       "response": {
                           "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdl"
                                             "IjoiQUFBQSIsIm9yaWdpbiI6Imh0dHBzOi8vd2FsbGV0LmV4"
                                             "YW1wbGUifQ",
                           "attestationObject": "o2NmbXRkbm9uZQ"}},
        "pin": "730264"}]})

    credential: dict[str, Any] = Field(description="the PublicKeyCredential as JSON")
    pin: Pin = Field(description="the payment PIN confirms the binding")


class BindingOut(Out):
    id: str
    device_id: str
    created_at: str


@router.put("/v1/payment-pin", status_code=204)
def set_payment_pin(body: PinIn, owner: Owner, platform: PlatformDep, db: Tx,
                    now: Now) -> Response:
    credentials.set_pin(db, keys=platform.keys, policy=platform.policy, owner=owner,
                        pin=body.pin, current_pin=body.current_pin, now=now,
                        risk=platform.risk)
    return Response(status_code=204)


@router.post("/v1/biometric/registration-options")
def biometric_registration_options(owner: Owner, platform: PlatformDep, db: Tx,
                                   now: Now) -> dict[str, Any]:
    """WebAuthn creation options for this device's platform authenticator."""
    return credentials.begin_biometric_registration(db, rp=platform.money.rp,
                                                    policy=platform.policy, owner=owner,
                                                    now=now)


@router.post("/v1/biometric/registrations", status_code=201, response_model=BindingOut)
def register_biometric(body: BiometricRegistrationIn, owner: Owner, platform: PlatformDep,
                       db: Tx, now: Now) -> BindingOut:
    binding = credentials.finish_biometric_registration(
        db, keys=platform.keys, policy=platform.policy, rp=platform.money.rp, owner=owner,
        credential=body.credential, pin=body.pin, now=now, risk=platform.risk)
    return BindingOut(id=binding.id, device_id=binding.device_id,
                      created_at=binding.created_at.isoformat())


@router.post("/v1/biometric/payment-options")
def biometric_payment_options(owner: Owner, platform: PlatformDep, db: Tx,
                              now: Now) -> dict[str, Any]:
    """A single-use WebAuthn challenge for the next biometric payment on this device."""
    return credentials.begin_biometric_payment(db, rp=platform.money.rp,
                                               policy=platform.policy, owner=owner, now=now)
