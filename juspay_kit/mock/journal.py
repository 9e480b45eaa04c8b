"""The mock's journal of API calls: each call is recorded when it arrives, with its body, and its answer (status,
refusal code, body) is added when it leaves, so a call held by a delay fault is visible while it waits.

Epochs: a reset or a clear starts a new epoch; a call that arrived before it is never shown after it, and its
late answer is dropped. Calls the `juspay_mock` fixture makes itself carry FIXTURE_HEADER: they are tagged
`"fixture": true` (the header is not shown) and the fixture leaves them out of `requests()` unless asked.

Secrets are masked when written, with the kit's bounded `Redactor`: Authorization and the other secret headers
by place, every field the spec marks `x-juspay-secret` (the OTP, the credentials) by name, and, in any header,
the path and any field of either body, the API key (in its encodings, Basic included) and every credential the
mock issued or saw in its field, down to 8-character pieces.

Bounds: the last JOURNAL_SIZE calls and at most JOURNAL_BYTES bytes of them (counted as the Python strings
held, headers, path and both bodies), each body at most MAX_JOURNAL_BODY characters; the oldest calls go first
and `dropped` counts them. Bodies are held as masked JSON text, so a body costs its size, not the size of its
parsed objects.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from dataclasses import dataclass
from typing import Any

from juspay_kit import api, schema
from juspay_kit.mock.answers import RequestError, reject_constant
from juspay_kit.mock.double import JOURNAL_SIZE, MAX_JOURNAL_BODY, now_iso, shown_headers
from juspay_kit.redact import Redactor, mask_fields_in_text
from juspay_kit.wire import Message, Receive, Scope, Send

JOURNAL_BYTES = 8 * 1024 * 1024
FIXTURE_HEADER = "x-juspay-mock-fixture"  # sent by the fixture's own calls (provisioned_card); never shown
_ENTRY_OVERHEAD = 1024  # the entry's objects beyond its strings, counted against JOURNAL_BYTES


@dataclass(eq=False)
class Entry:
    seq: int  # the call's number since the journal was last cleared (dropped calls included)
    epoch: int  # -1 once pushed out: a late answer is not counted
    operation: str | None
    method: str
    path: str
    headers: dict[str, str]
    fixture: bool
    received_at: str
    body: str | None = None  # masked JSON text (body_json) or masked plain text
    body_json: bool = False
    pending: bool = True
    status: int | None = None  # None once answered: the connection was dropped
    answer: str | None = None
    answer_json: bool = False
    refusal_code: str | None = None
    fault: str | None = None  # the id of the fault that played on this call
    answered_at: str | None = None
    size: int = 0

    def as_dict(self) -> dict[str, Any]:
        answer = None if self.pending else {"status": self.status, "body": _shown(self.answer, self.answer_json),
                                            "answeredAt": self.answered_at}  # fmt: skip
        return {"seq": self.seq, "operation": self.operation, "method": self.method, "path": self.path,
                "status": self.status, "pending": self.pending, "refusalCode": self.refusal_code, "fault": self.fault,
                "fixture": self.fixture, "headers": self.headers, "body": _shown(self.body, self.body_json),
                "receivedAt": self.received_at, "answer": answer}  # fmt: skip


def _shown(text: str | None, is_json: bool) -> Any:
    return json.loads(text) if is_json and text is not None else text


def _size(*texts: str | None) -> int:
    return sum(sys.getsizeof(text) for text in texts if text is not None)


class Journal:
    """The last JOURNAL_SIZE API calls (at most JOURNAL_BYTES), oldest first; `dropped` counts those pushed out
    since the last clear."""

    def __init__(self, api_key: str = "") -> None:
        self._entries: deque[Entry] = deque()
        self.dropped = 0
        self.bytes = 0
        self.epoch = 0
        self._seq = 0
        self._api_key = api_key
        self.redactor = Redactor()

    def arrive(self, operation: str | None, scope: Scope) -> Entry:
        """Record a call as it arrives: its method, path and masked headers."""
        self._key()
        headers = shown_headers([pair for pair in scope["headers"] if pair[0].lower() != FIXTURE_HEADER.encode()])
        fixture = any(name.lower() == FIXTURE_HEADER.encode() for name, _ in scope["headers"])
        shown = {name: self.redactor.text(value) for name, value in headers.items()}
        path = self.redactor.text(str(scope["path"]))
        entry = Entry(self._seq, self.epoch, operation, str(scope["method"]), path, shown, fixture, now_iso())
        self._seq += 1
        self._entries.append(entry)
        self._grow(entry, _ENTRY_OVERHEAD + _size(path, *shown, *shown.values()))
        return entry

    def body(self, entry: Entry, raw: bytes) -> None:
        """Add the request body of a call (masked) as soon as it was read."""
        if raw and entry.epoch == self.epoch:
            entry.body, entry.body_json = self._masked(raw, learn=False)
            self._grow(entry, _size(entry.body))

    def leave(self, entry: Entry, status: int | None, raw: bytes, fault: str | None) -> None:
        """Add the answer of a call as it leaves; nothing when the journal was cleared since it arrived."""
        if entry.epoch != self.epoch:
            return
        entry.pending, entry.status, entry.fault, entry.answered_at = False, status, fault, now_iso()
        if raw:
            try:
                parsed: Any = json.loads(raw, parse_constant=reject_constant)
            except (ValueError, RecursionError):
                parsed = None
            if status is not None and status >= 400:
                entry.refusal_code = _code(api.shared().refusal_code(parsed))
            entry.answer, entry.answer_json = self._masked(raw, learn=True)
        self._grow(entry, _size(entry.answer, entry.refusal_code, entry.answered_at))

    def entries(self) -> list[dict[str, Any]]:
        return [entry.as_dict() for entry in self._entries]

    def newest(self) -> reversed[Entry]:
        """The entries as held, newest first: the inbox page's feed (feed.py) turns only the rows it shows into
        dicts, so a page of 200 rows costs the same with 1,000 fat calls journalled."""
        return reversed(self._entries)

    def listing(self) -> dict[str, Any]:
        """What `GET /__mock__/requests` answers."""
        return {"requests": self.entries(), "dropped": self.dropped, "limit": JOURNAL_SIZE, "bytes": self.bytes,
                "limitBytes": JOURNAL_BYTES}  # fmt: skip

    def clear(self) -> int:
        """Forget every call and start a new epoch: a call still in flight is never shown."""
        cleared = len(self._entries)
        for entry in self._entries:
            entry.epoch = -1
        self._entries.clear()
        self.dropped = self.bytes = self._seq = 0
        self.epoch += 1
        return cleared

    def _grow(self, entry: Entry, added: int) -> None:
        if entry.epoch != self.epoch:
            return
        entry.size += added
        self.bytes += added
        while self._entries and (len(self._entries) > JOURNAL_SIZE or self.bytes > JOURNAL_BYTES):
            old = self._entries.popleft()
            old.epoch = -1
            self.bytes -= old.size
            self.dropped += 1

    def _key(self) -> None:
        """Keep the API key the most recently learned secret, so that learning credentials never pushes it out."""
        if self._api_key:
            self.redactor.add_api_key(self._api_key)

    def _masked(self, raw: bytes, learn: bool) -> tuple[str, bool]:
        """A body as masked JSON text (True), or as masked plain text (False) when it is not JSON the page can
        show (NaN, a lone surrogate, too deep). `learn`: an answer, whose credential fields are learned first."""
        self._key()
        try:
            parsed = json.loads(raw, parse_constant=reject_constant)
            if schema.hazard(parsed) is not None:
                raise ValueError
            if learn:
                self.redactor.learn(parsed)
            text = json.dumps(self.redactor.value(parsed), allow_nan=False, separators=(",", ":"))
            return (text, True) if len(text) <= 2 * MAX_JOURNAL_BODY else (text[:MAX_JOURNAL_BODY], False)
        except (ValueError, RecursionError):
            pass
        text = raw[:MAX_JOURNAL_BODY].decode("utf-8", "replace")
        return self.redactor.text(mask_fields_in_text(text)), False


def _code(value: str | None) -> str | None:
    return value[:100] if value is not None else None


class Call:
    """One API call on its way through the mock: its journal entry, its body (read once, early, so that faults
    can match it and the journal shows it while a delay holds the answer) and what it answered."""

    def __init__(self, send: Send, journal: Journal, entry: Entry) -> None:
        self._send = send
        self.journal, self.entry = journal, entry
        self.status: int | None = None
        self.body = b""
        self.error: RequestError | None = None  # a body that could not be read: raised where the checks read it
        self._fault: str | None = None
        self._answer = bytearray()

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, fault_id: str | None) -> None:
        """The fault that plays on this call, named in its entry at once (a delay may hold the answer)."""
        self._fault = fault_id
        if self.entry.epoch == self.journal.epoch:
            self.entry.fault = fault_id

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body" and len(self._answer) < MAX_JOURNAL_BODY:
            self._answer += bytes(message.get("body", b""))[: MAX_JOURNAL_BODY - len(self._answer)]
        await self._send(message)

    async def read(self, reader: Any, headers: dict[bytes, bytes], receive: Receive) -> None:
        """Read the body with `reader` (MockApp.read_body) and journal it; an error is kept for `raw()`."""
        try:
            self.body = await reader(headers, receive)
        except RequestError as exc:
            self.error = exc
        self.journal.body(self.entry, self.body)

    def raw(self) -> bytes:
        if self.error is not None:
            raise self.error
        return self.body

    def parsed(self) -> Any:
        """The body as JSON, or None (what a fault's `match` is held against)."""
        try:
            return json.loads(self.body, parse_constant=reject_constant) if self.body else None
        except (ValueError, RecursionError):
            return None

    def leave(self) -> None:
        self.journal.leave(self.entry, self.status, bytes(self._answer), self.fault)
