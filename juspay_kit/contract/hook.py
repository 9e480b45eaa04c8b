"""The run's view of each request schemathesis sends: budget, fresh OTP sessions, no environment proxy.

schemathesis 4.32.5 dispatches `before_call` globally only, so this module holds the one hook and the
state it serves. The state is the stack of active runs (`active()`), not a ContextVar: schemathesis sends
from worker threads it starts itself (`threading.Thread`), and on Python 3.11 a new thread begins with an
empty context, so a ContextVar set by the run would be invisible in the hook. `active()` pushes the run's
controller and always pops it; the hook serves the innermost run.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import requests
import schemathesis
import urllib3
from juspay_visa_agentic_client import guard
from schemathesis.generation import GenerationMode

from juspay_kit import api
from juspay_kit.contract.checks import operation_id  # importing checks also registers them
from juspay_kit.contract.settings import Settings
from juspay_kit.errors import BudgetExhausted, HarnessError
from juspay_kit.mock import drive
from juspay_kit.redact import Redactor

MAX_CARDS = 10_000


class AnswerBreach(requests.exceptions.ConnectionError):
    """An answer broke its limits (deadline, size, JSON depth): the run reports the target as unreachable."""


def read_within(budget: guard.Budget, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """A requests `response` hook: read the streamed body within `budget` (the guard every reader shares), so a
    dripping, endless or deeply nested answer ends the run's wait instead of hanging it or exhausting memory."""
    try:
        guard.refuse_encoded(response.headers.get("content-encoding"))  # a 2 KB stacked gzip answer is a gigabyte
        while True:
            budget.left()
            piece = response.raw.read1(65536, decode_content=False)
            if not piece:
                break
            budget.take(piece)
        content = budget.body()
    except guard.Breach as exc:
        response.close()
        raise AnswerBreach(f"{response.url} broke the limit on its answer's {exc.limit}: {exc}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        response.close()
        raise requests.exceptions.ConnectionError(
            f"{response.url}: the answer broke off ({type(exc).__name__})"
        ) from None
    response._content = content  # what requests' own `.content` would have read
    response._content_consumed = True
    return response


class Controller:
    """The active run's view of each request schemathesis is about to send."""

    def __init__(self, settings: Settings, base_url: str, redactor: Redactor) -> None:
        self.settings = settings
        self.base_url = base_url
        self.redactor = redactor
        self.sent = 0
        self.primed = 0
        self.priming_failures = 0
        self.exhausted = False
        self.last_activity = time.monotonic()  # a request starting or ending (the runner's stall watch reads it)
        self._http: httpx.Client | None = None
        self.cards: dict[str, str] = {}  # tokenReference -> vProvisionedTokenId of the cards Provision answered

    def after_call(self, case: Any, response: Any) -> None:
        self.last_activity = time.monotonic()
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError, TypeError):
            return  # not JSON: nothing was sent in a field named for a secret
        self.redactor.learn(body)
        if isinstance(body, dict):  # an answer that provisioned a card (Provision's) names both its ids
            reference, token_id = body.get("tokenReference"), body.get("vProvisionedTokenId")
            if isinstance(reference, str) and isinstance(token_id, str) and len(self.cards) < MAX_CARDS:
                self.cards[reference] = token_id

    def before_call(self, case: Any, kwargs: dict[str, Any]) -> None:
        self.last_activity = time.monotonic()
        budget = guard.Budget(self.settings.request_timeout, self.settings.max_answer_bytes)
        kwargs["hooks"] = {"response": [functools.partial(read_within, budget)]}
        if self.settings.budget and self.sent >= self.settings.budget:
            # Refuse every further request rather than stopping the engine: a stop would drop the
            # current scenario's recorded (and already checked) cases from the report.
            self.exhausted = True
            raise BudgetExhausted(f"request budget of {self.settings.budget} reached")
        self.sent += 1
        if self.settings.profile.primes:
            self._prime(case)

    def _prime(self, case: Any) -> None:
        """Give a positive case a fresh session, and what its operation's x-juspay-requires names: an OTP issued
        (Validate OTP: trigger it and take the code from the inbox), a bound card (Setup), or a bound card with a
        payment instruction for the case's session (Fetch)."""
        meta = case.meta
        if meta is None or meta.generation.mode is not GenerationMode.POSITIVE or not isinstance(case.body, dict):
            return
        if "clientReferenceId" not in case.body:
            return
        self.primed += 1
        case.body["clientReferenceId"] = f"contract-{self.settings.seed}-{self.primed}"
        facts = api.shared().get(operation_id(case))
        requires = facts.requires if facts is not None else None
        reference = case.body.get("tokenReference")
        if isinstance(reference, str) and reference in self.cards:
            # schemathesis reuses values from earlier answers: a provisioned token keeps its own token id
            case.body["vProvisionedTokenId"] = self.cards[reference]
        if requires == "otp":
            otp = self._issue_code(case.body)
            if otp is None:
                self.priming_failures += 1  # the case goes out unprimed and the checks judge the answer
            else:
                case.body["otpValue"] = otp
        elif requires in ("bound-card", "instruction"):
            given = case.body.get("customerId")
            customer = given if isinstance(given, str) else "contract-customer"
            token_id = self._bound_card(customer)
            if token_id is not None and requires == "instruction":
                token_id = self._instruction(token_id, customer, case.body["clientReferenceId"])
            if token_id is None:
                self.priming_failures += 1
            else:
                case.body["vProvisionedTokenId"] = token_id

    def _bound_card(self, customer: str) -> str | None:
        """A card provisioned and bound through the mock: its vProvisionedTokenId, or None."""
        try:
            card = drive.provision(self._client(), customer)
            self.redactor.add_secret(drive.bind(self._client(), card))
        except HarnessError:
            return None
        return card["vProvisionedTokenId"]

    def _instruction(self, token_id: str, customer: str, reference: str) -> str | None:
        """A payment instruction without a limit for the token and the case's session: the token, or None."""
        try:
            drive.set_up(self._client(), token_id, reference, customer)
        except HarnessError:
            return None
        return token_id

    def _issue_code(self, body: dict[str, Any]) -> str | None:
        """Trigger an OTP for the body's session and read it from the inbox."""
        try:
            otp = drive.issue_code(self._client(), {**body, "stepUpRequestId": "cHJpbWU="})
        except HarnessError:
            return None
        self.redactor.add_secret(otp)
        return otp

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = guard.guarded_client(
                self.settings.request_timeout,
                self.settings.max_answer_bytes,
                base_url=self.base_url,
                auth=httpx.BasicAuth(self.settings.api_key, ""),
                headers={"x-merchantid": self.settings.merchant_id},
                timeout=self.settings.request_timeout,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


_ACTIVE: list[Controller] = []
_LOCK = threading.Lock()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Global hook (schemathesis dispatches before_call globally only); acts for the active run alone."""
    with _LOCK:
        controller = _ACTIVE[-1] if _ACTIVE else None
    if controller is not None:
        controller.before_call(case, kwargs)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Global hook: every payment credential an answer carries (Fetch's token number and cryptogram) is learned
    before any check or report can show it."""
    with _LOCK:
        controller = _ACTIVE[-1] if _ACTIVE else None
    if controller is not None:
        controller.after_call(case, response)


PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy"}  # any case


@contextmanager
def without_proxy_variables() -> Iterator[None]:
    """No environment proxy for the duration of a run. requests (under schemathesis, including the probes its
    checks send on their own sessions) reads HTTP(S)_PROXY/ALL_PROXY on every call; the run's traffic and
    its Authorization header must never pass through a proxy, so the variables are set aside and restored."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.lower() in PROXY_VARIABLES}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextmanager
def active(settings: Settings, base_url: str, redactor: Redactor) -> Iterator[Controller]:
    """Make this run's controller the one the global before_call hook serves; no environment proxy meanwhile."""
    controller = Controller(settings, base_url, redactor)
    with _LOCK:
        _ACTIVE.append(controller)
    try:
        with without_proxy_variables():
            yield controller
    finally:
        with _LOCK:
            _ACTIVE.remove(controller)
        controller.close()
