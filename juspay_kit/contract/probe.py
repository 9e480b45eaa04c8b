"""A bounded probe of the journey's rules that any server can be held to, with no inbox and no test controls.

Fuzzing sends every case on a fresh session, so it never reaches a limit or an order rule; against the mock
the stateful suite does, but a stand-in or the sandbox has no inbox. This probe walks a few short sequences
and gives each rule a verdict: `confirmed` (refused as the spec infers), `contradicted` (accepted), or
`not_exercised` with the reason (the target did not let the sequence start, or the budget was spent).

    trigger-request-limit   one Trigger OTP more than maxOTPRequestsAllowed is refused       (1 + limit)
    validate-lockout        after maxOTPVerificationAllowed wrong codes the session is locked (2 + limit)
    fetch-before-setup      Fetch with no payment instruction is refused                     (1)
    setup-before-binding    Setup on a token that has not finished device binding is refused  (1)
                            (the token Provision answered, or one never provisioned when it answered none)

plus one Provision shared by the last two (their token): at most 13 requests with the default limits of 3, and a limit
above MAX_LIMIT is not probed. Requests count against the run's budget and keep its rate limit; they go
only to the run's own target, which `target()` has already vetted. The probe never resends a request.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from juspay_visa_agentic_client import guard

from juspay_kit import api
from juspay_kit.contract.rules import RULES, Rule
from juspay_kit.contract.settings import Profile, Settings
from juspay_kit.errors import TargetUnreachable
from juspay_kit.mock import drive
from juspay_kit.redact import Redactor

MAX_ANNOUNCED = 1_000_000  # a limit a target announces beyond this is not a sane count
MAX_LIMIT = 5  # a session limit above this is not probed (the probe would cost too many requests)
SAMPLE_LIMIT = 3  # the limit assumed when an answer does not carry it (Juspay's sample values)
WRONG_CODE = "000000"
STEP_UP = "cHJvYmU="  # base64 of "probe"


@dataclass
class Verdict:
    rule: Rule
    verdict: str  # confirmed | contradicted | not_exercised
    detail: str
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"statement": self.rule.statement, "verdict": self.verdict, "detail": self.detail,
                "inferred": self.rule.inferred, "requests": self.requests}  # fmt: skip


class _Stop(Exception):
    """The rule cannot be exercised further; the message says why."""


class Probe:
    def __init__(self, settings: Settings, base_url: str, redactor: Redactor, budget: int | None) -> None:
        self.settings, self.redactor, self.budget = settings, redactor, budget
        self.sent = 0
        self._last = 0.0
        self._ids = itertools.count(1)
        self._paths = {operation.operation_id: operation.path for operation in api.shared()}
        self._http = guard.guarded_client(
            settings.request_timeout, settings.max_answer_bytes, base_url=base_url,
            auth=httpx.BasicAuth(settings.api_key, ""), headers={"x-merchantid": settings.merchant_id},
            timeout=settings.request_timeout,
        )  # fmt: skip

    def close(self) -> None:
        self._http.close()

    def post(self, operation_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        if self.budget is not None and self.sent >= self.budget:
            raise _Stop("the request budget was spent before this step")
        if self.settings.rate_limit > 0:
            time.sleep(max(0.0, self._last + 1 / self.settings.rate_limit - time.monotonic()))
        self._last = time.monotonic()
        self.sent += 1
        try:
            answer = self._http.post(self._paths[operation_id], json=body)
        except guard.Breach as exc:  # a hostile target: the run ends here, before schemathesis's own requests
            raise TargetUnreachable(
                f"{self._http.base_url} broke the limit on its answer's {exc.limit} ({operation_id}): {exc}"
            ) from None
        except httpx.HTTPError as exc:
            raise _Stop(f"{operation_id} got no answer ({type(exc).__name__})") from None
        try:
            data: Any = answer.json()
        except ValueError:
            data = None
        self.redactor.learn(data)
        return answer.status_code, data

    def fresh(self, name: str) -> dict[str, str]:
        """Identifiers of a session nobody used: the sandbox's fixture token (a real test card) if given."""
        n = f"probe-{self.settings.seed}-{name}-{next(self._ids)}"
        fixture = self.settings.fixture_ids if self.settings.profile is Profile.SANDBOX else {}
        return {"tokenReference": fixture.get("tokenReference", n), "clientReferenceId": n,
                "vProvisionedTokenId": fixture.get("vProvisionedTokenId", n)}  # fmt: skip


def _refusal(operation_id: str, status: int, body: Any) -> str | None:
    """'STATUS CODE' when the answer refuses (a 4xx that does not say SUCCESS), else None."""
    operation = api.shared().operations[operation_id]
    if 400 <= status < 500 and not operation.is_success(body):
        code = api.shared().refusal_code(body)
        return f"{status} {code}" if code else str(status)
    return None


def _accepted(status: int) -> bool:
    """A 2xx: the target took the call (whatever its body says)."""
    return 200 <= status < 300


def _limit(body: Any, name: str) -> int:
    """The limit an answer announces (an integer, or a string of ASCII digits); SAMPLE_LIMIT when it announces
    none. A limit that is not a sane count (zero, negative, a fraction, "²", thousands of digits) stops the rule."""
    limits = body.get("response") if isinstance(body, dict) else None
    value = limits.get(name) if isinstance(limits, dict) else None
    if value is None:
        return SAMPLE_LIMIT
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ANNOUNCED:
        return value
    shown = value[:20] if isinstance(value, str) else type(value).__name__
    raise _Stop(f"the target announced {name} as {shown!r}, not a count the probe can follow")


def _start_session(probe: Probe, ids: dict[str, str]) -> Any:
    status, body = probe.post("triggerOtp", {**ids, "stepUpRequestId": STEP_UP})
    if not _accepted(status):
        raise _Stop(f"the first Trigger OTP of a fresh session was answered {status}: no session to probe")
    return body


def _request_limit(probe: Probe) -> tuple[str, str]:
    ids = probe.fresh("limit")
    limit = _limit(_start_session(probe, ids), "maxOTPRequestsAllowed")
    if limit > MAX_LIMIT:
        raise _Stop(f"maxOTPRequestsAllowed is {limit}, above the probe's {MAX_LIMIT}")
    for sent in range(2, limit + 2):
        status, body = probe.post("triggerOtp", {**ids, "stepUpRequestId": STEP_UP})
        refused = _refusal("triggerOtp", status, body)
        if sent <= limit and not _accepted(status):
            raise _Stop(f"Trigger OTP {sent} of {limit} allowed was answered {status}")
    if refused:
        return "confirmed", f"Trigger OTP {limit + 1} of {limit} allowed: {refused}"
    if _accepted(status):
        return "contradicted", f"Trigger OTP {limit + 1} of {limit} allowed was accepted ({status})"
    raise _Stop(f"Trigger OTP {limit + 1} of {limit} allowed was answered {status}")


def _lockout(probe: Probe) -> tuple[str, str]:
    ids = probe.fresh("lock")
    limit = _limit(_start_session(probe, ids), "maxOTPVerificationAllowed")
    if limit > MAX_LIMIT:
        raise _Stop(f"maxOTPVerificationAllowed is {limit}, above the probe's {MAX_LIMIT}")
    answers: list[str] = []
    for _ in range(limit + 1):
        status, body = probe.post("validateOtp", {**ids, "otpValue": WRONG_CODE, "networkType": "VISA"})
        if _accepted(status):
            return "contradicted", f"a wrong code was accepted ({status}) after {len(answers)} refusal(s)"
        refused = _refusal("validateOtp", status, body)
        if refused is None:
            raise _Stop(f"a wrong code was answered {status}")
        answers.append(refused)
    if answers[-1] != answers[0]:
        return "confirmed", f"wrong codes answered {answers[0]}, then {answers[-1]} after {limit}"
    return "contradicted", f"{limit + 1} wrong codes all answered {answers[0]}: the session never locked"


def _unbound_token(probe: Probe, memo: dict[str, Any]) -> str:
    """A token that has not finished binding: the one Provision answered (sent once for both rules), else
    (Provision not selected, or no vProvisionedTokenId in its answer: an inferred name) one never provisioned."""
    selected = not probe.settings.operations or "provisionTokenAndCreatePasskey" in probe.settings.operations
    return (_provisioned(probe, memo) if selected else None) or probe.fresh("token")["vProvisionedTokenId"]


def _provisioned(probe: Probe, memo: dict[str, Any]) -> str | None:
    if "token" not in memo:
        body = {"customerId": f"probe-{probe.settings.seed}", "sessionContext": {"secureToken": "probe"}}
        status, answer = probe.post("provisionTokenAndCreatePasskey", body)
        found = answer.get("vProvisionedTokenId") if isinstance(answer, dict) and 200 <= status < 300 else None
        memo["token"] = found if isinstance(found, str) else None
    token: str | None = memo["token"]
    return token


def _judge(operation_id: str, status: int, answer: Any, what: str) -> tuple[str, str]:
    """A call the rule says must be refused: confirmed when it was, contradicted when it was accepted."""
    refused = _refusal(operation_id, status, answer)
    if refused:
        return "confirmed", f"{what}: {refused}"
    if _accepted(status):
        return "contradicted", f"{what} was accepted ({status})"
    raise _Stop(f"{what} was answered {status}")


def _fetch_first(probe: Probe, memo: dict[str, Any]) -> tuple[str, str]:
    reference = probe.fresh("fetch")["clientReferenceId"]
    body = {"networkType": "VISA", "vProvisionedTokenId": _unbound_token(probe, memo), "clientReferenceId": reference,
            "nwTransactionId": reference, "transactionDetails": [drive.transaction(1.0)]}  # fmt: skip
    return _judge("fetchPaymentCredentials", *probe.post("fetchPaymentCredentials", body), "Fetch with no instruction")


def _setup_unbound(probe: Probe, memo: dict[str, Any]) -> tuple[str, str]:
    seed = probe.settings.seed
    body = drive.setup_body(_unbound_token(probe, memo), f"probe-{seed}-setup", f"probe-{seed}")
    return _judge("setupAgenticPayment", *probe.post("setupAgenticPayment", body), "Setup on an unbound token")


def run(settings: Settings, base_url: str, redactor: Redactor, budget: int | None) -> tuple[list[Verdict], int]:
    """Every rule's verdict, and the requests sent (at most `budget`, None: no budget)."""
    probe = Probe(settings, base_url, redactor, budget)
    memo: dict[str, Any] = {}
    steps: dict[str, Callable[[], tuple[str, str]]] = {
        "trigger-request-limit": lambda: _request_limit(probe),
        "validate-lockout": lambda: _lockout(probe),
        "fetch-before-setup": lambda: _fetch_first(probe, memo),
        "setup-before-binding": lambda: _setup_unbound(probe, memo),
    }
    verdicts = []
    try:
        for rule in RULES:
            before = probe.sent
            try:
                if settings.operations and not set(rule.operations) <= set(settings.operations):
                    raise _Stop("the run was limited to other operations (--operation)")
                verdict, detail = steps[rule.id]()
            except _Stop as stop:
                verdict, detail = "not_exercised", str(stop)
            verdicts.append(Verdict(rule, verdict, redactor.text(detail), probe.sent - before))
    finally:
        probe.close()
    return verdicts, probe.sent
