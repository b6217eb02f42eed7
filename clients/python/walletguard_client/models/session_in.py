from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.context_in import ContextIn
    from ..models.device_in import DeviceIn


T = TypeVar("T", bound="SessionIn")


@_attrs_define
class SessionIn:
    """
    Attributes:
        phone (str):
        password (str):
        device (DeviceIn):
        context (ContextIn | None | Unset):
    """

    phone: str
    password: str
    device: DeviceIn
    context: ContextIn | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.context_in import ContextIn  # noqa: PLC0415

        phone = self.phone

        password = self.password

        device = self.device.to_dict()

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, ContextIn):
            context = self.context.to_dict()
        else:
            context = self.context

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "password": password,
                "device": device,
            }
        )
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.context_in import ContextIn  # noqa: PLC0415
        from ..models.device_in import DeviceIn  # noqa: PLC0415

        d = dict(src_dict)
        phone = d.pop("phone")

        password = d.pop("password")

        device = DeviceIn.from_dict(d.pop("device"))

        def _parse_context(data: object) -> ContextIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = ContextIn.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ContextIn | None | Unset, data)

        context = _parse_context(d.pop("context", UNSET))

        session_in = cls(
            phone=phone,
            password=password,
            device=device,
            context=context,
        )

        return session_in
