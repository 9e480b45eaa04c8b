"""Replay a cassette's requests, in order, against another target and compare the answers exchange by exchange.

Compared per exchange: the status, the refusal code (`errorCode`, `responseCode` or `error_info.code`),
and whether each body validates against the spec's schema for the recorded status. The target's own
credentials replace the masked ones: Basic auth with the target's key where the recording had the credential
the recorded upstream accepted, a wrong key where it had another,
the target's merchant id where the recording had a non-empty `x-merchantid`. A masked OTP becomes, on a
target with the mock's controls, the code in its inbox when the recorded answer was 200, and a wrong code
of the same length otherwise; the mock's clock is moved by the recorded gap between exchanges, so expiry
replays too. Without the controls, an exchange that needs the real code cannot be compared and is skipped.
Identifiers the target invents in place of the recorded ones (new token ids at Provision, a new
`instructionId` at Setup) are followed: later requests carry the target's values (see `ids.py`), and the
report lists each mapping.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from juspay_visa_agentic_client import guard

from juspay_kit import api
from juspay_kit.cli import printable
from juspay_kit.contract.observe import Observations
from juspay_kit.contract.safety import normalise
from juspay_kit.errors import TargetUnreachable
from juspay_kit.mock.app import CONTROL_PREFIX
from juspay_kit.proxy import cassette
from juspay_kit.proxy.ids import IdMap, Mapping
from juspay_kit.redact import OTP_MASK, Redactor, is_otp_field
from juspay_kit.schema import shared
from juspay_kit.wire import basic_authorization, basic_credential


@dataclass
class Observed:
    """What one answer showed: its status, its refusal code, and whether its body fits the recorded status."""

    status: int | None
    code: str | None
    valid: bool | None  # validates against the spec's schema for the recorded status (None: not JSON)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "valid": self.valid}


@dataclass
class Compared:
    seq: int
    operation: str | None
    recorded: Observed
    replayed: Observed | None
    differences: list[str] = field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "operation": self.operation,
            "recorded": self.recorded.as_dict(),
            "replayed": self.replayed.as_dict() if self.replayed else None,
            "differences": self.differences,
            "skipped": self.skipped,
        }


@dataclass
class ReplayResult:
    cassette: str
    target: str
    exchanges: list[Compared]
    recorded_inferred: dict[str, dict[str, Any]] = field(default_factory=dict)  # verdicts from the recording
    mappings: list[Mapping] = field(default_factory=list)  # identifiers the target invented in place of recorded
    mappings_not_kept: int = 0  # beyond the bounded table

    @property
    def differing(self) -> list[Compared]:
        return [c for c in self.exchanges if c.differences]

    def as_dict(self) -> dict[str, Any]:
        skipped = sum(1 for c in self.exchanges if c.skipped)
        return {
            "cassette": self.cassette,
            "target": self.target,
            "outcome": "differs" if self.differing else ("same" if self.exchanges else "nothing_to_replay"),
            "exchanges": len(self.exchanges),
            "compared": len(self.exchanges) - skipped,
            "differing": len(self.differing),
            "skipped": skipped,
            "results": [c.as_dict() for c in self.exchanges],
            "recorded_inferred": self.recorded_inferred,
            "mappings": [m.as_dict() for m in self.mappings],
            "mappingsNotKept": self.mappings_not_kept,
        }


def observe_answer(operation: str | None, recorded_status: int, status: int, body: Any, is_json: bool) -> Observed:
    valid: bool | None = None
    if is_json and operation is not None:
        valid = not shared().errors(operation, recorded_status, body)
    return Observed(status, api.shared().refusal_code(body) if is_json else None, valid)


def _recorded(exchange: dict[str, Any]) -> Observed:
    response = exchange["response"]
    is_json = "body" in response
    return observe_answer(
        exchange.get("operation"), response["status"], response["status"], response.get("body"), is_json
    )


# Headers the transport sets for the bytes it sends, never copied from the recording (compared lower-cased).
NOT_REPLAYED = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer",
                          "upgrade", "proxy-connection", "expect", "proxy-authorization"})  # fmt: skip


def _wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) if c.isdigit() else ("b" if c == "a" else "a") for c in code) or "0"


class _Target:
    def __init__(self, url: str, api_key: str, merchant_id: str, timeout: float, max_bytes: int) -> None:
        self.http = guard.guarded_client(timeout, max_bytes, base_url=url.rstrip("/"), timeout=timeout)
        self.authorization = basic_authorization(api_key)
        self.wrong_authorization = basic_authorization(f"not-{api_key}")
        self.merchant_id = merchant_id
        try:
            self.controls = self.http.get(CONTROL_PREFIX + "health").status_code == 200
        except httpx.HTTPError as exc:
            self.http.close()
            raise TargetUnreachable(f"{url} did not answer ({_why(exc)})") from None

    def control(self, method: str, action: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, CONTROL_PREFIX + action, **kwargs)

    def otp(self, body: dict[str, Any], correct: bool) -> str | None:
        params = {
            "tokenReference": str(body.get("tokenReference")),
            "clientReferenceId": str(body.get("clientReferenceId")),
        }
        answer = self.control("GET", "inbox", params=params)
        try:  # a target that only looks like the mock may answer anything here
            found = answer.json() if answer.status_code == 200 else None
        except ValueError:
            found = None
        code = found.get("otpValue") if isinstance(found, dict) else None
        if correct:
            return code if isinstance(code, str) else None
        return _wrong(code) if isinstance(code, str) else "000000"


def replay(
    path: Path,
    target_url: str,
    api_key: str,
    merchant_id: str,
    *,
    reset: bool = True,
    timeout: float = 10.0,
    max_answer_bytes: int = guard.MAX_ANSWER_BYTES,
    progress: Callable[[str], None] | None = None,
    rate_limit: float = 0.0,
    budget: int = 0,
) -> ReplayResult:
    """Replay every exchange in order. `rate_limit` (requests/s) and `budget` (requests) bound what reaches
    the target, 0 meaning none; exchanges past the budget are skipped, and say so."""
    _, exchanges = cassette.read(path)
    target_url = normalise(target_url)
    target = _Target(target_url, api_key, merchant_id, timeout, max_answer_bytes)
    results: list[Compared] = []
    accepted = accepted_credential(exchanges)
    pace = _Pace(rate_limit, budget)
    ids = IdMap(exchanges)
    try:
        if reset and target.controls:
            target.control("POST", "reset", json={})
        previous_at: float | None = None
        for index, exchange in enumerate(exchanges):
            if not pace.take():
                results.append(_skipped(exchange, f"the budget of {budget} requests is spent"))
                continue
            compared, body = _one(target, exchange, previous_at, accepted, ids.request(exchange["request"]))
            for mapping in ids.learn(index, exchange, body):
                if progress:
                    progress(f"  #{mapping.seq} {mapping.operation or '-'}: maps {mapping.describe()}")
            previous_at = float(exchange.get("at", 0))
            results.append(compared)
            if progress and compared.differences:
                progress(
                    f"  #{compared.seq} {compared.operation or exchange['request']['path']}: "
                    + "; ".join(compared.differences)
                )
    except httpx.HTTPError as exc:
        raise TargetUnreachable(f"{target_url} stopped answering during the replay ({_why(exc)})") from None
    finally:
        target.http.close()
    return ReplayResult(str(path), target_url, results, recorded_verdicts(exchanges), ids.mappings, ids.not_kept)


def _why(exc: httpx.HTTPError) -> str:
    """What went wrong, naming the limit an answer broke (deadline, size, depth)."""
    return str(exc) if isinstance(exc, guard.Breach) else type(exc).__name__


def recorded_verdicts(exchanges: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Verdicts on the spec's inferred parts from the recorded answers alone (the sandbox's, at night): the
    journey's real 200 answers are the only evidence for the names of Provision's and Fetch's fields.
    Only the ids some answer exercised are listed."""
    seen = Observations()
    for exchange in exchanges:
        response, operation = exchange.get("response") or {}, exchange.get("operation")
        if operation and "body" in response and isinstance(response.get("status"), int):
            seen.record(operation, response["status"], response["body"], negative_body=False)
    return {k: v for k, v in seen.inferred_report().items() if v["verdict"] in ("confirmed", "contradicted")}


class _Pace:
    """At most `rate` requests per second and `budget` requests in all (0: no limit)."""

    def __init__(self, rate: float, budget: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.left = budget if budget > 0 else None
        self.next_at = 0.0

    def take(self) -> bool:
        if self.left is not None:
            if self.left <= 0:
                return False
            self.left -= 1
        wait = self.next_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.next_at = max(self.next_at, time.monotonic()) + self.interval
        return True


def _skipped(exchange: dict[str, Any], why: str) -> Compared:
    response = exchange["response"]
    recorded = _recorded(exchange) if response is not None else Observed(None, None, None)
    return Compared(int(exchange.get("seq", 0)), exchange.get("operation"), recorded, None, skipped=why)


def accepted_credential(exchanges: list[dict[str, Any]]) -> str | None:
    """The masked label of the credential the recorded upstream accepted (first answer other than 401)."""
    for exchange in exchanges:
        label = basic_credential(exchange["request"].get("headers", {}).get("authorization"))
        if label is not None and exchange["response"] and exchange["response"]["status"] != 401:
            return label
    return None


def _one(
    target: _Target, exchange: dict[str, Any], previous_at: float | None, accepted: str | None,
    request: dict[str, Any],
) -> tuple[Compared, Any]:  # fmt: skip
    """Send `request` (the recorded one, its identifiers mapped) and compare; (comparison, parsed answer)."""
    response = exchange["response"]
    seq = int(exchange.get("seq", 0))
    operation = exchange.get("operation")
    if response is None:
        return Compared(seq, operation, Observed(None, None, None), None, skipped="no answer was recorded"), None
    recorded = _recorded(exchange)
    if target.controls and previous_at is not None:
        gap = float(exchange.get("at", 0)) - previous_at
        if gap > 0.5:
            target.control("POST", "clock", json={"advanceSeconds": round(gap, 3)})
    headers = {k.lower(): v for k, v in request.get("headers", {}).items() if k.lower() not in NOT_REPLAYED}
    label = basic_credential(headers.get("authorization"))
    if label is not None:
        headers["authorization"] = (
            target.authorization if label in (accepted, "[masked]") else target.wrong_authorization
        )
    if headers.get("x-merchantid"):
        headers["x-merchantid"] = target.merchant_id
    fields = {k: v for k, v in request.items() if k in ("body", "bodyText", "bodyBase64")}
    body = fields.get("body")
    masked = [k for k, v in body.items() if v == OTP_MASK and is_otp_field(k)] if isinstance(body, dict) else []
    if isinstance(body, dict) and masked:  # a field the spec marks x-juspay-secret: otp, masked when recorded
        otp_field = masked[0]
        invalid = any(v.get("path", "").startswith(f"/{otp_field}") for v in exchange.get("violations", []))
        if invalid:
            fields["body"] = {**body, otp_field: 0}
        elif target.controls:
            fields["body"] = {**body, otp_field: target.otp(body, correct=response["status"] == 200) or "000000"}
        elif response["status"] == 200:
            skipped = "needs the real OTP (the target has no inbox)"
            return Compared(seq, operation, recorded, None, skipped=skipped), None
        else:
            fields["body"] = {**body, otp_field: "000000"}
    query = request.get("query") or ""
    answer = target.http.request(
        request["method"],
        request["path"] + ("?" + query if query else ""),
        headers=headers,
        content=cassette.body_bytes(fields),
    )
    try:
        parsed, is_json = answer.json(), True
    except ValueError:
        parsed, is_json = None, False
    replayed = observe_answer(operation, response["status"], answer.status_code, parsed, is_json)
    differences = []
    if replayed.status != recorded.status:
        differences.append(f"status {recorded.status} -> {replayed.status}")
    if replayed.code != recorded.code:
        facts = api.shared().get(operation)
        unknown = facts is not None and replayed.code is not None and replayed.code not in facts.refusal.codes
        differences.append(
            f"refusal code {recorded.code} -> {replayed.code}" + (" (a code the spec does not know)" if unknown else "")
        )
    if replayed.valid != recorded.valid:
        differences.append(
            f"body {'valid' if recorded.valid else 'invalid'} -> {'valid' if replayed.valid else 'invalid'} "
            f"against the {recorded.status} schema"
        )
    return Compared(seq, operation, recorded, replayed, differences), parsed


def write_reports(result: ReplayResult, directory: Path, redactor: Redactor) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = result.as_dict()
    (directory / "replay.json").write_text(redactor.text(json.dumps(data, indent=2)) + "\n", encoding="utf-8")
    (directory / "replay.md").write_text(printable(redactor.text(markdown(data))), encoding="utf-8")


def markdown(data: dict[str, Any]) -> str:
    icon = "✅" if data["outcome"] == "same" else "❌"
    if data["outcome"] == "nothing_to_replay":
        return (
            f"## {icon} Replay of `{Path(data['cassette']).name}`: nothing to replay (the cassette has no exchange)\n"
        )
    lines = [
        f"## {icon} Replay of `{Path(data['cassette']).name}` against {data['target']}",
        "",
        f"{data['exchanges']} exchanges, {data['compared']} compared, **{data['differing']} differ**, "
        f"{data['skipped']} skipped.",
        "",
    ]
    if data.get("recorded_inferred"):
        lines += ["Note, not part of the replay's verdict (which compares the target with the recording): the "
                  "spec's inferred parts, judged by the recorded answers alone:", "", "| id | verdict | evidence |",
                  "|---|---|---|"]  # fmt: skip
        for marker_id, info in data["recorded_inferred"].items():
            evidence = "; ".join(info.get("examples") or []) or f"{info.get('confirmed', 0)} confirming"
            lines.append(f"| `{marker_id}` | {info['verdict']} | {evidence} |")
        lines.append("")
    if data.get("mappings"):
        lines += ["Identifiers the target invented, sent in place of the recorded ones in every later request:", "",
                  "| # | operation | field | recorded | replayed |", "|---|---|---|---|---|"]  # fmt: skip
        for m in data["mappings"]:
            cells = [_cell(m[k]) for k in ("field", "recorded", "replayed")]
            lines.append(f"| {m['seq']} | {m['operation'] or '-'} | " + " | ".join(f"`{c}`" for c in cells) + " |")
        if data.get("mappingsNotKept"):
            lines.append(f"\n{data['mappingsNotKept']} more were not followed (the table is full).")
        lines.append("")
    rows = [r for r in data["results"] if r["differences"] or r["skipped"]]
    if rows:
        lines += ["| # | operation | recorded | replayed | difference |", "|---|---|---|---|---|"]
        for r in rows:
            rec, rep = r["recorded"], r["replayed"] or {}
            what = "; ".join(r["differences"]) or f"skipped: {r['skipped']}"
            lines.append(
                f"| {r['seq']} | {r['operation'] or '-'} | {rec['status']} {rec['code'] or ''} | "
                f"{rep.get('status', '-')} {rep.get('code') or ''} | {what} |"
            )
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    """A value a cassette or a target chose, safe inside a Markdown table's code span."""
    return value.replace("`", "'").replace("|", "\\|")
