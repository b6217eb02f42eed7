from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.carrier_signal_in_event import CarrierSignalInEvent

T = TypeVar("T", bound="CarrierSignalIn")


@_attrs_define
class CarrierSignalIn:
    """
    Attributes:
        phone (str):
        event (CarrierSignalInEvent): ``unknown`` is a signal of its own, never read as no swap
        at (datetime.datetime): when the carrier saw it (RFC 3339)
    """

    phone: str
    event: CarrierSignalInEvent
    at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        event = self.event.value

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "phone": phone,
                "event": event,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        phone = d.pop("phone")

        event = CarrierSignalInEvent(d.pop("event"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        carrier_signal_in = cls(
            phone=phone,
            event=event,
            at=at,
        )

        return carrier_signal_in
