"""The contract run's settings: one frozen object, resolved once.

Precedence: command-line option > environment variable > default. This module reads the kit's JUSPAY_*
variables (listed in ENVIRONMENT, which `--help` prints), for the contract check and, through
`credentials()`, for replay. The only other readers of the environment: `cli.run` (JUSPAY_DEBUG shows a
traceback) and `hook.no_environment_proxy`, which sets the proxy variables aside for the length of a run.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from juspay_visa_agentic_client.guard import MAX_ANSWER_BYTES

from juspay_kit import api
from juspay_kit.contract.safety import TargetKind, classify, normalise
from juspay_kit.errors import UsageError
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID

MODES = ("positive", "negative", "all")
PROFILES = ("mock", "standin", "sandbox")
ENVIRONMENT = {
    "JUSPAY_API_KEY": "API key (never printed); loopback default: the mock's mock_api_key",
    "JUSPAY_MERCHANT_ID": "x-merchantid; loopback default: the mock's mock_merchant",
    "JUSPAY_BASE_URL": "target when --base-url is not given (loopback or the sandbox only)",
    "JUSPAY_PROFILE": "mock, standin or sandbox, when --profile is not given",
    "JUSPAY_RATE_LIMIT": "requests per second, when --rate-limit is not given",
    "JUSPAY_BUDGET": "requests per run, when --budget is not given",
    "JUSPAY_REQUIRE_RULES": "1 (or true, yes) to fail the run when a rule of the journey was not exercised, "
    "when --require-rules is not given",
    "JUSPAY_PHASES": "comma-separated schemathesis phases (examples, coverage, fuzzing), when --phases is not given",
    "JUSPAY_FIXTURE_*": "identifiers of a sandbox test card for the stateful flow and the journey (see README)",
    "JUSPAY_DEBUG": "set to 1 to see the traceback of an internal error (never shown otherwise)",
}


class Profile(Enum):
    """How hard and how politely to test.

    MOCK: a loopback server with the mock's /__mock__/ controls; positive cases run on fresh sessions
    primed through the test inbox and must get 2xx; no rate limit; failures are shrunk.
    STANDIN: any other loopback server (your own stand-in); no priming, so positive cases may get a
    documented business refusal; no rate limit or budget unless asked; failures are shrunk.
    SANDBOX: Juspay's sandbox, or a loopback server tested as if it were; rate-limited, a request budget,
    no shrinking or replay of Trigger OTP, positive cases may get a documented business refusal.
    """

    MOCK = "mock"
    STANDIN = "standin"
    SANDBOX = "sandbox"

    @property
    def primes(self) -> bool:
        return self is Profile.MOCK

    @property
    def allows_refusals(self) -> bool:
        """Valid data may get a documented business refusal (nobody can give it a fresh session)."""
        return self is not Profile.MOCK


@dataclass(frozen=True)
class Settings:
    base_url: str | None  # None: start the embedded mock
    profile: Profile
    mode: str
    max_examples: int
    seed: int
    report_dir: Path
    api_key: str = field(repr=False)
    merchant_id: str
    rate_limit: float  # requests per second, 0 for none
    budget: int  # requests per run, 0 for none
    request_timeout: float
    fixture_ids: Mapping[str, str] = field(default_factory=dict)
    detect_profile: bool = False  # a loopback target without --profile: mock or standin, by probing it
    credentials_note: str = ""  # said in the console and the report when defaults stand in for secrets
    operations: tuple[str, ...] = ()  # operationIds to check; empty: every operation of the spec
    require_rules: bool = False  # a rule of the journey not exercised fails the run (else it is a note)
    max_answer_bytes: int = MAX_ANSWER_BYTES  # an answer beyond this is not read further (juspay_client's guard)
    phases: tuple[str, ...] = ()  # schemathesis phases to run (of PHASES); empty: all of them

    def describe_target(self) -> str:
        return "embedded mock" if self.base_url is None else self.base_url


PHASES = ("examples", "coverage", "fuzzing")  # schemathesis's test phases a run may choose from
MAX_ANSWER_CAP = 256 * 1024 * 1024  # the largest --max-answer-bytes accepted
SANDBOX_RATE_LIMIT = 2.0  # requests per second to the sandbox, unless told otherwise
SANDBOX_BUDGET = 200  # requests per run to the sandbox, unless told otherwise


def credentials(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(JUSPAY_API_KEY, JUSPAY_MERCHANT_ID), empty where unset."""
    env = os.environ if environ is None else environ
    return env.get("JUSPAY_API_KEY", ""), env.get("JUSPAY_MERCHANT_ID", "")


def resolve(
    *,
    base_url: str | None,
    mode: str,
    max_examples: int | None,
    seed: int | None,
    report_dir: Path,
    profile: str | None,
    rate_limit: float | None,
    budget: int | None,
    request_timeout: float,
    environ: Mapping[str, str] | None = None,
    operations: Sequence[str] | None = None,
    require_rules: bool | None = None,
    max_answer_bytes: int = MAX_ANSWER_BYTES,
    phases: str | None = None,
) -> Settings:
    """Build the settings; UsageError (exit 2) for anything wrong, before any request is sent."""
    env = os.environ if environ is None else environ
    if mode not in MODES:
        raise UsageError(f"--mode must be one of {', '.join(MODES)}")
    url = base_url or env.get("JUSPAY_BASE_URL") or None
    kind = classify(url) if url is not None else TargetKind.LOOPBACK
    url = normalise(url) if url is not None else None
    profile = profile or env.get("JUSPAY_PROFILE") or None
    if profile is not None and profile not in PROFILES:
        raise UsageError(f"JUSPAY_PROFILE must be one of {', '.join(PROFILES)}")
    if profile is None:
        chosen = Profile.SANDBOX if kind is TargetKind.SANDBOX else Profile.MOCK
    else:
        chosen = Profile(profile)
    if kind is TargetKind.SANDBOX and chosen is not Profile.SANDBOX:
        raise UsageError("the sandbox is only tested with --profile sandbox (rate limit, budget, no replays)")
    note = ""
    if url is None:
        api_key, merchant_id = secrets.token_hex(16), DEFAULT_MERCHANT_ID
    else:
        api_key = env.get("JUSPAY_API_KEY", "")
        merchant_id = env.get("JUSPAY_MERCHANT_ID", "")
        missing = [n for n, v in (("JUSPAY_API_KEY", api_key), ("JUSPAY_MERCHANT_ID", merchant_id)) if not v]
        if missing and kind is TargetKind.LOOPBACK:
            api_key, merchant_id = api_key or DEFAULT_API_KEY, merchant_id or DEFAULT_MERCHANT_ID
            note = f"{' and '.join(missing)} unset: using the embedded mock's default credentials"
        elif missing:
            raise UsageError(f"{' and '.join(missing)} must be set to test {url}; nothing was sent")
    sandbox = chosen is Profile.SANDBOX
    rate_limit = rate_limit if rate_limit is not None else _number(env, "JUSPAY_RATE_LIMIT", float)
    budget = budget if budget is not None else _number(env, "JUSPAY_BUDGET", int)
    limit = rate_limit if rate_limit is not None else (SANDBOX_RATE_LIMIT if sandbox else 0.0)
    cap = budget if budget is not None else (SANDBOX_BUDGET if sandbox else 0)
    if not math.isfinite(limit) or not 0 <= limit <= 10_000:
        raise UsageError("the rate limit must be a number of requests per second between 0 and 10000")
    if cap < 0:
        raise UsageError("the budget must not be negative")
    if not math.isfinite(request_timeout) or not 0 < request_timeout <= 600:
        raise UsageError("the request timeout must be a number of seconds in (0, 600]")
    named = phases if phases is not None else env.get("JUSPAY_PHASES", "")
    phase_names = tuple(dict.fromkeys(name.strip() for name in named.split(",") if name.strip()))
    if phases is not None and not phase_names:
        raise UsageError("--phases names no phase; choose from " + ", ".join(PHASES))
    unknown = sorted(set(phase_names) - set(PHASES))
    if unknown:
        raise UsageError(f"unknown phase {unknown[0][:40]!r}; choose from {', '.join(PHASES)}")
    if not 1024 <= max_answer_bytes <= MAX_ANSWER_CAP:
        raise UsageError(f"--max-answer-bytes must be between 1024 and {MAX_ANSWER_CAP}")
    if sandbox and kind is TargetKind.SANDBOX and (limit <= 0 or limit > 10 or cap <= 0):
        raise UsageError("against the sandbox --rate-limit must be in (0, 10] requests/s and --budget positive")
    known = [operation.operation_id for operation in api.shared()]
    unknown = sorted(set(operations or ()) - set(known))
    if unknown:
        raise UsageError(f"unknown operation {unknown[0][:60]!r}; the spec has {', '.join(known)}")
    required = require_rules if require_rules is not None else _flag(env, "JUSPAY_REQUIRE_RULES")
    examples = max_examples if max_examples is not None else (20 if sandbox else 250)
    if examples < 1:
        raise UsageError("--max-examples must be at least 1")
    fixtures = {
        name: env[var]
        for name, var in (
            ("tokenReference", "JUSPAY_FIXTURE_TOKEN_REFERENCE"),
            ("vProvisionedTokenId", "JUSPAY_FIXTURE_PROVISIONED_TOKEN_ID"),
            ("clientReferenceId", "JUSPAY_FIXTURE_CLIENT_REFERENCE_ID"),
            ("stepUpRequestId", "JUSPAY_FIXTURE_STEP_UP_REQUEST_ID"),
            ("customerId", "JUSPAY_FIXTURE_CUSTOMER_ID"),  # the journey: the customer of the test card
            ("secureToken", "JUSPAY_FIXTURE_SECURE_TOKEN"),  # a VISA session token for Provision
            ("boundTokenId", "JUSPAY_FIXTURE_BOUND_TOKEN_ID"),  # a bound test card for Setup and Fetch
        )
        if env.get(var)
    }
    return Settings(
        base_url=url.rstrip("/") if url else None,
        profile=chosen,
        mode=mode,
        max_examples=examples,
        seed=seed if seed is not None else secrets.randbelow(2**31),
        report_dir=report_dir,
        api_key=api_key,
        merchant_id=merchant_id,
        rate_limit=limit,
        budget=cap,
        request_timeout=request_timeout,
        fixture_ids=fixtures,
        detect_profile=url is not None and kind is TargetKind.LOOPBACK and profile is None,
        credentials_note=note,
        operations=tuple(dict.fromkeys(operations or ())),
        require_rules=required,
        max_answer_bytes=max_answer_bytes,
        phases=phase_names,
    )


def _flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise UsageError(f"{name} must be 1 or 0 (true or false), got {text[:20]!r}")


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> Any:
    text = env.get(name)
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"{name} must be a number, got {text!r}") from None
