from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.encode_body import EncodeBody
from ...models.encode_json import EncodeJson
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: EncodeBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/encode",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EncodeJson | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = EncodeJson.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ErrorResponse.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EncodeJson | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    body: EncodeBody,
    client: AuthenticatedClient | Client,
) -> Response[EncodeJson | ErrorResponse]:
    """Encode an image with the model's tokenizer: codes, reconstruction, PSNR

     Prepares the image as POST /generate does (flattened over white, scaled to cover the model's size,
    cropped at the centre), encodes and quantizes it, decodes the codes, and answers the code grid, the
    input as the encoder saw it, the reconstruction, its PSNR against that input and the cells per code.
    Needs a model with an encoder (GET /models: imageInput).

    Args:
        body (EncodeBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EncodeJson | ErrorResponse]
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
    body: EncodeBody,
    client: AuthenticatedClient | Client,
) -> EncodeJson:
    """Encode an image with the model's tokenizer: codes, reconstruction, PSNR

     Prepares the image as POST /generate does (flattened over white, scaled to cover the model's size,
    cropped at the centre), encodes and quantizes it, decodes the codes, and answers the code grid, the
    input as the encoder saw it, the reconstruction, its PSNR against that input and the cells per code.
    Needs a model with an encoder (GET /models: imageInput).

    Args:
        body (EncodeBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EncodeJson
    """

    # purrception (4): the success answer, or raise
    return cast(
        EncodeJson,
        errors.unwrap(
            sync_detailed(
                client=client,
                body=body,
            )
        ),
    )


async def asyncio_detailed(
    *,
    body: EncodeBody,
    client: AuthenticatedClient | Client,
) -> Response[EncodeJson | ErrorResponse]:
    """Encode an image with the model's tokenizer: codes, reconstruction, PSNR

     Prepares the image as POST /generate does (flattened over white, scaled to cover the model's size,
    cropped at the centre), encodes and quantizes it, decodes the codes, and answers the code grid, the
    input as the encoder saw it, the reconstruction, its PSNR against that input and the cells per code.
    Needs a model with an encoder (GET /models: imageInput).

    Args:
        body (EncodeBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EncodeJson | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    body: EncodeBody,
    client: AuthenticatedClient | Client,
) -> EncodeJson:
    """Encode an image with the model's tokenizer: codes, reconstruction, PSNR

     Prepares the image as POST /generate does (flattened over white, scaled to cover the model's size,
    cropped at the centre), encodes and quantizes it, decodes the codes, and answers the code grid, the
    input as the encoder saw it, the reconstruction, its PSNR against that input and the cells per code.
    Needs a model with an encoder (GET /models: imageInput).

    Args:
        body (EncodeBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EncodeJson
    """

    # purrception (4): the success answer, or raise
    return cast(
        EncodeJson,
        errors.unwrap(
            await asyncio_detailed(
                client=client,
                body=body,
            )
        ),
    )
