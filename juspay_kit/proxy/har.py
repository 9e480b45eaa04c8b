"""HAR 1.2, as Chromium's DevTools, mitmproxy (`--set hardump=FILE`) and Redocly's proxy write it: read into
exchanges (`recorded.py`), and written by `juspay-proxy --record FILE.har` and `juspay-convert`.

Reading: a HAR is one JSON document, parsed whole (under the recordings' size cap). Each entry of `log.entries`
is one exchange: `request.url` gives its origin, path and query, `request.postData.text` its body,
`response.content.text` the answer's (base64 when `content.encoding` is "base64"); a `response.status` of 0,
or no response, is no answer (its `_error`, as Chromium writes it, is the error). An entry that is not HTTP
(a websocket, a data: or blob: URL) is left out; any other URL that is not http(s), or has no path, is a
fault of its entry. `at` counts from the earliest `startedDateTime`, `elapsedMs` is the entry's `time`.

Writing: `log.version` "1.2", `log.creator` juspay-kit, one entry per exchange (`_juspay` keeps what HAR has
no field for: seq, at, operation, violations, error; `log._juspay` the recording's header). The file ends
with CLOSING after every write, so it is a valid HAR whenever it is read.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from juspay_kit import __version__
from juspay_kit.errors import UsageError
from juspay_kit.proxy import cassette
from juspay_kit.proxy.recorded import (
    MAX_BODY_BYTES,
    base64_fields,
    base_origin,
    body_text,
    checked,
    fault,
    header_text,
    instant,
    joined,
    lenient_origin,
    number,
    phrase,
    split_url,
    text_fields,
    url_of,
)
from juspay_kit.redact import Redactor

CREATOR = {"name": "juspay-kit", "version": __version__}
SIGNATURE = b'{"log":{"version":"1.2","creator":{"name":"juspay-kit",'  # how a HAR this kit wrote begins
CLOSING = b"\n]}}\n"  # and ends, after every write
EPOCH = "1970-01-01T00:00:00.000Z"  # startedDateTime of an exchange recorded without one (VCR.py keeps none)
_UTC_LAYOUT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")  # digits in fixed places: text order is time order
_NOT_HTTP = {"ws", "wss", "data", "blob", "about", "chrome-extension", "moz-extension"}
_OWN = ("seq", "at", "operation", "violations", "error")
LOCK_WAIT = 0.5  # seconds a write waits for another recorder's lock on the file; then recording stops


def exchanges(document: Any, path: Path) -> tuple[str, Iterator[dict[str, Any]]]:
    """(the origin most entries went to, or the recording's upstream; the exchanges, checked one by one)."""
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict):
        raise fault(path, "log", "missing: not a HAR file")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise fault(path, "log.entries", "must be a list")
    upstream = log["_juspay"].get("upstream") if isinstance(log.get("_juspay"), dict) else None
    origins = Counter(o for e in entries if (o := lenient_origin(_url(e))))
    origin = upstream if isinstance(upstream, str) else (origins.most_common(1)[0][0] if origins else "")
    return origin, _all(entries, path)


def _all(entries: list[Any], path: Path) -> Iterator[dict[str, Any]]:
    yield from _read(entries, path, first_start(entries))  # when first asked for: a shared recording never is


def first_start(entries: list[Any]) -> datetime | None:
    """The earliest startedDateTime among the entries: each exchange's `at` counts from it. When every entry
    gives one in UTC in one layout ("2026-12-06T10:00:00.000Z", as browsers and mitmproxy write them), the
    earliest is the least in text order, and only it is parsed."""
    texts = [entry.get("startedDateTime") if isinstance(entry, dict) else None for entry in entries]
    layout = texts[0] if texts and isinstance(texts[0], str) else ""
    if layout and all(isinstance(t, str) and len(t) == len(layout) and _UTC_LAYOUT.fullmatch(t) for t in texts):
        first = _started({"startedDateTime": min(str(t) for t in texts)})
        if first is not None:  # else the least is no date ("0000-..." of an entry left out): each is parsed
            return first
    starts = [moment for entry in entries if (moment := _started(entry)) is not None]
    return min(starts) if starts else None


def _url(entry: Any) -> Any:
    return entry["request"].get("url") if isinstance(entry, dict) and isinstance(entry.get("request"), dict) else None


def _started(entry: Any) -> datetime | None:
    try:
        return instant(entry.get("startedDateTime"), Path(), "") if isinstance(entry, dict) else None
    except UsageError:
        return None


def entries(document: Any) -> list[Any]:
    """The entries of a HAR document `exchanges` accepted."""
    return list(document["log"]["entries"])


def part(document: Any, path: Path, start: int, stop: int, first: datetime | None) -> Iterator[dict[str, Any]]:
    """The exchanges of entries [start, stop) (a share of the work of judging a large recording), their `at`
    counted from `first` (`first_start` of all the entries)."""
    return _read(document["log"]["entries"][start:stop], path, first, start)


def _read(entries: list[Any], path: Path, first: datetime | None, offset: int = 0) -> Iterator[dict[str, Any]]:
    seq = offset
    for index, entry in enumerate(entries, offset):
        exchange = _exchange(entry, f"log.entries[{index}]", path, first, seq + 1)
        if exchange is not None:
            seq += 1
            yield checked(exchange, path)


def _exchange(entry: Any, ref: str, path: Path, first: datetime | None, seq: int) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        raise fault(path, ref, "must be an object")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise fault(path, f"{ref}.request", "must be an object")
    url = request.get("url")
    if entry.get("_resourceType") == "websocket" or (isinstance(url, str) and _scheme(url) in _NOT_HTTP):
        return None
    if not isinstance(request.get("method"), str):
        raise fault(path, f"{ref}.request.method", "must be a string")
    origin, target, query = split_url(url, path, f"{ref}.request.url")
    sent = {"method": request["method"], "path": target, "query": query,
            "headers": _headers(request, path, f"{ref}.request"),
            **_post_data(request.get("postData"), path, f"{ref}.request.postData")}  # fmt: skip
    response, error = _response(entry.get("response"), path, f"{ref}.response")
    started = instant(entry.get("startedDateTime"), path, f"{ref}.startedDateTime")
    own = entry["_juspay"] if isinstance(entry.get("_juspay"), dict) else {}
    at = round((started - first).total_seconds(), 3) if started and first else 0
    return {
        "seq": own.get("seq", seq),
        "at": own.get("at", at),
        "startedAt": entry["startedDateTime"] if started else None,
        "elapsedMs": number(entry.get("time"), path, f"{ref}.time"),
        "operation": own.get("operation"),
        "request": sent,
        "response": response,
        "error": own["error"] if isinstance(own.get("error"), str) else error,
        "violations": own.get("violations", []),
        "origin": origin,
        "ref": ref,
    }


def _scheme(url: str) -> str:
    scheme, colon, _ = url.partition(":")
    return scheme.lower() if colon else ""


def _headers(part: dict[str, Any], path: Path, where: str) -> dict[str, str]:
    listed = part.get("headers", [])
    if not isinstance(listed, list):
        raise fault(path, f"{where}.headers", "must be a list")
    pairs = []
    for index, header in enumerate(listed):
        if isinstance(header, dict) and isinstance(header.get("name"), str) and isinstance(header.get("value"), str):
            pairs.append((header["name"], header["value"]))  # the common case, without building its position
            continue
        spot = f"{where}.headers[{index}]"
        if not isinstance(header, dict) or not isinstance(header.get("name"), str):
            raise fault(path, spot, "must be an object with a name and a value")
        pairs.append((header["name"], header_text(header.get("value"), path, f"{spot}.value")))
    return joined(pairs)


def _post_data(data: Any, path: Path, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fault(path, where, "must be an object")
    return _content(data.get("text"), data.get("encoding", data.get("_encoding")), path, where)


def _content(text: Any, encoding: Any, path: Path, where: str) -> dict[str, Any]:
    if text is None:
        return {}
    if encoding == "base64":
        return base64_fields(text, path, f"{where}.text")
    if encoding not in (None, ""):
        raise fault(path, f"{where}.encoding", "must be base64 when present")
    if not isinstance(text, str):
        raise fault(path, f"{where}.text", "must be a string")
    return text_fields(text, path, f"{where}.text")


def _response(answer: Any, path: Path, where: str) -> tuple[dict[str, Any] | None, str | None]:
    if answer is None:
        return None, "no answer was recorded"
    if not isinstance(answer, dict):
        raise fault(path, where, "must be an object")
    status = answer.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise fault(path, f"{where}.status", "must be an integer")
    if status == 0:
        why = answer.get("_error")
        return None, why if isinstance(why, str) and why else "no answer (status 0)"
    if not 100 <= status <= 599:
        raise fault(path, f"{where}.status", "must be an HTTP status (100-599), or 0 for no answer")
    content = answer.get("content", {})
    if not isinstance(content, dict):
        raise fault(path, f"{where}.content", "must be an object")
    fields = _content(content.get("text"), content.get("encoding"), path, f"{where}.content")
    return {"status": status, "headers": _headers(answer, path, where), **fields}, None


# ---- writing -----------------------------------------------------------------------------------------------


def encoded(data: Any) -> bytes:
    """Compact JSON as UTF-8; a lone surrogate (which UTF-8 cannot carry) escaped, as JSON allows."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def head(header: dict[str, Any]) -> bytes:
    """The start of a HAR this kit writes, up to its first entry."""
    return b'{"log":{"version":"1.2","creator":' + encoded(CREATOR) + b',"_juspay":' + encoded(header) + b',"entries":['


def entry(record: dict[str, Any], origin: str) -> dict[str, Any]:
    """The HAR entry of an exchange (already masked); its URL under its own origin, else `origin` (`base_origin`)."""
    request = record.get("request") or {}
    headers = request.get("headers") or {}
    query = str(request.get("query") or "")
    text, size = body_text(request)
    sent: dict[str, Any] = {
        "method": request.get("method"),
        "url": url_of(str(record.get("origin") or origin), str(request.get("path")), query),
        "httpVersion": "HTTP/1.1", "headers": _pairs(headers),
        "queryString": [{"name": n, "value": v} for n, v in parse_qsl(query, keep_blank_values=True)],
        "cookies": [], "headersSize": -1, "bodySize": size,
    }  # fmt: skip
    if isinstance(text, bytes):
        sent["postData"] = {"mimeType": headers.get("content-type", ""), "text": base64.b64encode(text).decode(),
                            "_encoding": "base64"}  # fmt: skip
    elif text is not None:
        sent["postData"] = {"mimeType": headers.get("content-type", ""), "text": text}
    elapsed = record.get("elapsedMs")
    wait = elapsed if isinstance(elapsed, int | float) and not isinstance(elapsed, bool) else 0
    return {
        "startedDateTime": record.get("startedAt") or EPOCH, "time": wait, "request": sent,
        "response": _answer(record.get("response"), record.get("error")), "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "_juspay": {key: record[key] for key in _OWN if record.get(key) is not None},
    }  # fmt: skip


def _pairs(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers.items()]


def _answer(response: Any, error: Any) -> dict[str, Any]:
    if not isinstance(response, dict):
        return {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "_error": str(error or "no answer")}  # fmt: skip
    headers = response.get("headers") or {}
    text, size = body_text(response)
    content: dict[str, Any] = {"size": size, "mimeType": headers.get("content-type", "")}
    if isinstance(text, bytes):
        content |= {"text": base64.b64encode(text).decode(), "encoding": "base64"}
    elif text is not None:
        content["text"] = text
    status = response.get("status")
    return {"status": status, "statusText": phrase(status), "httpVersion": "HTTP/1.1", "headers": _pairs(headers),
            "cookies": [], "content": content, "redirectURL": headers.get("location", ""), "headersSize": -1,
            "bodySize": size}  # fmt: skip


def is_har(path: Path) -> bool:
    """Whether `path` holds a HAR this kit wrote: its exact opening and closing."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SIGNATURE))
            file.seek(-len(CLOSING), os.SEEK_END)
            return start == SIGNATURE and file.read() == CLOSING
    except OSError:
        return False


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    """The file to ourselves: another proxy recording into it waits its turn (each of its writes is one short
    lock). A lock held past LOCK_WAIT (another program's) is an OSError: the proxy's traffic never waits on it."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise OSError(errno.EAGAIN, "another program holds a lock on the file") from None
            time.sleep(0.005)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class HarWriter:
    """Records exchanges as HAR 1.2, masked as a cassette is (`Redactor.value` of every record), the file a
    valid HAR after every write: each entry is written with CLOSING after it, over the previous CLOSING, in one
    write, under a lock on the file and after reading how it ends, so that two proxies recording into one file
    take turns. A write that fails (a full disk, a lock held past LOCK_WAIT, a file no longer ending as this kit
    writes it), or would make a file the readers refuse (over MAX_CASSETTE_BYTES, or a body over MAX_BODY_BYTES
    once masked), leaves the file ending with its last whole entry (CLOSING put back), and recording stops with
    `failed` set; the proxy goes on forwarding. An existing file is appended to only when this kit wrote it (its
    header stays the first run's); a symlink, a FIFO, a device or any other file is refused before anything is
    written, and left as it was.
    """

    def __init__(self, path: Path, header: dict[str, Any], redactor: Redactor) -> None:
        self.path = path
        self.failed: str | None = None
        self._redactor = redactor
        self._lock = threading.Lock()
        self._origin = base_origin(header.get("upstream"))
        self._fd = cassette.open_for_append(path, is_har, "HAR file", "HAR file this kit wrote", append=False)
        try:
            with _locked(self._fd):
                if not os.fstat(self._fd).st_size:
                    self._put(head(redactor.value(header)), 0)
        except OSError as exc:
            self.failed = exc.strerror or type(exc).__name__
        except BaseException:
            self.close()
            raise
        if self.failed:
            self.close()
            raise UsageError(f"cannot write the HAR file {path}: {self.failed}")

    def write(self, record: dict[str, Any]) -> None:
        masked = self._redactor.value(record)
        for side in ("request", "response"):  # a binary body is masked in its bytes (body_fields), never as base64
            if isinstance(record.get(side), dict) and "bodyBase64" in record[side]:  # text: it would not decode
                masked[side]["bodyBase64"] = record[side]["bodyBase64"]
        made = entry(masked, self._origin)
        data = encoded(made)
        body = max(made["request"]["bodySize"], made["response"]["bodySize"])
        with self._lock:
            if self.failed or self._fd < 0:
                return
            try:
                with _locked(self._fd):
                    self._append(data, body)
            except OSError as exc:
                self.failed = exc.strerror or type(exc).__name__

    def _append(self, data: bytes, body: int) -> None:
        """Under the file's lock: `data` as the last entry, if the file still ends as this kit writes it."""
        end = os.lseek(self._fd, 0, os.SEEK_END)
        tail = os.pread(self._fd, len(CLOSING) + 1, max(0, end - len(CLOSING) - 1))
        if len(tail) <= len(CLOSING) or not tail.endswith(CLOSING):
            self.failed = "another program changed the file: it no longer ends as a HAR this kit writes"
            return
        if end + len(data) + 2 > cassette.MAX_CASSETTE_BYTES or body > MAX_BODY_BYTES:
            self.failed = (f"the next entry would pass what the kit reads ({cassette.MAX_CASSETTE_BYTES} "
                           f"bytes, {MAX_BODY_BYTES} a body)")  # fmt: skip
            return
        self._put((b"\n" if tail.startswith(b"[") else b",\n") + data, end - len(CLOSING))

    def _put(self, data: bytes, offset: int) -> None:
        """`data` and CLOSING written at `offset`; on failure, the file cut back there and CLOSING put back."""
        payload = data + CLOSING
        try:
            if os.pwrite(self._fd, payload, offset) != len(payload):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            self.failed = exc.strerror or type(exc).__name__
            try:
                os.ftruncate(self._fd, offset)
                if offset:
                    os.pwrite(self._fd, CLOSING, offset)
            except OSError:
                pass

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
