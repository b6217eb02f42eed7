from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.device_in_platform import DeviceInPlatform
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.device_in_fingerprint import DeviceInFingerprint


T = TypeVar("T", bound="DeviceIn")


@_attrs_define
class DeviceIn:
    """
    Attributes:
        id (str):
        name (str):
        platform (DeviceInPlatform):
        fingerprint (DeviceInFingerprint | Unset):
    """

    id: str
    name: str
    platform: DeviceInPlatform
    fingerprint: DeviceInFingerprint | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        platform = self.platform.value

        fingerprint: dict[str, Any] | Unset = UNSET
        if not isinstance(self.fingerprint, Unset):
            fingerprint = self.fingerprint.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "platform": platform,
            }
        )
        if fingerprint is not UNSET:
            field_dict["fingerprint"] = fingerprint

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.device_in_fingerprint import DeviceInFingerprint  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        platform = DeviceInPlatform(d.pop("platform"))

        _fingerprint = d.pop("fingerprint", UNSET)
        fingerprint: DeviceInFingerprint | Unset
        if isinstance(_fingerprint, Unset):
            fingerprint = UNSET
        else:
            fingerprint = DeviceInFingerprint.from_dict(_fingerprint)

        device_in = cls(
            id=id,
            name=name,
            platform=platform,
            fingerprint=fingerprint,
        )

        return device_in
