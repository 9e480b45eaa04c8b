"""Traffic recordings in the ecosystem's formats: read, written, converted.

    read(path, fmt=None) -> Recording          HAR 1.2 (har.py), VCR.py cassettes (vcr.py), the kit's cassettes
    write(path, fmt, exchanges, header)        any of the three, masked, to a temporary sibling, then renamed
    convert(source, target)                    read, learn every secret, write masked (`juspay-convert`)
    recorder_for(path, header, redactor)       what `juspay-proxy --record` writes: HAR for *.har, else a cassette

Each exchange is the dict `recorded.py` describes (a kit cassette line plus `origin` and `ref`). The format is
found from the file: a JSON object with `log.entries` is a HAR, YAML or JSON with top-level `interactions`
a VCR.py cassette, a first line with `"format": "juspay-cassette"` the kit's; `fmt` forces it.

Memory is bounded: every input is at most MAX_CASSETTE_BYTES (512 MiB) and a body at most 16 MiB; a kit
cassette is streamed line by line, and a HAR or VCR.py cassette, being a single document, is read and parsed
whole (the exchanges are then made one at a time). A FIFO or a device is refused, never waited on. A fault is
a UsageError on one line naming the file and the position (`recorded.py`).

Conversion never unmasks, and masks what the source holds in clear (a HAR from mitmproxy carries the real
key): as the proxy does, with every secret of the whole recording learned before the first exchange is
written. The target is written to a temporary sibling and renamed over it; on any failure (or when it would be
larger than MAX_CASSETTE_BYTES, which no reader takes) it is untouched.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from juspay_visa_agentic_client.limits import MAX_JSON_DEPTH

from juspay_kit import __version__
from juspay_kit.errors import UsageError
from juspay_kit.proxy import cassette, har, vcr
from juspay_kit.proxy.recorded import Masker, base_origin, decoded, instant, lenient_origin, load_json, load_yaml
from juspay_kit.redact import Redactor
from juspay_kit.schema import hazard

FORMATS = ("har", "vcr", "kit")
SNIFF_BYTES = 64 * 1024  # read to find a kit cassette's header line
_KIT_HEADER = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"format"\s*:\s*"juspay-cassette"')
_WHAT = "recording"


@dataclass
class Recording:
    format: str  # "har", "vcr" or "kit"
    path: Path
    origin: str  # scheme://host[:port] most exchanges went to, or the kit cassette's upstream
    exchanges: Iterator[dict[str, Any]]  # made (and checked) one at a time; a fault is raised when reached
    size: int = 0  # entries of a HAR or VCR document (held whole in memory); 0 for a streamed kit cassette
    part: Callable[[int, int], Iterator[dict[str, Any]]] | None = None  # the exchanges of entries [start, stop)


def read(path: Path, fmt: str | None = None, raw: bytes | None = None) -> Recording:
    """The recording at `path`, its format found from the file unless `fmt` forces it. `raw`: the file's bytes
    as `whole` read them (processes that share a recording read it once, and each parses it)."""
    raw = whole(path, fmt) if raw is None else raw
    if raw is None:
        return _kit(path)
    text = decoded(raw, path)
    del raw
    document = _parsed(text, path)
    del text
    if fmt is None:
        fmt = _format_of(document)
        if fmt is None:
            raise UsageError(
                f"{path} is not a recording this kit reads: HAR 1.2 (log.entries), a VCR.py cassette "
                "(interactions) or a juspay-cassette (JSON Lines)"
            )
    if fmt == "har":
        origin, exchanges = har.exchanges(document, path)
        entries = har.entries(document)
        first = har.first_start(entries)
        return Recording(fmt, path, origin, exchanges, len(entries),
                         lambda start, stop: har.part(document, path, start, stop, first))  # fmt: skip
    origin, exchanges = vcr.exchanges(document, path)
    return Recording(fmt, path, origin, exchanges, len(vcr.entries(document)),
                     lambda start, stop: vcr.part(document, path, start, stop))  # fmt: skip


def _parsed(text: str, path: Path) -> Any:
    """The document, parsed in a thread of its own. The parsers recurse from where they are called: from the caller's
    stack, how deep a document may nest would depend on who reads it (a worker of `juspay-drift --jobs` is several
    frames deeper than its parent, the parent one deeper than --jobs 1), and so would the verdict."""
    outcome: list[tuple[Any, BaseException | None]] = []

    def parse() -> None:
        try:
            load = load_json if text.lstrip().startswith(("{", "[")) else load_yaml
            outcome.append((load(text, path), None))
        except BaseException as error:  # noqa: BLE001 - raised again in the caller
            outcome.append((None, error))

    parser = threading.Thread(target=parse, daemon=True)
    parser.start()
    parser.join()
    document, error = outcome[0]
    if error is not None:
        raise error
    return document


def whole(path: Path, fmt: str | None = None) -> bytes | None:
    """The bytes of a HAR or VCR.py file (at most MAX_CASSETTE_BYTES); None for a kit cassette, which is streamed."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown recording format {fmt!r}: this kit reads {', '.join(FORMATS)}")
    if fmt == "kit":
        return None
    with cassette.open_regular(path, _WHAT) as file:
        raw = file.read(SNIFF_BYTES)
        if fmt is None and _is_kit(raw):
            return None
        raw += file.read(cassette.MAX_CASSETTE_BYTES + 1 - len(raw))
    if len(raw) > cassette.MAX_CASSETTE_BYTES:
        raise UsageError(f"{path} is larger than {cassette.MAX_CASSETTE_BYTES} bytes; not a {_WHAT} this kit reads")
    return raw


def _is_kit(start: bytes) -> bool:
    line = start.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        first = json.loads(line)
    except (ValueError, RecursionError):
        return bool(_KIT_HEADER.match(start))
    return isinstance(first, dict) and first.get("format") == cassette.FORMAT


def _format_of(document: Any) -> str | None:
    if isinstance(document, dict) and isinstance(document.get("log"), dict) and "entries" in document["log"]:
        return "har"
    if isinstance(document, dict) and "interactions" in document:
        return "vcr"
    return None


def _kit(path: Path) -> Recording:
    lines = cassette.stream(path)
    _, header = next(lines)  # the header, or the UsageError saying why there is none
    upstream = str(header.get("upstream") or "")
    return Recording("kit", path, upstream, _kit_exchanges(path, lines, lenient_origin(upstream)))


def _kit_exchanges(path: Path, lines: Iterator[tuple[int, dict[str, Any]]], origin: str) -> Iterator[dict[str, Any]]:
    for number, record in lines:
        if "format" in record:  # the header of a later segment: its exchanges went to its own upstream
            origin = lenient_origin(str(record.get("upstream") or ""))
            continue
        problem = _kit_problem(record)
        if problem:
            raise UsageError(f"{path}:{number}: not an exchange this kit converts: {problem}")
        try:
            request = _shallow({"query": "", "headers": {}, **record["request"]})
            response = _shallow(record.get("response"))
        except RecursionError:
            raise UsageError(f"{path}:{number}: not an exchange this kit converts: a body nests too deeply") from None
        yield {"seq": record.get("seq", 0), "at": record.get("at", 0), "startedAt": record.get("startedAt"),
               "elapsedMs": record.get("elapsedMs"), "operation": record.get("operation"), "request": request,
               "response": response, "error": record.get("error"),
               "violations": record.get("violations", []), "origin": origin, "ref": f"line {number}"}  # fmt: skip


def _shallow(part: Any) -> Any:
    """An exchange's request or response, its JSON body nested past MAX_JSON_DEPTH levels or holding what no
    validator takes (`schema.hazard`) kept as `bodyText`, as the HAR and VCR.py readers keep one (the proxy
    records a server's answer as it came)."""
    body = part.get("body") if isinstance(part, dict) else None
    level, depth = [body] if isinstance(body, dict | list) else [], 0
    while level and depth < MAX_JSON_DEPTH:  # no recursion: the containers one level down, level by level
        level = [item for node in level for item in (node.values() if isinstance(node, dict) else node)
                 if isinstance(item, dict | list)]  # fmt: skip
        depth += 1
    if not level and hazard(body) is None:
        return part
    return {**{k: v for k, v in part.items() if k != "body"}, "bodyText": json.dumps(body)}  # a surrogate escaped


def _kit_problem(record: dict[str, Any]) -> str | None:
    """What a cassette line holds that replay does not read but a conversion writes (cassette.exchange_problem
    has judged the rest)."""
    started = record.get("startedAt")
    if started is not None and not (isinstance(started, str) and _instant(started)):
        return "startedAt must be an ISO 8601 date-time or null"
    elapsed = record.get("elapsedMs")
    if elapsed is not None and (
        isinstance(elapsed, bool) or not isinstance(elapsed, int | float) or not 0 <= elapsed < 1e15
    ):
        return "elapsedMs must be a non-negative number or null"
    if not isinstance(record.get("error"), str | None):
        return "error must be a string or null"
    headers = record["response"].get("headers", {}) if isinstance(record.get("response"), dict) else {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        return "response.headers must map header names to strings"
    return None


def _instant(text: str) -> bool:
    try:
        return instant(text, Path(), "") is not None
    except UsageError:
        return False


def format_for(path: Path) -> str:
    """The format a file is written in, from its name: .har, .yaml/.yml (VCR.py), anything else the kit's."""
    return {".har": "har", ".yaml": "vcr", ".yml": "vcr"}.get(path.suffix.lower(), "kit")


def recorder_for(path: Path, header: dict[str, Any], redactor: Redactor) -> cassette.Recorder:
    """The writer `juspay-proxy --record` uses: HAR 1.2 for a name ending in .har (any case), else a cassette."""
    if path.suffix.lower() == ".har":
        return har.HarWriter(path, header, redactor)
    return cassette.CassetteWriter(path, header, redactor)


# ---- writing -----------------------------------------------------------------------------------------------


def write(
    path: Path, fmt: str, exchanges: Iterable[dict[str, Any]], header: dict[str, Any], masker: Masker | None = None
) -> int:
    """Write `exchanges` in `fmt`, masked (by `masker`, which may have learned the secrets already), to a
    temporary sibling renamed over `path`; the number written. `header` is the kit cassette's header line
    (its `upstream` the origin of an exchange that names none)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown recording format {fmt!r}: this kit writes {', '.join(FORMATS)}")
    masker = masker or Masker()
    writer = {"har": _write_har, "vcr": _write_vcr, "kit": _write_kit}[fmt]
    return _replace(path, lambda file: writer(file, _masked(path, exchanges, masker), header, masker.redactor))


def _masked(path: Path, exchanges: Iterable[dict[str, Any]], masker: Masker) -> Iterator[dict[str, Any]]:
    for exchange in exchanges:
        try:
            yield masker.mask(exchange)
        except RecursionError:
            raise UsageError(f"cannot write {path}: {exchange.get('ref')} nests too deeply") from None


def _write_kit(file: BinaryIO, exchanges: Iterator[dict[str, Any]], header: dict[str, Any], redactor: Redactor) -> int:
    file.write(cassette.line_of({"format": cassette.FORMAT, "version": cassette.VERSION, **header}, redactor))
    count = 0
    for exchange in exchanges:
        file.write(cassette.line_of({k: v for k, v in exchange.items() if k not in ("origin", "ref")}, redactor))
        count += 1
    return count


def _write_har(file: BinaryIO, exchanges: Iterator[dict[str, Any]], header: dict[str, Any], redactor: Redactor) -> int:
    file.write(har.head(redactor.value(header)))
    origin, count = base_origin(header.get("upstream")), 0
    for exchange in exchanges:
        file.write((b",\n" if count else b"\n") + har.encoded(har.entry(exchange, origin)))
        count += 1
    file.write(har.CLOSING)
    return count


def _write_vcr(file: BinaryIO, exchanges: Iterator[dict[str, Any]], header: dict[str, Any], redactor: Redactor) -> int:
    origin, count = base_origin(header.get("upstream")), 0
    for exchange in exchanges:
        item = vcr.interaction(exchange, origin)
        if item is not None:
            file.write((b"" if count else vcr.START) + vcr.dump(item))
            count += 1
    file.write((b"" if count else vcr.EMPTY) + vcr.END)
    return count


def _replace(path: Path, produce: Callable[[BinaryIO], int]) -> int:
    """`produce` writes a temporary sibling, renamed over `path` once whole; removed on any failure."""
    try:
        found: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    if found is not None and not stat.S_ISREG(found.st_mode):
        why = "it is a symlink" if stat.S_ISLNK(found.st_mode) else "not a regular file"
        raise UsageError(f"cannot write {path}: {why}; it was left as it was")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        with os.fdopen(fd, "wb") as file:
            count = produce(file)
            if file.tell() > cassette.MAX_CASSETTE_BYTES:  # masked, it grew past what every reader takes
                raise UsageError(f"cannot write {path}: larger than {cassette.MAX_CASSETTE_BYTES} bytes once masked")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    except BaseException:
        _remove(temporary)
        raise
    return count


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@dataclass
class Converted:
    count: int  # exchanges written
    source_format: str
    target_format: str
    left_out: int  # exchanges the target format has no place for (VCR.py: one that got no answer)


def convert(
    source: Path, target: Path, source_format: str | None = None, target_format: str | None = None
) -> Converted:
    """Read `source`, learn every secret it holds (and find any fault) before writing, then write `target`
    masked. `target_format` defaults to the one its name says (`format_for`)."""
    fmt = target_format or format_for(target)
    if fmt not in FORMATS:
        raise UsageError(f"unknown recording format {fmt!r}: this kit writes {', '.join(FORMATS)}")
    recording = read(source, source_format)
    masker, total = Masker(), 0
    for exchange in recording.exchanges:
        try:
            masker.learn(exchange)
        except RecursionError:
            raise UsageError(f"{source}: {exchange.get('ref')}: nests too deeply") from None
        total += 1
    again = read(source, recording.format)
    header = {
        "upstream": recording.origin,
        "recordedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "kit": __version__,
        "convertedFrom": recording.format,
    }
    count = write(target, fmt, again.exchanges, header, masker)
    return Converted(count, recording.format, fmt, total - count)
