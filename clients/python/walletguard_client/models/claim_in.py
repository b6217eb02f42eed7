from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.claim_in_insurer_type import ClaimInInsurerType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.claim_in_documents import ClaimInDocuments


T = TypeVar("T", bound="ClaimIn")


@_attrs_define
class ClaimIn:
    """
    Attributes:
        insurer_type (ClaimInInsurerType):
        amount (int): claimed, in minor units
        documents (ClaimInDocuments | Unset): references to the documents only the owner can give, by key
            (insurance_policy, bank_fraud_confirmation)
        note (None | str | Unset):
    """

    insurer_type: ClaimInInsurerType
    amount: int
    documents: ClaimInDocuments | Unset = UNSET
    note: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        insurer_type = self.insurer_type.value

        amount = self.amount

        documents: dict[str, Any] | Unset = UNSET
        if not isinstance(self.documents, Unset):
            documents = self.documents.to_dict()

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "insurer_type": insurer_type,
                "amount": amount,
            }
        )
        if documents is not UNSET:
            field_dict["documents"] = documents
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.claim_in_documents import ClaimInDocuments  # noqa: PLC0415

        d = dict(src_dict)
        insurer_type = ClaimInInsurerType(d.pop("insurer_type"))

        amount = d.pop("amount")

        _documents = d.pop("documents", UNSET)
        documents: ClaimInDocuments | Unset
        if isinstance(_documents, Unset):
            documents = UNSET
        else:
            documents = ClaimInDocuments.from_dict(_documents)

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        claim_in = cls(
            insurer_type=insurer_type,
            amount=amount,
            documents=documents,
            note=note,
        )

        return claim_in
