"""HTTP pieces the mock and the proxy share: ASGI types, the lifespan protocol, a bounded body read, and
reading and writing the Basic Authorization header."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from juspay_kit import api

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyError(Exception):
    """The request body could not be read whole; the subclass says why. Turned into an answer by its caller."""


class BodyTooLarge(BodyError):
    """The body (declared or received) is over the limit."""


class BodyTimeout(BodyError):
    """The body did not arrive within the time allowed."""


class ClientGone(BodyError):
    """The caller disconnected before the body was complete."""


async def read_body(receive: Receive, limit: int, timeout: float | None = None, declared: bytes | None = None) -> bytes:
    """The whole request body, at most `limit` bytes within `timeout` seconds (None: no limit); `declared` is
    the Content-Length header, refused at once when over the limit. BodyError subclasses say what failed."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    import asyncio  # here: the commands that only read recordings (drift, learn, convert) never load it

    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        raise BodyTimeout from None


async def lifespan(
    receive: Receive, send: Send, on_startup: Callable[[], None] | None, on_shutdown: Callable[[], None] | None = None
) -> None:
    """Answer the ASGI lifespan protocol, calling the hooks given (the mock's and the proxy's)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if on_startup is not None:
                on_startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if on_shutdown is not None:
                on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


def split_authorization(value: str) -> tuple[str, str]:
    """(scheme, credential) of an Authorization value, both stripped."""
    scheme, _, credential = value.strip().partition(" ")
    return scheme, credential.strip()


def basic_credential(value: str | None) -> str | None:
    """The credential of a Basic Authorization value (as sent, still encoded), or None for another scheme."""
    if value is None:
        return None
    scheme, credential = split_authorization(value)
    return credential if scheme.lower() == "basic" else None


def decode_credential(credential: str) -> bytes | None:
    """The bytes a Basic credential encodes (`key:password`), or None when it is not strict base64."""
    try:
        return base64.b64decode(credential, validate=True)
    except (binascii.Error, ValueError):
        return None


def basic_authorization(api_key: str) -> str:
    """The Authorization value for an API key as the Basic username and an empty password."""
    return "Basic " + api.encode_basic(api_key)
