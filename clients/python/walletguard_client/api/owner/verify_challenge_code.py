from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.challenge_out import ChallengeOut
from ...models.code_in import CodeIn
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    challenge_id: str,
    *,
    body: CodeIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/challenges/{challenge_id}/verify".format(
            challenge_id=quote(str(challenge_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ChallengeOut | Problem | None:
    if response.status_code == 200:
        response_200 = ChallengeOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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
) -> Response[ChallengeOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    challenge_id: str,
    *,
    client: AuthenticatedClient,
    body: CodeIn,
) -> Response[ChallengeOut | Problem]:
    """Verify Challenge Code

     The code and the payment PIN together trust this device.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `invalid_code`, `invalid_pin`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 503: `unavailable`

    Args:
        challenge_id (str):
        body (CodeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChallengeOut | Problem]
    """

    kwargs = _get_kwargs(
        challenge_id=challenge_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    challenge_id: str,
    *,
    client: AuthenticatedClient,
    body: CodeIn,
) -> ChallengeOut | Problem | None:
    """Verify Challenge Code

     The code and the payment PIN together trust this device.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `invalid_code`, `invalid_pin`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 503: `unavailable`

    Args:
        challenge_id (str):
        body (CodeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChallengeOut | Problem
    """

    return sync_detailed(
        challenge_id=challenge_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    challenge_id: str,
    *,
    client: AuthenticatedClient,
    body: CodeIn,
) -> Response[ChallengeOut | Problem]:
    """Verify Challenge Code

     The code and the payment PIN together trust this device.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `invalid_code`, `invalid_pin`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 503: `unavailable`

    Args:
        challenge_id (str):
        body (CodeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChallengeOut | Problem]
    """

    kwargs = _get_kwargs(
        challenge_id=challenge_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    challenge_id: str,
    *,
    client: AuthenticatedClient,
    body: CodeIn,
) -> ChallengeOut | Problem | None:
    """Verify Challenge Code

     The code and the payment PIN together trust this device.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `invalid_code`, `invalid_pin`, `pin_locked`, `pin_not_set`, `risk_denied`,
    `step_up_required`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 503: `unavailable`

    Args:
        challenge_id (str):
        body (CodeIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChallengeOut | Problem
    """

    return (
        await asyncio_detailed(
            challenge_id=challenge_id,
            client=client,
            body=body,
        )
    ).parsed
