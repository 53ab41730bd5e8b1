import json
import re
from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.done_event import DoneEvent
from ...models.error_event import ErrorEvent
from ...models.error_response import ErrorResponse
from ...models.generate_stream_body import GenerateStreamBody
from ...models.preview_event import PreviewEvent
from ...models.queued_event import QueuedEvent
from ...models.step_event import StepEvent
from ...types import Response


def _get_kwargs(
    *,
    body: GenerateStreamBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/generate/stream",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


# purrception (3): the server-sent events format, as the stream's answer is parsed.
def _event_data(text: str) -> list[str]:
    """The data of each event of a text/event-stream: its data: lines, joined by newlines."""
    events: list[str] = []
    lines: list[str] = []
    for line in re.split(r"\r\n|\r|\n", text):
        if line == "":
            if lines:
                events.append("\n".join(lines))
            lines = []
        elif line.startswith("data:"):
            lines.append(line[6:] if line.startswith("data: ") else line[5:])
    if lines:
        events.append("\n".join(lines))
    return events


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent] | None:
    if response.status_code == 200:
        # purrception (3): each event's data, parsed
        events = []
        for data in _event_data(response.text):

            def _parse_response_200(data: object) -> DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_stream_event_type_0 = QueuedEvent.from_dict(data)

                    return componentsschemas_stream_event_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_stream_event_type_1 = StepEvent.from_dict(data)

                    return componentsschemas_stream_event_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_stream_event_type_2 = PreviewEvent.from_dict(data)

                    return componentsschemas_stream_event_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_stream_event_type_3 = DoneEvent.from_dict(data)

                    return componentsschemas_stream_event_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_stream_event_type_4 = ErrorEvent.from_dict(data)

                return componentsschemas_stream_event_type_4

            response_200 = _parse_response_200(json.loads(data))

            events.append(response_200)
        return events
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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    body: GenerateStreamBody,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]]:
    """Generate one image, streaming progress and previews (server-sent events)

     The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery.
    The uncertainty maps and the code grid, when asked for, come in the done event.

    Args:
        body (GenerateStreamBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]]
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
    body: GenerateStreamBody,
    client: AuthenticatedClient | Client,
) -> list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]:
    """Generate one image, streaming progress and previews (server-sent events)

     The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery.
    The uncertainty maps and the code grid, when asked for, come in the done event.

    Args:
        body (GenerateStreamBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]
    """

    # purrception (4): the success answer, or raise
    return cast(
        list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent],
        errors.unwrap(
            sync_detailed(
                client=client,
                body=body,
            )
        ),
    )


async def asyncio_detailed(
    *,
    body: GenerateStreamBody,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]]:
    """Generate one image, streaming progress and previews (server-sent events)

     The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery.
    The uncertainty maps and the code grid, when asked for, come in the done event.

    Args:
        body (GenerateStreamBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    body: GenerateStreamBody,
    client: AuthenticatedClient | Client,
) -> list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]:
    """Generate one image, streaming progress and previews (server-sent events)

     The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery.
    The uncertainty maps and the code grid, when asked for, come in the done event.

    Args:
        body (GenerateStreamBody):

    Raises:
        errors.ApiError: If the server answers with an error (4xx or 5xx): its status, code and message.
        errors.UnexpectedStatus: If the server answers with an undocumented status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent]
    """

    # purrception (4): the success answer, or raise
    return cast(
        list[DoneEvent | ErrorEvent | PreviewEvent | QueuedEvent | StepEvent],
        errors.unwrap(
            await asyncio_detailed(
                client=client,
                body=body,
            )
        ),
    )
