from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.acknowledge_response_201 import AcknowledgeResponse201
from ...models.acknowledgement_in import AcknowledgementIn
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: AcknowledgementIn,
    walletguard_partner: None | str | Unset = UNSET,
    walletguard_signature: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(walletguard_partner, Unset):
        headers["Walletguard-Partner"] = walletguard_partner

    if not isinstance(walletguard_signature, Unset):
        headers["Walletguard-Signature"] = walletguard_signature

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/partner-acknowledgements",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AcknowledgeResponse201 | Problem | None:
    if response.status_code == 201:
        response_201 = AcknowledgeResponse201.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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
) -> Response[AcknowledgeResponse201 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AcknowledgementIn,
    walletguard_partner: None | str | Unset = UNSET,
    walletguard_signature: None | str | Unset = UNSET,
) -> Response[AcknowledgeResponse201 | Problem]:
    """Acknowledge

     A linked partner acknowledges a ``wallet.owner.lost_device`` event. No token: the
    request is signed like our webhooks (``Walletguard-Signature: t=…,v1=…`` over
    ``"<t>.<body>"`` with the partner's secret) and names the partner in
    ``Walletguard-Partner``. The acknowledgement shows on the incident's timeline.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        walletguard_partner (None | str | Unset):
        walletguard_signature (None | str | Unset):
        body (AcknowledgementIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcknowledgeResponse201 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        walletguard_partner=walletguard_partner,
        walletguard_signature=walletguard_signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: AcknowledgementIn,
    walletguard_partner: None | str | Unset = UNSET,
    walletguard_signature: None | str | Unset = UNSET,
) -> AcknowledgeResponse201 | Problem | None:
    """Acknowledge

     A linked partner acknowledges a ``wallet.owner.lost_device`` event. No token: the
    request is signed like our webhooks (``Walletguard-Signature: t=…,v1=…`` over
    ``"<t>.<body>"`` with the partner's secret) and names the partner in
    ``Walletguard-Partner``. The acknowledgement shows on the incident's timeline.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        walletguard_partner (None | str | Unset):
        walletguard_signature (None | str | Unset):
        body (AcknowledgementIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcknowledgeResponse201 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        walletguard_partner=walletguard_partner,
        walletguard_signature=walletguard_signature,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AcknowledgementIn,
    walletguard_partner: None | str | Unset = UNSET,
    walletguard_signature: None | str | Unset = UNSET,
) -> Response[AcknowledgeResponse201 | Problem]:
    """Acknowledge

     A linked partner acknowledges a ``wallet.owner.lost_device`` event. No token: the
    request is signed like our webhooks (``Walletguard-Signature: t=…,v1=…`` over
    ``"<t>.<body>"`` with the partner's secret) and names the partner in
    ``Walletguard-Partner``. The acknowledgement shows on the incident's timeline.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        walletguard_partner (None | str | Unset):
        walletguard_signature (None | str | Unset):
        body (AcknowledgementIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AcknowledgeResponse201 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        walletguard_partner=walletguard_partner,
        walletguard_signature=walletguard_signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AcknowledgementIn,
    walletguard_partner: None | str | Unset = UNSET,
    walletguard_signature: None | str | Unset = UNSET,
) -> AcknowledgeResponse201 | Problem | None:
    """Acknowledge

     A linked partner acknowledges a ``wallet.owner.lost_device`` event. No token: the
    request is signed like our webhooks (``Walletguard-Signature: t=…,v1=…`` over
    ``"<t>.<body>"`` with the partner's secret) and names the partner in
    ``Walletguard-Partner``. The acknowledgement shows on the incident's timeline.

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 404: `not_found`
    - 409: `conflict`
    - 413: `payload_too_large`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        walletguard_partner (None | str | Unset):
        walletguard_signature (None | str | Unset):
        body (AcknowledgementIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AcknowledgeResponse201 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            walletguard_partner=walletguard_partner,
            walletguard_signature=walletguard_signature,
        )
    ).parsed
