"""A client library for accessing Juspay VISA Agentic Transactions API"""

from . import exceptions
from .client import AuthenticatedClient, Client
from .juspay_client import AsyncJuspayClient, JuspayClient

__all__ = (
    "AsyncJuspayClient",
    "AuthenticatedClient",
    "Client",
    "JuspayClient",
    "exceptions",
)
