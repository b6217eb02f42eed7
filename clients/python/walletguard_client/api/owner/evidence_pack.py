from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.evidence_pack_format import EvidencePackFormat
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    incident_id: str,
    *,
    format_: EvidencePackFormat | Unset = EvidencePackFormat.JSON,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/incidents/{incident_id}/evidence".format(
            incident_id=quote(str(incident_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | None:
    if response.status_code == 200:
        response_200 = response.json()
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    format_: EvidencePackFormat | Unset = EvidencePackFormat.JSON,
) -> Response[Any | Problem]:
    """Evidence Pack

     The evidence pack for the police and the insurer: freeze certificate, every
    transaction in the suspicious window, devices, police report, claims and the
    audit-chain hash to check it with (``walletguard audit verify --expect``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        incident_id (str):
        format_ (EvidencePackFormat | Unset): json (default) or pdf (Chinese and English) Default:
            EvidencePackFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    format_: EvidencePackFormat | Unset = EvidencePackFormat.JSON,
) -> Any | Problem | None:
    """Evidence Pack

     The evidence pack for the police and the insurer: freeze certificate, every
    transaction in the suspicious window, devices, police report, claims and the
    audit-chain hash to check it with (``walletguard audit verify --expect``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        incident_id (str):
        format_ (EvidencePackFormat | Unset): json (default) or pdf (Chinese and English) Default:
            EvidencePackFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        incident_id=incident_id,
        client=client,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    format_: EvidencePackFormat | Unset = EvidencePackFormat.JSON,
) -> Response[Any | Problem]:
    """Evidence Pack

     The evidence pack for the police and the insurer: freeze certificate, every
    transaction in the suspicious window, devices, police report, claims and the
    audit-chain hash to check it with (``walletguard audit verify --expect``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        incident_id (str):
        format_ (EvidencePackFormat | Unset): json (default) or pdf (Chinese and English) Default:
            EvidencePackFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        incident_id=incident_id,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    incident_id: str,
    *,
    client: AuthenticatedClient,
    format_: EvidencePackFormat | Unset = EvidencePackFormat.JSON,
) -> Any | Problem | None:
    """Evidence Pack

     The evidence pack for the police and the insurer: freeze certificate, every
    transaction in the suspicious window, devices, police report, claims and the
    audit-chain hash to check it with (``walletguard audit verify --expect``).

    Refusals (a ``Problem``; ``code`` is one of):
    - 401: `unauthenticated`
    - 403: `forbidden`, `step_up_required`
    - 404: `not_found`
    - 422: `invalid_input`
    - 503: `unavailable`

    Args:
        incident_id (str):
        format_ (EvidencePackFormat | Unset): json (default) or pdf (Chinese and English) Default:
            EvidencePackFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            incident_id=incident_id,
            client=client,
            format_=format_,
        )
    ).parsed
