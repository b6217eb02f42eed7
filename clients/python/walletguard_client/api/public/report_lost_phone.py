from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.lost_phone_report_in import LostPhoneReportIn
from ...models.problem import Problem
from ...models.report_lost_phone_response_202 import ReportLostPhoneResponse202
from ...types import Response


def _get_kwargs(
    *,
    body: LostPhoneReportIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/lost-phone-reports",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReportLostPhoneResponse202 | None:
    if response.status_code == 202:
        response_202 = ReportLostPhoneResponse202.from_dict(response.json())

        return response_202

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
) -> Response[Problem | ReportLostPhoneResponse202]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LostPhoneReportIn,
) -> Response[Problem | ReportLostPhoneResponse202]:
    """Report Lost Phone

     No sign-in needed. The same answer, status and time whether or not the details
    match; when they do, the wallet is frozen and the incident opened before this answers.

    Async on purpose: the use case runs in the thread pool in its own transaction, which
    commits before the response-time floor is awaited on the event loop, so a slow
    answer holds no worker thread and no database connection.

    Refusals (a ``Problem``; ``code`` is one of):
    - 429: `rate_limited`
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (LostPhoneReportIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReportLostPhoneResponse202]
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
    body: LostPhoneReportIn,
) -> Problem | ReportLostPhoneResponse202 | None:
    """Report Lost Phone

     No sign-in needed. The same answer, status and time whether or not the details
    match; when they do, the wallet is frozen and the incident opened before this answers.

    Async on purpose: the use case runs in the thread pool in its own transaction, which
    commits before the response-time floor is awaited on the event loop, so a slow
    answer holds no worker thread and no database connection.

    Refusals (a ``Problem``; ``code`` is one of):
    - 429: `rate_limited`
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (LostPhoneReportIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReportLostPhoneResponse202
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LostPhoneReportIn,
) -> Response[Problem | ReportLostPhoneResponse202]:
    """Report Lost Phone

     No sign-in needed. The same answer, status and time whether or not the details
    match; when they do, the wallet is frozen and the incident opened before this answers.

    Async on purpose: the use case runs in the thread pool in its own transaction, which
    commits before the response-time floor is awaited on the event loop, so a slow
    answer holds no worker thread and no database connection.

    Refusals (a ``Problem``; ``code`` is one of):
    - 429: `rate_limited`
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (LostPhoneReportIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReportLostPhoneResponse202]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LostPhoneReportIn,
) -> Problem | ReportLostPhoneResponse202 | None:
    """Report Lost Phone

     No sign-in needed. The same answer, status and time whether or not the details
    match; when they do, the wallet is frozen and the incident opened before this answers.

    Async on purpose: the use case runs in the thread pool in its own transaction, which
    commits before the response-time floor is awaited on the event loop, so a slow
    answer holds no worker thread and no database connection.

    Refusals (a ``Problem``; ``code`` is one of):
    - 429: `rate_limited`
    - 400: `client_address_unknown`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (LostPhoneReportIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReportLostPhoneResponse202
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
