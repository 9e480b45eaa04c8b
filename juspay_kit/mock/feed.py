"""What the inbox page polls: `GET /__mock__/state?view=page`, a bounded page of rows that answers 304 while
nothing changed, and `GET /__mock__/state?view=exchange&seq=N`, one journalled exchange in full (the page's
detail view). `GET /__mock__/state` without a query keeps its full JSON for scripts and tests.

    view=page   limit=1..1000 (200)   operation=<operationId>   customer=<customerId, exact>
        -> {"version", "limit", "filters", "totals", "operations", "sessions", "cards", "requests", "faults",
            "limits"}: the newest `limit` rows of each (sessions and cards most recently used first, the journal
            newest first, faults in order), with the totals. `operation` filters the journal; `customer` filters
            cards, the sessions of that customer's tokens, and the calls that name the customer or one of its
            tokens. Every answer carries an ETag; a request whose If-None-Match holds it gets a bodiless 304.
    view=exchange   seq=N   -> {"seq", "customer", "refusalCode", "exchange": the journal entry as it is}

The ETag is the mock's change counter (`MockApp.changes`: bumped when an API call arrives and when it leaves,
and after every control but a GET), the journal's epoch and size (a request body joins its entry while the call
is in flight), this process's start and the query: nothing the page shows changes without one of them moving,
so a 304 costs no view at all, and a page of rows costs the same at 10 or 100,000 sessions (only the rows shown
are built; a `customer` filter scans the cards, the sessions and the journal). The seconds left on a code are
counted down by the page.
"""

from __future__ import annotations

import json
import secrets
import zlib
from itertools import islice
from typing import Any, Protocol
from urllib.parse import parse_qsl

from juspay_kit.mock.answers import juspay_error
from juspay_kit.mock.double import ControlError, limits_view
from juspay_kit.mock.journal import Journal
from juspay_kit.mock.journey import Journey
from juspay_kit.mock.matching import Faults
from juspay_kit.mock.sessions import SessionStore
from juspay_kit.wire import Scope, Send

DEFAULT_ROWS = 200
MAX_ROWS = 1000
MAX_FILTER_CHARS = 256
_START = secrets.token_hex(4)  # a restarted mock never matches an ETag its predecessor gave
_PARAMETERS = {"page": {"view", "limit", "operation", "customer"}, "exchange": {"view", "seq"}}


class FeedSource(Protocol):
    """What the feed reads of the mock's application (`app.MockApp`)."""

    store: SessionStore
    journey: Journey
    faults: Faults
    journal: Journal
    operations_by_id: set[str]
    changes: int


async def serve(app: FeedSource, scope: Scope, send: Send) -> None:
    """Answer `GET /__mock__/state?...`; ControlError (a 400 naming the parameter) for a bad query."""
    query = _parse(scope.get("query_string", b""), app.operations_by_id)
    if query["view"] == "exchange":
        status, body = exchange(app, query["seq"])
        await _send(send, status, [], json.dumps(body, allow_nan=False).encode())
        return
    tag = _etag(app, query)
    head = [(b"etag", tag.encode()), (b"cache-control", b"no-store")]
    if _matches(scope, tag):
        await send({"type": "http.response.start", "status": 304, "headers": head})
        await send({"type": "http.response.body", "body": b""})
        return
    await _send(
        send,
        200,
        head,
        json.dumps(page(app, query["limit"], query["operation"], query["customer"]), allow_nan=False).encode(),
    )


def page(app: FeedSource, limit: int, operation: str | None, customer: str | None) -> dict[str, Any]:
    """The newest `limit` rows of each store, filtered, with the totals."""
    store, journey, journal = app.store, app.journey, app.journal
    references = journey.token_references(customer) if customer is not None else None
    calls = (entry.as_dict() for entry in journal.newest() if operation is None or entry.operation == operation)
    rows = (_row(journey, call) for call in calls)
    faults = app.faults.pending()
    return {
        "version": app.changes,
        "limit": limit,
        "filters": {"operation": operation, "customer": customer},
        "totals": {
            "sessions": len(store),
            "cards": len(journey),
            "requests": sum(1 for _ in journal.newest()),
            "dropped": journal.dropped,
            "faults": len(faults),
        },  # fmt: skip
        "operations": sorted(app.operations_by_id),
        "sessions": store.views(limit, references),
        "cards": journey.views(limit, customer),
        "requests": list(islice((row for row in rows if customer is None or row["customer"] == customer), limit)),
        "faults": faults[:limit],
        "limits": limits_view(store.limits),
    }


def exchange(app: FeedSource, seq: int) -> tuple[int, dict[str, Any]]:
    """One journal entry in full (masked as the journal keeps it), by its number since the journal was last
    cleared."""
    entry = next((entry for entry in app.journal.newest() if entry.seq == seq), None)
    if entry is None:
        message = f"No journalled call {seq}: it was pushed out, or the journal was cleared."
        return 404, juspay_error(404, "RESOURCE_NOT_FOUND", message, "seq")
    shown = entry.as_dict()
    return 200, {"seq": seq, "customer": _customer(app.journey, shown), "refusalCode": shown.get("refusalCode"),
                 "exchange": shown}  # fmt: skip


def _row(journey: Journey, call: dict[str, Any]) -> dict[str, Any]:
    """A journal row of the page: the call's short scalar fields (never a body, headers or answer) and its
    customer."""
    row = {name: value for name, value in call.items() if isinstance(value, bool | int | float | type(None))
           or (isinstance(value, str) and len(value) <= MAX_FILTER_CHARS)}  # fmt: skip
    row["customer"] = _customer(journey, call)
    return row


def _customer(journey: Journey, entry: dict[str, Any]) -> str | None:
    body = entry.get("body")
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("customerId"), str):
        return str(body["customerId"])
    return journey.customer(body.get("tokenReference"), body.get("vProvisionedTokenId"))


def _parse(raw: bytes, operations: set[str]) -> dict[str, Any]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ControlError("query", "the query is not UTF-8") from None
    given: dict[str, str] = {}
    for name, value in pairs:
        if name in given:
            raise ControlError(name[:50], f"{name[:50]} is given twice")
        given[name] = value
    view = given.get("view")
    if view not in _PARAMETERS:
        raise ControlError("view", "view must be page or exchange (GET /__mock__/state without a query: all of it)")
    unknown = sorted(name for name in given if name not in _PARAMETERS[view])
    if unknown:
        raise ControlError(unknown[0][:50], f"unknown parameter(s) for view={view}: {', '.join(unknown)[:200]}")
    if view == "exchange":
        return {"view": view, "seq": _whole(given, "seq", None, 0, 2**53)}
    operation = given.get("operation") or None
    if operation is not None and operation not in operations:
        raise ControlError("operation", f"operation must be one of {', '.join(sorted(operations))}")
    customer = given.get("customer") or None
    if customer is not None and len(customer) > MAX_FILTER_CHARS:
        raise ControlError("customer", f"customer must be at most {MAX_FILTER_CHARS} characters")
    limit = _whole(given, "limit", DEFAULT_ROWS, 1, MAX_ROWS)
    return {"view": view, "limit": limit, "operation": operation, "customer": customer}


def _whole(given: dict[str, str], name: str, default: int | None, low: int, high: int) -> int:
    text = given.get(name)
    if text is None and default is not None:
        return default
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 16 or not low <= int(text) <= high:
        raise ControlError(name, f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _etag(app: FeedSource, query: dict[str, Any]) -> str:
    """The change counter, the journal's size (a request body joins its entry while the call is in flight) and
    epoch, and the query."""
    shape = zlib.crc32(json.dumps(query, sort_keys=True).encode())
    return f'"{_START}-{app.changes}-{app.journal.epoch}-{app.journal.bytes}-{shape:08x}"'


def _matches(scope: Scope, tag: str) -> bool:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            offered = {part.strip() for part in value.decode("latin-1").split(",")}
            return tag in offered or f"W/{tag}" in offered
    return False


async def _send(send: Send, status: int, head: list[tuple[bytes, bytes]], body: bytes) -> None:
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *head]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
