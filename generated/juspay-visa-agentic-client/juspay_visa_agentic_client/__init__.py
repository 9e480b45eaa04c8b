"""A client library for accessing Juspay VISA Agentic Transactions API"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
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
            module = _imported(home)
            value = module if name == "exceptions" else getattr(module, name)
        elif not name.startswith("__"):  # `models`, `api`, `guard`...: there once the client is, as they were
            try:  # when importing the package loaded it (before 2.2)
                _imported(".juspay_client")
            except ImportError:  # no httpx: a module that needs none (`from . import limits`) still imports
                if not name.isidentifier() or find_spec(f"{__name__}.{name}") is None:
                    raise
                import_module(f".{name}", __name__)
            value = globals().get(name, _ABSENT)
        else:
            value = _ABSENT
        if value is _ABSENT:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    _ABSENT = object()

    def _imported(home: str) -> Any:
        """The module; an AttributeError raised while importing it (an httpx without a name the client uses) as the
        ImportError it is: from `__getattr__` it would read as "no such name" (`from . import JuspayClient`)."""
        try:
            return import_module(home, __name__)
        except AttributeError as error:
            raise ImportError(f"{__name__}{home} did not import: {error}") from error

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
