from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PoliceReportIn")


@_attrs_define
class PoliceReportIn:
    """
    Attributes:
        report_number (str): the police receipt number (报警回执编号)
        station (None | str | Unset):
        reported_on (datetime.datetime | None | Unset):
    """

    report_number: str
    station: None | str | Unset = UNSET
    reported_on: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        report_number = self.report_number

        station: None | str | Unset
        if isinstance(self.station, Unset):
            station = UNSET
        else:
            station = self.station

        reported_on: None | str | Unset
        if isinstance(self.reported_on, Unset):
            reported_on = UNSET
        elif isinstance(self.reported_on, datetime.datetime):
            reported_on = self.reported_on.isoformat()
        else:
            reported_on = self.reported_on

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "report_number": report_number,
            }
        )
        if station is not UNSET:
            field_dict["station"] = station
        if reported_on is not UNSET:
            field_dict["reported_on"] = reported_on

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        report_number = d.pop("report_number")

        def _parse_station(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        station = _parse_station(d.pop("station", UNSET))

        def _parse_reported_on(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reported_on_type_0 = datetime.datetime.fromisoformat(data)

                return reported_on_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        reported_on = _parse_reported_on(d.pop("reported_on", UNSET))

        police_report_in = cls(
            report_number=report_number,
            station=station,
            reported_on=reported_on,
        )

        return police_report_in
