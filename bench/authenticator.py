"""A software WebAuthn platform authenticator for the benchmarks.

It answers the server's creation options with a ``none`` attestation of a fresh P-256
key, and its request options with a signed assertion (user present and verified), the
JSON shapes a browser's ``PublicKeyCredential.toJSON()`` gives. Only for loopback load:
the key lives in memory and every ceremony is approved.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT, USER_VERIFIED, ATTESTED_DATA = 0x01, 0x04, 0x40
COSE_EC2, COSE_ES256, COSE_P256 = 2, -7, 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One credential on one device, bound to ``rp_id`` and used from ``origin``."""

    def __init__(self, rp_id: str, origin: str) -> None:
        self._rp_id_hash = hashlib.sha256(rp_id.encode()).digest()
        self._origin = origin
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._credential_id = os.urandom(32)
        self._sign_count = 0

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """The registration response to ``POST /v1/biometric/registration-options``."""
        numbers = self._key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {
                1: COSE_EC2,
                3: COSE_ES256,
                -1: COSE_P256,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        attested = (
            bytes(16) + struct.pack(">H", len(self._credential_id)) + self._credential_id + cose_key
        )
        auth_data = self._auth_data(USER_PRESENT | USER_VERIFIED | ATTESTED_DATA) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            {
                "clientDataJSON": b64url(
                    self._client_data("webauthn.create", options["challenge"])
                ),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            }
        )

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """The assertion answering ``POST /v1/biometric/payment-options``."""
        self._sign_count += 1
        auth_data = self._auth_data(USER_PRESENT | USER_VERIFIED)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self._key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            }
        )

    def _auth_data(self, flags: int) -> bytes:
        return self._rp_id_hash + bytes([flags]) + struct.pack(">I", self._sign_count)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        document = {
            "type": kind,
            "challenge": challenge,
            "origin": self._origin,
            "crossOrigin": False,
        }
        return json.dumps(document, separators=(",", ":")).encode()

    def _credential(self, response: dict[str, Any]) -> dict[str, Any]:
        credential_id = b64url(self._credential_id)
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }
