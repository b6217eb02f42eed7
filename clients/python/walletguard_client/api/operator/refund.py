from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.refund_in import RefundIn
from ...models.refund_response_201 import RefundResponse201
from ...types import UNSET, Response, Unset


def _get_kwargs(
    payment_id: str,
    *,
    body: RefundIn,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/payments/{payment_id}/refunds".format(
            payment_id=quote(str(payment_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RefundResponse201 | None:
    if response.status_code == 201:
        response_201 = RefundResponse201.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | RefundResponse201]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: RefundIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | RefundResponse201]:
    """Refund

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `forbidden`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        payment_id (str):
        idempotency_key (None | str | Unset):
        body (RefundIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RefundResponse201]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: RefundIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | RefundResponse201 | None:
    """Refund

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `forbidden`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        payment_id (str):
        idempotency_key (None | str | Unset):
        body (RefundIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RefundResponse201
    """

    return sync_detailed(
        payment_id=payment_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: RefundIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | RefundResponse201]:
    """Refund

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `forbidden`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        payment_id (str):
        idempotency_key (None | str | Unset):
        body (RefundIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RefundResponse201]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    payment_id: str,
    *,
    client: AuthenticatedClient,
    body: RefundIn,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | RefundResponse201 | None:
    """Refund

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 402: `insufficient_funds`
    - 403: `forbidden`
    - 404: `not_found`
    - 409: `conflict`, `idempotency_conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        payment_id (str):
        idempotency_key (None | str | Unset):
        body (RefundIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RefundResponse201
    """

    return (
        await asyncio_detailed(
            payment_id=payment_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
