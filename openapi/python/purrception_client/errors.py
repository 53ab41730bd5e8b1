"""Contains shared errors types that can be raised from API functions"""

import json
from typing import Any

from .types import Response


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True"""

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class ApiError(Exception):
    """An error answer (4xx or 5xx) of the service: sync() and asyncio() raise it, the *_detailed
    variants return the Response instead.

    Attributes:
        status_code: the HTTP status (400, 401, 404, 503...).
        code: the service's error code (UNKNOWN_CLASS, QUEUE_FULL...), or None when the body has none
            (an answer from a proxy in between).
        message: the service's message, naming the field at fault; else the body as text.
        parsed: the body as its documented model (ErrorResponse for most), or None.
        headers: the answer's headers (Retry-After with 429 and 503).
        content: the body's bytes.
    """

    def __init__(self, status_code: int, content: bytes, headers: Any = None, parsed: Any = None):
        self.status_code = status_code
        self.content = content
        self.headers = headers if headers is not None else {}
        self.parsed = parsed
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        fields = body if isinstance(body, dict) else {}
        self.code: str | None = fields["code"] if isinstance(fields.get("code"), str) else None
        text = content.decode(errors="replace").strip()
        self.message: str = fields["message"] if isinstance(fields.get("message"), str) else text
        super().__init__(f"{status_code} {self.code or 'error'}: {self.message}")


def unwrap(response: Response[Any]) -> Any:
    """The parsed success answer of response; raises ApiError for a 4xx or 5xx, UnexpectedStatus for an undocumented status."""
    if response.status_code >= 400:
        raise ApiError(response.status_code, response.content, response.headers, response.parsed)
    if response.parsed is None:
        raise UnexpectedStatus(response.status_code, response.content)
    return response.parsed


__all__ = ["ApiError", "UnexpectedStatus", "unwrap"]
