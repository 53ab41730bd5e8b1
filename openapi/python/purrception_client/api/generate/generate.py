from http import HTTPStatus
from io import BytesIO
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.generate_body import GenerateBody
from ...models.generate_json import GenerateJson
from ...types import File, Response


def _get_kwargs(
    *,
    body: GenerateBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/generate",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | File | GenerateJson | None:
    if response.status_code == 200:
        # purrception (2): an image answer, by its Content-Type
        if response.headers.get("content-type", "").startswith("image/"):
            return File(payload=BytesIO(response.content), mime_type=response.headers["content-type"])
        response_200 = GenerateJson.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 406:
        response_406 = ErrorResponse.from_dict(response.json())

        return response_406

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
) -> Response[ErrorResponse | File | GenerateJson]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    body: GenerateBody,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | File | GenerateJson]:
    """Generate images of a class, from noise or from an image

     Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or
    logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the
    `guidance` interval) and temperature `tau` (constant or a schedule in t), decodes and answers the
    image (a grid for n > 1), or JSON with every image for Accept: application/json. A dfm model instead
    samples codes from all-mask with the DFM sampler, its draws from the seed. With `image`, sampling
    starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class
    transfer), and with `mask` only the masked cells are regenerated (inpainting).

    Args:
        body (GenerateBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | File | GenerateJson]
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
    body: GenerateBody,
    client: AuthenticatedClient | Client,
) -> File | GenerateJson:
    """Generate images of a class, from noise or from an image

     Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or
    logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the
    `guidance` interval) and temperature `tau` (constant or a schedule in t), decodes and answers the
    image (a grid for n > 1), or JSON with every image for Accept: application/json. A dfm model instead
    samples codes from all-mask with the DFM sampler, its draws from the seed. With `image`, sampling
    starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class
    transfer), and with `mask` only the masked cells are regenerated (inpainting).

    Args:
        body (GenerateBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | GenerateJson
    """

    # purrception (4): the success answer, or raise
    return cast(
        File | GenerateJson,
        errors.unwrap(
            sync_detailed(
                client=client,
                body=body,
            )
        ),
    )


async def asyncio_detailed(
    *,
    body: GenerateBody,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | File | GenerateJson]:
    """Generate images of a class, from noise or from an image

     Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or
    logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the
    `guidance` interval) and temperature `tau` (constant or a schedule in t), decodes and answers the
    image (a grid for n > 1), or JSON with every image for Accept: application/json. A dfm model instead
    samples codes from all-mask with the DFM sampler, its draws from the seed. With `image`, sampling
    starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class
    transfer), and with `mask` only the masked cells are regenerated (inpainting).

    Args:
        body (GenerateBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | File | GenerateJson]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    body: GenerateBody,
    client: AuthenticatedClient | Client,
) -> File | GenerateJson:
    """Generate images of a class, from noise or from an image

     Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or
    logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the
    `guidance` interval) and temperature `tau` (constant or a schedule in t), decodes and answers the
    image (a grid for n > 1), or JSON with every image for Accept: application/json. A dfm model instead
    samples codes from all-mask with the DFM sampler, its draws from the seed. With `image`, sampling
    starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class
    transfer), and with `mask` only the masked cells are regenerated (inpainting).

    Args:
        body (GenerateBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | GenerateJson
    """

    # purrception (4): the success answer, or raise
    return cast(
        File | GenerateJson,
        errors.unwrap(
            await asyncio_detailed(
                client=client,
                body=body,
            )
        ),
    )
