from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.appeal_decision_in_decision import AppealDecisionInDecision

T = TypeVar("T", bound="AppealDecisionIn")


@_attrs_define
class AppealDecisionIn:
    """
    Attributes:
        decision (AppealDecisionInDecision): a first agent recommends; a different agent approves; either rejects
        note (str):
    """

    decision: AppealDecisionInDecision
    note: str

    def to_dict(self) -> dict[str, Any]:
        decision = self.decision.value

        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "decision": decision,
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        decision = AppealDecisionInDecision(d.pop("decision"))

        note = d.pop("note")

        appeal_decision_in = cls(
            decision=decision,
            note=note,
        )

        return appeal_decision_in
