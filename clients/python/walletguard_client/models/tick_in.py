from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TickIn")


@_attrs_define
class TickIn:
    """
    Attributes:
        done (bool | Unset):  Default: True.
    """

    done: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        done = self.done

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if done is not UNSET:
            field_dict["done"] = done

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        done = d.pop("done", UNSET)

        tick_in = cls(
            done=done,
        )

        return tick_in
