"""The SMS port: text messages to an owner's phone (step-up codes). No carrier can be
reached from here, so the one implementation is the ``sandbox`` sink, which appends each
message to a JSON-lines file for demos and tests. It is never the production default
(``Settings`` refuses it in production mode); ``DisabledSms`` is, and a step-up by SMS is
then simply not offered."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from walletguard.adapters import jsonl


class SmsSender(Protocol):
    name: str

    @property
    def available(self) -> bool: ...

    def send(self, *, to: str, text: str, at: datetime) -> None: ...


@dataclass
class DisabledSms:
    name: str = "disabled"

    @property
    def available(self) -> bool:
        return False

    def send(self, *, to: str, text: str, at: datetime) -> None:
        raise RuntimeError("no SMS adapter is configured")


class SandboxSms:
    """Writes ``{"to", "text", "at"}`` lines to ``path`` (one file shared by every worker
    process: appends of one short line are atomic with O_APPEND)."""

    name = "sandbox"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return True

    def send(self, *, to: str, text: str, at: datetime) -> None:
        jsonl.append(self.path, {"to": to, "text": text, "at": at.isoformat()}, self._lock)

    def sent_to(self, phone: str) -> list[dict[str, str]]:
        """What the sandbox delivered to ``phone``, oldest first (the recovery tests read
        the bank OTP the sandbox bank sent)."""
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line]
        return [r for r in rows if r["to"] == phone]
