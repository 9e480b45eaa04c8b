"""VCR.py cassettes (pytest-recording writes YAML; vcrpy also has a JSON serializer): read into exchanges
(`recorded.py`) and written as vcrpy writes them.

    interactions:
    - request: {body: STR | !!binary | null, headers: {Name: [value, ...]}, method: POST, uri: URL}
      response: {body: {string: STR | !!binary}, headers: {Name: [value, ...]}, status: {code: 200, message: OK}}
    version: 1

A cassette is one document, parsed whole (under the recordings' size cap) with the safe loader only, and
refused when its aliases would expand it (`recorded.load_yaml`). Older httpx cassettes (`status_code`,
`content`) are read too. VCR.py keeps no timing: `at` is 0, `startedAt` and `elapsedMs` unknown. An exchange
without an answer has no place in a VCR.py cassette and is left out when one is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from juspay_kit.proxy.recorded import (
    body_text,
    bytes_fields,
    checked,
    fault,
    header_text,
    joined,
    lenient_origin,
    phrase,
    split_url,
    text_fields,
    url_of,
)

_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def exchanges(document: Any, path: Path) -> tuple[str, Iterator[dict[str, Any]]]:
    """(the origin most interactions went to; the exchanges, checked one by one)."""
    interactions = document.get("interactions") if isinstance(document, dict) else None
    if not isinstance(interactions, list):
        raise fault(path, "interactions", "must be a list")
    origins = Counter(o for item in interactions if (o := lenient_origin(_uri(item))))
    return (origins.most_common(1)[0][0] if origins else ""), _read(interactions, path)


def _uri(item: Any) -> Any:
    return item["request"].get("uri") if isinstance(item, dict) and isinstance(item.get("request"), dict) else None


def entries(document: Any) -> list[Any]:
    """The interactions of a VCR.py cassette `exchanges` accepted."""
    return list(document["interactions"])


def part(document: Any, path: Path, start: int, stop: int) -> Iterator[dict[str, Any]]:
    """The exchanges of interactions [start, stop) (a share of the work of judging a large recording)."""
    return _read(document["interactions"][start:stop], path, start)


def _read(interactions: list[Any], path: Path, offset: int = 0) -> Iterator[dict[str, Any]]:
    for index, item in enumerate(interactions, offset):
        yield checked(_exchange(item, f"interactions[{index}]", path, index + 1), path)


def _exchange(item: Any, ref: str, path: Path, seq: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise fault(path, ref, "must be an object")
    request = item.get("request")
    if not isinstance(request, dict):
        raise fault(path, f"{ref}.request", "must be an object")
    if not isinstance(request.get("method"), str):
        raise fault(path, f"{ref}.request.method", "must be a string")
    origin, target, query = split_url(request.get("uri"), path, f"{ref}.request.uri")
    sent = {"method": request["method"], "path": target, "query": query,
            "headers": _headers(request.get("headers"), path, f"{ref}.request.headers"),
            **_body(request.get("body"), path, f"{ref}.request.body")}  # fmt: skip
    response, error = _response(item.get("response"), path, f"{ref}.response")
    return {"seq": seq, "at": 0, "startedAt": None, "elapsedMs": None, "operation": None, "request": sent,
            "response": response, "error": error, "violations": [], "origin": origin, "ref": ref}  # fmt: skip


def _headers(headers: Any, path: Path, where: str) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise fault(path, where, "must map header names to lists of values")
    pairs = []
    for name, values in headers.items():
        if not isinstance(name, str):
            raise fault(path, where, "header names must be strings")
        for value in values if isinstance(values, list) else [values]:
            pairs.append((name, header_text(value, path, f"{where}[{name[:40]!r}]")))
    return joined(pairs)


def _body(body: Any, path: Path, where: str) -> dict[str, Any]:
    if body is None:
        return {}
    if isinstance(body, dict) and "string" in body:
        return _body(body["string"], path, f"{where}.string")
    if isinstance(body, bytes):
        return bytes_fields(body, path, where)
    if isinstance(body, str):
        return text_fields(body, path, where)
    raise fault(path, where, "must be a string, !!binary bytes or {string: ...}")


def _response(answer: Any, path: Path, where: str) -> tuple[dict[str, Any] | None, str | None]:
    if answer is None:
        return None, "no answer was recorded"
    if not isinstance(answer, dict):
        raise fault(path, where, "must be an object")
    if "status_code" in answer:  # vcrpy's older httpx cassettes
        code, spot, body = answer["status_code"], f"{where}.status_code", answer.get("content")
    else:
        status = answer.get("status")
        code = status.get("code") if isinstance(status, dict) else status
        spot, body = f"{where}.status.code", answer.get("body", answer.get("content"))
    if isinstance(code, bool) or not isinstance(code, int):
        raise fault(path, spot, "must be an integer")
    if not 100 <= code <= 599:
        raise fault(path, spot, "must be an HTTP status (100-599)")
    fields = _body(body, path, f"{where}.body")
    return {"status": code, "headers": _headers(answer.get("headers"), path, f"{where}.headers"), **fields}, None


# ---- writing -----------------------------------------------------------------------------------------------

START = b"interactions:\n"
END = b"version: 1\n"
EMPTY = b"interactions: []\n"


def interaction(record: dict[str, Any], origin: str) -> dict[str, Any] | None:
    """The VCR.py interaction of an exchange (already masked), or None when it got no answer."""
    response = record.get("response")
    if not isinstance(response, dict):
        return None
    request = record.get("request") or {}
    target = url_of(str(record.get("origin") or origin), str(request.get("path")), str(request.get("query") or ""))
    answer = _carried(response)
    return {
        "request": {"body": _carried(request), "headers": _lists(request.get("headers")),
                    "method": request.get("method"), "uri": target},
        "response": {"body": {"string": "" if answer is None else answer}, "headers": _lists(response.get("headers")),
                     "status": {"code": response.get("status"), "message": phrase(response.get("status"))}},
    }  # fmt: skip


def _carried(fields: dict[str, Any]) -> str | bytes | None:
    """A body as YAML can carry it: YAML has no lone surrogate, so JSON holding one is written with it escaped,
    and other text as its bytes (read back as bodyBase64)."""
    text = body_text(fields)[0]
    if isinstance(text, str):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(fields["body"]) if "body" in fields else text.encode("utf-8", "surrogatepass")
    return text


def _lists(headers: Any) -> dict[str, list[str]]:
    """Headers as vcrpy lists them; a lone surrogate (a HAR's JSON can hold one, YAML cannot) as its escape."""
    return {_text(name): [_text(value)] for name, value in (headers or {}).items()}


def _text(value: Any) -> str:
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def dump(item: dict[str, Any]) -> bytes:
    """One interaction as the YAML vcrpy writes (`yaml.dump` of the cassette, a list item under `interactions`)."""
    data: bytes = yaml.dump([item], Dumper=_DUMPER, default_flow_style=False, encoding="utf-8")
    return data
