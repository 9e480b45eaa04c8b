"""The exchange every recording format is read into and written from, and the pieces its readers share.

An exchange is the dict a kit cassette line holds (`cassette.py`): `seq`, `at` (seconds since the first
exchange, 0 when unknown), `startedAt` (ISO 8601 or None), `elapsedMs` (or None), `operation`, `request`
{method, path (as sent, a server prefix kept), query (raw), headers (names lower-cased, repeats joined with
", "), body | bodyText | bodyBase64}, `response` {status, headers, body...} or None with an `error`, and
`violations`; plus `origin` (scheme://host[:port] of the request, "" when unknown) and `ref` (where it sits
in its file: "log.entries[3]", "interactions[3]", "line 7"). A body is `body` when it is JSON every validator
takes (nested at most MAX_JSON_DEPTH levels, no lone surrogate, finite numbers within the float range:
`schema.hazard` finds nothing, so a judge need not look again), `bodyText` when it is other UTF-8 text, else
`bodyBase64`; one body is at most MAX_BODY_BYTES.

A fault is a UsageError on one line naming the file and where: "FILE:LINE:COL: not valid JSON: ...", the same
for YAML, "FILE: log.entries[12].response.status: must be an integer" for a shape.

`Masker` masks what conversion writes as the proxy masks what it records: the key a request carries (its
Basic form and every encoding, `cassette.learn_secrets`), Authorization as "Basic [masked-key-N]", the other
secret headers, and every OTP and credential a body or query carries (in its field and wherever else it
appears). What is already masked ("[masked-otp]") is kept, never learned as a secret.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import yaml
from juspay_visa_agentic_client.limits import MAX_JSON_DEPTH, json_depth

from juspay_kit.cli import printable
from juspay_kit.errors import HarnessError, UsageError
from juspay_kit.proxy import cassette
from juspay_kit.redact import Redactor, field_mask, fields_in_text, form_secrets
from juspay_kit.schema import FLOAT_MAX, hazard
from juspay_kit.spec import MAX_EXPANDED, SAFE_LOADER, expanded_size

MAX_BODY_BYTES = 16 * 1024 * 1024  # one body of one exchange
MAX_NUMBER = 1e15  # a duration in milliseconds beyond this (31,000 years) is no recording's
YAML_GROWTH = 4  # aliases may expand a YAML document to 4 times its length, plus MAX_EXPANDED (vcrpy writes none)
_MASK = re.compile(r"\[masked(?:-[a-z]+(?:-\d+)?)?\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK = "http://127.0.0.1"  # the origin written for an exchange whose recording names none (`base_origin`)


def fault(path: Path, where: str, problem: str) -> UsageError:
    """The UsageError naming a fault of `path` at `where`, on one line whatever the names in it."""
    return UsageError(printable(f"{path}: {where}: {problem}").replace("\n", "\\n"))


def read_regular(path: Path, limit: int, what: str, error: type[HarnessError] = UsageError) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (a report, a proposal): a FIFO or a device is
    refused, never waited on; `error` names the problem on one line."""
    try:
        with cassette.open_regular(path, what) as file:
            raw = file.read(limit + 1)
    except UsageError as exc:
        raise error(str(exc)) from None
    except OSError as exc:
        raise error(f"cannot read the {what} {path}: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > limit:
        raise error(f"{path} is larger than {limit} bytes; not a {what} this kit reads")
    return raw


def decoded(raw: bytes, path: Path) -> str:
    """The text of a recording (a UTF-8 byte order mark dropped); a fault names the line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UsageError(f"{path}:{line}:{column}: not UTF-8 text") from None


def load_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (RecursionError, ValueError):  # too deep, or a number of more digits than Python converts
        raise UsageError(f"{path}: not JSON this kit reads (nested too deeply, or a number too long)") from None


def load_yaml(text: str, path: Path) -> Any:
    """YAML through the safe loader, refused when its aliases would expand it (a YAML bomb) or loop."""
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limit = YAML_GROWTH * len(text) + MAX_EXPANDED
        if expanded_size(node, limit) > limit:
            raise UsageError(f"{path}: its YAML aliases expand it beyond {limit} nodes and characters; refused")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise UsageError(f"{where}: not valid YAML: {problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, AttributeError, OverflowError):
        raise UsageError(f"{path}: not YAML this kit reads") from None
    finally:
        loader.dispose()


def text_fields(text: str, path: Path, where: str) -> dict[str, Any]:
    """A body given as text: JSON, else `bodyText`."""
    encoded = text.encode("utf-8", "surrogatepass") if len(text) <= MAX_BODY_BYTES else b""
    if len(text) > MAX_BODY_BYTES or len(encoded) > MAX_BODY_BYTES:
        raise fault(path, where, f"larger than {MAX_BODY_BYTES} bytes")
    if not text:
        return {}
    if json_depth(encoded, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH:
        try:
            body = _DECODER.decode(text)
        except (ValueError, RecursionError):
            pass
        else:
            if _plain(text, encoded) or hazard(body) is None:
                return {"body": body}
    return {"bodyText": text}


def _plain(text: str, encoded: bytes) -> bool:
    """Whether JSON text can only parse into what every validator takes (numbers past the float range are refused
    while parsing): ASCII with no escaped surrogate. Cheap: most bodies."""
    return len(encoded) == len(text) and ("\\u" not in text or not _ESCAPED_SURROGATE.search(text))


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def bytes_fields(raw: bytes, path: Path, where: str) -> dict[str, Any]:
    """A body given as bytes: JSON, else UTF-8 text, else `bodyBase64`."""
    if len(raw) > MAX_BODY_BYTES:
        raise fault(path, where, f"larger than {MAX_BODY_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"bodyBase64": base64.b64encode(raw).decode("ascii")}
    return text_fields(text, path, where)


def base64_fields(text: Any, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise fault(path, where, "must be a string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise fault(path, where, "must be base64 text") from None
    return bytes_fields(raw, path, where)


def _not_json(constant: str) -> Any:
    raise ValueError(constant)  # NaN and Infinity are no JSON: such a body is kept as text


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):  # 1e400: an exponent past the float range; such a body is kept as text
        raise ValueError(number)
    return value


def _in_float_range(number: str) -> int:
    value = int(number)
    if abs(value) > FLOAT_MAX:  # no validator or float arithmetic takes it; such a body is kept as text
        raise ValueError(number)
    return value


_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite, parse_int=_in_float_range)  # one
# decoder: building one per body costs as much as decoding


def body_text(fields: dict[str, Any]) -> tuple[str | bytes | None, int]:
    """(text, or bytes for a binary body, or None; its size in bytes) of an exchange's body fields."""
    if "body" in fields:
        text = json.dumps(fields["body"], ensure_ascii=False)
    elif "bodyText" in fields:
        text = str(fields["bodyText"])
    elif "bodyBase64" in fields:
        raw = base64.b64decode(str(fields["bodyBase64"]))
        return raw, len(raw)
    else:
        return None, 0
    return text, len(text.encode("utf-8", "surrogatepass"))


def joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-cased name, repeats joined with ", "; HTTP/2 pseudo-headers (":authority") dropped."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        name = name.strip().lower()
        if not name.startswith(":"):
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def header_text(value: Any, path: Path, where: str) -> str:
    """A header value: a string (a number YAML read as one is written back as text)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fault(path, where, "must be a string")
    return str(value)


def origin_of(parts: SplitResult) -> str:
    """scheme://host[:port], the host lower-cased and a default port left out; ValueError for a bad port."""
    return _origin(parts.scheme, parts.netloc)


@functools.lru_cache(maxsize=256)  # a recording names a few servers, thousands of times
def _origin(scheme: str, netloc: str) -> str:
    parts = SplitResult(scheme, netloc, "/", "", "")
    scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS.get(scheme) else "")


def split_url(url: Any, path: Path, where: str) -> tuple[str, str, str]:
    """(origin, path, query) of an absolute http(s) URL; the path exactly as sent."""
    if not isinstance(url, str):
        raise fault(path, where, "must be a string")
    split = _split(url)
    if isinstance(split, str):
        raise fault(path, where, split)
    return split


@functools.lru_cache(maxsize=1024)  # an API's URLs are a few, recorded thousands of times
def _split(url: str) -> tuple[str, str, str] | str:
    """(origin, path, query), or what is wrong with the URL."""
    try:
        parts = urlsplit(url)
        origin = origin_of(parts)
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return "must be an http(s) URL with a host"
    if not parts.path.startswith("/"):
        return "has no path"
    return origin, parts.path, parts.query


def base_origin(upstream: Any) -> str:
    """Where a written exchange that names no origin of its own went: its recording's upstream (scheme, host and
    port only: a kit cassette's paths are the ones callers sent the proxy), else LOOPBACK."""
    return lenient_origin(upstream) or LOOPBACK


def lenient_origin(url: Any) -> str:
    """The origin of a URL, or "" when it has none."""
    return _lenient_origin(url) if isinstance(url, str) else ""


@functools.lru_cache(maxsize=1024)  # an API's URLs are a few, recorded thousands of times
def _lenient_origin(url: str) -> str:
    try:
        parts = urlsplit(url)
        return origin_of(parts) if parts is not None and parts.scheme in _DEFAULT_PORTS and parts.hostname else ""
    except ValueError:
        return ""


def phrase(status: Any) -> str:
    """The reason phrase of an HTTP status, "" for one without."""
    try:
        return HTTPStatus(status).phrase
    except (ValueError, TypeError):
        return ""


def url_of(origin: str, target: str, query: str) -> str:
    return origin.rstrip("/") + target + (f"?{query}" if query else "")


def instant(value: Any, path: Path, where: str) -> datetime | None:
    """An ISO 8601 date-time (UTC when it names no zone), or None when absent."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise fault(path, where, "must be an ISO 8601 date-time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def number(value: Any, path: Path, where: str) -> float | None:
    """A finite number, or None when absent (or negative: HAR's -1 for "not known")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -MAX_NUMBER < value < MAX_NUMBER:
        raise fault(path, where, "must be a number")  # nan and infinity too
    return float(value) if value >= 0 else None


def checked(exchange: dict[str, Any], path: Path) -> dict[str, Any]:
    """The exchange, if replay could send it (cassette.exchange_problem); else a fault of its entry."""
    problem = cassette.exchange_problem(exchange)
    if problem:
        raise fault(path, exchange["ref"], problem)
    return exchange


class Masker:
    """Learns the secrets of exchanges (learn every exchange first, then mask: a secret an answer showed
    before the request that sent it is masked too), and masks exchanges for writing."""

    def __init__(self) -> None:
        self.redactor = Redactor()
        self._keys: dict[str, int] = {}  # distinct Authorization credentials -> their number, in memory only

    def learn(self, exchange: dict[str, Any]) -> None:
        request = exchange.get("request") or {}
        headers = {k: v for k, v in (request.get("headers") or {}).items() if not _MASK.search(str(v))}
        cassette.learn_secrets(self.redactor, headers)
        for name, value in parse_qsl(str(request.get("query") or ""), keep_blank_values=True):
            if field_mask(name) and value and not _MASK.fullmatch(value):
                self.redactor.add_secret(value)
        for part in (request, exchange.get("response") or {}):
            if "body" in part:
                self._learn(part["body"])
            elif isinstance(part.get("bodyText"), str):  # `"otpValue": 123456` text, or a form: otpValue=123456
                for value in [*fields_in_text(part["bodyText"]), *form_secrets(part["bodyText"])]:
                    if not _MASK.fullmatch(value):
                        self.redactor.add_secret(value)

    def _learn(self, data: Any) -> None:
        """As Redactor.learn, but a value already masked is no secret."""
        if isinstance(data, dict):
            for key, item in data.items():
                if field_mask(str(key)) is None:
                    self._learn(item)
                elif isinstance(item, str | int) and not isinstance(item, bool) and not _MASK.fullmatch(str(item)):
                    self.redactor.add_secret(str(item))
        elif isinstance(data, list):
            for item in data:
                self._learn(item)

    def mask(self, exchange: dict[str, Any]) -> dict[str, Any]:
        """A copy safe to write: secret headers, fields and query parameters masked, then every learned
        secret wherever it appears (`Redactor.value`, as the proxy's cassette lines)."""
        self.learn(exchange)
        record = dict(exchange)
        request = dict(record.get("request") or {})
        request["headers"] = cassette.masked_headers(self.redactor, dict(request.get("headers") or {}), self._keys)
        query = str(request.get("query") or "")
        secret = any(field_mask(n) and not _MASK.fullmatch(v) for n, v in parse_qsl(query, keep_blank_values=True))
        request["query"] = cassette.masked_query(self.redactor, query) if secret else query
        record["request"] = request
        if isinstance(record.get("response"), dict):
            response = dict(record["response"])
            response["headers"] = cassette.masked_headers(self.redactor, dict(response.get("headers") or {}))
            record["response"] = response
        masked: dict[str, Any] = self.redactor.value(record)
        for side in ("request", "response"):  # a binary body is masked in its bytes, never as base64 text (which
            part = record.get(side)  # a learned "1234" would cut into invalid base64)
            if isinstance(part, dict) and isinstance(part.get("bodyBase64"), str):
                raw = base64.b64decode(part["bodyBase64"]).decode("latin-1")
                masked[side]["bodyBase64"] = base64.b64encode(self.redactor.text(raw).encode("latin-1")).decode()
        return masked
