"""The mock's own answers: Juspay's error envelope for refused requests, and writing a JSON answer."""

from __future__ import annotations

import json
from typing import Any

from juspay_kit.wire import Send


class RequestError(Exception):
    """A request the mock refuses before any session rule runs; becomes a JuspayError body."""

    def __init__(self, status: int, code: str, message: str, field: str = "NA") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def juspay_error(status: int, code: str, message: str, field: str = "NA") -> dict[str, Any]:
    error_code = {401: "access_denied", 404: "not_found", 405: "method_not_allowed"}.get(status, "invalid_request")
    user_message = {401: "Unauthorized.", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "Invalid request.")
    category = "USER_ERROR"
    return {
        "status": "error",
        "error_code": error_code,
        "error_message": message,
        "error_info": {
            "code": code,
            "category": category,
            "user_message": user_message,
            "developer_message": message,
            "fields": field,
        },
    }


def reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


async def respond(send: Send, status: int, body: dict[str, Any], allow: bytes | None = None) -> None:
    # strict JSON: whatever a caller sent reaches an answer (the journal, the state) only once it is JSON-safe
    await respond_raw(send, status, json.dumps(body, allow_nan=False).encode(), allow)


async def respond_raw(send: Send, status: int, body: bytes, allow: bytes | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if allow is not None:
        headers.append((b"allow", allow))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
