"""Run schemathesis over the vendored spec against one target and collect the outcome.

The engine is schemathesis's own (`schemathesis.engine`), fed a configuration built from `Settings`.
The harness adds what `st run` lacks for this API: the target allow-list, fresh OTP sessions for positive
cases (primed through the mock's test inbox), a request budget, outage detection, and verdicts on the
spec's inferred parts.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema

from juspay_kit import api, spec
from juspay_kit.contract import probe, rules
from juspay_kit.contract.hook import active
from juspay_kit.contract.results import RunResult, Violation, collect, curl, verdicts
from juspay_kit.contract.settings import PHASES, Profile, Settings
from juspay_kit.contract.target import preflight, reset_mock_controls, target
from juspay_kit.errors import BudgetExhausted, HarnessError
from juspay_kit.redact import Redactor

__all__ = ["RunResult", "Violation", "active", "curl", "preflight", "reset_mock_controls", "run",
           "schemathesis_config", "target"]  # fmt: skip


def schemathesis_config(settings: Settings) -> dict[str, Any]:
    """The schemathesis configuration for a run, in the shape of schemathesis.toml."""
    sandbox = settings.profile is Profile.SANDBOX
    refusals = settings.profile.allows_refusals
    secret_fields = api.shared().otp_fields | api.shared().credential_fields
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
        # Every request, schemathesis's own capability probes included, asks for an unencoded answer: a target
        # that compresses anyway is refused by the answer hook (hook.py) rather than inflated.
        "headers": {"Accept-Encoding": "identity"},
        "checks": checks_config,
        "phases": {"stateful": {"enabled": False}},
        "output": {
            "sanitization": {
                # Replaces schemathesis's defaults, whose "token" marker would hide tokenReference and
                # vProvisionedTokenId, the identifiers a reproduction needs. The fields the spec marks
                # x-juspay-secret (the OTP, the payment credentials) are named by the spec.
                "keys-to-sanitize": [
                    "authorization",
                    "proxy-authorization",
                    "cookie",
                    "set-cookie",
                    *sorted(name.lower() for name in secret_fields),
                ],
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
        if settings.phases:  # --phases: the others are left out
            raw["phases"].update({name: {"enabled": name in settings.phases} for name in PHASES})
        raw["phases"].update(phases or {})
        config = SchemathesisConfig.from_dict(raw)
        everything = schemathesis.openapi.from_dict(spec.load(), config=config)  # parsed once per process
        schema = everything.include(operation_id=list(settings.operations)) if settings.operations else everything
        schema.config.update(base_url=base_url, basic_auth=(settings.api_key, ""))
        with active(settings, base_url, redactor) as controller:
            probed, controller.sent = probe.run(settings, base_url, redactor, settings.budget or None)
            for verdict in probed:
                result.rules[verdict.rule.id] = {**verdict.as_dict(), "operations": list(verdict.rule.operations)}
                if verdict.verdict != "not_exercised":
                    evidence = result.observations.evidence[verdict.rule.inferred]
                    evidence.add(verdict.verdict == "confirmed", f"rule {verdict.rule.id}: {verdict.detail}")
            stall = STALL_FACTOR * settings.request_timeout + STALL_SLACK
            try:
                for event in _watched(from_schema(schema).execute(), controller, stall):
                    _handle(event, result, redactor, progress)
            except _Stalled:
                result.outage = (
                    f"{base_url} held a request past every deadline: nothing started or finished for {stall:g} s (an "
                    "answer whose headers or body never end); the run was stopped"
                )
        verdicts(result, sandbox=settings.profile is Profile.SANDBOX, required=_required(settings),
                 hint=redactor.text(_probe_again(settings)))  # fmt: skip
        result.budget_exhausted = controller.exhausted
        result.requests = max(result.requests, controller.sent)
        if controller.priming_failures:
            progress(f"  note: {controller.priming_failures} Validate OTP case(s) could not be primed through the mock")
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _required(settings: Settings) -> tuple[str, ...]:
    """The rules --require-rules holds the run to: those whose operations the run includes."""
    if not settings.require_rules:
        return ()
    chosen = set(settings.operations)
    return tuple(rule.id for rule in rules.RULES if not chosen or set(rule.operations) <= chosen)


def _probe_again(settings: Settings) -> str:
    """The start of a command that walks the probe again; no seed, since the probe names its sessions after the
    seed and a stateful target remembers them (the rule's --operation arguments are added to it)."""
    where = "" if settings.base_url is None else f" --base-url {settings.base_url}"
    profile = " --profile sandbox" if settings.profile is Profile.SANDBOX else ""
    return f"juspay-contract{where}{profile} --max-examples 1"


def _handle(event: events.EngineEvent, result: RunResult, redactor: Redactor, progress: Callable[[str], None]) -> None:
    if isinstance(event, events.ScenarioFinished):
        before = len(result.violations)
        cases = collect(event.recorder, result, redactor)
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


STALL_FACTOR, STALL_SLACK = 2, 2.0  # no request starting or ending for 2 deadlines + 2 s: the target holds one


class _Stalled(Exception):
    """No request started or finished for too long: a target holds one of schemathesis's own requests (its
    capability probes, or a request whose headers drip), which the answer hook cannot reach."""


def _watched(stream: Any, controller: Any, stall: float) -> Iterator[events.EngineEvent]:
    """The engine's events, consumed on a daemon thread while this one watches for a stall: a request that never
    ends cannot hold the run (or the process) past `stall` seconds of no activity."""
    found: queue.Queue[Any] = queue.Queue()
    done = object()

    def pump() -> None:
        try:
            for event in stream:
                found.put(event)
        except BaseException as exc:  # raised again on the caller's thread
            found.put(exc)
        finally:
            found.put(done)

    threading.Thread(target=pump, name="juspay-contract-engine", daemon=True).start()
    while True:
        try:
            item = found.get(timeout=0.25)
        except queue.Empty:
            if time.monotonic() - controller.last_activity > stall:
                stream.stop()
                raise _Stalled from None
            continue
        controller.last_activity = time.monotonic()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


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
