from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.branch_check_in_document_type import BranchCheckInDocumentType

T = TypeVar("T", bound="BranchCheckIn")


@_attrs_define
class BranchCheckIn:
    """
    Attributes:
        document_type (BranchCheckInDocumentType):
        document_number (str):
        branch (str):
    """

    document_type: BranchCheckInDocumentType
    document_number: str
    branch: str

    def to_dict(self) -> dict[str, Any]:
        document_type = self.document_type.value

        document_number = self.document_number

        branch = self.branch

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "document_type": document_type,
                "document_number": document_number,
                "branch": branch,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        document_type = BranchCheckInDocumentType(d.pop("document_type"))

        document_number = d.pop("document_number")

        branch = d.pop("branch")

        branch_check_in = cls(
            document_type=document_type,
            document_number=document_number,
            branch=branch,
        )

        return branch_check_in
