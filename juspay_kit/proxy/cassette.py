"""Recorded exchanges ("cassettes"): JSON Lines, written by `juspay-proxy --record`, read by `juspay-replay`.

Line 1 is the header; every further line is one exchange, in the order the answers came back:

    {"format": "juspay-cassette", "version": 1, "upstream": URL, "recordedAt": ISO-8601, "kit": VERSION,
     "specSha256": HEX}
    {"seq": 1, "at": 0.123, "startedAt": ISO-8601, "elapsedMs": 2.5, "operation": "triggerOtp" | null,
     "request": {"method": "POST", "path": "/initiateVerification", "query": "", "headers": {...},
                 "body": JSON | "bodyText": STR | "bodyBase64": STR},
     "response": {"status": 200, "headers": {...}, "body": JSON | "bodyText": STR | "bodyBase64": STR} | null,
     "error": STR | null, "violations": [{"check", "direction", "path", "message"}, ...]}

`at` is seconds since the recording started (replay uses the gaps to move the mock's clock). Header names are
lower-cased. Secrets never reach the file: Authorization keeps its scheme and the number of the distinct
credential it carried, in order of first use ("Basic [masked-key-1]"; replay sends the target's key for the
credential the upstream accepted, a wrong key for the others), every field the spec marks `x-juspay-secret`
is masked (the OTP, `otpValue`, as "[masked-otp]"), and the key, its Basic encoding and each OTP and
credential seen (in JSON, `"name": value` text or a `name=value` form) are masked wherever they appear.
A request that got no answer has `response: null` and an `error`.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import parse_qsl, urlencode

from juspay_kit.errors import UsageError
from juspay_kit.redact import SECRET_HEADERS, Redactor, field_mask, fields_in_text, form_secrets, masked_secret_header
from juspay_kit.wire import decode_credential, split_authorization

FORMAT = "juspay-cassette"
VERSION = 1
MAX_LINE_BYTES = 128 * 1024 * 1024  # a longer line is refused; a 16 MiB answer is at most 96 MiB (`\u0001` each)


def learn_secrets(redactor: Redactor, headers: dict[str, str]) -> None:
    """Register the API key a request carries (Authorization, Basic, another scheme or none, and `x-api-key`)."""
    value = headers.get("authorization")
    if value:
        scheme, credential = split_authorization(value)
        credential = credential or ("" if scheme.lower() in ("basic", "bearer", "digest") else scheme)
        raw = decode_credential(credential)
        try:
            decoded = raw.decode("utf-8") if raw is not None else ""
        except UnicodeDecodeError:
            decoded = ""
        user, _, password = decoded.partition(":")
        for secret in (user or credential, credential, password):  # a password (the API takes none) is one too
            redactor.add_api_key(secret)
    for name in ("x-api-key", "api-key"):
        if headers.get(name):
            redactor.add_api_key(headers[name].strip())


def masked_headers(redactor: Redactor, headers: dict[str, str], keys: dict[str, int] | None = None) -> dict[str, str]:
    """Headers safe to write. Authorization keeps its scheme and, with `keys` (credential -> number, kept in
    memory only), which of the distinct credentials of the recording it was: "Basic [masked-key-1]"."""
    shown = {}
    for name, value in headers.items():
        if name == "authorization" and keys is not None and " " in value.strip():
            scheme, credential = split_authorization(value)
            number = keys.setdefault(credential, len(keys) + 1)
            shown[name] = f"{scheme} [masked-key-{number}]"
        elif name in SECRET_HEADERS:
            shown[name] = masked_secret_header(name, value)
        else:
            shown[name] = redactor.text(value)
    return shown


def body_fields(redactor: Redactor, raw: bytes) -> dict[str, Any]:
    """The body as cassette fields: parsed JSON, else text, else base64. Every OTP and payment credential it
    carries is registered with the redactor first (the writer masks those fields by name and every learned
    secret elsewhere)."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # bytes as Latin-1 characters: a key inside a binary body is masked too
        return {"bodyBase64": base64.b64encode(redactor.text(raw.decode("latin-1")).encode("latin-1")).decode()}
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        for value in [*fields_in_text(text), *form_secrets(text)]:
            redactor.add_secret(value)
        return {"bodyText": text}
    redactor.learn(parsed)
    return {"body": parsed}


def masked_query(redactor: Redactor, query: str) -> str:
    """The query string with the parameters named for a secret field masked (and learned), every other value
    through the redactor."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    for value in (value for name, value in pairs if value and field_mask(name)):
        redactor.add_secret(value)
    return redactor.text(urlencode([(n, (v and field_mask(n)) or v) for n, v in pairs], safe="[]"))


def body_bytes(fields: dict[str, Any]) -> bytes:
    """Bytes to send for a recorded body (JSON is re-serialised compactly)."""
    if "body" in fields:
        return json.dumps(fields["body"], ensure_ascii=False).encode("utf-8", "surrogatepass")
    if "bodyText" in fields:
        return str(fields["bodyText"]).encode("utf-8", "surrogatepass")
    if "bodyBase64" in fields:
        return base64.b64decode(fields["bodyBase64"])
    return b""


def line_of(record: dict[str, Any], redactor: Redactor) -> bytes:
    """One cassette line: the record with every string masked, as JSON (lone surrogates escaped) and a newline."""
    data = redactor.value(record)
    for side in ("request", "response"):  # a binary body is masked in its bytes (body_fields), never as base64 text
        if isinstance(record.get(side), dict) and "bodyBase64" in record[side]:
            data[side]["bodyBase64"] = record[side]["bodyBase64"]
    try:
        return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") cannot be UTF-8: escape it, as JSON allows
        return (json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


class Recorder(Protocol):
    """What the proxy records through: CassetteWriter, or `har.HarWriter` for a `.har` file."""

    path: Path
    failed: str | None  # why recording stopped (the file ends with the last whole exchange), or None

    def write(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class CassetteWriter:
    """Appends exchanges to a cassette, one whole JSON line per write, masked.

    An existing cassette is never truncated: a recording appends a new segment (a header line, then its
    exchanges). A path that is a symlink, a FIFO, a device, or a file that is not a cassette is refused
    before anything is written. A write that fails (a full disk), or would make a line or a file the readers
    refuse (MAX_LINE_BYTES, MAX_CASSETTE_BYTES), is undone to the last whole line, and the recording stops with
    `failed` set; the proxy goes on forwarding.
    """

    def __init__(self, path: Path, header: dict[str, Any], redactor: Redactor) -> None:
        self.path = path
        self.failed: str | None = None
        self._redactor = redactor
        self._lock = threading.Lock()
        self._fd = open_for_append(path)
        try:
            self.write({"format": FORMAT, "version": VERSION, **header})
        except BaseException:
            self.close()
            raise
        if self.failed:
            self.close()
            raise UsageError(f"cannot write the cassette {path}: {self.failed}")

    def write(self, line: dict[str, Any]) -> None:
        data = line_of(line, self._redactor)
        with self._lock:
            if self.failed or self._fd < 0:
                return
            end = os.lseek(self._fd, 0, os.SEEK_END)
            try:
                if len(data) > MAX_LINE_BYTES or end + len(data) > MAX_CASSETTE_BYTES:  # what the readers take
                    raise OSError(errno.EFBIG, f"the next line would pass what the kit reads ({MAX_CASSETTE_BYTES}"
                                  f" bytes, {MAX_LINE_BYTES} a line)")  # fmt: skip
                if os.write(self._fd, data) != len(data):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            except OSError as exc:
                self.failed = exc.strerror or type(exc).__name__
                try:
                    os.ftruncate(self._fd, end)  # no torn line: the file ends with the last whole exchange
                except OSError:
                    pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def open_for_append(path: Path, accepts: Callable[[Path], bool] | None = None, what: str = "cassette",
                    ours: str = "cassette", append: bool = True) -> int:  # fmt: skip
    """A descriptor to append to `path`, which must be a regular file holding a cassette (one `accepts`: `ours`),
    or not exist. Without `append` it reads and writes where it is told (`os.pwrite`), never truncating."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise UsageError(f"cannot write the {what} {path}: {exc.strerror or type(exc).__name__}") from None
    if found is not None and stat.S_ISLNK(found.st_mode):
        raise UsageError(f"cannot write the {what} {path}: it is a symlink")
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise UsageError(f"cannot write the {what} {path}: not a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = (os.O_WRONLY | os.O_APPEND if append else os.O_RDWR) | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
        fd = os.open(path, mode, 0o644)
    except OSError as exc:
        why = "it is a symlink" if exc.errno == errno.ELOOP else (exc.strerror or type(exc).__name__)
        raise UsageError(f"cannot write the {what} {path}: {why}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"cannot write the {what} {path}: not a regular file")
        if info.st_size and not (accepts or _is_cassette)(path):
            raise UsageError(f"{path} exists and is not a {ours}; it was left as it was")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_cassette(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            first = json.loads(file.readline(MAX_LINE_BYTES))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(first, dict) and first.get("format") == FORMAT and first.get("version") == VERSION


MAX_CASSETTE_BYTES = 512 * 1024 * 1024
MAX_AT = 1e12  # seconds: an `at` this large (31,000 years) is no recording's
_METHOD = re.compile(r"[A-Za-z]{1,20}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, exchanges); UsageError naming the line and what is wrong when the file is not a cassette this
    kit reads. A cassette recorded in several runs has one header per segment; the first one is returned."""
    header: dict[str, Any] | None = None
    exchanges: list[dict[str, Any]] = []
    for _, record in stream(path):
        if "format" in record:
            header = header or record
        else:
            exchanges.append(record)
    if header is None:  # stream says so first
        raise UsageError(f"{path} is not a cassette: the first line must be a {FORMAT} header")
    return header, exchanges


def stream(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of each non-blank line, read one line at a time (at most MAX_LINE_BYTES a line,
    MAX_CASSETTE_BYTES in all): a header opens each segment, its exchanges follow, each checked as replay needs.
    UsageError naming the line and what is wrong once that line is reached."""
    header = False
    for number, line in _lines(path):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            raise UsageError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(record, dict):
            raise UsageError(f"{path}:{number}: not a JSON object")
        if "format" in record:
            if record.get("format") != FORMAT:
                raise UsageError(f"{path}:{number}: not a {FORMAT} header")
            if record.get("version") != VERSION:
                raise UsageError(f"{path}: cassette version {str(record.get('version'))[:20]!r} is not supported "
                                 f"(this kit reads {VERSION})")  # fmt: skip
            header = True
        elif not header:
            break
        else:
            problem = exchange_problem(record)
            if problem:
                raise UsageError(f"{path}:{number}: not an exchange this kit replays: {problem}")
        yield number, record
    if not header:
        raise UsageError(f"{path} is not a cassette: the first line must be a {FORMAT} header")


def open_regular(path: Path, what: str = "cassette") -> BinaryIO:
    """`path` open for reading if it is a regular file of at most MAX_CASSETTE_BYTES (never a FIFO or device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UsageError(f"cannot read the {what} {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"cannot read the {what} {path}: not a regular file")
        if info.st_size > MAX_CASSETTE_BYTES:
            raise UsageError(f"{path} is larger than {MAX_CASSETTE_BYTES} bytes; not a {what} this kit reads")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines of a cassette, one line at a time, in bounds."""
    with open_regular(path) as file:
        total, number = 0, 0
        while True:
            try:
                raw = file.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise UsageError(f"cannot read the cassette {path}: {exc.strerror or type(exc).__name__}") from None
            if not raw:
                return
            number, total = number + 1, total + len(raw)
            if total > MAX_CASSETTE_BYTES:  # it grew while it was read
                raise UsageError(f"{path} is larger than {MAX_CASSETTE_BYTES} bytes; not a cassette this kit reads")
            if len(raw) > MAX_LINE_BYTES:
                raise UsageError(f"{path}:{number}: longer than {MAX_LINE_BYTES} bytes; not a cassette line")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{path} is not a cassette: not UTF-8 text") from None
            if text.strip():
                yield number, text


def exchange_problem(exchange: dict[str, Any]) -> str | None:
    """Why a recorded exchange cannot be replayed safely, or None. A path must be origin-form ("/..."): a
    cassette must never steer a replay to another host."""
    seq = exchange.get("seq", 0)
    if type(seq) is not int or seq < 0:
        return "seq must be a non-negative integer"
    at = exchange.get("at", 0)
    if not isinstance(at, int | float) or isinstance(at, bool) or not 0 <= at < MAX_AT:  # nan, inf, 10**400 too
        return "at must be a non-negative number of seconds"
    if exchange.get("operation") is not None and not isinstance(exchange["operation"], str):
        return "operation must be a string or null"
    request, response = exchange.get("request"), exchange.get("response")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        return "request.method is missing"
    if not _METHOD.fullmatch(request["method"]):
        return "request.method is not an HTTP method"
    target = request.get("path")
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or _unsafe(target):
        return "request.path must be a path starting with a single /"
    if not isinstance(request.get("query", ""), str) or _unsafe(request.get("query", "")):
        return "request.query must be a string"
    headers = request.get("headers", {})
    if not isinstance(headers, dict) or not _header_map(headers):
        return "request.headers must map header names to single-line Latin-1 strings"
    problem = _body_problem(request, "request")
    if problem:
        return problem
    if response is not None:
        if not isinstance(response, dict) or type(response.get("status")) is not int:
            return "response.status must be an integer"
        if not 100 <= response["status"] <= 599:
            return "response.status must be an HTTP status (100-599)"
        problem = _body_problem(response, "response")
        if problem:
            return problem
    violations = exchange.get("violations", [])
    if not isinstance(violations, list) or not all(
        isinstance(v, dict) and isinstance(v.get("path", ""), str) for v in violations
    ):
        return "violations must be a list of objects"
    return None


def _body_problem(part: dict[str, Any], name: str) -> str | None:
    if "bodyText" in part and not isinstance(part["bodyText"], str):
        return f"{name}.bodyText must be a string"
    if "bodyBase64" in part:
        if not isinstance(part["bodyBase64"], str) or decode_credential(part["bodyBase64"]) is None:
            return f"{name}.bodyBase64 must be base64 text"
    return None


def _header_map(headers: dict[Any, Any]) -> bool:
    """Whether every name is a token and every value a single-line Latin-1 string (a tab, legal in a value, too)."""
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        return False
    return all(_TOKEN.fullmatch(k) for k in headers) and not _unsafe("".join(headers.values()).replace("\t", " "))


_UNSAFE = re.compile("[\x00-\x1f\x7f\u0100-\U0010ffff]")


def _unsafe(text: str) -> bool:
    """Control characters, or characters HTTP/1.1 cannot carry (outside Latin-1)."""
    return _UNSAFE.search(text) is not None
