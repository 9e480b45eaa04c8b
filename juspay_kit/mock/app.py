"""The mock's ASGI application: request checks driven by the vendored spec, then the OTP session rules.

A plain ASGI callable rather than a framework: the mock serves every operation of the spec and a small
control surface, and owning the body reading is what lets it cap size, depth and read time and answer every malformed
request with a documented 400 instead of a framework's own error page.

Request checks run in this order, each answered with the spec's `JuspayError` body:
405 (known path, method not POST) · 404 (unknown path) · 401 (Basic credentials) · 400 (missing or empty
`x-merchantid`) · 401 (merchant not the configured one) · 400 (content type, size, read timeout, UTF-8,
JSON, depth, not an object, request schema). Then the operation's rules of the journey (`@rule`: the OTP
sessions of `sessions.py`, the cards and instructions of `journey.py`) decide; an operation without rules
is answered with its spec's success example (`rules.py`). Framing the
HTTP parser cannot read, and heads that are too large or too slow, are answered in the same JSON shape by
`protocol.py` before this application sees them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from juspay_kit import api, schema, spec
from juspay_kit.mock.answers import RequestError, juspay_error, reject_constant, respond, respond_raw
from juspay_kit.mock.callers import host_refusal
from juspay_kit.mock.controls import control
from juspay_kit.mock.double import Fault
from juspay_kit.mock.journal import Call as _Call
from juspay_kit.mock.journal import Journal
from juspay_kit.mock.journey import Card, Journey
from juspay_kit.mock.matching import Faults
from juspay_kit.mock.rules import RULES, rule, spec_answer
from juspay_kit.mock.sessions import MESSAGES, Limits, Outcome, SessionStore
from juspay_kit.wire import (
    BodyTimeout,
    BodyTooLarge,
    ClientGone,
    Receive,
    Scope,
    Send,
    basic_credential,
    decode_credential,
    lifespan,
    read_body,
)

CONTROL_PREFIX = "/__mock__/"
DEFAULT_API_KEY = "mock_api_key"
DEFAULT_MERCHANT_ID = "mock_merchant"


@dataclass(frozen=True)
class MockSettings:
    api_key: str = DEFAULT_API_KEY
    merchant_id: str = DEFAULT_MERCHANT_ID
    seed: int | None = None
    limits: Limits = field(default_factory=Limits)
    max_body_bytes: int = 64 * 1024
    max_depth: int = 32
    body_timeout_seconds: float = 10.0
    controls: bool = True  # serve the /__mock__/ test controls (off: those paths are unknown, 404)
    allowed_hosts: tuple[str, ...] = ()  # Host names beyond loopback and the bound address ("*": any); callers.py

    def __repr__(self) -> str:  # the API key stays out of logs and tracebacks
        return f"MockSettings(merchant_id={self.merchant_id!r}, seed={self.seed!r}, limits={self.limits!r})"


def _depth(value: Any, limit: int, level: int = 1) -> bool:
    """True when `value` nests deeper than `limit` containers."""
    if level > limit:
        return True
    if isinstance(value, dict):
        return any(_depth(v, limit, level + 1) for v in value.values() if isinstance(v, dict | list))
    if isinstance(value, list):
        return any(_depth(v, limit, level + 1) for v in value if isinstance(v, dict | list))
    return False


@dataclass
class Operation:
    operation_id: str
    validator: Any  # jsonschema_rs validator compiled once from the spec's request schema
    facts: api.Operation
    answer: bytes | None = None  # without rules: the spec's success example (rules.py)


def load_operations() -> dict[str, Operation]:
    validators = schema.shared()  # request validators compiled once per process, shared with the proxy
    document = spec.load()
    found = {}
    for facts in api.shared():
        assert facts.method == "POST", "the mock serves POST operations only"
        answer = None if facts.operation_id in RULES else spec_answer(document, facts)
        found[facts.path] = Operation(
            facts.operation_id, validators.request_validator(facts.operation_id), facts, answer
        )
    return found


class MockApp:
    """ASGI application. One instance per server; state lives in `self.store`."""

    def __init__(self, settings: MockSettings | None = None, on_startup: Callable[[], None] | None = None) -> None:
        self.settings = settings or MockSettings()
        self.store = SessionStore(limits=self.settings.limits, seed=self.settings.seed)
        self.journey = Journey(self.settings.limits, self.store.clock, self.store.fresh_rng())
        self.operations = load_operations()
        self.operations_by_id = {operation.operation_id for operation in self.operations.values()}
        self.faults = Faults()
        self.journal = Journal(self.settings.api_key)
        # bumped when an API call arrives and when it leaves, and after every control but a GET: nothing the
        # inbox page shows changes without a bump, so the page's ETag is this counter (feed.py)
        self.changes = 0
        self._on_startup = on_startup
        self._credentials = f"{self.settings.api_key}:".encode()
        self._merchant = self.settings.merchant_id.encode("latin-1", "replace")
        self.set_limits(self.settings.limits)
        self._bound_body = json.dumps({"status": "SUCCESS", "responseCode": None, "responseMessage": None}).encode()

    @property
    def merchant_id(self) -> str:
        return self.settings.merchant_id

    def set_limits(self, limits: Limits) -> None:
        """The OTP limits from now on (a test's `config`, or the start-up ones again on reset)."""
        self.store.limits = self.journey.limits = limits
        self._sent_body = json.dumps(
            {
                "errorMessage": None,
                "status": "SUCCESS",
                "errorCode": None,
                "response": {
                    "maxOTPVerificationAllowed": limits.max_verifications,
                    "maxOTPRequestsAllowed": limits.max_requests,
                    "codeExpiration": limits.code_expiration_minutes,
                },
            }
        ).encode()

    def reset(self) -> None:
        """Forget every session, code, clock move, fault, journal entry and limit change."""
        self.store.reset()
        self.journey.reset(self.store.fresh_rng())
        self.faults.clear()
        self.journal.clear()
        self.set_limits(self.settings.limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        refused = host_refusal(scope, self.settings.allowed_hosts)  # DNS rebinding: the whole mock, not journalled
        if refused is not None:
            await respond(send, refused.status, juspay_error(refused.status, refused.code, refused.message, "Host"))
            return
        if path.startswith(CONTROL_PREFIX) and self.settings.controls:
            try:
                await control(self, scope, receive, send)
            finally:
                self.changes += scope["method"] != "GET"
            return
        self.changes += 1
        operation = self.operations.get(path)
        call = _Call(send, self.journal, self.journal.arrive(operation.operation_id if operation else None, scope))
        try:
            await self._api(scope, receive, call)
        finally:
            self.changes += 1
            call.leave()  # the answer joins the entry journalled on arrival (not after a reset: journal.py)

    async def _api(self, scope: Scope, receive: Receive, call: _Call) -> None:
        path: str = scope["path"]
        try:
            operation = self.operations.get(path)
            if operation is None:
                raise RequestError(404, "RESOURCE_NOT_FOUND", f"No such endpoint: {path[:100]}")
            if scope["method"] != "POST":
                await respond(call.send, 405, juspay_error(405, "INVALID_ACTION", "Use POST."), allow=b"POST")
                return
            headers: dict[bytes, bytes] = {}
            for name, value in scope["headers"]:
                headers.setdefault(name, value)  # first occurrence wins; names arrive lower-cased
            if not self._authorized(headers.get(b"authorization", b"")):
                raise RequestError(401, "UNAUTHORIZED", "Invalid API Key. Please pass a valid and active api key.")
            await call.read(self.read_body, headers, receive)  # journalled now, matched by faults; errors kept
            self.changes += 1
            fault = self.faults.take(operation.operation_id, call.parsed)
            call.fault = fault.id if fault is not None else None
            if fault is not None and await self._play(fault, scope, receive, call):
                return
            payload = await self._checked_payload(headers, receive, operation, call)
            status, raw = self._decide(operation, payload)
            await respond_raw(call.send, status, raw)
        except RequestError as exc:
            await respond(call.send, exc.status, juspay_error(exc.status, exc.code, exc.message, exc.field))

    async def _play(self, fault: Fault, scope: Scope, receive: Receive, call: _Call) -> bool:
        """Play a fault; True when it answered (or dropped the connection), False when the normal answer follows
        (a delay alone). The OTP sessions are not touched; the body was read (and journalled) on arrival."""
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            drop = scope.get("extensions", {}).get("juspay.drop")
            if drop is None:  # a server without the guarded protocol cannot drop: say so in a 502
                await respond(call.send, 502, juspay_error(502, "FAULT_NOT_PLAYABLE", "This server cannot drop."))
                return True
            drop()
            call.status = None
            while (await receive())["type"] != "http.disconnect":
                pass
            return True
        if fault.status is None:
            return False
        body = fault.payload()
        head = [(b"content-type", fault.content_type.encode()), (b"content-length", str(len(body)).encode())]
        await call.send({"type": "http.response.start", "status": fault.status, "headers": head})
        await call.send({"type": "http.response.body", "body": body})
        return True

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await lifespan(receive, send, self._on_startup)

    # ---- request checks -------------------------------------------------------------------------------

    async def _checked_payload(
        self, headers: dict[bytes, bytes], receive: Receive, operation: Operation, call: _Call
    ) -> dict[str, Any]:
        merchant = headers.get(b"x-merchantid")
        if merchant is None:
            raise RequestError(
                400, "MISSING_MANDATORY_PARAMETER", "Missing mandatory header: x-merchantid", "x-merchantid"
            )
        if not merchant:  # the spec's minLength: 1
            raise RequestError(400, "INVALID_INPUT", "Header x-merchantid must not be empty.", "x-merchantid")
        if merchant != self._merchant:
            raise RequestError(401, "UNAUTHORIZED", "Invalid merchant ID.", "x-merchantid")
        _check_content_type(headers.get(b"content-type"))
        raw = call.raw()  # read on arrival (`_api`); a read error is answered here, in the checks' order
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(400, "INVALID_INPUT", "Request body is not valid UTF-8.") from None
        try:
            payload = json.loads(text, parse_constant=reject_constant)
        except RecursionError:
            raise RequestError(400, "INVALID_INPUT", "Request body is nested too deeply.") from None
        except ValueError:
            raise RequestError(400, "INVALID_INPUT", "Request body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise RequestError(400, "INVALID_INPUT", "Request body must be a JSON object.")
        if _depth(payload, self.settings.max_depth):
            raise RequestError(
                400, "INVALID_INPUT", f"Request body nests deeper than {self.settings.max_depth} levels."
            )
        problem = next(schema.problems(operation.validator, payload), None)  # a value no validator takes first
        if problem is not None:
            raise _schema_error(problem)
        return payload

    def _authorized(self, value: bytes) -> bool:
        """Basic credentials of the configured key and an empty password; constant-time comparison."""
        credential = basic_credential(value.decode("latin-1"))
        decoded = decode_credential(credential) if credential is not None else None
        return decoded is not None and hmac.compare_digest(decoded, self._credentials)

    async def read_body(self, headers: dict[bytes, bytes], receive: Receive) -> bytes:
        limit = self.settings.max_body_bytes
        try:
            raw = await read_body(receive, limit, self.settings.body_timeout_seconds, headers.get(b"content-length"))
        except BodyTooLarge:
            raise RequestError(400, "INVALID_INPUT", f"Request body is larger than {limit} bytes.") from None
        except ClientGone:
            raise RequestError(400, "INVALID_INPUT", "Client disconnected before sending the body.") from None
        except BodyTimeout:
            raise RequestError(400, "INVALID_INPUT", "Request body was not received in time.") from None
        if not raw:
            raise RequestError(400, "MISSING_MANDATORY_PARAMETER", "Request body is missing.")
        return raw

    # ---- session rules --------------------------------------------------------------------------------

    def _decide(self, operation: Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        if operation.answer is not None:  # no rules of the journey: the spec's success example
            return 200, operation.answer
        status, raw = getattr(self, RULES[operation.operation_id])(operation.facts, payload)
        return int(status), raw

    @rule("triggerOtp")
    def _trigger(self, facts: api.Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        gate = self.journey.otp_gate(payload["tokenReference"], payload["vProvisionedTokenId"])
        if gate is not None:
            return gate.status, _refusal(facts, gate, response=None)
        key = (self.settings.merchant_id, payload["tokenReference"], payload["clientReferenceId"])
        outcome = self.store.trigger(key, payload["vProvisionedTokenId"])
        if outcome is Outcome.SENT:
            return 200, self._sent_body
        return outcome.status, _refusal(facts, outcome, response=None)

    @rule("validateOtp")
    def _validate(self, facts: api.Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        gate = self.journey.otp_gate(payload["tokenReference"], payload["vProvisionedTokenId"])
        if gate is not None:
            return gate.status, _refusal(facts, gate)
        key = (self.settings.merchant_id, payload["tokenReference"], payload["clientReferenceId"])
        outcome = self.store.validate(key, payload["vProvisionedTokenId"], payload["otpValue"])
        if outcome is Outcome.BOUND:
            self.journey.bound(payload["tokenReference"])
            return 200, self._bound_body
        return outcome.status, _refusal(facts, outcome)

    @rule("provisionTokenAndCreatePasskey")
    def _provision(self, facts: api.Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        reference = payload.get("clientReferenceId")
        card = self.journey.provision(payload["customerId"], reference if isinstance(reference, str) else None)
        if not isinstance(card, Card):
            return card.status, _refusal(facts, card)
        return 200, json.dumps({"status": "SUCCESS", **card.identifiers()}).encode()

    @rule("setupAgenticPayment")
    def _setup(self, facts: api.Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        instruction = self.journey.setup(
            payload["vProvisionedTokenId"], payload["clientReferenceId"], payload["customerId"],
            payload.get("transactionAmount"),
        )  # fmt: skip
        if isinstance(instruction, Outcome):
            return instruction.status, _refusal(facts, instruction)
        return 200, json.dumps({"status": "SUCCESS", "instructionId": instruction.instruction_id}).encode()

    @rule("fetchPaymentCredentials")
    def _fetch(self, facts: api.Operation, payload: dict[str, Any]) -> tuple[int, bytes]:
        found = self.journey.fetch(
            payload["vProvisionedTokenId"], payload["clientReferenceId"], payload["transactionDetails"]
        )
        if isinstance(found, Outcome):
            return found.status, _refusal(facts, found)
        return 200, json.dumps({"status": "SUCCESS", **found}).encode()


def _refusal(operation: api.Operation, outcome: Outcome, **extra: Any) -> bytes:
    """The operation's own refusal envelope for a session outcome, with its code and message fields."""
    refusal = operation.refusal
    body = {"status": "FAILURE", refusal.code_field: outcome.code, refusal.message_field: MESSAGES[outcome], **extra}
    return json.dumps(body).encode()


def _check_content_type(value: bytes | None) -> None:
    if value is None:
        raise RequestError(400, "INVALID_INPUT", "Content-Type must be application/json.", "Content-Type")
    media, _, params = value.decode("latin-1").partition(";")
    if media.strip().lower() != "application/json":
        raise RequestError(400, "INVALID_INPUT", "Content-Type must be application/json.", "Content-Type")
    for param in params.split(";"):
        name, _, charset = param.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestError(400, "INVALID_INPUT", "Only the UTF-8 charset is accepted.", "Content-Type")


def _schema_error(problem: schema.Problem) -> RequestError:
    if problem.rule == schema.UNREPRESENTABLE:  # a lone surrogate, a number not finite or beyond the float range
        return RequestError(400, "INVALID_INPUT", f"{problem.pointer} holds {problem.detail}.", problem.pointer)
    if problem.missing is not None:
        return RequestError(
            400, "MISSING_MANDATORY_PARAMETER", f"Missing mandatory field: {problem.missing}", problem.missing
        )
    if problem.unexpected:
        names = ", ".join(sorted(problem.unexpected))[:200]
        return RequestError(400, "INVALID_INPUT", f"Unknown field(s): {names}", names)
    # Name the rule, never echo the value: it may be an OTP.
    field_name = "/".join(problem.parts) or "body"
    return RequestError(400, "INVALID_INPUT", f"Invalid value for {field_name} (violates {problem.rule})", field_name)
