from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.device_out_status import DeviceOutStatus
from ..models.device_out_trust import DeviceOutTrust

if TYPE_CHECKING:
    from ..models.device_out_last_location_type_0 import DeviceOutLastLocationType0


T = TypeVar("T", bound="DeviceOut")


@_attrs_define
class DeviceOut:
    """
    Attributes:
        id (str):
        name (str):
        platform (str):
        status (DeviceOutStatus):
        first_seen_at (str):
        last_seen_at (str):
        trusted_since (str):
        trust (DeviceOutTrust):
        last_ip (None | str):
        last_location (DeviceOutLastLocationType0 | None):
        current (bool):
    """

    id: str
    name: str
    platform: str
    status: DeviceOutStatus
    first_seen_at: str
    last_seen_at: str
    trusted_since: str
    trust: DeviceOutTrust
    last_ip: None | str
    last_location: DeviceOutLastLocationType0 | None
    current: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.device_out_last_location_type_0 import DeviceOutLastLocationType0  # noqa: PLC0415

        id = self.id

        name = self.name

        platform = self.platform

        status = self.status.value

        first_seen_at = self.first_seen_at

        last_seen_at = self.last_seen_at

        trusted_since = self.trusted_since

        trust = self.trust.value

        last_ip: None | str
        last_ip = self.last_ip

        last_location: dict[str, Any] | None
        if isinstance(self.last_location, DeviceOutLastLocationType0):
            last_location = self.last_location.to_dict()
        else:
            last_location = self.last_location

        current = self.current

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "platform": platform,
                "status": status,
                "first_seen_at": first_seen_at,
                "last_seen_at": last_seen_at,
                "trusted_since": trusted_since,
                "trust": trust,
                "last_ip": last_ip,
                "last_location": last_location,
                "current": current,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.device_out_last_location_type_0 import DeviceOutLastLocationType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        platform = d.pop("platform")

        status = DeviceOutStatus(d.pop("status"))

        first_seen_at = d.pop("first_seen_at")

        last_seen_at = d.pop("last_seen_at")

        trusted_since = d.pop("trusted_since")

        trust = DeviceOutTrust(d.pop("trust"))

        def _parse_last_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_ip = _parse_last_ip(d.pop("last_ip"))

        def _parse_last_location(data: object) -> DeviceOutLastLocationType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_location_type_0 = DeviceOutLastLocationType0.from_dict(data)

                return last_location_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeviceOutLastLocationType0 | None, data)

        last_location = _parse_last_location(d.pop("last_location"))

        current = d.pop("current")

        device_out = cls(
            id=id,
            name=name,
            platform=platform,
            status=status,
            first_seen_at=first_seen_at,
            last_seen_at=last_seen_at,
            trusted_since=trusted_since,
            trust=trust,
            last_ip=last_ip,
            last_location=last_location,
            current=current,
        )

        device_out.additional_properties = d
        return device_out

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
