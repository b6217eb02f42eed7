from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.money_out import MoneyOut
from ...models.problem import Problem
from ...models.transfer_in import TransferIn
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: TransferIn,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/transfers",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MoneyOut | Problem | None:
    if response.status_code == 201:
        response_201 = MoneyOut.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Problem.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[MoneyOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[MoneyOut | Problem]:
    """Transfer

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `invalid_biometric`, `invalid_pin`,
    `limit_exceeded`, `new_payee_blocked`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        idempotency_key (None | str | Unset):
        body (TransferIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MoneyOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
    idempotency_key: None | str | Unset = UNSET,
) -> MoneyOut | Problem | None:
    """Transfer

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `invalid_biometric`, `invalid_pin`,
    `limit_exceeded`, `new_payee_blocked`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        idempotency_key (None | str | Unset):
        body (TransferIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MoneyOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[MoneyOut | Problem]:
    """Transfer

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `invalid_biometric`, `invalid_pin`,
    `limit_exceeded`, `new_payee_blocked`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        idempotency_key (None | str | Unset):
        body (TransferIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MoneyOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
    idempotency_key: None | str | Unset = UNSET,
) -> MoneyOut | Problem | None:
    """Transfer

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `invalid_biometric`, `invalid_pin`,
    `limit_exceeded`, `new_payee_blocked`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        idempotency_key (None | str | Unset):
        body (TransferIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MoneyOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
