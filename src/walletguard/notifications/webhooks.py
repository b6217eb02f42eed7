"""Signed webhooks, the way large payment platforms sign theirs (Stripe's
``Stripe-Signature: t=…,v1=…``): an HMAC-SHA-256, keyed with the partner's secret, over
``"<unix timestamp>.<raw body>"``. The timestamp is inside the signature, so a captured
request cannot be replayed later with a fresh one: a receiver refuses a timestamp
outside its tolerance (``notifications.webhook_tolerance_seconds``) and dedupes on the
``Walletguard-Message-Id`` header, which stays the same on every retry of one message.

Partners use the same scheme for the requests they send back (acknowledgements), so one
``verify`` serves both directions."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "Walletguard-Signature"
MESSAGE_ID_HEADER = "Walletguard-Message-Id"
PARTNER_HEADER = "Walletguard-Partner"
SCHEME = "v1"


class InvalidSignature(Exception):
    """The request is not from the holder of the secret, or is too old to trust."""


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: bytes, body: bytes, *, at: datetime) -> str:
    """The ``Walletguard-Signature`` header value for ``body`` sent at ``at``."""
    timestamp = int(at.timestamp())
    return f"t={timestamp},{SCHEME}={_mac(secret, timestamp, body)}"


def verify(secret: bytes, body: bytes, header: str | None, *, now: datetime,
           tolerance_seconds: int) -> int:
    """Check a ``Walletguard-Signature`` header against the raw body; return its
    timestamp. Raises ``InvalidSignature`` for a missing or malformed header, a timestamp
    further than ``tolerance_seconds`` from ``now`` (either way: a clock far ahead is as
    suspect as a replay), or no ``v1`` signature that matches (several are allowed, so a
    secret can be rolled over)."""
    if not header:
        raise InvalidSignature("no signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidSignature("malformed timestamp") from None
        elif name == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("malformed signature header")
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidSignature("timestamp outside the tolerance window")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise InvalidSignature("signature does not match")
    return timestamp


PHONE_DIGEST_CONTEXT = b"walletguard.owner.phone:"


def phone_digest(secret: bytes, phone_e164: str) -> str:
    """The owner's phone as a partner receives it: HMAC-SHA-256 keyed with that partner's
    webhook secret over the E.164 number (``+8613912345678``). The partner computes the
    same for the numbers of its own customers and matches; anyone who reads the event
    without the secret (a log, a proxy, a leaked endpoint) learns nothing, and two
    partners' digests of one number cannot be linked."""
    return hmac.new(secret, PHONE_DIGEST_CONTEXT + phone_e164.encode(),
                    hashlib.sha256).hexdigest()
