from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.show_approval_response_200 import ShowApprovalResponse200
from ...types import Response


def _get_kwargs(
    token: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/recovery-approvals/{token}".format(
            token=quote(str(token), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ShowApprovalResponse200 | None:
    if response.status_code == 200:
        response_200 = ShowApprovalResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | ShowApprovalResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    token: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | ShowApprovalResponse200]:
    """Show Approval

     What an approval link asks (with its QR code). Reading never spends the link:
    mail scanners fetch links before the contact does.

    Refusals (a ``Problem``; ``code`` is one of):
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ShowApprovalResponse200]
    """

    kwargs = _get_kwargs(
        token=token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    token: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | ShowApprovalResponse200 | None:
    """Show Approval

     What an approval link asks (with its QR code). Reading never spends the link:
    mail scanners fetch links before the contact does.

    Refusals (a ``Problem``; ``code`` is one of):
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ShowApprovalResponse200
    """

    return sync_detailed(
        token=token,
        client=client,
    ).parsed


async def asyncio_detailed(
    token: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | ShowApprovalResponse200]:
    """Show Approval

     What an approval link asks (with its QR code). Reading never spends the link:
    mail scanners fetch links before the contact does.

    Refusals (a ``Problem``; ``code`` is one of):
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ShowApprovalResponse200]
    """

    kwargs = _get_kwargs(
        token=token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    token: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | ShowApprovalResponse200 | None:
    """Show Approval

     What an approval link asks (with its QR code). Reading never spends the link:
    mail scanners fetch links before the contact does.

    Refusals (a ``Problem``; ``code`` is one of):
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ShowApprovalResponse200
    """

    return (
        await asyncio_detailed(
            token=token,
            client=client,
        )
    ).parsed
