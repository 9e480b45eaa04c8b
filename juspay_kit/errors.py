"""The one exception root of the harness.

    HarnessError            a problem the user must fix; scripts print it on one line and exit 2
    ├── UsageError          bad command-line arguments or settings
    ├── SpecError           the OpenAPI document is unreadable or invalid
    ├── TargetRefused       the contract target is neither loopback nor the Juspay sandbox
    ├── TargetUnreachable   the target did not answer (an outage, never a contract violation)
    ├── RefreshError        the spec refresh stopped; nothing was written
    ├── BudgetExhausted     the run's request budget is spent; not an error for the run, which reports
    │                       what it checked
    └── UpstreamError       the proxy's upstream could not be reached or broke off its answer (a 502)
        └── StaleConnection a pooled connection the upstream had already closed: nothing was received,
                            so the request may be sent again on a fresh connection

Contract violations are not exceptions: the runner reports them and the scripts exit 1.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base class: a configuration or environment problem, reported on one line with exit code 2."""


class UsageError(HarnessError):
    """Bad command-line arguments or settings."""


class SpecError(HarnessError):
    """The OpenAPI document cannot be read or does not validate."""


class TargetRefused(HarnessError):
    """The target host is not allowed; nothing was sent to it."""


class TargetUnreachable(HarnessError):
    """The target did not answer; reported as an outage, not as a violation."""


class RefreshError(HarnessError):
    """The refresh cannot proceed; nothing was written."""


class BudgetExhausted(HarnessError):
    """The run's request budget is spent; the runner stops sending and reports what it checked."""


class UpstreamError(HarnessError):
    """The proxy's upstream could not be reached or broke off the answer; the message names the kind, never data."""


class StaleConnection(UpstreamError):
    """A reused connection was closed by the upstream before any byte of an answer: safe to send again."""
