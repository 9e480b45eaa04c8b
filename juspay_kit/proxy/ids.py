"""Identifiers a server invents, followed through a replay.

A string in a recorded answer's JSON body is an introduced identifier when no request up to and including that
exchange carried it and a later recorded request does (Provision's token ids and references, Setup's
`instructionId`, whatever the server named them). When the replay target answers the same exchange with another
string at the same JSON path, the recorded value is mapped to the target's, and every later request carries the
target's value wherever it carried the recorded one whole: a string value at any depth of a JSON body, a path
segment, a query value, a header value (never Authorization or another secret header). Text and
binary bodies are sent as recorded.

Masked values (anything holding "[masked") are never mapped. The table is bounded: at most MAX_MAPPINGS
entries, each value at most MAX_ID_CHARS characters without control characters, found at most MAX_DEPTH levels
deep, so a hostile cassette or target cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from juspay_kit.redact import SECRET_HEADERS, field_mask

MAX_MAPPINGS = 1000
MAX_ID_CHARS = 1024
MAX_DEPTH = 64
MASKED = "[masked"  # every mask the kit writes starts so: "[masked]", "[masked-otp]", "[masked-key-1]"

JsonPath = tuple[str | int, ...]


def usable(value: Any) -> bool:
    """A string that may be mapped (from or to): non-empty, bounded, not masked, no control characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_CHARS
        and MASKED not in value
        and not any(ord(c) < 32 or ord(c) == 127 for c in value)
    )


def strings(data: Any) -> Iterator[tuple[JsonPath, str]]:
    """(JSON path, string) of every string value of parsed JSON, at most MAX_DEPTH levels deep, in order."""
    stack: list[tuple[JsonPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif len(path) < MAX_DEPTH and isinstance(value, dict | list):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(reversed([((*path, key), item) for key, item in items]))


def at(data: Any, path: JsonPath) -> Any:
    """The value at `path` in parsed JSON, or None."""
    for key in path:
        if isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        elif isinstance(key, int) and isinstance(data, list) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def dotted(path: JsonPath) -> str:
    """`path` as a field name: "instructionId", "card.ids[0]"."""
    text = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")
    return text or "(the whole body)"


def _carried(request: dict[str, Any]) -> Iterator[str]:
    """Every whole value a recorded request carries where a mapped value would be sent."""
    yield from (value for _, value in strings(request.get("body")))
    yield from (unquote(segment) for segment in str(request.get("path", "")).split("/") if segment)
    yield from (value for _, value in parse_qsl(str(request.get("query") or ""), keep_blank_values=True))
    headers = request.get("headers") or {}
    yield from (value for name, value in headers.items() if name.lower() not in SECRET_HEADERS)


def introduced(exchanges: list[dict[str, Any]]) -> dict[int, list[tuple[JsonPath, str]]]:
    """Per exchange index: (path, value) of the identifiers its recorded answer introduced, in order."""
    first_carried: dict[str, int] = {}  # value -> index of the first request that carried it
    for index, exchange in enumerate(exchanges):
        for value in _carried(exchange["request"]):
            if usable(value):
                first_carried.setdefault(value, index)
    found: dict[int, list[tuple[JsonPath, str]]] = {}
    for index, exchange in enumerate(exchanges):
        response = exchange.get("response") or {}
        for path, value in strings(response.get("body")):
            if first_carried.get(value, -1) > index and usable(value):
                found.setdefault(index, []).append((path, value))
                if len(found[index]) >= MAX_MAPPINGS:
                    break
    return found


@dataclass(frozen=True)
class Mapping:
    """A recorded identifier and the one the replay target answered in its place."""

    seq: int
    operation: str | None
    field: str
    recorded: str
    replayed: str
    secret: str | None = None  # the mask to show for both values when the field holds a secret

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "operation": self.operation,
            "field": self.field,
            "recorded": self.secret or self.recorded,
            "replayed": self.secret or self.replayed,
        }

    def describe(self, width: int = 80) -> str:
        shown = self.as_dict()
        return f"{self.field} {_short(shown['recorded'], width)} -> {_short(shown['replayed'], width)}"


def _short(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


class IdMap:
    """The mapping table of one replay: learns from each replayed answer, rewrites each later request."""

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.candidates = introduced(exchanges)
        self.table: dict[str, str] = {}
        self.mappings: list[Mapping] = []
        self.not_kept = 0  # mappings left out because the table was full

    def learn(self, index: int, exchange: dict[str, Any], replayed_body: Any) -> list[Mapping]:
        """Map what the recorded answer of exchange `index` introduced to the replayed answer's values."""
        learned = []
        for path, recorded in self.candidates.get(index, ()):
            replayed = at(replayed_body, path)
            if recorded in self.table or not usable(replayed) or replayed == recorded:
                continue
            if len(self.table) >= MAX_MAPPINGS:
                self.not_kept += 1
                continue
            self.table[recorded] = replayed
            name = next((key for key in reversed(path) if isinstance(key, str)), "")
            mapping = Mapping(int(exchange.get("seq", 0)), exchange.get("operation"), dotted(path), recorded,
                              replayed, field_mask(name))  # fmt: skip
            self.mappings.append(mapping)
            learned.append(mapping)
        return learned

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        """A copy of a recorded request with every mapped identifier replaced (the request itself when none is)."""
        if not self.table:
            return request
        sent = {**request, "path": self._path(str(request["path"]))}
        if request.get("query"):
            sent["query"] = self._query(str(request["query"]))
        if isinstance(request.get("headers"), dict):
            sent["headers"] = {name: self._header(name, value) for name, value in request["headers"].items()}
        if "body" in request:
            sent["body"] = self._json(request["body"], 0)
        return sent

    def _path(self, path: str) -> str:
        segments = path.split("/")
        mapped = [quote(self.table[unquote(s)], safe="") if unquote(s) in self.table else s for s in segments]
        return "/".join(mapped)

    def _query(self, query: str) -> str:
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(value in self.table for _, value in pairs):
            return query
        return urlencode([(name, self.table.get(value, value)) for name, value in pairs])

    def _header(self, name: str, value: str) -> str:
        mapped = self.table.get(value)
        if mapped is None or name.lower() in SECRET_HEADERS or any(ord(c) > 255 for c in mapped):
            return value
        return mapped

    def _json(self, data: Any, depth: int) -> Any:
        if isinstance(data, str):
            return self.table.get(data, data)
        if depth >= MAX_DEPTH:
            return data
        if isinstance(data, dict):
            return {key: self._json(item, depth + 1) for key, item in data.items()}
        if isinstance(data, list):
            return [self._json(item, depth + 1) for item in data]
        return data
