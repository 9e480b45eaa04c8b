"""The mock's test controls under /__mock__/ (not part of the Juspay API). Every answer is JSON but the inbox
page's; every bad body is a 400 naming the field, never a 500.

    GET    health            {"status": "ok", "sessions": N}
    GET    inbox?tokenReference=&clientReferenceId=     the code last sent for a session
    POST   reset             forget sessions, codes, clock moves, faults, the journal and limit changes
    POST   clock             {"advanceSeconds": N}
    POST   faults            {"operation", "status", "body", "contentType", "delaySeconds", "drop", "times"}
                             -> 201 {"id"}
    GET    faults            {"faults": [...]} pending, in order      DELETE faults: clear them
    GET    requests          {"requests": [...], "dropped": N, "limit": N}  DELETE requests: clear the journal
    POST   config            {"maxOTPRequestsAllowed", "maxOTPVerificationAllowed", "codeExpirationMinutes",
                              "requireProvisioning"}
    GET    config            the limits in force
    GET    state             sessions, cards (with their instructions), journal (newest first) and faults:
                             what the inbox page shows
    GET    ui                the inbox page (HTML)
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import parse_qs

from juspay_kit.mock.answers import RequestError, juspay_error, reject_constant, respond
from juspay_kit.mock.double import JOURNAL_SIZE, ControlError, Faults, Journal, limits_view, parse_fault, parse_limits
from juspay_kit.mock.journey import Journey
from juspay_kit.mock.sessions import Limits, SessionStore
from juspay_kit.mock.ui import PAGE
from juspay_kit.wire import Receive, Scope, Send

MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600  # one clock move is at most ten years: the clock stays finite


class MockApp(Protocol):
    """What the controls need of the mock's application (`app.MockApp`)."""

    store: SessionStore
    journey: Journey
    faults: Faults
    journal: Journal
    operations_by_id: set[str]

    @property
    def merchant_id(self) -> str: ...

    def reset(self) -> None: ...

    def set_limits(self, limits: Limits) -> None: ...

    async def read_body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes: ...


async def control(app: MockApp, scope: Scope, receive: Receive, send: Send) -> None:
    action, method = scope["path"][len("/__mock__/") :], scope["method"]
    try:
        if action == "ui" and method == "GET":
            page = PAGE.encode()
            head = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode()),
                    (b"content-security-policy", b"default-src 'self'; script-src 'unsafe-inline'; "
                     b"style-src 'unsafe-inline'; connect-src 'self'"),
                    (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]  # fmt: skip
            await send({"type": "http.response.start", "status": 200, "headers": head})
            await send({"type": "http.response.body", "body": page})
            return
        status, body = await _answer(app, action, method, scope, receive)
    except ControlError as exc:
        status, body = 400, juspay_error(400, "INVALID_INPUT", exc.message, exc.field)
    except RequestError as exc:
        status, body = exc.status, juspay_error(exc.status, exc.code, exc.message, exc.field)
    await respond(send, status, body)


async def _json(app: MockApp, receive: Receive) -> Any:
    raw = await app.read_body({}, receive)
    try:
        return json.loads(raw, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        raise ControlError("body", "the body is not JSON") from None


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
        app.reset()
        return 200, {"status": "reset"}
    if action == "clock" and method == "POST":
        return _clock(app, await app.read_body({}, receive))
    if action == "faults":
        if method == "POST":
            fault = parse_fault(await _json(app, receive), set(app.operations_by_id))
            app.faults.add(fault)
            return 201, {"id": fault.id}
        if method == "GET":
            return 200, {"faults": app.faults.pending()}
        if method == "DELETE":
            return 200, {"cleared": app.faults.clear()}
    if action == "requests":
        if method == "GET":
            return 200, {"requests": app.journal.entries(), "dropped": app.journal.dropped, "limit": JOURNAL_SIZE}
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


def _clock(app: MockApp, raw: bytes) -> tuple[int, Any]:
    try:
        seconds = json.loads(raw, parse_constant=reject_constant)["advanceSeconds"]
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise TypeError
        if not 0 <= seconds <= MAX_ADVANCE_SECONDS:  # also refuses nan; compared before any float()
            raise ValueError
    except (ValueError, TypeError, KeyError, RecursionError):
        return 400, juspay_error(
            400, "INVALID_INPUT", f'Body must be {{"advanceSeconds": N}} with 0 <= N <= {MAX_ADVANCE_SECONDS}.'
        )
    app.store.clock.advance(float(seconds))
    return 200, {"advancedSeconds": seconds}
