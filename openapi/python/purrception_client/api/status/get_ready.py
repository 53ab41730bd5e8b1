from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_ready_response_200 import GetReadyResponse200
from ...models.get_ready_response_503 import GetReadyResponse503
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ready",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetReadyResponse200 | GetReadyResponse503 | None:
    if response.status_code == 200:
        response_200 = GetReadyResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 503:
        response_503 = GetReadyResponse503.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetReadyResponse200 | GetReadyResponse503]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetReadyResponse200 | GetReadyResponse503]:
    """Every model is loaded and warmed up, and the server is not draining

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetReadyResponse200 | GetReadyResponse503]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> GetReadyResponse200:
    """Every model is loaded and warmed up, and the server is not draining

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetReadyResponse200
    """

    # purrception (4): the success answer, or raise
    return cast(
        GetReadyResponse200,
        errors.unwrap(
            sync_detailed(
                client=client,
            )
        ),
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetReadyResponse200 | GetReadyResponse503]:
    """Every model is loaded and warmed up, and the server is not draining

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetReadyResponse200 | GetReadyResponse503]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> GetReadyResponse200:
    """Every model is loaded and warmed up, and the server is not draining

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetReadyResponse200
    """

    # purrception (4): the success answer, or raise
    return cast(
        GetReadyResponse200,
        errors.unwrap(
            await asyncio_detailed(
                client=client,
            )
        ),
    )
