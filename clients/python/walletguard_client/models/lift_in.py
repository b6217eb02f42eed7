from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_in import DocumentIn
    from ..models.lift_in_evidence_type_0 import LiftInEvidenceType0


T = TypeVar("T", bound="LiftIn")


@_attrs_define
class LiftIn:
    """
    Attributes:
        reason (str):
        evidence (LiftInEvidenceType0 | None | Unset): what the agent relied on (ticket, call id, recovery case)
        document (DocumentIn | None | Unset): required for tellers (seed 004)
    """

    reason: str
    evidence: LiftInEvidenceType0 | None | Unset = UNSET
    document: DocumentIn | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.document_in import DocumentIn  # noqa: PLC0415
        from ..models.lift_in_evidence_type_0 import LiftInEvidenceType0  # noqa: PLC0415

        reason = self.reason

        evidence: dict[str, Any] | None | Unset
        if isinstance(self.evidence, Unset):
            evidence = UNSET
        elif isinstance(self.evidence, LiftInEvidenceType0):
            evidence = self.evidence.to_dict()
        else:
            evidence = self.evidence

        document: dict[str, Any] | None | Unset
        if isinstance(self.document, Unset):
            document = UNSET
        elif isinstance(self.document, DocumentIn):
            document = self.document.to_dict()
        else:
            document = self.document

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )
        if evidence is not UNSET:
            field_dict["evidence"] = evidence
        if document is not UNSET:
            field_dict["document"] = document

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_in import DocumentIn  # noqa: PLC0415
        from ..models.lift_in_evidence_type_0 import LiftInEvidenceType0  # noqa: PLC0415

        d = dict(src_dict)
        reason = d.pop("reason")

        def _parse_evidence(data: object) -> LiftInEvidenceType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                evidence_type_0 = LiftInEvidenceType0.from_dict(data)

                return evidence_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LiftInEvidenceType0 | None | Unset, data)

        evidence = _parse_evidence(d.pop("evidence", UNSET))

        def _parse_document(data: object) -> DocumentIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                document_type_0 = DocumentIn.from_dict(data)

                return document_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DocumentIn | None | Unset, data)

        document = _parse_document(d.pop("document", UNSET))

        lift_in = cls(
            reason=reason,
            evidence=evidence,
            document=document,
        )

        return lift_in
