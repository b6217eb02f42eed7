from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProblemWindow")


@_attrs_define
class ProblemWindow:
    """the suspicious window: opens, closes

    Attributes:
        opens (datetime.datetime | Unset):
        closes (datetime.datetime | Unset):
    """

    opens: datetime.datetime | Unset = UNSET
    closes: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        opens: str | Unset = UNSET
        if not isinstance(self.opens, Unset):
            opens = self.opens.isoformat()

        closes: str | Unset = UNSET
        if not isinstance(self.closes, Unset):
            closes = self.closes.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if opens is not UNSET:
            field_dict["opens"] = opens
        if closes is not UNSET:
            field_dict["closes"] = closes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _opens = d.pop("opens", UNSET)
        opens: datetime.datetime | Unset
        if isinstance(_opens, Unset):
            opens = UNSET
        else:
            opens = datetime.datetime.fromisoformat(_opens)

        _closes = d.pop("closes", UNSET)
        closes: datetime.datetime | Unset
        if isinstance(_closes, Unset):
            closes = UNSET
        else:
            closes = datetime.datetime.fromisoformat(_closes)

        problem_window = cls(
            opens=opens,
            closes=closes,
        )

        problem_window.additional_properties = d
        return problem_window

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
