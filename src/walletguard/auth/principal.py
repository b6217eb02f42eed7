"""Who is calling. Roles are checked in one place: ``require`` below, used by the
HTTP dependencies and by services that must re-check (defence in depth)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from walletguard.errors import Forbidden, StepUpRequired


class Role(StrEnum):
    OWNER = "owner"
    AGENT = "agent"
    TELLER = "teller"
    INSTITUTION = "institution"
    OPERATOR = "operator"
    SYSTEM = "system"
    PUBLIC = "public"


STAFF_ROLES = (Role.AGENT, Role.TELLER, Role.INSTITUTION, Role.OPERATOR)
# How an untrusted device earns trust (``/v1/challenges``); recovery and staff remain
# when neither can be met (the SMS code is void while a freeze stands).
STEP_UP_METHODS = ("device_approval", "sms_code_and_pin")


@dataclass(frozen=True)
class Principal:
    role: Role
    id: str
    user_id: str | None = None
    device_id: str | None = None
    session_id: str | None = None
    # Owners only: whether the session's device passed a step-up, and the pending
    # challenge an untrusted session can answer.
    trusted: bool = False
    challenge_id: str | None = None

    @property
    def ref(self) -> str:
        """How the audit log names this actor: ``owner:usr_…``, ``agent:key_…``."""
        return f"{self.role.value}:{self.id}"

    def require(self, *roles: Role, untrusted_ok: bool = False) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this action needs the role {allowed}")
        if self.role == Role.OWNER and not self.trusted and not untrusted_ok:
            raise StepUpRequired(
                "this device is not trusted yet: approve it from one of your trusted "
                "devices, or confirm with a code sent to your phone and your payment PIN",
                methods=list(STEP_UP_METHODS), challenge_id=self.challenge_id)


SYSTEM = Principal(role=Role.SYSTEM, id="walletguard")
