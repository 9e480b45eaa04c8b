"""Which targets the harness may send traffic to: loopback, or Juspay's sandbox. Nothing else, ever.

Every Trigger OTP sends an SMS to a real cardholder in production, so the decision is made on the URL
alone, before any connection: no DNS lookup can turn a refused name into an allowed one.
"""

from __future__ import annotations

import ipaddress
from enum import Enum
from urllib.parse import urlsplit

from juspay_kit.errors import TargetRefused

SANDBOX_HOST = "sandbox.juspay.in"
PRODUCTION_HOSTS = {"api.juspay.in", "api-ns1.juspay.in", "api.juspay.io", "api-ns1.juspay.io"}


class TargetKind(Enum):
    LOOPBACK = "loopback"
    SANDBOX = "sandbox"


def normalise(url: str) -> str:
    """The base URL traffic is sent to: host lower-cased, one trailing dot dropped, `localhost` written as
    127.0.0.1 so that no loopback name is ever looked up in DNS. TargetRefused for any URL `classify` refuses."""
    classify(url)
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removesuffix(".")
    if host == "localhost":
        host = "127.0.0.1"
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


def classify(url: str) -> TargetKind:
    """LOOPBACK or SANDBOX for an allowed base URL; TargetRefused (nothing sent) for anything else."""
    try:
        parts = urlsplit(url.strip())
        raw_host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"refusing {url!r}: not a valid URL ({exc})") from None
    host = raw_host.removesuffix(".")  # "localhost." is localhost; an empty label anywhere is refused
    if host.startswith(".") or ".." in host or host.endswith("."):
        raise TargetRefused(f"refusing {url!r}: the host name has an empty label")
    if parts.scheme not in ("http", "https") or not host:
        raise TargetRefused(f"refusing {url!r}: the base URL must be http(s)://host[:port]")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("refusing the base URL: credentials belong in JUSPAY_API_KEY, not in the URL")
    if parts.query or parts.fragment:
        raise TargetRefused(f"refusing {url!r}: the base URL must not carry a query or fragment")
    if is_loopback_host(host):
        return TargetKind.LOOPBACK
    if host == SANDBOX_HOST:
        if parts.scheme != "https" or port not in (None, 443):
            raise TargetRefused(f"refusing {url!r}: the sandbox is only reached over https on port 443")
        return TargetKind.SANDBOX
    if host in PRODUCTION_HOSTS:
        raise TargetRefused(
            f"refusing {host}: that is Juspay production, where every Trigger OTP sends an SMS to a real "
            f"cardholder. The harness only targets loopback or {SANDBOX_HOST}."
        )
    raise TargetRefused(
        f"refusing {host}: the harness only targets loopback (127.0.0.0/8, ::1, localhost) or {SANDBOX_HOST}"
    )


def bind_address(host: str) -> str:
    """The address to bind for a --host value, so that binding never asks DNS: a trailing dot dropped, any
    case of `localhost` as 127.0.0.1."""
    host = host.strip().lower().removesuffix(".")
    return "127.0.0.1" if host == "localhost" else host


def is_loopback_host(host: str) -> bool:
    """`localhost` (with or without its trailing dot, any case) or a loopback IP literal; no DNS lookup."""
    host = host.lower().removesuffix(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
