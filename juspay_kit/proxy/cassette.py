"""Recorded exchanges ("cassettes"): JSON Lines, written by `juspay-proxy --record`, read by `juspay-replay`.

Line 1 is the header; every further line is one exchange, in the order the answers came back:

    {"format": "juspay-cassette", "version": 1, "upstream": URL, "recordedAt": ISO-8601, "kit": VERSION,
     "specSha256": HEX}
    {"seq": 1, "at": 0.123, "startedAt": ISO-8601, "elapsedMs": 2.5, "operation": "triggerOtp" | null,
     "request": {"method": "POST", "path": "/initiateVerification", "query": "", "headers": {...},
                 "body": JSON | "bodyText": STR | "bodyBase64": STR},
     "response": {"status": 200, "headers": {...}, "body": JSON | "bodyText": STR | "bodyBase64": STR} | null,
     "error": STR | null, "violations": [{"check", "direction", "path", "message"}, ...]}

`at` is seconds since the recording started (replay uses the gaps to move the mock's clock). Header names
are lower-cased. Secrets never reach the file: Authorization keeps its scheme and the number of the distinct
credential it carried, in order of first use ("Basic [masked-key-1]"; replay sends the target's key for the
credential the recorded upstream accepted, a wrong key for the others),
every `otpValue` is "[masked-otp]", and the key, its Basic encoding and each OTP seen are masked wherever
else they appear. A request that got no answer (the upstream was unreachable) has `response: null` and an
`error`.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from pathlib import Path
from typing import IO, Any

from juspay_kit.contract.redact import MASK, OTP_MASK, Redactor
from juspay_kit.errors import UsageError
from juspay_kit.wire import decode_credential, split_authorization

FORMAT = "juspay-cassette"
VERSION = 1


def learn_secrets(redactor: Redactor, headers: dict[str, str]) -> None:
    """Register the API key carried by a Basic Authorization header (and the raw credential) for masking."""
    value = headers.get("authorization")
    if not value:
        return
    _, credential = split_authorization(value)
    raw = decode_credential(credential)
    try:
        decoded = raw.decode("utf-8") if raw is not None else ""
    except UnicodeDecodeError:
        decoded = ""
    redactor.add_api_key(decoded.partition(":")[0] if decoded else credential)
    redactor.add_api_key(credential)


def masked_headers(redactor: Redactor, headers: dict[str, str], keys: dict[str, int] | None = None) -> dict[str, str]:
    """Headers safe to write. Authorization keeps its scheme and, with `keys` (credential -> number, kept in
    memory only), which of the distinct credentials of the recording it was: "Basic [masked-key-1]"."""
    shown = {}
    for name, value in headers.items():
        if name == "authorization" and keys is not None and " " in value.strip():
            scheme, credential = split_authorization(value)
            number = keys.setdefault(credential, len(keys) + 1)
            shown[name] = f"{scheme} [masked-key-{number}]"
        elif name in ("authorization", "proxy-authorization", "cookie"):
            scheme = value.strip().partition(" ")[0]
            shown[name] = f"{scheme} {MASK}" if scheme and " " in value.strip() else MASK
        else:
            shown[name] = redactor.text(value)
    return shown


def _mask_otps(redactor: Redactor, value: Any) -> Any:
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if key == "otpValue" and item not in (None, ""):
                if isinstance(item, str):
                    redactor.add_otp(item)
                masked[key] = OTP_MASK
            else:
                masked[key] = _mask_otps(redactor, item)
        return masked
    if isinstance(value, list):
        return [_mask_otps(redactor, item) for item in value]
    return value


def body_fields(redactor: Redactor, raw: bytes) -> dict[str, Any]:
    """The body as cassette fields: parsed JSON with OTPs masked, else masked text, else base64."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"bodyBase64": base64.b64encode(raw).decode()}
    try:
        return {"body": _mask_otps(redactor, json.loads(text))}
    except (ValueError, RecursionError):
        return {"bodyText": text}


def body_bytes(fields: dict[str, Any]) -> bytes:
    """Bytes to send for a recorded body (JSON is re-serialised compactly)."""
    if "body" in fields:
        return json.dumps(fields["body"], ensure_ascii=False).encode()
    if "bodyText" in fields:
        return str(fields["bodyText"]).encode()
    if "bodyBase64" in fields:
        return base64.b64decode(fields["bodyBase64"])
    return b""


class CassetteWriter:
    """Appends exchanges, one JSON line each, flushed at once; every line passes through the redactor."""

    def __init__(self, path: Path, header: dict[str, Any], redactor: Redactor) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the cassette {path}: {exc.strerror}") from None
        self._redactor = redactor
        self._lock = threading.Lock()
        self.write({"format": FORMAT, "version": VERSION, **header})

    def write(self, line: dict[str, Any]) -> None:
        text = self._redactor.text(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        with self._lock:
            self._file.write(text + "\n")
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, exchanges); UsageError naming the line when the file is not a cassette this kit reads."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read the cassette {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a cassette: not UTF-8 text") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            raise UsageError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(record, dict):
            raise UsageError(f"{path}:{number}: not a JSON object")
        records.append(record)
    if not records or records[0].get("format") != FORMAT:
        raise UsageError(f"{path} is not a cassette: the first line must be a {FORMAT} header")
    header, exchanges = records[0], records[1:]
    if header.get("version") != VERSION:
        raise UsageError(
            f"{path}: cassette version {header.get('version')!r} is not supported (this kit reads {VERSION})"
        )
    for number, exchange in enumerate(exchanges, 2):
        problem = _exchange_problem(exchange)
        if problem:
            raise UsageError(f"{path}:{number}: not an exchange this kit replays: {problem}")
    return header, exchanges


def _exchange_problem(exchange: dict[str, Any]) -> str | None:
    """Why a recorded exchange cannot be replayed safely, or None. A path must be origin-form ("/..."): a
    cassette must never steer a replay to another host."""
    request, response = exchange.get("request"), exchange.get("response")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        return "request.method is missing"
    if not request["method"].isalpha():
        return "request.method is not an HTTP method"
    target = request.get("path")
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or _unsafe(target):
        return "request.path must be a path starting with a single /"
    if not isinstance(request.get("query", ""), str) or _unsafe(request.get("query", "")):
        return "request.query must be a string"
    headers = request.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and not _unsafe(k + v) for k, v in headers.items()
    ):
        return "request.headers must map names to single-line strings"
    if response is not None and not (isinstance(response, dict) and type(response.get("status")) is int):
        return "response.status must be an integer"
    at = exchange.get("at", 0)
    if not isinstance(at, int | float) or isinstance(at, bool) or not math.isfinite(at) or at < 0:
        return "at must be a non-negative number of seconds"
    return None


def _unsafe(text: str) -> bool:
    return any(c in text for c in "\r\n\0")
