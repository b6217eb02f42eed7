"""The bank port: is this card real, whose reserved phone does the bank hold for it, and
a one-time code sent there (seed 002 §1: card + reserved-phone OTP). No bank can be
reached from here: the ``sandbox`` bank keeps its cards and the codes it "sent" in a JSON
file (demos and tests write the cards with ``open_card``; ``sent_code`` reads a code the
way a phone would). ``NoBank``, the production default until a bank is integrated,
offers no card channel. The card number is Luhn-checked (python-stdnum) before any bank
is asked."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from stdnum import luhn

BankTier = Literal["state", "joint_stock", "city_rural"]


def luhn_valid(card_number: str) -> bool:
    digits = card_number.replace(" ", "")
    return digits.isdigit() and 12 <= len(digits) <= 19 and luhn.is_valid(digits)


@dataclass(frozen=True)
class CardFacts:
    tier: BankTier
    reserved_phone: str


@dataclass(frozen=True)
class OtpTicket:
    id: str
    expires_at: datetime


class BankGateway(Protocol):
    name: str

    @property
    def available(self) -> bool: ...

    def card(self, card_number: str) -> CardFacts | None: ...

    def send_reserved_phone_otp(self, card_number: str, *, valid: timedelta,
                                now: datetime) -> OtpTicket: ...

    def check_otp(self, ticket_id: str, code: str, *, now: datetime) -> bool: ...


@dataclass
class NoBank:
    name: str = "none"

    @property
    def available(self) -> bool:
        return False

    def card(self, card_number: str) -> CardFacts | None:
        return None

    def send_reserved_phone_otp(self, card_number: str, *, valid: timedelta,
                                now: datetime) -> OtpTicket:
        raise RuntimeError("no bank is configured")

    def check_otp(self, ticket_id: str, code: str, *, now: datetime) -> bool:
        return False


class SandboxBank:
    """``{"cards": {number: {tier, reserved_phone}}, "codes": {ticket: {code, expires}}}``."""

    name = "sandbox"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return True

    def _read(self) -> dict[str, dict[str, dict[str, str]]]:
        if not self.path.exists():
            return {"cards": {}, "codes": {}}
        data: dict[str, dict[str, dict[str, str]]] = json.loads(self.path.read_text() or "{}")
        data.setdefault("cards", {})
        data.setdefault("codes", {})
        return data

    def _write(self, data: dict[str, dict[str, dict[str, str]]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staged = self.path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        staged.write_text(json.dumps(data))
        staged.replace(self.path)

    def card(self, card_number: str) -> CardFacts | None:
        found = self._read()["cards"].get(card_number.replace(" ", ""))
        if found is None:
            return None
        tier: BankTier = found["tier"]  # type: ignore[assignment]
        return CardFacts(tier=tier, reserved_phone=found["reserved_phone"])

    def send_reserved_phone_otp(self, card_number: str, *, valid: timedelta,
                                now: datetime) -> OtpTicket:
        ticket = OtpTicket(id=f"otp_{secrets.token_hex(8)}", expires_at=now + valid)
        with self._lock:
            data = self._read()
            data["codes"][ticket.id] = {"code": f"{secrets.randbelow(10 ** 6):06d}",
                                        "expires_at": ticket.expires_at.isoformat()}
            self._write(data)
        return ticket

    def check_otp(self, ticket_id: str, code: str, *, now: datetime) -> bool:
        found = self._read()["codes"].get(ticket_id)
        if found is None or datetime.fromisoformat(found["expires_at"]) <= now:
            return False
        return secrets.compare_digest(found["code"], code.strip())

    def open_card(self, card_number: str, *, tier: BankTier, reserved_phone: str) -> None:
        """Sandbox only: a card the bank issued, with the phone it holds for it."""
        with self._lock:
            data = self._read()
            data["cards"][card_number] = {"tier": tier, "reserved_phone": reserved_phone}
            self._write(data)

    def sent_code(self, ticket_id: str) -> str:
        """Sandbox only: the code the reserved phone received."""
        return self._read()["codes"][ticket_id]["code"]
