from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.documents_in_documents import DocumentsInDocuments


T = TypeVar("T", bound="DocumentsIn")


@_attrs_define
class DocumentsIn:
    """
    Attributes:
        documents (DocumentsInDocuments):
    """

    documents: DocumentsInDocuments

    def to_dict(self) -> dict[str, Any]:
        documents = self.documents.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "documents": documents,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.documents_in_documents import DocumentsInDocuments  # noqa: PLC0415

        d = dict(src_dict)
        documents = DocumentsInDocuments.from_dict(d.pop("documents"))

        documents_in = cls(
            documents=documents,
        )

        return documents_in
