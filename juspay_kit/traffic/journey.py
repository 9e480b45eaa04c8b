"""The journey's rules judged over recorded traffic, in the order the exchanges were recorded.

The rule probe (`contract/probe.py`) walks short sequences against a live target; here the same four rules
are read off what a recording shows, per session and per token:

    trigger-request-limit   a session accepted more Trigger OTPs than the maxOTPRequestsAllowed it announced
    validate-lockout        a session accepted a code after maxOTPVerificationAllowed wrong ones
    fetch-before-setup      a token's Fetch was accepted before any Setup for that token was
    setup-before-binding    a token Provision issued in the recording was set up before its binding (an accepted
                            Validate OTP for its tokenReference)

A rule the traffic shows kept is `confirmed` (a refusal where the rule wants one), one it shows broken is
`contradicted`, and one it never reaches is `not_exercised`. A recording that starts mid-journey can show a
Fetch with no Setup before it: record whole journeys. Details name statuses and positions, never values.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from juspay_kit import api
from juspay_kit.contract.observe import COUNTERS, TABLE_CASING
from juspay_kit.contract.rules import RULES, Rule

LIMIT_NAMES = {name: (name, table) for name, table in zip(COUNTERS, TABLE_CASING, strict=True)}  # both spellings


@dataclass
class Step:
    """One answered exchange of a known operation, as the rules read it."""

    operation: str
    request: Any  # parsed request body (None when not JSON)
    status: int
    answer: Any  # parsed answer (None when not JSON)
    ref: str  # where it sits in its recording
    merchant: str = ""

    @classmethod
    def slim(
        cls, operation: str, request: Any, status: int, answer: Any, ref: str, merchant: str = "", success: str = ""
    ) -> Step:
        """A step holding only what the rules read: the request's identifiers; of the answer, its `success` field,
        the identifiers Provision answers and the plain values of its `response` object (the limits). Small to
        keep for a whole recording, and to hand between processes; no credential an answer carried."""
        sent = {k: v for k in IDS if isinstance(v := request.get(k), str)} if isinstance(request, dict) else {}
        return cls(operation, sent, status, _plain(answer, (success, *ANSWERED)), ref, merchant)

    def as_tuple(self) -> tuple[str, Any, int, Any, str, str]:
        """Its fields in order (`Step(*fields)` builds it again): pickled in a fraction of the dataclass's time."""
        return self.operation, self.request, self.status, self.answer, self.ref, self.merchant

    def accepted(self, facts: api.Api) -> bool:
        operation = facts.get(self.operation)
        return 200 <= self.status < 300 and (operation is None or operation.is_success(self.answer))

    def field(self, name: str) -> str | None:
        value = self.request.get(name) if isinstance(self.request, dict) else None
        return value if isinstance(value, str) else None


IDS = ("tokenReference", "clientReferenceId", "vProvisionedTokenId")


ANSWERED = ("vProvisionedTokenId", "tokenReference")  # what Provision answers and later steps name
_PLAIN = (str, int, float, bool, type(None))  # a tuple: isinstance takes it faster than a union


def _plain(answer: Any, names: tuple[str, ...]) -> Any:
    if not isinstance(answer, dict):
        return None
    kept: dict[str, Any] = {k: answer[k] for k in names if k in answer and isinstance(answer[k], _PLAIN)}
    if isinstance(limits := answer.get("response"), dict):
        kept["response"] = {k: v for k, v in limits.items() if isinstance(v, _PLAIN)}
    return kept


@dataclass
class RuleVerdict:
    rule: Rule
    verdict: str = "not_exercised"
    detail: str = "the recording never reached this rule"
    refs: list[str] = field(default_factory=list)
    confirmed: int = 0
    contradicted: int = 0

    def add(self, ok: bool, detail: str, ref: str) -> None:
        """One exchange that kept (`ok`) or broke the rule; the refs are those that back the verdict."""
        if ok:
            self.confirmed += 1
            if self.verdict == "not_exercised":
                self.verdict, self.detail = "confirmed", detail
        else:
            self.contradicted += 1
            if self.verdict != "contradicted":
                self.verdict, self.detail, self.refs = "contradicted", detail, []
        if (self.verdict == "contradicted") != ok and len(self.refs) < 5:
            self.refs.append(ref)

    def as_dict(self) -> dict[str, Any]:
        return {"statement": self.rule.statement, "verdict": self.verdict, "detail": self.detail,
                "inferred": self.rule.inferred, "confirmed": self.confirmed, "contradicted": self.contradicted,
                "exchanges": self.refs}  # fmt: skip


def limit_of(answer: Any, name: str) -> int | None:
    """A limit a Trigger OTP answer announces, as an integer, in either casing and either type; None if absent."""
    limits = answer.get("response") if isinstance(answer, dict) else None
    if not isinstance(limits, dict):
        return None
    for spelled in LIMIT_NAMES[name]:
        value = limits.get(spelled)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and 0 <= value <= 1_000_000:
            return value
        if isinstance(value, str) and value.isdigit() and len(value) <= 7:
            return int(value)
    return None


@dataclass
class _Session:
    request_limit: int | None = None
    verification_limit: int | None = None
    accepted: int = 0
    wrong: int = 0


def judge(steps: list[Step], facts: api.Api | None = None) -> list[RuleVerdict]:
    """Every rule's verdict over `steps`, in recorded order."""
    facts = facts or api.shared()
    verdicts = {rule.id: RuleVerdict(rule) for rule in RULES}
    sessions: dict[tuple[str, str, str], _Session] = defaultdict(_Session)
    set_up: set[str] = set()  # tokens with an accepted Setup
    provisioned: dict[str, str] = {}  # vProvisionedTokenId -> tokenReference, for tokens issued in the recording
    bound: set[str] = set()  # tokenReferences with an accepted Validate OTP
    for step in steps:
        accepted = step.accepted(facts)
        refused = 400 <= step.status < 500
        if step.operation in ("triggerOtp", "validateOtp"):
            key = (step.merchant, step.field("tokenReference") or "", step.field("clientReferenceId") or "")
            session = sessions[key]
        if step.operation == "triggerOtp":
            if accepted:
                session.accepted += 1
                session.request_limit = limit_of(step.answer, "maxOTPRequestsAllowed") or session.request_limit
                announced = limit_of(step.answer, "maxOTPVerificationAllowed")
                session.verification_limit = announced or session.verification_limit
            limit = session.request_limit
            if limit is not None and session.accepted > limit and accepted:
                verdicts["trigger-request-limit"].add(
                    False, f"Trigger OTP {session.accepted} of {limit} allowed was accepted ({step.status})", step.ref
                )
            elif limit is not None and session.accepted >= limit and refused:
                verdicts["trigger-request-limit"].add(
                    True, f"Trigger OTP past {limit} allowed was refused ({step.status})", step.ref
                )
        elif step.operation == "validateOtp":
            limit = session.verification_limit
            if accepted:
                if limit is not None and session.wrong >= limit:
                    verdicts["validate-lockout"].add(
                        False, f"a code was accepted ({step.status}) after {session.wrong} wrong code(s) of "
                        f"{limit} allowed", step.ref,
                    )  # fmt: skip
                if step.field("tokenReference"):
                    bound.add(step.field("tokenReference") or "")
            elif refused:
                if limit is not None and session.wrong >= limit:
                    verdicts["validate-lockout"].add(
                        True, f"a code after {limit} wrong ones was refused ({step.status})", step.ref
                    )
                session.wrong += 1
        elif step.operation == "provisionTokenAndCreatePasskey" and accepted and isinstance(step.answer, dict):
            token, reference = step.answer.get("vProvisionedTokenId"), step.answer.get("tokenReference")
            if isinstance(token, str) and isinstance(reference, str):
                provisioned[token] = reference
        elif step.operation == "setupAgenticPayment":
            token = step.field("vProvisionedTokenId") or ""
            if token in provisioned and provisioned[token] not in bound and (accepted or refused):
                verdicts["setup-before-binding"].add(
                    not accepted, f"Setup on a token before its binding was answered {step.status}", step.ref
                )
            if accepted:
                set_up.add(token)
        elif step.operation == "fetchPaymentCredentials":
            token = step.field("vProvisionedTokenId") or ""
            if token not in set_up and (accepted or refused):
                verdicts["fetch-before-setup"].add(
                    not accepted, f"Fetch before any Setup for its token was answered {step.status}", step.ref
                )
    return list(verdicts.values())
