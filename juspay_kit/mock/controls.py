"""The mock's test controls under /__mock__/ (not part of the Juspay API). Every answer is JSON but the inbox
page's; every bad body is a 400 naming the field, never a 500. Every POST needs Content-Type: application/json,
and a request from another origin is refused (`callers.py`).

    GET    health            {"status": "ok", "sessions": N}
    GET    inbox?tokenReference=&clientReferenceId=     the code last sent for a session
    POST   reset             ({} or no body) forget sessions, codes, clock moves, faults, the journal and limit changes
    POST   clock             {"advanceSeconds": N}
    POST   faults            {"operation", "status", "body", "contentType", "delaySeconds", "drop", "times",
                              "match", "after", "code"} -> 201 {"id"}   (matching.py: which fault plays;
                              refusals.py: what a refusal code answers)
    GET    faults            {"faults": [...]} pending, in order      DELETE faults: clear them
    GET    requests          {"requests": [...], "dropped", "limit", "bytes", "limitBytes"} (journal.py)
                             DELETE requests: clear the journal (a new epoch)
    POST   config            {"maxOTPRequestsAllowed", "maxOTPVerificationAllowed", "codeExpirationMinutes",
                              "requireProvisioning"}
    GET    config            the limits in force
    GET    state             sessions, cards (with their instructions), journal (newest first) and faults, all
    GET    state?view=page&limit=&operation=&customer=     what the inbox page polls: the newest rows, with an
                             ETag (304 to If-None-Match while nothing changed)     state?view=exchange&seq=N:
                             one journalled call in full (feed.py)
    GET    ui                the inbox page (HTML)
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import parse_qs

from juspay_kit import schema
from juspay_kit.mock import feed
from juspay_kit.mock.answers import RequestError, juspay_error, reject_constant, respond
from juspay_kit.mock.callers import control_refusal
from juspay_kit.mock.double import ControlError, limits_view, parse_limits
from juspay_kit.mock.journal import Journal
from juspay_kit.mock.journey import Journey
from juspay_kit.mock.matching import Faults, parse_matching_fault
from juspay_kit.mock.sessions import Limits, SessionStore
from juspay_kit.mock.ui import CSP, PAGE
from juspay_kit.wire import Receive, Scope, Send

MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600  # one clock move is at most ten years: the clock stays finite


class MockApp(Protocol):
    """What the controls need of the mock's application (`app.MockApp`)."""

    store: SessionStore
    journey: Journey
    faults: Faults
    journal: Journal
    operations_by_id: set[str]
    changes: int  # the change counter behind the page's ETag (feed.py)

    @property
    def merchant_id(self) -> str: ...

    def reset(self) -> None: ...

    def set_limits(self, limits: Limits) -> None: ...

    async def read_body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes: ...


async def control(app: MockApp, scope: Scope, receive: Receive, send: Send) -> None:
    action, method = scope["path"][len("/__mock__/") :], scope["method"]
    try:
        refused = control_refusal(scope)  # another origin, or a POST a browser could send cross-site: callers.py
        if refused is not None:
            raise refused
        if action == "ui" and method == "GET":
            page = PAGE.encode()
            head = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode()),
                    (b"content-security-policy", CSP),
                    (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"),
                    (b"x-frame-options", b"DENY")]  # fmt: skip
            await send({"type": "http.response.start", "status": 200, "headers": head})
            await send({"type": "http.response.body", "body": page})
            return
        if action == "state" and method == "GET" and scope.get("query_string"):
            await feed.serve(app, scope, send)  # the page's bounded rows, 304 while nothing changed
            return
        status, body = await _answer(app, action, method, scope, receive)
    except ControlError as exc:
        status, body = 400, juspay_error(400, "INVALID_INPUT", exc.message, exc.field)
    except RequestError as exc:
        status, body = exc.status, juspay_error(exc.status, exc.code, exc.message, exc.field)
    await respond(send, status, body)


async def _json(app: MockApp, receive: Receive, optional: bool = False) -> Any:
    """The control body as JSON; a value no JSON reader or float takes (NaN, a lone surrogate, 10**400) is a
    ControlError naming its field. `optional`: an empty body reads as {}."""
    try:
        raw = await app.read_body({}, receive)
    except RequestError as exc:
        if optional and exc.code == "MISSING_MANDATORY_PARAMETER":
            return {}
        raise
    try:
        data = json.loads(raw, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        raise ControlError("body", "the body is not JSON") from None
    found = schema.hazard(data)
    if found is not None:
        field = found[0].lstrip("/") or "body"
        raise ControlError(field, f"{field} holds {found[1]}")
    return data


async def _answer(app: MockApp, action: str, method: str, scope: Scope, receive: Receive) -> tuple[int, Any]:
    store = app.store
    if action == "health" and method == "GET":
        return 200, {"status": "ok", "sessions": len(store), "cards": len(app.journey)}
    if action == "inbox" and method == "GET":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if any(name not in query for name in ("tokenReference", "clientReferenceId")):
            return 400, juspay_error(400, "MISSING_MANDATORY_PARAMETER", "Pass tokenReference and clientReferenceId.")
        found = store.inbox((app.merchant_id, query["tokenReference"][0], query["clientReferenceId"][0]))
        if found is None:
            return 404, juspay_error(404, "RESOURCE_NOT_FOUND", "No OTP was sent for this session.")
        return 200, {"otpValue": found[0], "expiresInSeconds": round(found[1], 3)}
    if action == "reset" and method == "POST":
        _no_fields(await _json(app, receive, optional=True))
        app.reset()
        return 200, {"status": "reset"}
    if action == "clock" and method == "POST":
        return _clock(app, await _json(app, receive))
    if action == "faults":
        if method == "POST":
            fault = parse_matching_fault(await _json(app, receive), set(app.operations_by_id))
            app.faults.add(fault)
            return 201, {"id": fault.id}
        if method == "GET":
            return 200, {"faults": app.faults.pending()}
        if method == "DELETE":
            return 200, {"cleared": app.faults.clear()}
    if action == "requests":
        if method == "GET":
            return 200, app.journal.listing()
        if method == "DELETE":
            return 200, {"cleared": app.journal.clear()}
    if action == "config":
        if method == "POST":
            app.set_limits(parse_limits(await _json(app, receive), store.limits))
        if method in ("POST", "GET"):
            return 200, limits_view(store.limits)
    if action == "state" and method == "GET":
        return 200, {"sessions": store.views(), "cards": app.journey.views(), "requests": app.journal.entries()[::-1],
                     "faults": app.faults.pending(), "limits": limits_view(store.limits)}  # fmt: skip
    return 404, juspay_error(404, "RESOURCE_NOT_FOUND", f"No such control endpoint: {method} {action[:50]}")


def _no_fields(data: Any) -> None:
    """A reset body: empty, or a JSON object with no field (none is defined yet)."""
    if not isinstance(data, dict):
        raise ControlError("body", "the body must be a JSON object")
    if data:
        names = sorted(str(key) for key in data)
        raise ControlError(names[0], f"unknown field(s): {', '.join(names)[:200]}")


def _clock(app: MockApp, data: Any) -> tuple[int, Any]:
    seconds = data.get("advanceSeconds") if isinstance(data, dict) else None
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        return 400, juspay_error(  # the comparison refuses nan and 10**400 before any float()
            400, "INVALID_INPUT", f'Body must be {{"advanceSeconds": N}} with 0 <= N <= {MAX_ADVANCE_SECONDS}.',
            "advanceSeconds",
        )  # fmt: skip
    app.store.clock.advance(float(seconds))
    return 200, {"advancedSeconds": seconds}
