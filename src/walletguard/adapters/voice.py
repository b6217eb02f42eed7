"""The hotline voice port (seed 002 §7): the caller on the hotline reads a random digit
string for a voiceprint comparison and answers security questions. No voice-biometrics
provider can be reached from here: the ``sandbox`` verifier reads what each call "showed"
from a JSON file that demos and tests write (``record_call``). ``NoVoiceVerifier`` is the
production default until a provider is configured: the channel is then not offered.

A call is named by the hotline's call reference; the verifier reports the number the call
came from, how well the voiceprint matched the owner's enrolled one, and whether the
security questions were answered. Recovery judges those facts (the policy's threshold),
not the provider."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class VoiceReading:
    caller_phone: str
    voiceprint_match: float  # 0..1 against the owner's enrolled voiceprint
    questions_passed: bool


class VoiceVerifier(Protocol):
    name: str

    @property
    def available(self) -> bool: ...

    def read_call(self, call_ref: str) -> VoiceReading | None: ...


@dataclass
class NoVoiceVerifier:
    name: str = "none"

    @property
    def available(self) -> bool:
        return False

    def read_call(self, call_ref: str) -> VoiceReading | None:
        return None


class SandboxVoiceVerifier:
    """``{call_ref: {caller_phone, voiceprint_match, questions_passed}}``."""

    name = "sandbox"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return True

    def read_call(self, call_ref: str) -> VoiceReading | None:
        if not self.path.exists():
            return None
        found = json.loads(self.path.read_text() or "{}").get(call_ref)
        if found is None:
            return None
        return VoiceReading(caller_phone=str(found["caller_phone"]),
                            voiceprint_match=float(found["voiceprint_match"]),
                            questions_passed=bool(found["questions_passed"]))

    def record_call(self, call_ref: str, *, caller_phone: str, voiceprint_match: float,
                    questions_passed: bool) -> None:
        """Sandbox only: what the hotline's voice check of one call found."""
        with self._lock:
            data = json.loads(self.path.read_text() or "{}") if self.path.exists() else {}
            data[call_ref] = {"caller_phone": caller_phone,
                              "voiceprint_match": voiceprint_match,
                              "questions_passed": questions_passed}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(data))
