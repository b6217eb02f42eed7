from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChannelChangeOut")


@_attrs_define
class ChannelChangeOut:
    """
    Attributes:
        id (str):
        kind (str):
        status (str):
        requested_at (str):
        effective_at (str):
        ended_at (None | str):
        end_reason (None | str):
    """

    id: str
    kind: str
    status: str
    requested_at: str
    effective_at: str
    ended_at: None | str
    end_reason: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        status = self.status

        requested_at = self.requested_at

        effective_at = self.effective_at

        ended_at: None | str
        ended_at = self.ended_at

        end_reason: None | str
        end_reason = self.end_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "status": status,
                "requested_at": requested_at,
                "effective_at": effective_at,
                "ended_at": ended_at,
                "end_reason": end_reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        status = d.pop("status")

        requested_at = d.pop("requested_at")

        effective_at = d.pop("effective_at")

        def _parse_ended_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        def _parse_end_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        end_reason = _parse_end_reason(d.pop("end_reason"))

        channel_change_out = cls(
            id=id,
            kind=kind,
            status=status,
            requested_at=requested_at,
            effective_at=effective_at,
            ended_at=ended_at,
            end_reason=end_reason,
        )

        channel_change_out.additional_properties = d
        return channel_change_out

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
