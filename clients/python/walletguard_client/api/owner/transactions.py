import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.transactions_response_200 import TransactionsResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    since: datetime.datetime | float | None | Unset = UNSET,
    until: datetime.datetime | float | None | Unset = UNSET,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_since: float | None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: float | None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/transactions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransactionsResponse200 | None:
    if response.status_code == 200:
        response_200 = TransactionsResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[Problem | TransactionsResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | float | None | Unset = UNSET,
    until: datetime.datetime | float | None | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[Problem | TransactionsResponse200]:
    """Transactions

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        since (datetime.datetime | float | None | Unset):
        until (datetime.datetime | float | None | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransactionsResponse200]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | float | None | Unset = UNSET,
    until: datetime.datetime | float | None | Unset = UNSET,
    limit: int | Unset = 100,
) -> Problem | TransactionsResponse200 | None:
    """Transactions

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        since (datetime.datetime | float | None | Unset):
        until (datetime.datetime | float | None | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransactionsResponse200
    """

    return sync_detailed(
        client=client,
        since=since,
        until=until,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | float | None | Unset = UNSET,
    until: datetime.datetime | float | None | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[Problem | TransactionsResponse200]:
    """Transactions

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        since (datetime.datetime | float | None | Unset):
        until (datetime.datetime | float | None | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransactionsResponse200]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | float | None | Unset = UNSET,
    until: datetime.datetime | float | None | Unset = UNSET,
    limit: int | Unset = 100,
) -> Problem | TransactionsResponse200 | None:
    """Transactions

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        since (datetime.datetime | float | None | Unset):
        until (datetime.datetime | float | None | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransactionsResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            since=since,
            until=until,
            limit=limit,
        )
    ).parsed
