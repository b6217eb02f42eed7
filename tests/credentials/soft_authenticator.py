"""A software WebAuthn platform authenticator, enough to drive the real ceremonies.

It holds one P-256 (ES256) key pair per credential, answers creation options with a
``none`` attestation and request options with a signed assertion, exactly as a phone's
fingerprint or face unlock would after the user verified: flags UP | UV (| AT when a
credential is created), the SHA-256 of the relying-party id, a counter that only grows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"
UP, UV, AT = 0x01, 0x04, 0x40


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SoftAuthenticator:
    """One platform credential on one phone."""

    rp_id: str = RP_ID
    origin: str = ORIGIN
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0

    def _rp_id_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.create()``: a PublicKeyCredential as JSON."""
        auth_data = (self._rp_id_hash() + bytes([UP | UV | AT])
                     + self.sign_count.to_bytes(4, "big")
                     + bytes(16)  # AAGUID: zeros, as with "none" attestation
                     + len(self.credential_id).to_bytes(2, "big") + self.credential_id
                     + self._cose_public_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key", "authenticatorAttachment": "platform",
                "response": {"clientDataJSON": b64url(client_data),
                             "attestationObject": b64url(attestation),
                             "transports": ["internal"]},
                "clientExtensionResults": {}}

    def get(self, options: dict[str, Any], *, user_verified: bool = True,
            signer: ec.EllipticCurvePrivateKey | None = None) -> dict[str, Any]:
        """``navigator.credentials.get()``: a signed assertion over the options' challenge.
        ``signer`` signs with another key (a forged assertion)."""
        self.sign_count += 1
        flags = UP | (UV if user_verified else 0)
        auth_data = self._rp_id_hash() + bytes([flags]) + self.sign_count.to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = (signer or self.key).sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key", "authenticatorAttachment": "platform",
                "response": {"clientDataJSON": b64url(client_data),
                             "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": None},
                "clientExtensionResults": {}}
