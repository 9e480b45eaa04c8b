"""Deliberately broken stand-ins for Juspay: the real mock with exactly one realistic contract violation.

Each fault is a small ASGI middleware around `MockApp`; the test controls under /__mock__/ stay intact so
the harness can prime sessions as it does against the conformant mock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from juspay_kit import api, spec
from juspay_kit.mock.app import CONTROL_PREFIX, MockApp, MockSettings
from juspay_kit.mock.server import bind, url_of

TRIGGER_SENT = api.example(spec.load(), "triggerOtp")  # Juspay's sample of a sent OTP

Scope = dict[str, Any]
ASGI = Callable[..., Any]
BodyRewrite = Callable[[str, int, Any], tuple[int, Any]]


def rewrite(change: BodyRewrite) -> Callable[[ASGI], ASGI]:
    """A fault that rewrites (status, JSON body) of API responses: change(path, status, body)."""

    def wrap(app: ASGI) -> ASGI:
        async def broken(scope: Scope, receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}

            async def capture(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                body = json.loads(message["body"])
                status, new = change(scope["path"], start["status"], body)
                data = json.dumps(new).encode() if not isinstance(new, bytes) else new
                headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                headers.append((b"content-length", str(len(data)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": data})

            await app(scope, receive, capture)

        return broken

    return wrap


def request_fault(change: Callable[[Scope], Scope | None]) -> Callable[[ASGI], ASGI]:
    """A fault that alters the incoming request; `change` may answer by returning None (404 below)."""

    def wrap(app: ASGI) -> ASGI:
        async def broken(scope: Scope, receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
                await app(scope, receive, send)
                return
            changed = change(dict(scope))
            if changed is None:
                body = b'{"status": "error"}'
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 404, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(changed, receive, send)

        return broken

    return wrap


def _counters_as_strings(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and isinstance(body.get("response"), dict):
        body["response"] = {k: str(v) for k, v in body["response"].items()}
    return status, body


def _drop_error_code(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/initiateVerification":
        body.pop("errorCode", None)
    return status, body


def _rename_response_message(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/validateOtp":
        body["message"] = body.pop("responseMessage")
    return status, body


def _undocumented_422(path: str, status: int, body: Any) -> tuple[int, Any]:
    return (422 if status == 400 else status), body


def _accept_invalid(path: str, status: int, body: Any) -> tuple[int, Any]:
    code = body.get("error_info", {}).get("code") if isinstance(body, dict) else None
    if status == 400 and code in {"INVALID_INPUT", "MISSING_MANDATORY_PARAMETER"} and path == "/initiateVerification":
        return 200, TRIGGER_SENT
    return status, body


def _always_401(path: str, status: int, body: Any) -> tuple[int, Any]:
    error_info = {
        "code": "UNAUTHORIZED",
        "category": "USER_ERROR",
        "user_message": "Unauthorized.",
        "developer_message": "x",
    }
    return 401, {"status": "error", "error_code": "access_denied", "error_info": error_info}


def _pending_status(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/initiateVerification":
        body["status"] = "PENDING"
    return status, body


def _juspay_error_for_valid(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200:
        info = {"code": "INVALID_INPUT", "category": "USER_ERROR", "user_message": "Invalid.", "developer_message": "x"}
        return 400, {"status": "error", "error_code": "invalid_request", "error_info": info}
    return status, body


def _wrong_content_type(app: ASGI) -> ASGI:
    async def broken(scope: Scope, receive: Any, send: Any) -> None:
        async def relabel(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and not scope["path"].startswith(CONTROL_PREFIX):
                headers = [(k, v) for k, v in message["headers"] if k != b"content-type"]
                message = {**message, "headers": [*headers, (b"content-type", b"text/plain")]}
            await send(message)

        await app(scope, receive, relabel)

    return broken


def _crash_on_non_ascii(app: ASGI) -> ASGI:
    async def broken(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await app(scope, receive, send)
            return
        message: dict[str, Any] = await receive()
        if any(byte > 127 for byte in message.get("body", b"")) or b"\\u" in message.get("body", b""):
            body = b"Internal Server Error"
            headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def replay() -> dict[str, Any]:
            return message

        await app(scope, replay, send)

    return broken


def _add_valid_auth(api_key: str) -> Callable[[Scope], Scope]:
    import base64

    value = b"Basic " + base64.b64encode(f"{api_key}:".encode())

    def change(scope: Scope) -> Scope:
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"authorization"] + [(b"authorization", value)]
        return scope

    return change


def _default_merchant(merchant: str) -> Callable[[Scope], Scope]:
    def change(scope: Scope) -> Scope:
        if not any(k == b"x-merchantid" for k, _ in scope["headers"]):
            scope["headers"] = [*scope["headers"], (b"x-merchantid", merchant.encode())]
        return scope

    return change


def _404_for_other_methods(scope: Scope) -> Scope | None:
    return scope if scope["method"] == "POST" else None


def _provision_pending(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/provision-token-passkey":
        body["status"] = "PENDING"
    return status, body


def _instruction_id_as_number(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/cards/setUpAgenticPaymentInstruction":
        body["instructionId"] = 12345
    return status, body


def _fetch_accepts_invalid(path: str, status: int, body: Any) -> tuple[int, Any]:
    code = body.get("error_info", {}).get("code") if isinstance(body, dict) else None
    if status == 400 and code in {"INVALID_INPUT", "MISSING_MANDATORY_PARAMETER"} and path.endswith("TransactCreds"):
        return 200, api.example(spec.load(), "fetchPaymentCredentials")
    return status, body


def _refusal_code(body: Any) -> Any:
    return body.get("errorCode") or body.get("responseCode") if isinstance(body, dict) else None


def _trigger_beyond_limit(path: str, status: int, body: Any) -> tuple[int, Any]:
    if path == "/initiateVerification" and _refusal_code(body) == "OTP_REQUEST_LIMIT_EXCEEDED":
        return 200, TRIGGER_SENT
    return status, body


def _never_locks(path: str, status: int, body: Any) -> tuple[int, Any]:
    """The session never locks: the wrong code that locks it is refused as any other wrong code."""
    if path == "/validateOtp" and _refusal_code(body) == "SESSION_LOCKED":
        return 400, {**body, "responseCode": "INVALID_OTP", "responseMessage": "The OTP entered is incorrect."}
    return status, body


def _fetch_without_instruction(path: str, status: int, body: Any) -> tuple[int, Any]:
    """Payment credentials handed out with no payment instruction set up (for a token it does not know)."""
    if path == "/cards/fetchAgenticTransactCreds" and _refusal_code(body) in {
        "INSTRUCTION_NOT_FOUND",
        "TOKEN_NOT_FOUND",
    }:
        return 200, api.example(spec.load(), "fetchPaymentCredentials")
    return status, body


def _setup_unbound(path: str, status: int, body: Any) -> tuple[int, Any]:
    """An instruction set up on a token that never finished binding (or was never provisioned)."""
    if path == "/cards/setUpAgenticPaymentInstruction" and _refusal_code(body) in {
        "DEVICE_NOT_BOUND",
        "TOKEN_NOT_FOUND",
    }:
        return 200, api.example(spec.load(), "setupAgenticPayment")
    return status, body


def _setup_without_instruction_id(path: str, status: int, body: Any) -> tuple[int, Any]:
    if status == 200 and path == "/cards/setUpAgenticPaymentInstruction":
        body.pop("instructionId", None)
    return status, body


def _counters_above_the_probe(path: str, status: int, body: Any) -> tuple[int, Any]:
    """A conformant stand-in that announces more Trigger OTPs than the probe walks: trigger-request-limit cannot
    be exercised (a limit above probe.MAX_LIMIT), and nothing else changes."""
    if status == 200 and path == "/initiateVerification" and isinstance(body.get("response"), dict):
        body["response"]["maxOTPRequestsAllowed"] = 9
    return status, body


API_KEY = "broken_key_7c1d"
MERCHANT = "broken_merchant"

# fault name -> (middleware, the check that must catch it)
FAULTS: dict[str, tuple[Callable[[ASGI], ASGI], str]] = {
    "counters-as-strings": (rewrite(_counters_as_strings), "response_schema_conformance"),
    "missing-field": (rewrite(_drop_error_code), "response_schema_conformance"),
    "renamed-field": (rewrite(_rename_response_message), "response_schema_conformance"),
    "undocumented-status": (rewrite(_undocumented_422), "status_code_conformance"),
    "wrong-content-type": (_wrong_content_type, "content_type_conformance"),
    "server-error-on-some-inputs": (_crash_on_non_ascii, "not_a_server_error"),
    "auth-ignored": (request_fault(_add_valid_auth(API_KEY)), "ignored_auth"),
    "invalid-input-accepted": (rewrite(_accept_invalid), "negative_data_rejection"),
    "missing-header-accepted": (request_fault(_default_merchant(MERCHANT)), "missing_required_header"),
    "no-405-for-other-methods": (request_fault(_404_for_other_methods), "unsupported_method"),
    "everything-401": (rewrite(_always_401), "positive_data_acceptance"),
    "success-status-not-success": (rewrite(_pending_status), "success_envelope"),
    "provision-status-not-success": (rewrite(_provision_pending), "success_envelope"),
    "setup-instruction-id-not-string": (rewrite(_instruction_id_as_number), "response_schema_conformance"),
    "fetch-accepts-invalid-input": (rewrite(_fetch_accepts_invalid), "negative_data_rejection"),
}
# The operations a run against each fault needs: the one it breaks (the checks of a fault that breaks every
# operation are proven on Trigger OTP alone). A run of all five costs about three times as many cases.
FAULT_OPERATIONS: dict[str, tuple[str, ...]] = {
    "renamed-field": ("validateOtp",),
    "provision-status-not-success": ("provisionTokenAndCreatePasskey",),
    "setup-instruction-id-not-string": ("setupAgenticPayment",),
    "fetch-accepts-invalid-input": ("fetchPaymentCredentials",),
}


# The schemathesis phase that finds each fault, so that a run proving it runs no other (the fuzzing phase finds
# all but these two, which only the coverage phase's boundary cases reach).
COVERAGE_FAULTS = frozenset({"missing-header-accepted", "no-405-for-other-methods"})


def operation_args(fault: str) -> list[str]:
    """`--operation` and `--phases` arguments for a contract run against `fault`."""
    phase = "coverage" if fault in COVERAGE_FAULTS else "fuzzing"
    operations = FAULT_OPERATIONS.get(fault, ("triggerOtp",))
    return [arg for operation in operations for arg in ("--operation", operation)] + ["--phases", phase]


# Faults only the sandbox profile's checks can see.
SANDBOX_FAULTS: dict[str, tuple[Callable[[ASGI], ASGI], str]] = {
    "valid-data-rejected-as-malformed": (rewrite(_juspay_error_for_valid), "positive_refusal_documented"),
    "counters-as-strings": (rewrite(_counters_as_strings), "response_schema_conformance"),
}


# Stand-ins that contradict one rule of the journey (contract/probe.py) or one x-inferred part, each caught only by
# its verdict: fault -> (middleware, the rule or inferred id the violation is named after, the operations of a run)
VERDICT_FAULTS: dict[str, tuple[Callable[[ASGI], ASGI], str, tuple[str, ...]]] = {
    "trigger-beyond-limit": (rewrite(_trigger_beyond_limit), "trigger-request-limit", ("triggerOtp",)),
    "session-never-locks": (rewrite(_never_locks), "validate-lockout", ("triggerOtp", "validateOtp")),
    "fetch-without-instruction": (rewrite(_fetch_without_instruction), "fetch-before-setup",
                                  ("fetchPaymentCredentials",)),
    "setup-on-unbound-token": (rewrite(_setup_unbound), "setup-before-binding", ("setupAgenticPayment",)),
    "setup-without-instruction-id": (rewrite(_setup_without_instruction_id), "setup-response-instruction-id",
                                     ("setupAgenticPayment",)),
}  # fmt: skip
COUNTERS_ABOVE_THE_PROBE = rewrite(_counters_above_the_probe)


def conformant(app: ASGI) -> ASGI:
    return app


def without_controls(app: ASGI) -> ASGI:
    """An integrator's own stand-in: the API alone, /__mock__/ answers 404 like any unknown path."""

    async def stand_in(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CONTROL_PREFIX):
            scope = {**scope, "path": "/not-here"}
        await app(scope, receive, send)

    return stand_in


@contextmanager
def serve(
    middleware: Callable[[ASGI], ASGI],
    seed: int = 5,
    controls: bool = True,
    credentials: tuple[str, str] = (API_KEY, MERCHANT),
) -> Iterator[str]:
    """Serve MockApp wrapped in `middleware` on a free loopback port, in a thread; yields the base URL.
    Without `controls` the /__mock__/ paths answer 404, as an integrator's own stand-in would."""
    app = middleware(MockApp(MockSettings(api_key=credentials[0], merchant_id=credentials[1], seed=seed)))
    with serve_app(app if controls else without_controls(app)) as url:
        yield url


@contextmanager
def serve_app(app: ASGI, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Any ASGI app under uvicorn on a free loopback port, in a thread; yields the base URL."""
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, lifespan=lifespan, log_level="critical", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.02)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
