"""Who is calling. Roles are checked in one place: ``require`` below, used by the
HTTP dependencies and by services that must re-check (defence in depth)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from walletguard.errors import Forbidden


class Role(StrEnum):
    OWNER = "owner"
    AGENT = "agent"
    TELLER = "teller"
    INSTITUTION = "institution"
    OPERATOR = "operator"
    SYSTEM = "system"
    PUBLIC = "public"


STAFF_ROLES = (Role.AGENT, Role.TELLER, Role.INSTITUTION, Role.OPERATOR)


@dataclass(frozen=True)
class Principal:
    role: Role
    id: str
    user_id: str | None = None
    device_id: str | None = None
    session_id: str | None = None

    @property
    def ref(self) -> str:
        """How the audit log names this actor: ``owner:usr_…``, ``agent:key_…``."""
        return f"{self.role.value}:{self.id}"

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this action needs the role {allowed}")


SYSTEM = Principal(role=Role.SYSTEM, id="walletguard")
