"""Learned spec proposals become pull requests: one per `learned.fingerprint`, kept up to date night after night.

`juspay-learn` writes each proposal as a JSON file (default folder `reports/learned/`):

    {"reason": "one line", "patch": [RFC 6902 operations],
     "learned": {"fingerprint": "l-0123456789abcdef", "kind": "...", "title": "...", "inferred": ["ids"],
                 "evidence": [{"what", "count", "firstSeen", "lastSeen", "exchanges": [...]}],
                 "specDiff": {"verdict": "...", "changes": ["..."]}, "source": {"host": "...", "trusted": false}}}

    load(folder) -> proposals                        every *.json file, checked; ProposalError naming a bad one
    plan(proposals, open_pulls, base) -> actions     pure, tested on data
    apply(github, actions)                           REST calls through `GitHub`

Rules: the nightly workflow pushes branch `juspay-learn/FINGERPRINT` (the patch applied, the client
regenerated); an open pull request whose body carries `<!-- juspay-learn: FINGERPRINT -->` (written last, as
the issues' marker) is that proposal's: its body is updated only when tonight's differs, so a night with
nothing new plans nothing. Otherwise one is opened from the branch into `base`, labelled `spec-learned`.
Open pull requests are never closed here. Every string of a proposal came from a server's answers: it is
escaped (`escape`, so it cannot carry a marker), and a table cell cannot hold a pipe or a line break.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from juspay_kit.cli import printable
from juspay_kit.errors import HarnessError
from juspay_kit.nightly import GitHub, escape
from juspay_kit.proxy.recorded import read_regular
from juspay_kit.spec import MAX_SPEC_BYTES

LEARNED_LABEL = "spec-learned"
BRANCH_PREFIX = "juspay-learn/"
MARKER = re.compile(r"<!-- juspay-learn: (l-[0-9a-f]{16}) -->")
FINGERPRINT = re.compile(r"l-[0-9a-f]{16}")
MAX_ROWS, MAX_EXCHANGES, MAX_PATCH_CHARS = 50, 5, 30_000  # a pull request's body holds at most 65,536 characters
MAX_BODY, MAX_TEXT = 65_536, 1_000  # the body is cut to fit (its marker kept last); each text at most MAX_TEXT


class ProposalError(HarnessError):
    """A proposal file that is not JSON or not shaped as juspay-learn writes one."""


@dataclass(frozen=True)
class Proposal:
    path: Path
    fingerprint: str
    title: str  # the pull request's title, escaped and on one line
    body: str  # the pull request's body, its marker last

    @property
    def branch(self) -> str:
        return BRANCH_PREFIX + self.fingerprint


@dataclass(frozen=True)
class PullAction:
    kind: str  # "open-pr", "update-pr"
    number: int | None  # None for "open-pr"
    branch: str  # the head: juspay-learn/FINGERPRINT
    title: str
    body: str
    base: str = "main"  # the branch an opened pull request targets

    def line(self) -> str:
        """One line of the plan, as --dry-run prints it."""
        where = self.branch if self.number is None else f"#{self.number}"
        return printable(f"{self.kind} {where} {self.title}")


def marker_of(body: str) -> str | None:
    """The pull request's own marker: the last one in its body (ours is always written last)."""
    found = MARKER.findall(body)
    return found[-1] if found else None


def load(folder: Path) -> list[Proposal]:
    """Every proposal in `folder` (*.json, by name); ProposalError naming the first bad file or a fingerprint
    two files share. A missing folder holds no proposal."""
    if not folder.is_dir():
        return []
    proposals: dict[str, Proposal] = {}
    for path in sorted(folder.glob("*.json")):
        proposal = read(path)
        if proposal.fingerprint in proposals:
            first = proposals[proposal.fingerprint].path
            raise ProposalError(f"{printable(str(path))} and {printable(str(first))} both propose "
                                f"{proposal.fingerprint}; keep one")  # fmt: skip
        proposals[proposal.fingerprint] = proposal
    return list(proposals.values())


def read(path: Path) -> Proposal:
    """One proposal file, checked and rendered; ProposalError naming the file."""
    raw = read_regular(path, MAX_SPEC_BYTES, "proposal", ProposalError)  # never a FIFO: it would be waited on
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ProposalError(f"{printable(str(path))} is not a JSON proposal (UTF-8 JSON)") from None
    problem = _problem(data)
    if problem is not None:
        raise ProposalError(f"{printable(str(path))} is not a proposal juspay-learn writes: {problem}")
    learned = data["learned"]
    title = _line(learned["title"])[:200] or learned["fingerprint"]
    return Proposal(path, learned["fingerprint"], title, render(data, path.name))


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_STRINGS = ("kind", "title")


def _problem(data: Any) -> str | None:
    """What is wrong with a parsed proposal's shape, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return "needs an object with a string `reason`"
    if not isinstance(data.get("patch"), list) or not all(_operation(op) for op in data["patch"]):
        return "`patch` must be a list of RFC 6902 operations (objects with string `op` and `path`)"
    learned = data.get("learned")
    if not isinstance(learned, dict):
        return "needs a `learned` object"
    if not isinstance(learned.get("fingerprint"), str) or not FINGERPRINT.fullmatch(learned["fingerprint"]):
        return "`learned.fingerprint` must match l- and 16 hexadecimal digits"
    if not all(isinstance(learned.get(name), str) for name in _STRINGS):
        return "`learned.kind` and `learned.title` must be strings"
    if not _strings(learned.get("inferred")):
        return "`learned.inferred` must be a list of strings"
    evidence = learned.get("evidence")
    if not isinstance(evidence, list) or not all(_evidence(item) for item in evidence):
        return "`learned.evidence` must be a list of {what, count, firstSeen, lastSeen, exchanges}"
    diff = learned.get("specDiff")
    if not isinstance(diff, dict) or not isinstance(diff.get("verdict"), str) or not _strings(diff.get("changes")):
        return "`learned.specDiff` must hold a string `verdict` and a list of string `changes`"
    source = learned.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("host"), str) or not isinstance(
            source.get("trusted"), bool):  # fmt: skip
        return "`learned.source` must hold a string `host` and a boolean `trusted`"
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _operation(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("op"), str) and isinstance(value.get("path"), str)


def _evidence(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("what"), str) or not _strings(item.get("exchanges")):
        return False
    count = item.get("count")
    seen = (item.get("firstSeen"), item.get("lastSeen"))
    return isinstance(count, int) and not isinstance(count, bool) and all(v is None or isinstance(v, str) for v in seen)


def _line(text: str) -> str:
    """Proposal text on one line, escaped, at most MAX_TEXT characters."""
    return escape(" ".join(text[: 2 * MAX_TEXT].split()))[:MAX_TEXT]


def _code(text: str) -> str:
    """Proposal text inside a code span: escaped, on one line, no backtick to end the span."""
    return _line(text).replace("`", "'")


def cell(text: str) -> str:
    """Proposal text as one Markdown table cell: escaped, on one line, no pipe to end the cell."""
    return _line(text).replace("|", "&#124;") or " "


def render(data: dict[str, Any], name: str) -> str:
    """The pull request's body for a checked proposal: reason, inferred ids, evidence table, spec-diff verdict and
    changes, the patch, how to apply it; the marker last."""
    learned = data["learned"]
    fingerprint, source = learned["fingerprint"], learned["source"]
    trust = "trusted" if source["trusted"] else "untrusted"
    lines = [
        f"`juspay-learn` proposes a spec change ({_line(learned['kind'])}), learned from the answers of "
        f"{_line(source['host'])} ({trust}). Review it against the evidence before merging.",
        "",
        f"**Reason:** {_line(data['reason'])}",
        "",
        "**Inferred parts it touches:** "
        + (", ".join(f"`{_code(i)}`" for i in learned["inferred"][:MAX_ROWS]) or "none"),
        "",
        "| what | count | first seen | last seen | exchanges |",
        "|---|---|---|---|---|",
    ]
    evidence = learned["evidence"]
    for item in evidence[:MAX_ROWS]:
        shown = item["exchanges"][:MAX_EXCHANGES]
        more = len(item["exchanges"]) - len(shown)
        exchanges = "<br>".join(cell(e) for e in shown) + (f"<br>and {more} more" if more else "")
        lines.append(f"| {cell(item['what'])} | {item['count']} | {cell(item['firstSeen'] or '-')} | "
                     f"{cell(item['lastSeen'] or '-')} | {exchanges or '-'} |")  # fmt: skip
    if len(evidence) > MAX_ROWS:
        lines.append(f"\nand {len(evidence) - MAX_ROWS} more rows of evidence in the proposal file.")
    diff = learned["specDiff"]
    changes = [f"- {_line(c)}" for c in diff["changes"][:MAX_ROWS]]
    lines += ["", f"**Spec diff:** {_line(diff['verdict'])}", *changes, ""]
    patch = escape(json.dumps(data["patch"], indent=2, ensure_ascii=True))
    if len(patch) > MAX_PATCH_CHARS:
        lines += [f"The patch ({len(patch)} characters) is too long to show here; it is in the branch's commit."]
    else:
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", patch)), default=0))
        lines += ["The patch (RFC 6902):", "", f"{fence}json", patch, fence]
    branch = BRANCH_PREFIX + fingerprint
    file_name = _code(name).replace("'", "")
    lines += [
        "",
        "To apply it locally, check out the branch, or apply the proposal file (in the run's `contract-reports` "
        "artifact) to your checkout:",
        "",
        "```bash",
        f"git fetch origin {branch} && git switch {branch}",
        f"# or: .venv/bin/python -m juspay_kit.refresh apply 'reports/learned/{file_name}' && make regenerate",
        "```",
    ]
    body, marker = "\n".join(lines), f"\n\n<!-- juspay-learn: {fingerprint} -->"
    if len(body) + len(marker) > MAX_BODY:  # GitHub refuses a longer body: cut it, the proposal file holds all
        body = body[: MAX_BODY - len(marker) - 100] + "\n\n… cut here to fit a pull request; see the proposal file."
    return body + marker


def plan(proposals: list[Proposal], open_pulls: list[dict[str, Any]], base: str = "main") -> list[PullAction]:
    """What to do on GitHub for tonight's proposals; `open_pulls` as the REST API lists them, `base` the branch
    an opened pull request targets."""
    by_marker: dict[str, dict[str, Any]] = {}
    for pull in open_pulls:
        marker = marker_of(pull.get("body") or "")
        if marker is not None:
            by_marker.setdefault(marker, pull)
    actions = []
    for proposal in proposals:
        known = by_marker.get(proposal.fingerprint)
        if known is None:
            actions.append(PullAction("open-pr", None, proposal.branch, proposal.title, proposal.body, base))
        elif _same(known.get("body") or "", proposal.body):
            continue
        else:
            actions.append(PullAction("update-pr", int(known["number"]), proposal.branch, proposal.title,
                                      proposal.body, base))  # fmt: skip
    return actions


def _same(listed: str, body: str) -> bool:
    return listed.replace("\r\n", "\n").rstrip() == body.rstrip()


def apply(github: GitHub, actions: list[PullAction]) -> None:
    """The REST calls of a plan; the branches were pushed by the workflow."""
    for action in actions:
        if action.kind == "open-pr":
            github.open_pull(action.title, action.branch, action.base, action.body, LEARNED_LABEL)
        elif action.kind == "update-pr" and action.number is not None:
            github.update_pull(action.number, action.body)
