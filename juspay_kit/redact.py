"""Masking of secrets in everything the kit writes: reports, logs, cassettes, exception text.

Secrets are masked by structure where their place is known: the Authorization value, and every field the spec
marks `x-juspay-secret` (`otp`: Validate OTP's `otpValue`, masked "[masked-otp]"; `credential`: Fetch's
`tokenNumber` and `cryptogram`, Provision's `secureToken`, masked "[masked]"), by its name in any case and with
or without `_` and `-`, in parsed JSON, in a query string and, as `"name": value`, in text that is not JSON (see
`cassette.py` and `json_body`). Wherever else they appear they are masked by what was learned: every run of text
covered by PIECE-long pieces of a registered key (or of one of its encodings: Basic, base64, hex, URL
encoding, reversed) or of a long OTP, and every exact occurrence of a shorter secret.

What is learned is bounded, so that a caller cannot make every request slower or the process larger: at most
MAX_SECRETS secrets and MAX_PIECES pieces in all (about 17 MB, held to 20 MB by a test), the least recently
registered forgotten first (the newest is always kept), each learned from its first MAX_SECRET_CHARS characters.
Masking a text costs one set lookup per character and secret length, whatever the number of secrets.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote_plus

from juspay_kit import api

MASK = "[masked]"
OTP_MASK = "[masked-otp]"
PIECE = 8  # no run of this many characters of a registered key (or its encodings) survives masking
MIN_SECRET = 4  # shorter values are never learned (they would mask ordinary text)
MAX_SECRETS = 1000  # learned secrets kept; the least recently registered is forgotten first
MAX_SECRET_CHARS = 1024  # a longer secret is learned from its first this many characters
MAX_PIECES = 100_000  # pieces kept for all secrets together (a 1,024-character key has about 19,000)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})
# a `"name": value` pair in text that is not JSON: (name, separator, value); the name is checked by field_mask
_FIELD_IN_TEXT = re.compile(r'"([^"\\\s,:{}\[\]]{1,64})"(\s*:\s*"?)([^",}\s]{1,256})')
_FORM_PAIR = re.compile(r"[^&]+")  # a form's or query's pairs, split as parse_qsl splits them
_AUTHORIZATION = re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)\s+[A-Za-z0-9+/=._-]+")


def _plain(name: str) -> str:
    """A field name as masking compares it: lower case, without `_` and `-` (otpValue, otp_value, OTP-VALUE)."""
    return name.lower().replace("_", "").replace("-", "")


@functools.cache
def _masks() -> dict[str, str]:
    """The mask of every field the spec marks `x-juspay-secret`, by its plain name."""
    facts = api.shared()
    return {_plain(n): MASK for n in facts.credential_fields} | {_plain(n): OTP_MASK for n in facts.otp_fields}


@functools.lru_cache(maxsize=4096)  # field names repeat in every body; the cache is bounded against hostile ones
def field_mask(name: str) -> str | None:
    """The mask of a field the spec marks secret: OTP_MASK for an OTP, MASK for a payment credential; None for
    any other field."""
    return _masks().get(_plain(name))


def is_otp_field(name: str) -> bool:
    return field_mask(name) == OTP_MASK


def fields_in_text(text: str) -> Iterator[str]:
    """The values of the secret fields that text which is not JSON carries as `"name": value`, one at a time (a
    text of a million pairs is never listed whole)."""
    return (found[3] for found in _FIELD_IN_TEXT.finditer(text) if field_mask(found[1]))


def form_secrets(text: str) -> Iterator[str]:
    """The values of the secret fields a form body (`otpValue=123456&networkType=VISA`) or query carries, read as
    `parse_qsl` reads them, one pair at a time (a query of a million pairs, which no cap bounds, is never listed)."""
    for pair in _FORM_PAIR.finditer(text):
        name, _, value = pair[0].partition("=")
        if value and field_mask(unquote_plus(name)):
            yield unquote_plus(value)


def mask_fields_in_text(text: str) -> str:
    """Text that is not JSON with the value of each secret field it carries as `"name": value` masked."""
    return _FIELD_IN_TEXT.sub(lambda m: f'"{m[1]}"{m[2]}{field_mask(m[1]) or m[3]}', text)


def masked_secret_header(name: str, value: str) -> str:
    """The shown value of a header in SECRET_HEADERS: an Authorization keeps only its scheme ("Basic [masked]"),
    any other (a cookie, an API key) is masked whole."""
    scheme, _, rest = value.strip().partition(" ")
    return f"{scheme} {MASK}" if rest and name.lower().endswith("authorization") else MASK


def mask_secret_fields(value: Any) -> Any:
    """A copy of parsed JSON with every secret field (at any depth) replaced by its mask: OTP_MASK for an OTP,
    MASK for a payment credential."""
    if isinstance(value, dict):
        return {key: _secret_mask(str(key), item) or mask_secret_fields(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_secret_fields(item) for item in value]
    return value


def _secret_mask(key: str, item: Any) -> str | None:
    """The mask that replaces `item` when the field `key` holds a secret (and something is in it), else None."""
    return None if item in (None, "") else field_mask(key)


def key_forms(api_key: str) -> tuple[str, ...]:
    """The key and the encodings a caller or a server may show it in."""
    raw = api_key.encode()
    encoded = api.encode_basic(api_key)
    return (
        api_key,
        encoded,
        encoded.rstrip("="),
        base64.b64encode(raw).decode().rstrip("="),
        raw.hex(),
        raw.hex().upper(),
        quote(api_key, safe=""),
        "".join(f"%{byte:02X}" for byte in raw),
        "".join(f"%{byte:02x}" for byte in raw),
        api_key[::-1],
    )


def secrets_in(data: Any) -> list[str]:
    """The values of the fields the spec marks secret (OTPs, payment credentials) in parsed JSON, at any depth
    (walked without recursion, descending only into objects and arrays)."""
    found = []
    stack = [data] if isinstance(data, (dict, list)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
            continue
        for key, item in node.items():
            if isinstance(item, (dict, list)):
                stack.append(item)
            elif field_mask(str(key)) is not None and isinstance(item, (str, int)) and not isinstance(item, bool):
                found.append(str(item))
    return found


class Redactor:
    """Replaces every learned secret, and any PIECE-long piece of a key or long OTP, with a mask."""

    def __init__(self) -> None:
        self._secrets: OrderedDict[str, tuple[set[str], set[str]]] = OrderedDict()  # secret -> (pieces, exact)
        self._pieces: Counter[str] = Counter()
        self._piece_count = 0  # pieces held by the secrets (a piece two secrets share counts twice)
        self._exact: dict[int, Counter[str]] = {}  # length -> short secrets of that length
        self.basic_credentials: OrderedDict[str, None] = OrderedDict()  # base64 of "key:" (lower case), bounded
        self.forgotten = 0  # secrets forgotten so far: a caller that skips what it taught before knows to teach again

    def add_api_key(self, api_key: str) -> None:
        api_key = api_key[:MAX_SECRET_CHARS]
        if len(api_key) < MIN_SECRET:
            return
        if "key:" + api_key in self._secrets:  # the common case, a key seen before: nothing to compute
            self._secrets.move_to_end("key:" + api_key)
            return
        credential = api.encode_basic(api_key).lower()
        self.basic_credentials[credential] = None
        self.basic_credentials.move_to_end(credential)
        while len(self.basic_credentials) > MAX_SECRETS:
            self.basic_credentials.popitem(last=False)
        self._learn("key:" + api_key, key_forms(api_key))

    def add_secret(self, value: str) -> None:
        """Learn a secret seen in its place (an OTP, a payment credential): masked wherever it appears later."""
        value = value[:MAX_SECRET_CHARS]
        if len(value) >= MIN_SECRET:
            self._learn("secret:" + value, (value,))

    def learn(self, data: Any) -> None:
        """Learn every OTP and credential that parsed JSON carries in a field the spec marks secret (`secrets_in`)."""
        for value in secrets_in(data):
            self.add_secret(value)

    def learned(self) -> list[str]:
        """What was learned, oldest first, for another redactor to `relearn` (a process judging part of a
        recording hands its secrets back): "key:VALUE" or "secret:VALUE"."""
        return list(self._secrets)

    def relearn(self, learned: list[str]) -> None:
        for name in learned:
            kind, _, value = name.partition(":")
            if kind == "key":
                self.add_api_key(value)
            else:
                self.add_secret(value)

    def _learn(self, name: str, forms: tuple[str, ...]) -> None:
        if name in self._secrets:
            self._secrets.move_to_end(name)
            return
        pieces = {f[i : i + PIECE] for f in forms if len(f) >= PIECE for i in range(len(f) - PIECE + 1)}
        exact = {f for f in forms if MIN_SECRET <= len(f) < PIECE}
        self._secrets[name] = (pieces, exact)
        self._pieces.update(pieces)
        self._piece_count += len(pieces)
        for value in exact:
            self._exact.setdefault(len(value), Counter())[value] += 1
        while len(self._secrets) > MAX_SECRETS or (self._piece_count > MAX_PIECES and len(self._secrets) > 1):
            self._forget(*self._secrets.popitem(last=False)[1])

    def _forget(self, pieces: set[str], exact: set[str]) -> None:
        self.forgotten += 1
        self._piece_count -= len(pieces)
        self._pieces.subtract(pieces)
        for piece in pieces:
            if self._pieces[piece] <= 0:
                del self._pieces[piece]
        for value in exact:
            same = self._exact[len(value)]
            same[value] -= 1
            if same[value] <= 0:
                del same[value]

    def text(self, value: str) -> str:
        masked = _AUTHORIZATION.sub(r"\1\2 " + MASK, value)
        return self._mask(masked) if self._secrets else masked

    def _mask(self, text: str) -> str:
        """Mask every run of text covered by a learned piece or an exact short secret."""
        spans: list[list[int]] = []
        lengths = [(length, found) for length, found in self._exact.items() if found]
        pieces = self._pieces
        for start in range(len(text)):
            end = start + PIECE if text[start : start + PIECE] in pieces else 0
            for length, found in lengths:
                if text[start : start + length] in found:
                    end = max(end, start + length)
            if end:
                if spans and start <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], end)
                else:
                    spans.append([start, end])
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts += [text[last:start], MASK]
            last = end
        return "".join(parts) + text[last:]

    def value(self, data: Any) -> Any:
        """A copy of parsed JSON with every string masked and every OTP (credential) field replaced by OTP_MASK
        (MASK); keys,
        numbers and nulls are left as they are, so the result is still the same JSON shape."""
        if isinstance(data, dict):
            return {
                self.text(key) if isinstance(key, str) else key: _secret_mask(str(key), item) or self.value(item)
                for key, item in data.items()
            }
        if isinstance(data, list):
            return [self.value(item) for item in data]
        return self.text(data) if isinstance(data, str) else data

    def json_body(self, raw: bytes | None) -> str:
        """A request body for display: secret fields masked, then every known secret masked."""
        if not raw:
            return ""
        text = raw.decode("utf-8", "backslashreplace")
        try:
            payload: Any = json.loads(text)
        except (ValueError, RecursionError):
            for value in fields_in_text(text):
                self.add_secret(value)
            return self.text(mask_fields_in_text(text))
        self.learn(payload)
        if isinstance(payload, dict) and any(field_mask(str(key)) for key in payload):
            text = json.dumps(mask_secret_fields(payload), ensure_ascii=False)
        return self.text(text)
