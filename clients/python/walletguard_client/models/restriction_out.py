from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RestrictionOut")


@_attrs_define
class RestrictionOut:
    """
    Attributes:
        id (str):
        kind (str):
        scope (str):
        reason (str):
        source (str):
        placed_at (str):
        placed_by (str): who placed it, in words: "you", "public report", "trusted contact", "agent", "teller", "system"
        expires_at (None | str | Unset):
    """

    id: str
    kind: str
    scope: str
    reason: str
    source: str
    placed_at: str
    placed_by: str
    expires_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        scope = self.scope

        reason = self.reason

        source = self.source

        placed_at = self.placed_at

        placed_by = self.placed_by

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "scope": scope,
                "reason": reason,
                "source": source,
                "placed_at": placed_at,
                "placed_by": placed_by,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        scope = d.pop("scope")

        reason = d.pop("reason")

        source = d.pop("source")

        placed_at = d.pop("placed_at")

        placed_by = d.pop("placed_by")

        def _parse_expires_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        restriction_out = cls(
            id=id,
            kind=kind,
            scope=scope,
            reason=reason,
            source=source,
            placed_at=placed_at,
            placed_by=placed_by,
            expires_at=expires_at,
        )

        restriction_out.additional_properties = d
        return restriction_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
