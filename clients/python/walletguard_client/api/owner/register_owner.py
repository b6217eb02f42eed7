from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.created_out import CreatedOut
from ...models.problem import Problem
from ...models.register_in import RegisterIn
from ...types import Response


def _get_kwargs(
    *,
    body: RegisterIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/users",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CreatedOut | Problem | None:
    if response.status_code == 201:
        response_201 = CreatedOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreatedOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterIn,
) -> Response[CreatedOut | Problem]:
    """Register Owner

     Refusals (a ``Problem``; ``code`` is one of):
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        body (RegisterIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterIn,
) -> CreatedOut | Problem | None:
    """Register Owner

     Refusals (a ``Problem``; ``code`` is one of):
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        body (RegisterIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterIn,
) -> Response[CreatedOut | Problem]:
    """Register Owner

     Refusals (a ``Problem``; ``code`` is one of):
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        body (RegisterIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterIn,
) -> CreatedOut | Problem | None:
    """Register Owner

     Refusals (a ``Problem``; ``code`` is one of):
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        body (RegisterIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
