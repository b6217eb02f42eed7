from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DisputesIn")


@_attrs_define
class DisputesIn:
    """
    Attributes:
        transfer_ids (list[str]): payments and transfers from your wallet in the suspicious window
        note (None | str | Unset):
    """

    transfer_ids: list[str]
    note: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        transfer_ids = self.transfer_ids

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transfer_ids": transfer_ids,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        transfer_ids = cast(list[str], d.pop("transfer_ids"))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        disputes_in = cls(
            transfer_ids=transfer_ids,
            note=note,
        )

        return disputes_in
