from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_events_response_200 import AuditEventsResponse200
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: str,
    before: int | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["user_id"] = user_id

    json_before: int | None | Unset
    if isinstance(before, Unset):
        json_before = UNSET
    else:
        json_before = before
    params["before"] = json_before

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditEventsResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = AuditEventsResponse200.from_dict(response.json())

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
) -> Response[AuditEventsResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    user_id: str,
    before: int | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[AuditEventsResponse200 | Problem]:
    """Audit Events

     The user's audit events, newest first, a page at a time; `older` (when not null)
    is the `before` of the next, older page.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        user_id (str):
        before (int | None | Unset): the `older` of the previous page: events appended before that
            one
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEventsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        before=before,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    user_id: str,
    before: int | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> AuditEventsResponse200 | Problem | None:
    """Audit Events

     The user's audit events, newest first, a page at a time; `older` (when not null)
    is the `before` of the next, older page.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        user_id (str):
        before (int | None | Unset): the `older` of the previous page: events appended before that
            one
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEventsResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        before=before,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    user_id: str,
    before: int | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> Response[AuditEventsResponse200 | Problem]:
    """Audit Events

     The user's audit events, newest first, a page at a time; `older` (when not null)
    is the `before` of the next, older page.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        user_id (str):
        before (int | None | Unset): the `older` of the previous page: events appended before that
            one
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEventsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        before=before,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    user_id: str,
    before: int | None | Unset = UNSET,
    limit: int | Unset = 500,
) -> AuditEventsResponse200 | Problem | None:
    """Audit Events

     The user's audit events, newest first, a page at a time; `older` (when not null)
    is the `before` of the next, older page.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        user_id (str):
        before (int | None | Unset): the `older` of the previous page: events appended before that
            one
        limit (int | Unset):  Default: 500.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEventsResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            before=before,
            limit=limit,
        )
    ).parsed
