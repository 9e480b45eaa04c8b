"""Fetch: read Juspay's document from a URL or a file, in bounds, and parse it."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from juspay_kit import spec
from juspay_kit.errors import RefreshError

MAX_SOURCE_BYTES = spec.MAX_SPEC_BYTES  # the vendored document is about 30 KB
SOURCE_DEADLINE = 30.0  # seconds for the whole download, however slowly it trickles


def read_source(source: str, timeout: float = 20.0) -> bytes:
    """The raw document from an http(s) URL or a local file, at most MAX_SOURCE_BYTES within SOURCE_DEADLINE."""
    try:
        scheme = urlsplit(source).scheme
    except ValueError:
        raise RefreshError(f"{source!r} is not a valid URL or path") from None
    if scheme in ("http", "https"):
        return _download(source, timeout)
    return spec.read_bounded(source, RefreshError)


def _download(source: str, timeout: float) -> bytes:
    deadline = time.monotonic() + SOURCE_DEADLINE
    chunks: list[bytes] = []
    size = 0
    try:
        with httpx.stream("GET", source, timeout=timeout, follow_redirects=True, trust_env=False) as answer:
            if answer.status_code != 200:
                raise RefreshError(f"cannot fetch {source}: HTTP {answer.status_code}")
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_SOURCE_BYTES:
                    raise RefreshError(f"{source} sent more than {MAX_SOURCE_BYTES} bytes; not a spec this tool reads")
                if time.monotonic() > deadline:
                    raise RefreshError(f"{source} did not finish sending within {SOURCE_DEADLINE:g}s")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise RefreshError(f"cannot fetch {source}: {type(exc).__name__}") from None
    except (httpx.InvalidURL, ValueError):
        raise RefreshError(f"{source!r} is not a valid URL") from None
    return b"".join(chunks)


def parse(raw: bytes, source: str) -> dict[str, Any]:
    try:
        data = spec.load_yaml(raw.decode("utf-8"), yaml.SafeLoader)
    except RecursionError:
        raise RefreshError(f"{source} nests too deeply to be an API document") from None
    except (UnicodeDecodeError, yaml.YAMLError):
        raise RefreshError(f"{source} is not a JSON or YAML document") from None
    except ValueError as exc:
        raise RefreshError(f"{source} is refused: {exc}") from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise RefreshError(f"{source} is not an OpenAPI or Swagger document")
    return data
