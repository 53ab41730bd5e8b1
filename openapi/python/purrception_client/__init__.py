"""A client library for accessing Purrception image generation"""

from .client import AuthenticatedClient, Client
from .errors import ApiError

__all__ = (
    "ApiError",
    "AuthenticatedClient",
    "Client",
)
