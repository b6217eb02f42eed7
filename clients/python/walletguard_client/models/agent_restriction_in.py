from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.agent_restriction_in_scope import AgentRestrictionInScope
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgentRestrictionIn")


@_attrs_define
class AgentRestrictionIn:
    """
    Attributes:
        reason (str):
        kind (Literal['freeze'] | Unset):  Default: 'freeze'.
        scope (AgentRestrictionInScope | Unset):  Default: AgentRestrictionInScope.ACCOUNT.
    """

    reason: str
    kind: Literal["freeze"] | Unset = "freeze"
    scope: AgentRestrictionInScope | Unset = AgentRestrictionInScope.ACCOUNT

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        kind = self.kind

        scope: str | Unset = UNSET
        if not isinstance(self.scope, Unset):
            scope = self.scope.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        reason = d.pop("reason")

        kind = cast(Literal["freeze"] | Unset, d.pop("kind", UNSET))
        if kind != "freeze" and not isinstance(kind, Unset):
            raise ValueError(f"kind must match const 'freeze', got '{kind}'")

        _scope = d.pop("scope", UNSET)
        scope: AgentRestrictionInScope | Unset
        if isinstance(_scope, Unset):
            scope = UNSET
        else:
            scope = AgentRestrictionInScope(_scope)

        agent_restriction_in = cls(
            reason=reason,
            kind=kind,
            scope=scope,
        )

        return agent_restriction_in
