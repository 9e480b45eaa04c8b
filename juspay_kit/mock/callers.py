"""Who may talk to the mock: the developer's own tools, never another web page the developer happens to visit.

Three rules, applied by the mock (`app.py`) and, for `/__mock__/` paths, by the validating proxy:

- **Host allowlist** (the whole mock: API, controls, page). A request whose `Host` is not a loopback name
  (`localhost`, `*.localhost`, a loopback IP literal such as `127.0.0.1` or `[::1]`), the address the
  connection arrived on, or a name given with `--allow-host` (`"*"`: any) is answered 421. This is what
  stops DNS rebinding: a page on `http://rebind.test:PORT` whose name resolves to 127.0.0.1 still sends
  `Host: rebind.test:PORT`. Any port is accepted. A request with no Host (HTTP/1.0 tools) passes: every
  browser sends one.
- **Same origin for the controls.** A control request carrying an `Origin` that is not the mock's own
  (`http://` + its Host) is answered 403, as is one a browser marks `Sec-Fetch-Site: cross-site` or
  `same-site` (a navigation to the page excepted). No Origin at all (curl, httpx, the fixture) passes.
- **JSON controls.** Every control POST needs `Content-Type: application/json` (400 naming Content-Type):
  no simple (preflight-free) cross-site request, `fetch` with `no-cors` or a form, can carry one.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from juspay_kit.mock.answers import RequestError
from juspay_kit.wire import Scope

ANY_HOST = "*"
_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


def allowed_host(value: str) -> str:
    """An `--allow-host` value, normalised (lower case, no brackets, no trailing dot); ValueError when it is
    neither a host name, an IP literal nor "*"."""
    name = value.strip().lower().removesuffix(".")
    if name == ANY_HOST:
        return name
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if _ip(name) is None and (len(name) > 253 or not _NAME.fullmatch(name)):
        raise ValueError(f"{value[:60]!r} is not a host name or an IP address")
    return name


def host_name(value: str) -> str | None:
    """The host of a Host header without its port (lower case, brackets and a trailing dot removed), or None
    when the header is malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, port = value[1:].partition("]")
        if not bracket or (port and not (port[:1] == ":" and port[1:].isdigit())):
            return None
        return name if _ip(name) is not None else None
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return None
    name = name.removesuffix(".")
    return name if name and (_ip(name) is not None or _NAME.fullmatch(name)) else None


def host_refusal(scope: Scope, allowed: Iterable[str]) -> RequestError | None:
    """421 for a request whose Host this mock (or proxy) does not answer to; None when it may pass."""
    raw = _header(scope, b"host")
    if raw is None:
        return None
    name = host_name(raw)
    if name is not None and _known(name, scope, allowed):
        return None
    return RequestError(
        421, "MISDIRECTED_REQUEST",
        f"Host {raw[:100]!r} is not one this server answers to: use localhost or 127.0.0.1, or start it with "
        "--allow-host NAME", "Host",
    )  # fmt: skip


def control_refusal(scope: Scope) -> RequestError | None:
    """403 for a control request from another origin, 400 for a control POST that is not JSON; else None."""
    origin = _header(scope, b"origin")
    if origin is not None and not _same_origin(origin, _header(scope, b"host")):
        return RequestError(403, "ORIGIN_NOT_ALLOWED", "The mock's controls answer only their own origin.", "Origin")
    site = (_header(scope, b"sec-fetch-site") or "").strip().lower()
    navigation = scope["method"] == "GET" and (_header(scope, b"sec-fetch-mode") or "").lower() == "navigate"
    if site in ("cross-site", "same-site") and not navigation:
        return RequestError(
            403, "ORIGIN_NOT_ALLOWED", "The mock's controls answer only their own origin.", "Sec-Fetch-Site"
        )
    if scope["method"] == "POST" and not json_content_type(_header(scope, b"content-type")):
        return RequestError(400, "INVALID_INPUT", "A control POST needs Content-Type: application/json.",
                            "Content-Type")  # fmt: skip
    return None


def json_content_type(value: str | None) -> bool:
    return value is not None and value.partition(";")[0].strip().lower() == "application/json"


def _known(name: str, scope: Scope, allowed: Iterable[str]) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip(name)
    if address is not None and address.is_loopback:
        return True
    server = scope.get("server")
    if address is not None and server and _ip(str(server[0])) == address:
        return True  # the address the connection arrived on (the bound address, or one of a wildcard's)
    hosts = set(allowed)
    return ANY_HOST in hosts or name in hosts


def _same_origin(origin: str, host: str | None) -> bool:
    scheme, separator, authority = origin.strip().lower().partition("://")
    if not separator or scheme != "http" or host is None:
        return False  # "null", another scheme, or nothing to compare with
    return _authority(authority) == _authority(host.strip().lower())


def _authority(value: str) -> str:
    return value.removesuffix(":80")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None
