from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dispute_queue_response_200 import DisputeQueueResponse200
from ...models.dispute_queue_status_type_0 import DisputeQueueStatusType0
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: DisputeQueueStatusType0 | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, DisputeQueueStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/disputes",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DisputeQueueResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = DisputeQueueResponse200.from_dict(response.json())

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
) -> Response[DisputeQueueResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: DisputeQueueStatusType0 | None | Unset = UNSET,
) -> Response[DisputeQueueResponse200 | Problem]:
    """Dispute Queue

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        status (DisputeQueueStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DisputeQueueResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: DisputeQueueStatusType0 | None | Unset = UNSET,
) -> DisputeQueueResponse200 | Problem | None:
    """Dispute Queue

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        status (DisputeQueueStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DisputeQueueResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: DisputeQueueStatusType0 | None | Unset = UNSET,
) -> Response[DisputeQueueResponse200 | Problem]:
    """Dispute Queue

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        status (DisputeQueueStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DisputeQueueResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: DisputeQueueStatusType0 | None | Unset = UNSET,
) -> DisputeQueueResponse200 | Problem | None:
    """Dispute Queue

     Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        status (DisputeQueueStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DisputeQueueResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
        )
    ).parsed
