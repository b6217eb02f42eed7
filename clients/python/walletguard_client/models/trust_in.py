from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trust_in_evidence_type_0 import TrustInEvidenceType0


T = TypeVar("T", bound="TrustIn")


@_attrs_define
class TrustIn:
    """
    Attributes:
        reason (str):
        evidence (None | TrustInEvidenceType0 | Unset):
    """

    reason: str
    evidence: None | TrustInEvidenceType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.trust_in_evidence_type_0 import TrustInEvidenceType0  # noqa: PLC0415

        reason = self.reason

        evidence: dict[str, Any] | None | Unset
        if isinstance(self.evidence, Unset):
            evidence = UNSET
        elif isinstance(self.evidence, TrustInEvidenceType0):
            evidence = self.evidence.to_dict()
        else:
            evidence = self.evidence

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )
        if evidence is not UNSET:
            field_dict["evidence"] = evidence

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trust_in_evidence_type_0 import TrustInEvidenceType0  # noqa: PLC0415

        d = dict(src_dict)
        reason = d.pop("reason")

        def _parse_evidence(data: object) -> None | TrustInEvidenceType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                evidence_type_0 = TrustInEvidenceType0.from_dict(data)

                return evidence_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TrustInEvidenceType0 | Unset, data)

        evidence = _parse_evidence(d.pop("evidence", UNSET))

        trust_in = cls(
            reason=reason,
            evidence=evidence,
        )

        return trust_in
