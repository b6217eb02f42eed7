from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_verification_response_200 import AddVerificationResponse200
from ...models.problem import Problem
from ...models.verification_in import VerificationIn
from ...types import Response


def _get_kwargs(
    case_id: str,
    *,
    body: VerificationIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/recovery-cases/{case_id}/verifications".format(
            case_id=quote(str(case_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AddVerificationResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = AddVerificationResponse200.from_dict(response.json())

        return response_200

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AddVerificationResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    case_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VerificationIn,
) -> Response[AddVerificationResponse200 | Problem]:
    """Add Verification

     Add evidence. A channel's first step (``trusted_contacts``; ``history_quiz``
    without ``answers``; ``device_biometric`` without ``assertion``; ``bank_card``
    without ``otp``) sends or fetches what the owner answers next (``next_step``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 403: `risk_denied`, `verification_failed`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        case_id (str):
        body (VerificationIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AddVerificationResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        case_id=case_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    case_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VerificationIn,
) -> AddVerificationResponse200 | Problem | None:
    """Add Verification

     Add evidence. A channel's first step (``trusted_contacts``; ``history_quiz``
    without ``answers``; ``device_biometric`` without ``assertion``; ``bank_card``
    without ``otp``) sends or fetches what the owner answers next (``next_step``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 403: `risk_denied`, `verification_failed`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        case_id (str):
        body (VerificationIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AddVerificationResponse200 | Problem
    """

    return sync_detailed(
        case_id=case_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    case_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VerificationIn,
) -> Response[AddVerificationResponse200 | Problem]:
    """Add Verification

     Add evidence. A channel's first step (``trusted_contacts``; ``history_quiz``
    without ``answers``; ``device_biometric`` without ``assertion``; ``bank_card``
    without ``otp``) sends or fetches what the owner answers next (``next_step``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 403: `risk_denied`, `verification_failed`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        case_id (str):
        body (VerificationIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AddVerificationResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        case_id=case_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    case_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VerificationIn,
) -> AddVerificationResponse200 | Problem | None:
    """Add Verification

     Add evidence. A channel's first step (``trusted_contacts``; ``history_quiz``
    without ``answers``; ``device_biometric`` without ``assertion``; ``bank_card``
    without ``otp``) sends or fetches what the owner answers next (``next_step``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 403: `risk_denied`, `verification_failed`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`, `method_not_available`
    - 429: `rate_limited`
    - 503: `unavailable`

    Args:
        case_id (str):
        body (VerificationIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AddVerificationResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            case_id=case_id,
            client=client,
            body=body,
        )
    ).parsed
