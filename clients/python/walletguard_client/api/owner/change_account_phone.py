from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.change_account_phone_response_200 import ChangeAccountPhoneResponse200
from ...models.phone_change_in import PhoneChangeIn
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PhoneChangeIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/account-phone",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ChangeAccountPhoneResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = ChangeAccountPhoneResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[ChangeAccountPhoneResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PhoneChangeIn,
) -> Response[ChangeAccountPhoneResponse200 | Problem]:
    """Change Account Phone

     Ask to change the account phone: a fresh step-up first, then the change waits the
    cooling-off window; the phone on file is told and any owner session may cancel.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `pin_locked`, `step_up_required`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (PhoneChangeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChangeAccountPhoneResponse200 | Problem]
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
    client: AuthenticatedClient,
    body: PhoneChangeIn,
) -> ChangeAccountPhoneResponse200 | Problem | None:
    """Change Account Phone

     Ask to change the account phone: a fresh step-up first, then the change waits the
    cooling-off window; the phone on file is told and any owner session may cancel.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `pin_locked`, `step_up_required`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (PhoneChangeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChangeAccountPhoneResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PhoneChangeIn,
) -> Response[ChangeAccountPhoneResponse200 | Problem]:
    """Change Account Phone

     Ask to change the account phone: a fresh step-up first, then the change waits the
    cooling-off window; the phone on file is told and any owner session may cancel.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `pin_locked`, `step_up_required`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (PhoneChangeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChangeAccountPhoneResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PhoneChangeIn,
) -> ChangeAccountPhoneResponse200 | Problem | None:
    """Change Account Phone

     Ask to change the account phone: a fresh step-up first, then the change waits the
    cooling-off window; the phone on file is told and any owner session may cancel.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `account_frozen`, `account_locked`, `forbidden`, `pin_locked`, `step_up_required`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        body (PhoneChangeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChangeAccountPhoneResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
