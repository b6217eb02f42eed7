"""The carrier port: when did this phone number's SIM last change? A recent SIM swap
voids the SMS step-up (DOMAIN.md: 240 h). Carriers cannot be reached from here: the
``sandbox`` implementation reads ``{"+86…": "2026-11-30T08:00:00+00:00"}`` from a JSON
file (demos and tests write it); ``UnknownCarrier`` (the production default until a
carrier integration is configured) knows nothing, and docs/security.md says what that
costs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


class CarrierSignals(Protocol):
    name: str

    def last_sim_change(self, phone: str) -> datetime | None: ...


@dataclass
class UnknownCarrier:
    name: str = "none"

    def last_sim_change(self, phone: str) -> datetime | None:
        return None


class SandboxCarrier:
    name = "sandbox"

    def __init__(self, path: Path) -> None:
        self.path = path

    def last_sim_change(self, phone: str) -> datetime | None:
        if not self.path.exists():
            return None
        changes: dict[str, str] = json.loads(self.path.read_text() or "{}")
        when = changes.get(phone)
        return datetime.fromisoformat(when) if when else None

    def record_sim_change(self, phone: str, at: datetime) -> None:
        """Sandbox only: pretend the carrier reported a new SIM for ``phone`` (recovery's
        tests and the SIM-swap attack suite use it)."""
        changes = json.loads(self.path.read_text() or "{}") if self.path.exists() else {}
        changes[phone] = at.isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(changes))
