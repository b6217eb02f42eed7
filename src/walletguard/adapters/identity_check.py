"""The identity-verification port (seed 002 §2): an ID document photographed by the
owner and a face liveness check against it. Providers (a public-security database, a
KYC vendor) cannot be reached from here. The ``sandbox`` verifier reads what each
document "shows" from a JSON file that demos and tests write (``issue``); its liveness
score is what the test decided. ``NoIdentityVerifier`` is the production default until a
provider is configured: the channel is then not offered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class DocumentReading:
    id_number: str
    expires_on: date
    face_match: float  # liveness selfie against the document photo, 0..1


class IdentityVerifier(Protocol):
    name: str

    @property
    def available(self) -> bool: ...

    def read(self, *, document_image: str, selfie_image: str) -> DocumentReading | None: ...


@dataclass
class NoIdentityVerifier:
    name: str = "none"

    @property
    def available(self) -> bool:
        return False

    def read(self, *, document_image: str, selfie_image: str) -> DocumentReading | None:
        return None


class SandboxIdentityVerifier:
    """``{image_ref: {id_number, expires_on, faces: {selfie_ref: score}}}``."""

    name = "sandbox"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def available(self) -> bool:
        return True

    def read(self, *, document_image: str, selfie_image: str) -> DocumentReading | None:
        if not self.path.exists():
            return None
        found = json.loads(self.path.read_text() or "{}").get(document_image)
        if found is None:
            return None
        return DocumentReading(id_number=found["id_number"],
                               expires_on=date.fromisoformat(found["expires_on"]),
                               face_match=float(found["faces"].get(selfie_image, 0.0)))

    def issue(self, document_image: str, *, id_number: str, expires_on: date,
              faces: dict[str, float]) -> None:
        """Sandbox only: what a photographed document shows, and how selfies match it."""
        data = json.loads(self.path.read_text() or "{}") if self.path.exists() else {}
        data[document_image] = {"id_number": id_number, "expires_on": expires_on.isoformat(),
                                "faces": faces}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data))
