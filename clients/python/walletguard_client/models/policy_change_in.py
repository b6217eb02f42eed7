from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.policy_change_in_candidate import PolicyChangeInCandidate


T = TypeVar("T", bound="PolicyChangeIn")


@_attrs_define
class PolicyChangeIn:
    """
    Attributes:
        candidate (PolicyChangeInCandidate): a whole [risk] section (walletguard policy docs lists its keys)
        reason (str):
    """

    candidate: PolicyChangeInCandidate
    reason: str

    def to_dict(self) -> dict[str, Any]:
        candidate = self.candidate.to_dict()

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "candidate": candidate,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_change_in_candidate import PolicyChangeInCandidate  # noqa: PLC0415

        d = dict(src_dict)
        candidate = PolicyChangeInCandidate.from_dict(d.pop("candidate"))

        reason = d.pop("reason")

        policy_change_in = cls(
            candidate=candidate,
            reason=reason,
        )

        return policy_change_in
