"""Run schemathesis over the vendored spec against one target and collect the outcome.

The engine is schemathesis's own (`schemathesis.engine`), fed a configuration built from `Settings`.
The harness adds what `st run` lacks for this API: the target allow-list, fresh OTP sessions for positive
cases (primed through the mock's test inbox), a request budget, outage detection, and verdicts on the
spec's inferred parts.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.generation import GenerationMode

from juspay_kit import spec
from juspay_kit.contract.checks import operation_id  # importing checks also registers them
from juspay_kit.contract.observe import Observations
from juspay_kit.contract.redact import Redactor
from juspay_kit.contract.settings import Profile, Settings
from juspay_kit.errors import BudgetExhausted, HarnessError, TargetUnreachable, UsageError
from juspay_kit.mock.process import running_mock

MAX_EXAMPLES_PER_CHECK = 5


@dataclass
class Violation:
    operation: str
    check: str
    title: str
    message: str
    reproduce: str
    status: int | None
    occurrences: int = 1
    field: str = ""  # JSON pointer of the offending part of the body, for schema violations


@dataclass
class RunResult:
    target: str
    profile: str
    seed: int
    mode: str
    max_examples: int
    cases: int = 0
    requests: int = 0
    duration_s: float = 0.0
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outage: str | None = None
    credentials: str = ""  # how the credentials were chosen when not given
    budget_exhausted: bool = False
    checks: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (operation, check) -> [passed, failed]
    observations: Observations = field(default_factory=Observations)

    @property
    def outcome(self) -> str:
        if self.violations:  # an outage after violations keeps them: the run was cut short
            return "violations_cut_short" if self.outage is not None else "violations"
        if self.outage is not None:
            return "target_unreachable"
        if self.errors:
            return "errors"
        return "passed"


class _Controller:
    """The active run's view of each request schemathesis is about to send."""

    def __init__(self, settings: Settings, base_url: str, redactor: Redactor) -> None:
        self.settings = settings
        self.base_url = base_url
        self.redactor = redactor
        self.sent = 0
        self.primed = 0
        self.priming_failures = 0
        self.exhausted = False
        self._http: httpx.Client | None = None

    def before_call(self, case: Any) -> None:
        if self.settings.budget and self.sent >= self.settings.budget:
            # Refuse every further request rather than stopping the engine: a stop would drop the
            # current scenario's recorded (and already checked) cases from the report.
            self.exhausted = True
            raise BudgetExhausted(f"request budget of {self.settings.budget} reached")
        self.sent += 1
        if self.settings.profile.primes:
            self._prime(case)

    def _prime(self, case: Any) -> None:
        """Give a positive case a fresh session; for Validate OTP, trigger it and take the code from the inbox."""
        meta = case.meta
        if meta is None or meta.generation.mode is not GenerationMode.POSITIVE or not isinstance(case.body, dict):
            return
        if "clientReferenceId" not in case.body:
            return
        self.primed += 1
        case.body["clientReferenceId"] = f"contract-{self.settings.seed}-{self.primed}"
        if operation_id(case) == "validateOtp":
            otp = self._issue_code(case.body)
            if otp is None:
                self.priming_failures += 1  # the case goes out unprimed and the checks judge the answer
            else:
                case.body["otpValue"] = otp

    def _issue_code(self, body: dict[str, Any]) -> str | None:
        http = self._client()
        ids = {name: body[name] for name in ("tokenReference", "vProvisionedTokenId", "clientReferenceId")}
        try:
            sent = http.post("/initiateVerification", json={**ids, "stepUpRequestId": "cHJpbWU="})
            if sent.status_code != 200:
                return None
            inbox = http.get("/__mock__/inbox", params={k: ids[k] for k in ("tokenReference", "clientReferenceId")})
            if inbox.status_code != 200:
                return None
            otp = str(inbox.json()["otpValue"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None
        self.redactor.add_otp(otp)
        return otp

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                auth=httpx.BasicAuth(self.settings.api_key, ""),
                headers={"x-merchantid": self.settings.merchant_id},
                timeout=self.settings.request_timeout,
                trust_env=False,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


_ACTIVE: list[_Controller] = []


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Global hook (schemathesis dispatches before_call globally only); acts for the active run alone."""
    if _ACTIVE:
        _ACTIVE[-1].before_call(case)


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
def active(settings: Settings, base_url: str, redactor: Redactor) -> Iterator[_Controller]:
    """Make this run's controller the one the global before_call hook serves; no environment proxy meanwhile."""
    controller = _Controller(settings, base_url, redactor)
    _ACTIVE.append(controller)
    try:
        with without_proxy_variables():
            yield controller
    finally:
        _ACTIVE.remove(controller)
        controller.close()


def schemathesis_config(settings: Settings) -> dict[str, Any]:
    """The schemathesis configuration for a run, in the shape of schemathesis.toml."""
    sandbox = settings.profile is Profile.SANDBOX
    refusals = settings.profile.allows_refusals
    checks_config: dict[str, Any] = {
        # Positive data must be accepted; without priming also a documented business refusal (checked by
        # positive_refusal_documented). Never 401: "everything was 401 and the run passed" is a failure.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "403", "409", "429"] if refusals else ["2xx"]},
        "positive_refusal_documented": {"enabled": refusals},
    }
    if not sandbox:
        checks_config["negative_data_rejection"] = {"expected-statuses": ["400", "401"]}
    config: dict[str, Any] = {
        "seed": settings.seed,
        "continue-on-failure": True,
        "request-timeout": settings.request_timeout,
        "request-retries": 0,  # never resend: a retried Trigger OTP is another SMS
        "generation": {
            "mode": settings.mode,
            "max-examples": settings.max_examples,
            "database": "none",
            "allow-x00": False,
            "no-shrink": sandbox,  # shrinking replays requests
        },
        "parameters": {"header.x-merchantid": settings.merchant_id},
        "checks": checks_config,
        "phases": {"stateful": {"enabled": False}},
        "output": {
            "sanitization": {
                # Replaces schemathesis's defaults, whose "token" marker would hide tokenReference and
                # vProvisionedTokenId, the identifiers a reproduction needs.
                "keys-to-sanitize": ["authorization", "proxy-authorization", "cookie", "set-cookie", "otpvalue"],
                "sensitive-markers": [
                    "authorization",
                    "password",
                    "passwd",
                    "secret",
                    "credential",
                    "api-key",
                    "apikey",
                ],
            }
        },
    }
    if settings.rate_limit >= 1:  # per-second buckets: a per-minute one would allow a minute's burst at once
        config["rate-limit"] = f"{int(settings.rate_limit)}/s"
    elif settings.rate_limit > 0:
        config["rate-limit"] = f"{max(1, round(settings.rate_limit * 60))}/m"
    return config


def preflight(base_url: str, timeout: float = 5.0) -> None:
    """TCP connect only (no HTTP request): TargetUnreachable when nothing answers."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        raise TargetUnreachable(f"{base_url} is unreachable ({exc.strerror or exc}); no contract was checked") from None


def reset_mock_controls(settings: Settings, base_url: str) -> bool:
    """Whether the loopback server has the mock's /__mock__/ controls; if so, its state is reset."""
    try:
        answer = httpx.get(f"{base_url}/__mock__/health", timeout=settings.request_timeout, trust_env=False)
        ok = answer.status_code == 200 and answer.json().get("status") == "ok"
        if ok:
            httpx.post(f"{base_url}/__mock__/reset", timeout=settings.request_timeout, trust_env=False)
    except (httpx.HTTPError, ValueError, AttributeError):
        ok = False
    return bool(ok)


@contextmanager
def target(settings: Settings) -> Iterator[tuple[str, Settings]]:
    """The base URL to test and the settings for it: a loopback target without --profile gets the mock
    profile when it has the /__mock__/ controls and the stand-in profile when it has not."""
    if settings.base_url is None:
        with running_mock(settings.api_key, settings.merchant_id, ["--seed", str(settings.seed)]) as mock:
            yield mock.url, settings
        return
    base_url = settings.base_url
    preflight(base_url)
    if settings.detect_profile or settings.profile is Profile.MOCK:
        controls = reset_mock_controls(settings, base_url)
        if settings.detect_profile:
            settings = replace(settings, profile=Profile.MOCK if controls else Profile.STANDIN)
        elif not controls:
            raise UsageError(
                f"{base_url} has no /__mock__/ test controls, so positive cases cannot get fresh OTP "
                "sessions; leave --profile out (or use --profile standin) to test your own stand-in"
            )
    yield base_url, settings


def run(
    settings: Settings,
    redactor: Redactor,
    progress: Callable[[str], None] = print,
    phases: dict[str, Any] | None = None,
    announce: Callable[[Settings], None] | None = None,
) -> RunResult:
    """Run the contract check; raises HarnessError for configuration problems and an unreachable target.

    `phases` adds schemathesis phase settings (the benchmark turns off response-driven generation so that
    two targets get the same cases)."""
    redactor.add_api_key(settings.api_key)
    result = RunResult(
        target=settings.describe_target(),
        profile=settings.profile.value,
        seed=settings.seed,
        mode=settings.mode,
        max_examples=settings.max_examples,
        credentials=settings.credentials_note,
    )
    started = time.monotonic()
    with target(settings) as (base_url, settings):
        result.profile = settings.profile.value
        if announce is not None:
            announce(settings)
        if settings.base_url is None:
            result.target = f"embedded mock ({base_url})"
        raw = schemathesis_config(settings)
        raw["phases"].update(phases or {})
        config = SchemathesisConfig.from_dict(raw)
        schema = schemathesis.openapi.from_dict(spec.load(), config=config)  # parsed once per process
        schema.config.update(base_url=base_url, basic_auth=(settings.api_key, ""))
        with active(settings, base_url, redactor) as controller:
            for event in from_schema(schema).execute():
                _handle(event, result, redactor, progress)
        result.budget_exhausted = controller.exhausted
        result.requests = max(result.requests, controller.sent)
        if controller.priming_failures:
            progress(f"  note: {controller.priming_failures} Validate OTP case(s) could not be primed through the mock")
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _handle(event: events.EngineEvent, result: RunResult, redactor: Redactor, progress: Callable[[str], None]) -> None:
    if isinstance(event, events.ScenarioFinished):
        before = len(result.violations)
        cases = _collect(event.recorder, result, redactor)
        found = len(result.violations) - before
        progress(f"  {event.phase.value:<9} {event.recorder.label:<28} {cases:>5} cases  {found} new violation(s)")
    elif isinstance(event, events.NonFatalError):
        if _caused_by(event.value, BudgetExhausted):
            return  # the budget stops the run on purpose; RunResult.budget_exhausted says so
        if _is_network(event.value):
            result.outage = redactor.text(f"{event.label}: {type(event.value).__name__}: {event.value}")[:300]
        else:
            result.errors.append(redactor.text(f"{event.label}: {event.info.title}: {event.value}")[:500])
    elif isinstance(event, events.FatalError):
        raise HarnessError(redactor.text(f"schemathesis could not run: {event.exception}")[:500])
    elif isinstance(event, events.EngineFinished) and event.stop_reason is StopReason.SERVER_UNAVAILABLE:
        result.outage = result.outage or "the target stopped responding"


def _applies(check: str, case: Any, status: int | None) -> bool:
    """Whether a check that passed had anything to judge in this case: schemathesis records a pass for every
    check it ran, even those that return early because the case is not theirs (a negative case for
    positive_data_acceptance). Counting those would show "290/290" for a check that judged nothing."""
    mode = case.meta.generation.mode if case.meta is not None else None
    if check == "positive_data_acceptance":
        return mode is GenerationMode.POSITIVE
    if check == "negative_data_rejection":
        return mode is GenerationMode.NEGATIVE
    return True


def _caused_by(value: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = value
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _is_network(value: BaseException) -> bool:
    cause: BaseException | None = value
    while cause is not None:
        if isinstance(cause, requests.RequestException | ConnectionError | TimeoutError):
            return True
        cause = cause.__cause__
    return False


def _collect(recorder: Any, result: RunResult, redactor: Redactor) -> int:
    # Generated cases only: checks such as ignored_auth record extra child cases for their probes.
    generated = sum(1 for node in recorder.cases.values() if node.parent_id is None)
    result.cases += generated
    result.requests += len(recorder.interactions)
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        case = node.value
        headers = {str(k).lower(): v for k, v in (case.headers or {}).items()}
        merchant = headers.get("x-merchantid")
        result.observations.record(
            operation_id(case),
            interaction.response.status_code,
            _json(interaction.response.content),
            _negative_body(case),
            merchant_header=merchant if isinstance(merchant, str) else None,
            request_body=case.body if isinstance(case.body, dict) else None,
        )
    seen = {(v.operation, v.check, v.title, v.message): v for v in result.violations}
    per_check = Counter((v.operation, v.check) for v in result.violations)
    for case_id, nodes in recorder.checks.items():
        operation = operation_id(recorder.cases[case_id].value)
        case = recorder.cases[case_id].value
        interaction = recorder.interactions.get(case_id)
        status = interaction.response.status_code if interaction and interaction.response else None
        for node in nodes:
            if node.failure_info is None and not _applies(node.name, case, status):
                continue  # a check that had nothing to say about this case is not a pass
            tally = result.checks.setdefault((operation, node.name), [0, 0])
            if node.failure_info is None:
                tally[0] += 1
                continue
            tally[1] += 1
            failure = node.failure_info.failure
            message = redactor.text(str(failure.message))[:800]
            title = redactor.text(str(failure.title))
            path = getattr(failure, "instance_path", None)
            field = "/" + "/".join(str(p) for p in path) if path is not None else ""
            key = (operation, node.name, title, message)
            if key in seen:
                seen[key].occurrences += 1
                continue
            per_check[(operation, node.name)] += 1
            if per_check[(operation, node.name)] > MAX_EXAMPLES_PER_CHECK:
                continue
            failed = recorder.interactions.get(failure.case_id or case_id)
            failed_status = failed.response.status_code if failed and failed.response else None
            reproduce = curl(failed.request, redactor) if failed else ""
            seen[key] = Violation(operation, node.name, title, message, reproduce, failed_status, field=field)
            result.violations.append(seen[key])
    return generated


def _negative_body(case: Any) -> bool:
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.NEGATIVE:
        return False
    for location, info in meta.components.items():
        if str(getattr(location, "value", location)) == "body" and info.mode is GenerationMode.NEGATIVE:
            return True
    return False


def _json(content: bytes | None) -> Any:
    try:
        return json.loads(content or b"")
    except ValueError:
        return None


def curl(request: Any, redactor: Redactor) -> str:
    """A replayable curl command: the API key comes from $JUSPAY_API_KEY, OTP values are masked."""
    parts = ["curl", "-X", request.method]
    expected = {f"basic {c}" for c in redactor.basic_credentials}
    for name, values in request.headers.items():
        lowered = name.lower()
        if lowered in (
            "user-agent",
            "accept-encoding",
            "accept",
            "connection",
            "content-length",
            "x-schemathesis-testcaseid",
        ):
            continue
        for value in values:
            if lowered == "authorization":
                if value.lower() in expected:
                    parts += ["-u", '"$JUSPAY_API_KEY:"']
                    continue
                value = "[masked]"
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.body:
        parts += ["--data-binary", shlex.quote(redactor.json_body(request.body))]
    parts.append(shlex.quote(request.uri))
    return redactor.text(" ".join(parts))
