from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.case_in_purpose import CaseInPurpose
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.device_ref_in import DeviceRefIn


T = TypeVar("T", bound="CaseIn")


@_attrs_define
class CaseIn:
    """
    Attributes:
        phone (str):
        purpose (CaseInPurpose):
        device (DeviceRefIn | None | Unset):
    """

    phone: str
    purpose: CaseInPurpose
    device: DeviceRefIn | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.device_ref_in import DeviceRefIn  # noqa: PLC0415

        phone = self.phone

        purpose = self.purpose.value

        device: dict[str, Any] | None | Unset
        if isinstance(self.device, Unset):
            device = UNSET
        elif isinstance(self.device, DeviceRefIn):
            device = self.device.to_dict()
        else:
            device = self.device

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "purpose": purpose,
            }
        )
        if device is not UNSET:
            field_dict["device"] = device

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.device_ref_in import DeviceRefIn  # noqa: PLC0415

        d = dict(src_dict)
        phone = d.pop("phone")

        purpose = CaseInPurpose(d.pop("purpose"))

        def _parse_device(data: object) -> DeviceRefIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                device_type_0 = DeviceRefIn.from_dict(data)

                return device_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeviceRefIn | None | Unset, data)

        device = _parse_device(d.pop("device", UNSET))

        case_in = cls(
            phone=phone,
            purpose=purpose,
            device=device,
        )

        return case_in
