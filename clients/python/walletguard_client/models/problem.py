from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.problem_errors_item import ProblemErrorsItem
    from ..models.problem_window import ProblemWindow


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """RFC 9457 problem details. `code` is stable and machine-readable; the extras are present where the code says (see
    docs/api.md).

        Attributes:
            type_ (str):
            title (str):
            status (int):
            code (str):
            detail (str):
            retry_after (int | Unset): seconds; also sent as Retry-After (429, 503)
            attempts_left (int | Unset):
            methods (list[str] | Unset): the ways still open to meet a step-up or pay
            challenge_id (None | str | Unset):
            biometric_available (bool | Unset):
            restriction_id (str | Unset):
            until (datetime.datetime | Unset):
            field (str | Unset):
            errors (list[ProblemErrorsItem] | Unset):
            daily_limit (int | Unset):
            spent_today (int | Unset):
            available (int | Unset):
            refundable (int | Unset):
            status_of_challenge (str | Unset):
            reasons (list[str] | Unset):
            transfer_id (str | Unset): the transaction refused (disputes)
            transfer_ids (list[str] | Unset): the transactions already disputed
            window (ProblemWindow | Unset): the suspicious window: opens, closes
            current (str | Unset): a dispute's or claim's state now
            allowed (list[str] | Unset): the states it may move to from there
            missing (list[str] | Unset): the claim's documents still missing
            limit (int | Unset): what the insurance pays per case
    """

    type_: str
    title: str
    status: int
    code: str
    detail: str
    retry_after: int | Unset = UNSET
    attempts_left: int | Unset = UNSET
    methods: list[str] | Unset = UNSET
    challenge_id: None | str | Unset = UNSET
    biometric_available: bool | Unset = UNSET
    restriction_id: str | Unset = UNSET
    until: datetime.datetime | Unset = UNSET
    field: str | Unset = UNSET
    errors: list[ProblemErrorsItem] | Unset = UNSET
    daily_limit: int | Unset = UNSET
    spent_today: int | Unset = UNSET
    available: int | Unset = UNSET
    refundable: int | Unset = UNSET
    status_of_challenge: str | Unset = UNSET
    reasons: list[str] | Unset = UNSET
    transfer_id: str | Unset = UNSET
    transfer_ids: list[str] | Unset = UNSET
    window: ProblemWindow | Unset = UNSET
    current: str | Unset = UNSET
    allowed: list[str] | Unset = UNSET
    missing: list[str] | Unset = UNSET
    limit: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        code = self.code

        detail = self.detail

        retry_after = self.retry_after

        attempts_left = self.attempts_left

        methods: list[str] | Unset = UNSET
        if not isinstance(self.methods, Unset):
            methods = self.methods

        challenge_id: None | str | Unset
        if isinstance(self.challenge_id, Unset):
            challenge_id = UNSET
        else:
            challenge_id = self.challenge_id

        biometric_available = self.biometric_available

        restriction_id = self.restriction_id

        until: str | Unset = UNSET
        if not isinstance(self.until, Unset):
            until = self.until.isoformat()

        field = self.field

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        daily_limit = self.daily_limit

        spent_today = self.spent_today

        available = self.available

        refundable = self.refundable

        status_of_challenge = self.status_of_challenge

        reasons: list[str] | Unset = UNSET
        if not isinstance(self.reasons, Unset):
            reasons = self.reasons

        transfer_id = self.transfer_id

        transfer_ids: list[str] | Unset = UNSET
        if not isinstance(self.transfer_ids, Unset):
            transfer_ids = self.transfer_ids

        window: dict[str, Any] | Unset = UNSET
        if not isinstance(self.window, Unset):
            window = self.window.to_dict()

        current = self.current

        allowed: list[str] | Unset = UNSET
        if not isinstance(self.allowed, Unset):
            allowed = self.allowed

        missing: list[str] | Unset = UNSET
        if not isinstance(self.missing, Unset):
            missing = self.missing

        limit = self.limit

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "code": code,
                "detail": detail,
            }
        )
        if retry_after is not UNSET:
            field_dict["retry_after"] = retry_after
        if attempts_left is not UNSET:
            field_dict["attempts_left"] = attempts_left
        if methods is not UNSET:
            field_dict["methods"] = methods
        if challenge_id is not UNSET:
            field_dict["challenge_id"] = challenge_id
        if biometric_available is not UNSET:
            field_dict["biometric_available"] = biometric_available
        if restriction_id is not UNSET:
            field_dict["restriction_id"] = restriction_id
        if until is not UNSET:
            field_dict["until"] = until
        if field is not UNSET:
            field_dict["field"] = field
        if errors is not UNSET:
            field_dict["errors"] = errors
        if daily_limit is not UNSET:
            field_dict["daily_limit"] = daily_limit
        if spent_today is not UNSET:
            field_dict["spent_today"] = spent_today
        if available is not UNSET:
            field_dict["available"] = available
        if refundable is not UNSET:
            field_dict["refundable"] = refundable
        if status_of_challenge is not UNSET:
            field_dict["status_of_challenge"] = status_of_challenge
        if reasons is not UNSET:
            field_dict["reasons"] = reasons
        if transfer_id is not UNSET:
            field_dict["transfer_id"] = transfer_id
        if transfer_ids is not UNSET:
            field_dict["transfer_ids"] = transfer_ids
        if window is not UNSET:
            field_dict["window"] = window
        if current is not UNSET:
            field_dict["current"] = current
        if allowed is not UNSET:
            field_dict["allowed"] = allowed
        if missing is not UNSET:
            field_dict["missing"] = missing
        if limit is not UNSET:
            field_dict["limit"] = limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.problem_errors_item import ProblemErrorsItem  # noqa: PLC0415
        from ..models.problem_window import ProblemWindow  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        code = d.pop("code")

        detail = d.pop("detail")

        retry_after = d.pop("retry_after", UNSET)

        attempts_left = d.pop("attempts_left", UNSET)

        methods = cast(list[str], d.pop("methods", UNSET))

        def _parse_challenge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        challenge_id = _parse_challenge_id(d.pop("challenge_id", UNSET))

        biometric_available = d.pop("biometric_available", UNSET)

        restriction_id = d.pop("restriction_id", UNSET)

        _until = d.pop("until", UNSET)
        until: datetime.datetime | Unset
        if isinstance(_until, Unset):
            until = UNSET
        else:
            until = datetime.datetime.fromisoformat(_until)

        field = d.pop("field", UNSET)

        _errors = d.pop("errors", UNSET)
        errors: list[ProblemErrorsItem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = ProblemErrorsItem.from_dict(errors_item_data)

                errors.append(errors_item)

        daily_limit = d.pop("daily_limit", UNSET)

        spent_today = d.pop("spent_today", UNSET)

        available = d.pop("available", UNSET)

        refundable = d.pop("refundable", UNSET)

        status_of_challenge = d.pop("status_of_challenge", UNSET)

        reasons = cast(list[str], d.pop("reasons", UNSET))

        transfer_id = d.pop("transfer_id", UNSET)

        transfer_ids = cast(list[str], d.pop("transfer_ids", UNSET))

        _window = d.pop("window", UNSET)
        window: ProblemWindow | Unset
        if isinstance(_window, Unset):
            window = UNSET
        else:
            window = ProblemWindow.from_dict(_window)

        current = d.pop("current", UNSET)

        allowed = cast(list[str], d.pop("allowed", UNSET))

        missing = cast(list[str], d.pop("missing", UNSET))

        limit = d.pop("limit", UNSET)

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            code=code,
            detail=detail,
            retry_after=retry_after,
            attempts_left=attempts_left,
            methods=methods,
            challenge_id=challenge_id,
            biometric_available=biometric_available,
            restriction_id=restriction_id,
            until=until,
            field=field,
            errors=errors,
            daily_limit=daily_limit,
            spent_today=spent_today,
            available=available,
            refundable=refundable,
            status_of_challenge=status_of_challenge,
            reasons=reasons,
            transfer_id=transfer_id,
            transfer_ids=transfer_ids,
            window=window,
            current=current,
            allowed=allowed,
            missing=missing,
            limit=limit,
        )

        problem.additional_properties = d
        return problem

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
