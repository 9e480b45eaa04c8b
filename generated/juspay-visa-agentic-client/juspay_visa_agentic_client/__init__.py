"""A client library for accessing Juspay VISA Agentic OTP API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
