"""The OTP session model: codes, expiry, request and verification limits, device binding.

A session is keyed by (merchant, tokenReference, clientReferenceId). Every rule here is inferred (Juspay
documents the limits, not their enforcement); `spec/README.md` lists the codes and statuses. All methods
run on the event loop thread without awaiting, so each call is atomic with respect to other requests.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import OrderedDict
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import Any

SessionKey = tuple[str, str, str]


@dataclass(frozen=True)
class Setting:
    """A limit of the OTP sessions that a command or a test may set, in the one place that holds its names,
    its default and its bounds: juspay-mock's flag (`--max-requests`), the pytest option, ini key and keyword
    (`max_requests`), the config control's field and the Limits attribute all read it."""

    attribute: str  # of Limits
    control: str  # field of POST /__mock__/config
    option: str  # juspay-mock's flag and the fixture's option and keyword, with "_" for "-"
    meaning: str  # what Juspay calls it
    default: int
    low: int
    high: int

    @property
    def flag(self) -> str:
        return "--" + self.option.replace("_", "-")

    def describe(self) -> str:
        return f"{self.meaning} (default {self.default}, {self.low} to {self.high})"


LIMIT_SETTINGS = (
    Setting("max_requests", "maxOTPRequestsAllowed", "max_requests", "maxOTPRequestsAllowed", 3, 1, 100),
    Setting("max_verifications", "maxOTPVerificationAllowed", "max_verifications", "maxOTPVerificationAllowed", 3, 1,
            100),
    Setting("code_expiration_minutes", "codeExpirationMinutes", "code_expiration", "codeExpiration, in minutes", 5, 1,
            1440),
)  # fmt: skip
_DEFAULT = {setting.attribute: setting.default for setting in LIMIT_SETTINGS}


@dataclass(frozen=True)
class Limits:
    max_verifications: int = _DEFAULT["max_verifications"]  # maxOTPVerificationAllowed
    max_requests: int = _DEFAULT["max_requests"]  # maxOTPRequestsAllowed
    code_expiration_minutes: int = _DEFAULT["code_expiration_minutes"]  # codeExpiration
    idle_ttl_seconds: float = 1800.0  # sessions untouched this long are forgotten
    max_sessions: int = 100_000  # beyond this the least recently used session is forgotten
    require_provisioning: bool = False  # OTP calls on a token never provisioned are refused (journey.py)


class State(Enum):
    PENDING = "PENDING"
    BOUND = "BOUND"
    LOCKED = "LOCKED"


class Outcome(Enum):
    """A decision and the HTTP status the spec documents for it."""

    SENT = (200, None)
    BOUND = (200, None)
    REQUEST_LIMIT = (429, "OTP_REQUEST_LIMIT_EXCEEDED")
    LOCKED = (403, "SESSION_LOCKED")
    ALREADY_BOUND = (409, "DEVICE_ALREADY_BOUND")
    TOKEN_MISMATCH = (409, "TOKEN_MISMATCH")
    INVALID_OTP = (400, "INVALID_OTP")
    EXPIRED = (400, "OTP_EXPIRED")
    NOT_FOUND = (400, "SESSION_NOT_FOUND")
    TOKEN_NOT_PROVISIONED = (400, "TOKEN_NOT_PROVISIONED")
    # the journey around binding (journey.py)
    DUPLICATE_REQUEST = (409, "DUPLICATE_REQUEST")
    TOKEN_NOT_FOUND = (400, "TOKEN_NOT_FOUND")
    DEVICE_NOT_BOUND = (409, "DEVICE_NOT_BOUND")
    CUSTOMER_MISMATCH = (409, "CUSTOMER_MISMATCH")
    INSTRUCTION_NOT_FOUND = (400, "INSTRUCTION_NOT_FOUND")
    CURRENCY_MISMATCH = (400, "CURRENCY_MISMATCH")
    AMOUNT_LIMIT_EXCEEDED = (403, "AMOUNT_LIMIT_EXCEEDED")

    @property
    def status(self) -> int:
        status: int = self.value[0]
        return status

    @property
    def code(self) -> str | None:
        code: str | None = self.value[1]
        return code


MESSAGES = {
    Outcome.REQUEST_LIMIT: "Maximum OTP requests reached for this session.",
    Outcome.LOCKED: "Maximum OTP verification attempts reached for this session.",
    Outcome.ALREADY_BOUND: "The device is already bound for this session.",
    Outcome.TOKEN_MISMATCH: "vProvisionedTokenId does not match the session.",
    Outcome.INVALID_OTP: "The OTP entered is incorrect.",
    Outcome.EXPIRED: "The OTP has expired; request a new one.",
    Outcome.NOT_FOUND: "No OTP was requested for this session.",
    Outcome.TOKEN_NOT_PROVISIONED: "This token was never provisioned; call Provision first.",
    Outcome.DUPLICATE_REQUEST: "A token was already provisioned in this session.",
    Outcome.TOKEN_NOT_FOUND: "No provisioned token has this vProvisionedTokenId.",
    Outcome.DEVICE_NOT_BOUND: "The token has not finished device binding.",
    Outcome.CUSTOMER_MISMATCH: "The token was provisioned for another customer.",
    Outcome.INSTRUCTION_NOT_FOUND: "No payment instruction was set up for this token and session.",
    Outcome.CURRENCY_MISMATCH: "The transaction currency differs from the payment instruction's.",
    Outcome.AMOUNT_LIMIT_EXCEEDED: "The transaction is above the limit of the payment instruction.",
}


@dataclass
class Session:
    token_id: str  # vProvisionedTokenId the session was opened with
    requests: int = 0
    wrong_attempts: int = 0
    state: State = State.PENDING
    code: str = ""
    sent_at: float = 0.0
    expires_at: float = 0.0
    last_seen: float = 0.0


@dataclass
class Clock:
    """Monotonic time plus an offset the control surface can move forward."""

    offset: float = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> float:
        self.offset += seconds
        return self.now()


@dataclass
class SessionStore:
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None
    clock: Clock = field(default_factory=Clock)
    _sessions: OrderedDict[SessionKey, Session] = field(default_factory=OrderedDict)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = self.fresh_rng()

    def fresh_rng(self) -> random.Random:
        # A mock's codes need not be unguessable, only unpredictable run to run unless seeded: one
        # OS-random seed per store instead of a system call per code.
        return random.Random(self.seed if self.seed is not None else secrets.randbits(64))

    def __len__(self) -> int:
        return len(self._sessions)

    def _new_code(self) -> str:
        return f"{self._rng.randrange(10**6):06d}"

    def _evict(self, now: float) -> None:
        sessions = self._sessions
        while sessions:
            key, oldest = next(iter(sessions.items()))
            if len(sessions) > self.limits.max_sessions or now - oldest.last_seen > self.limits.idle_ttl_seconds:
                del sessions[key]
            else:
                break

    def _touch(self, key: SessionKey, session: Session, now: float) -> None:
        session.last_seen = now
        self._sessions.move_to_end(key)
        self._evict(now)

    def trigger(self, key: SessionKey, token_id: str) -> Outcome:
        now = self.clock.now()
        self._evict(now)
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = Session(token_id=token_id)
        elif session.token_id != token_id:
            return Outcome.TOKEN_MISMATCH
        outcome = self._refuse_trigger(session)
        if outcome is None:
            session.requests += 1
            session.code = self._new_code()
            session.sent_at = now
            session.expires_at = now + self.limits.code_expiration_minutes * 60
            outcome = Outcome.SENT
        self._touch(key, session, now)
        return outcome

    def _refuse_trigger(self, session: Session) -> Outcome | None:
        if session.state is State.BOUND:
            return Outcome.ALREADY_BOUND
        if session.state is State.LOCKED:
            return Outcome.LOCKED
        if session.requests >= self.limits.max_requests:
            return Outcome.REQUEST_LIMIT
        return None

    def validate(self, key: SessionKey, token_id: str, otp: str) -> Outcome:
        now = self.clock.now()
        self._evict(now)
        session = self._sessions.get(key)
        if session is None:
            return Outcome.NOT_FOUND
        outcome = self._check_code(session, token_id, otp, now)
        self._touch(key, session, now)
        return outcome

    def _check_code(self, session: Session, token_id: str, otp: str, now: float) -> Outcome:
        if session.token_id != token_id:
            return Outcome.TOKEN_MISMATCH
        if session.state is State.BOUND:
            return Outcome.ALREADY_BOUND
        if session.state is State.LOCKED:
            return Outcome.LOCKED
        if now >= session.expires_at:
            return Outcome.EXPIRED
        if secrets.compare_digest(otp.encode(), session.code.encode()):
            session.state = State.BOUND
            return Outcome.BOUND
        session.wrong_attempts += 1
        if session.wrong_attempts >= self.limits.max_verifications:
            session.state = State.LOCKED
            return Outcome.LOCKED
        return Outcome.INVALID_OTP

    def inbox(self, key: SessionKey) -> tuple[str, float] | None:
        """The code last sent for a session and the seconds it stays valid, for tests only."""
        session = self._sessions.get(key)
        if session is None or not session.code:
            return None
        return session.code, max(0.0, session.expires_at - self.clock.now())

    def views(self, newest: int | None = None, token_references: Container[str] | None = None) -> list[dict[str, Any]]:
        """Sessions as the inbox page shows it, most recently used first (for tests and people only): all of them,
        or the `newest` few (of those whose tokenReference is in `token_references`, if given)."""
        now, limits = self.clock.now(), self.limits
        chosen: Iterator[tuple[SessionKey, Session]] = reversed(self._sessions.items())
        if token_references is not None:
            chosen = (item for item in chosen if item[0][1] in token_references)
        return [
            {
                "merchant": key[0], "tokenReference": key[1], "clientReferenceId": key[2],
                "state": session.state.value, "otpValue": session.code or None,
                "requestsLeft": max(0, limits.max_requests - session.requests),
                "attemptsLeft": max(0, limits.max_verifications - session.wrong_attempts),
                "expiresInSeconds": round(max(0.0, session.expires_at - now), 1) if session.code else None,
            }
            for key, session in islice(chosen, newest)
        ]  # fmt: skip

    def reset(self) -> None:
        self._sessions.clear()
        self.clock.offset = 0.0
        self._rng = self.fresh_rng()
