"""The night's bookkeeping on GitHub, in one pass: read everything, plan, then write (or, in a dry run, print).

Every input is read and checked before the first write: a missing summary or a malformed proposal is a
HarnessError and nothing on GitHub changes. A dry run reads the open issues and pull requests when it has
a `GitHub` (GET calls only), plans against nothing open when it has none, and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from juspay_kit.cli import printable
from juspay_kit.errors import HarnessError
from juspay_kit.nightly import Action, GitHub, flow_failures, plan, prs, read_summary


@dataclass(frozen=True)
class Night:
    """Tonight's plan: the issue actions, then the pull-request actions."""

    issues: list[Action]
    pulls: list[prs.PullAction]

    def lines(self) -> list[str]:
        """One line an action, as the script prints the plan."""
        parts = ([a.kind, f"#{a.issue}" if a.issue else "", a.title] for a in self.issues)
        return [printable(" ".join(p for p in shown if p)) for shown in parts] + [a.line() for a in self.pulls]


def run(
    reports: Path,
    flow_junit: Path,
    run_url: str,
    github: GitHub | None,
    *,
    proposals: Path | None = None,
    base: str = "main",
    dry_run: bool = False,
) -> Night:
    """Plan tonight's issue and pull-request actions and, unless `dry_run`, apply them through `github` (which a
    dry run may lack: then nothing is open)."""
    if github is None and not dry_run:
        raise HarnessError("the bookkeeping needs GitHub access to change anything (or --dry-run)")
    summary = read_summary(reports)
    learned = prs.load(proposals) if proposals is not None else None  # a bad file stops the night here
    try:
        issues = plan(summary, flow_failures(flow_junit), github.open_issues() if github else [], run_url)
        pulls = prs.plan(learned, github.open_pulls() if github else [], base) if learned is not None else []
        if not dry_run and github is not None:
            github.apply(issues)
            prs.apply(github, pulls)
    except httpx.HTTPError as exc:
        message = f"GitHub API: {type(exc).__name__}; some issue or pull request updates may be missing"
        raise HarnessError(message) from None
    return Night(issues, pulls)
