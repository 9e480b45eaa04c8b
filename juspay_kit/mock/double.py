"""What makes the mock a test double beyond the OTP rules: faults to play, what the journal shows of a call,
and limits a test may change until the next reset. The control surface (`app.py`) parses requests into these;
the pending faults and their matching live in `matching.py`, the journal in `journal.py`.

Bounds, documented in the README: at most MAX_FAULTS pending faults (and MAX_FAULT_BYTES, matching.py); a
delay of at most MAX_DELAY_SECONDS; the journal keeps the last JOURNAL_SIZE calls (and JOURNAL_BYTES,
journal.py), each body up to MAX_JOURNAL_BODY characters; limits within LIMIT_BOUNDS.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from juspay_kit.mock import refusals
from juspay_kit.mock.sessions import LIMIT_SETTINGS, Limits
from juspay_kit.redact import SECRET_HEADERS, mask_fields_in_text, mask_secret_fields, masked_secret_header

MAX_FAULTS = 1000
MAX_DELAY_SECONDS = 60.0
MAX_TIMES = 1000
JOURNAL_SIZE = 1000
MAX_JOURNAL_BODY = 64 * 1024
NO_BODY_STATUSES = (204, 304)  # a fault with one of these statuses may not carry a body
# control field -> (Limits attribute, lowest, highest): the bounds of sessions.LIMIT_SETTINGS
LIMIT_BOUNDS = {
    **{setting.control: (setting.attribute, setting.low, setting.high) for setting in LIMIT_SETTINGS},
    "requireProvisioning": ("require_provisioning", 0, 1),  # a boolean: OTP calls need a provisioned token
}
_FAULT_FIELDS = ("operation", "status", "body", "code", "contentType", "delaySeconds", "drop", "times")


class ControlError(ValueError):
    """A control body the mock refuses; `field` names what is wrong (answered 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Fault:
    id: str
    operation: str  # an operationId, or "*" for any
    status: int | None
    body: Any  # parsed JSON to send as JSON, a str to send as it is; None with has_body False: no body
    has_body: bool
    content_type: str
    delay: float
    drop: bool
    times: int  # calls still to receive it
    match: Any = None  # a JSON object the request body must contain (matching.py); None: any body
    weight: int = 0  # how many values `match` names: the more, the more specific
    after: int = 0  # matching calls to let through before it plays
    seen: int = 0  # matching calls let through so far
    size: int = 0  # bytes counted against MAX_FAULT_BYTES (matching.py)
    body_text: str | None = None  # a JSON body held as its text (matching.py): it costs its size, not its objects
    code: str | None = None  # the refusal code it plays, its body built from the spec (refusals.py)

    def as_dict(self) -> dict[str, Any]:
        shown = {"id": self.id, "operation": self.operation, "status": self.status, "contentType": self.content_type,
                 "delaySeconds": self.delay, "drop": self.drop, "times": self.times}  # fmt: skip
        shown |= {"match": self.match, "after": self.after, "seen": self.seen}
        shown |= {"code": self.code} if self.code is not None else {}
        body = json.loads(self.body_text) if self.body_text is not None else self.body
        return shown | ({"body": body} if self.has_body else {})

    def payload(self) -> bytes:
        if not self.has_body:
            return b""
        text = self.body_text if self.body_text is not None else self.body
        text = text if isinstance(text, str) else json.dumps(text)
        return text.encode("utf-8", "surrogatepass")


def _number(data: dict[str, Any], name: str, low: float, high: float, whole: bool) -> Any:
    value = data[name]
    kinds = (int,) if whole else (int, float)
    # the range first: it refuses nan and 10**400 without the float conversion isfinite() would overflow on
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high or not math.isfinite(value):
        kind = "a whole number" if whole else "a number"
        raise ControlError(name, f"{name} must be {kind} from {low:g} to {high:g}")
    return value


def parse_fault(data: Any, operations: set[str], known: refusals.Refusals | None = None) -> Fault:
    """A fault from a control body; ControlError naming the field for anything wrong. A `code` is one of the
    operation's refusal codes in `known` (default: the spec the mock serves), answered as refusals.py says."""
    if not isinstance(data, dict):
        raise ControlError("body", "the body must be a JSON object")
    unknown = sorted(str(key) for key in data if key not in _FAULT_FIELDS)
    if unknown:
        raise ControlError(unknown[0], f"unknown field(s): {', '.join(unknown)[:200]}")
    operation = data.get("operation")
    if not isinstance(operation, str) or (operation != "*" and operation not in operations):
        raise ControlError("operation", f'operation must be one of {", ".join(sorted(operations))} or "*"')
    status = _number(data, "status", 200, 599, True) if "status" in data else None  # 1xx: not an answer
    has_body, body = "body" in data, data.get("body")
    if "code" in data:
        refused = _refusal(data, operation, known or refusals.shared())
        status, has_body, body = refused.status if status is None else status, True, refused.body
    delay = float(_number(data, "delaySeconds", 0, MAX_DELAY_SECONDS, False)) if "delaySeconds" in data else 0.0
    drop = data.get("drop", False)
    if not isinstance(drop, bool):
        raise ControlError("drop", "drop must be true or false")
    times = _number(data, "times", 1, MAX_TIMES, True) if "times" in data else 1
    content_type = data.get("contentType", "application/json")
    if (
        not isinstance(content_type, str)
        or not 0 < len(content_type) <= 200
        or any(ord(c) < 32 or ord(c) > 126 for c in content_type)
    ):
        raise ControlError("contentType", "contentType must be a printable ASCII media type of at most 200 characters")
    if status is None and not drop and not delay:
        raise ControlError("status", "give status, code, delaySeconds or drop: this fault would change nothing")
    if has_body and status is None:
        raise ControlError("body", "a body needs a status to be answered with")
    if has_body and status in NO_BODY_STATUSES:  # its bytes would be read as the next answer on the connection
        raise ControlError("code" if "code" in data else "body", f"a {status} answer has no body")
    return Fault(secrets.token_hex(8), str(operation), status, body, has_body, content_type, delay, drop, times,
                 code=data.get("code"))  # fmt: skip


def _refusal(data: dict[str, Any], operation: str, known: refusals.Refusals) -> refusals.Refused:
    """The refusal a fault's `code` plays: one of its operation's codes, without a body of its own."""
    if operation == "*":
        raise ControlError("code", 'a code belongs to one operation: name it, not "*"')
    if "body" in data:
        raise ControlError("code", "give code or body, not both: a code's body comes from the spec")
    codes = known.codes(operation)
    code = data["code"]
    if not isinstance(code, str) or code not in codes:
        listed = ", ".join(codes)[:300] or "none"
        raise ControlError("code", f"code must be one of the refusal codes the spec lists for {operation}: {listed}")
    refused = known.refused(operation, code)
    if refused.status is None and "status" not in data:
        raise ControlError("code", f"the spec gives {code} no status for {operation}: give status as well")
    return refused


def parse_limits(data: Any, current: Limits) -> Limits:
    """The limits a config body asks for, each within LIMIT_BOUNDS; ControlError naming the field otherwise."""
    if not isinstance(data, dict):
        raise ControlError("body", "the body must be a JSON object")
    unknown = sorted(str(key) for key in data if key not in LIMIT_BOUNDS)
    if unknown:
        raise ControlError(unknown[0], f"unknown field(s): {', '.join(unknown)[:200]}")
    changes = {LIMIT_BOUNDS[name][0]: _number(data, name, *LIMIT_BOUNDS[name][1:], True) for name in data
               if name != "requireProvisioning"}  # fmt: skip
    if "requireProvisioning" in data:
        if not isinstance(data["requireProvisioning"], bool):
            raise ControlError("requireProvisioning", "requireProvisioning must be true or false")
        changes["require_provisioning"] = data["requireProvisioning"]
    return replace(current, **changes)


def limits_view(limits: Limits) -> dict[str, Any]:
    return {name: getattr(limits, attribute) for name, (attribute, _, _) in LIMIT_BOUNDS.items()}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shown_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers for the journal: names lower-cased, the first of repeats, secrets masked by place."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        if key in headers:
            continue
        headers[key] = masked_secret_header(key, text) if key in SECRET_HEADERS else text
    return headers


def shown_body(raw: bytes) -> Any:
    """A request body for the journal: JSON with every secret field masked, else text (both bounded)."""
    if not raw:
        return None
    try:
        return mask_secret_fields(json.loads(raw))
    except (ValueError, RecursionError):
        return mask_fields_in_text(raw[:MAX_JOURNAL_BODY].decode("utf-8", "replace"))
