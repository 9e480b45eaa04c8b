"""A client library for accessing Juspay VISA Agentic Transactions API"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each name is imported when first used: `limits` (and the kit's commands that only read recordings) then load
# without httpx.
_HOMES = {
    "AsyncJuspayClient": ".juspay_client",
    "AuthenticatedClient": ".client",
    "Client": ".client",
    "JuspayClient": ".juspay_client",
    "exceptions": ".exceptions",
}


if not TYPE_CHECKING:  # hidden from type checkers: a module __getattr__ would make every misspelt name Any to them

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is not None:
            module = import_module(home, __name__)
            value = module if name == "exceptions" else getattr(module, name)
        elif not name.startswith("__"):  # `models`, `api`, `guard`...: there once the client is, as they were
            import_module(".juspay_client", __name__)  # when importing the package loaded it (before 2.2)
            value = globals().get(name, _ABSENT)
        else:
            value = _ABSENT
        if value is _ABSENT:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    _ABSENT = object()

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
