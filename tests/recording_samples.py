"""Recordings as other tools write them, for tests/test_recordings.py: a HAR as Chromium's DevTools exports it, one
as mitmproxy's hardump writes it (the real key and OTP in clear), a VCR.py cassette as vcrpy writes it for httpx,
and a small kit cassette."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from juspay_kit import api
from tests import broken_servers
from tests.test_proxy import KEY, MERCHANT, trigger_body, validate_body

BASIC = api.encode_basic(KEY)
OTP = "482913"
PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


def _h(**pairs: str) -> list[dict[str, str]]:
    return [{"name": name.replace("_", "-"), "value": value} for name, value in pairs.items()]


def _entry(url: str, start: str, method: str = "POST", text: str | None = None, **response: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "http/2.0", "headers": [],
                               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0}  # fmt: skip
    if text is not None:
        request["postData"] = {"mimeType": "application/json", "text": text}
    answer = {"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [], "cookies": [],
              "content": {"size": 0, "mimeType": "application/json"}, "redirectURL": "", "headersSize": -1,
              "bodySize": -1, "_transferSize": 300, "_error": None} | response  # fmt: skip
    return {"_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch", "cache": {},
            "connection": "443", "pageref": "page_1", "request": request, "response": answer,
            "serverIPAddress": "10.0.0.1", "startedDateTime": start, "time": 12.5,
            "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 11,
                        "receive": 0.4}}  # fmt: skip


def chromium() -> dict[str, Any]:
    """A HAR shaped as Chromium's DevTools exports it: HTTP/2 pseudo-headers, a websocket, a refused fetch."""
    trigger = _entry("https://sandbox.juspay.in/initiateVerification?source=web&x=1", "2025-03-01T10:00:01.000Z",
                     text=json.dumps(trigger_body("s-1")))  # fmt: skip
    trigger["request"]["headers"] = _h(**{":authority": "sandbox.juspay.in", ":method": "POST"},
                                       content_type="application/json", accept="application/json")  # fmt: skip
    trigger["request"]["headers"] += _h(Accept="text/plain")
    trigger["response"]["content"] |= {"text": json.dumps(broken_servers.TRIGGER_SENT), "size": 90}
    socket = _entry("wss://sandbox.juspay.in/socket", "2025-03-01T10:00:02.000Z", "GET", status=101)
    socket |= {"_resourceType": "websocket", "_webSocketMessages": [{"type": "send", "time": 1, "data": "hi"}]}
    refused = _entry("https://sandbox.juspay.in/validateOtp", "2025-03-01T10:00:03.500Z", text="{}", status=0,
                     _error="net::ERR_CONNECTION_REFUSED")  # fmt: skip
    page = _entry("http://localhost:3000/", "2025-03-01T10:00:00.000Z", "GET", headers=_h(content_type="text/html"))
    page["response"]["content"] = {"size": 13, "mimeType": "text/html", "text": "<html></html>"}
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "pages": [{"startedDateTime": "2025-03-01T10:00:00.000Z", "id": "page_1", "title": "app",
                               "pageTimings": {}}], "entries": [trigger, socket, refused, page]}}  # fmt: skip


def mitmproxy() -> dict[str, Any]:
    """A HAR as mitmproxy's hardump writes it, with the real key and the OTP in clear; answers in base64."""
    sent = _h(Authorization="Basic " + BASIC, content_type="application/json", x_merchantid=MERCHANT)
    inbox = _entry("http://127.0.0.1:8765/__mock__/inbox?clientReferenceId=s-1", "2025-03-01T10:00:00.5+00:00", "GET")
    said = json.dumps({"message": f"your code is {OTP}"}).encode()  # before the request that sends it
    inbox["response"]["content"] = {"size": len(said), "mimeType": "application/json", "encoding": "base64",
                                    "text": base64.b64encode(said).decode()}  # fmt: skip
    bind = _entry(f"http://127.0.0.1:8765/validateOtp?key={KEY}", "2025-03-01T10:00:01+00:00",
                  text=json.dumps(validate_body("s-1", OTP)))  # fmt: skip
    bind["request"]["headers"] = sent
    bind["response"]["headers"] = _h(Set_Cookie="a=1", content_type="application/json") + _h(Set_Cookie="b=2")
    logo = _entry("http://127.0.0.1:8765/logo.png", "2025-03-01T10:00:02+00:00", "GET")
    logo["response"]["content"] = {"size": len(PNG), "mimeType": "image/png", "encoding": "base64",
                                   "text": base64.b64encode(PNG).decode()}  # fmt: skip
    return {"log": {"version": "1.2", "creator": {"name": "mitmproxy", "version": "11.0.2"}, "pages": [],
                    "entries": [inbox, bind, logo]}}  # fmt: skip


SENT = json.dumps(trigger_body("s-1")).encode()
VCRPY = f"""interactions:
- request:
    body: !!binary |
      {base64.b64encode(SENT).decode()}
    headers:
      accept:
      - '*/*'
      authorization:
      - Basic {BASIC}
      content-type:
      - application/json
    method: POST
    uri: http://127.0.0.1:8765/initiateVerification
  response:
    body:
      string: '{{"status": "SUCCESS", "errorCode": null}}'
    headers:
      content-type:
      - application/json
      x-many:
      - one
      - two
    http_version: HTTP/1.1
    status:
      code: 200
      message: OK
- request:
    body: null
    headers: {{}}
    method: GET
    uri: http://127.0.0.1:8765/__mock__/health?verbose=1
  response:
    content: ok
    headers: {{}}
    status_code: 204
version: 1
"""


def kit_cassette(path: Path) -> Path:
    path.write_text(kit_lines())
    return path


def kit_lines() -> str:
    """Three exchanges: a JSON, a text and a binary body, a query, no body."""
    lines: list[dict[str, Any]] = [{"format": "juspay-cassette", "version": 1, "upstream": "http://127.0.0.1:8765"}]
    bodies: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("", {"body": trigger_body("s-1")}, {"body": broken_servers.TRIGGER_SENT}),
        ("a=1&b=x%20y", {"bodyText": "plain text"}, {"bodyBase64": base64.b64encode(PNG).decode()}),
        ("", {}, {"bodyText": "not json {"}),
    ]
    for seq, (query, fields, answer) in enumerate(bodies, 1):
        request = {"method": "POST", "path": f"/op{seq}", "query": query, "headers": {"x-merchantid": "m"}, **fields}
        lines.append({"seq": seq, "at": seq / 2, "startedAt": "2025-03-01T10:00:00.000Z", "elapsedMs": 2.5,
                      "operation": None, "request": request, "response": {"status": 200 + seq, "headers": {},
                      **answer}, "error": None, "violations": []})  # fmt: skip
    return "".join(json.dumps(line) + "\n" for line in lines)
