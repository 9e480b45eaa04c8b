"""The journey's rules the spec infers (its x-inferred ids), which no single exchange shows: the probe
(`contract/probe.py`) walks short sequences to give each a verdict, and drift (`traffic/journey.py`) judges them
over recorded traffic. Plain data, with nothing to import: a command that only reads recordings stays light."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    inferred: str  # the spec's x-inferred id the verdict is evidence for
    operations: tuple[str, ...]  # the operations it calls


RULES = (
    Rule("trigger-request-limit", "one Trigger OTP more than maxOTPRequestsAllowed is refused", "trigger-status-429",
         ("triggerOtp",)),
    Rule("validate-lockout", "maxOTPVerificationAllowed wrong codes lock the session", "validate-status-403",
         ("triggerOtp", "validateOtp")),
    Rule("fetch-before-setup", "Fetch with no payment instruction for the session is refused", "fetch-status-400",
         ("fetchPaymentCredentials",)),
    Rule("setup-before-binding", "Setup on a token that has not finished binding is refused", "setup-status-409",
         ("setupAgenticPayment",)),
)  # fmt: skip
