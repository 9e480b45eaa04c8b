"""Masking of secrets in everything the harness writes: reports, logs, exception text."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

MASK = "[masked]"
OTP_MASK = "[masked-otp]"


PIECE = 8  # no run of this many characters of a registered key (or its encodings) survives masking


class Redactor:
    """Replaces every registered secret (and its Basic-auth encodings) with a mask, and also any piece of
    PIECE or more characters of a key or its encodings: a tool that shortens long values (schemathesis
    does, in its reports) must not leave a readable prefix of the key behind."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._pieces: set[str] = set()
        self._piece_pattern: re.Pattern[str] | None = None
        self.basic_credentials: set[str] = set()  # base64 of "key:" for every registered key

    def add_api_key(self, api_key: str) -> None:
        if not api_key:
            return
        credential = f"{api_key}:"
        encoded = base64.b64encode(credential.encode()).decode()
        self.basic_credentials.add(encoded.lower())
        forms = (api_key, encoded, encoded.rstrip("="), base64.b64encode(api_key.encode()).decode().rstrip("="))
        self._add(*forms)
        fresh = {f[i : i + PIECE] for f in forms for i in range(len(f) - PIECE + 1)} - self._pieces
        if fresh:
            self._pieces |= fresh
            self._piece_pattern = re.compile("(?=(" + "|".join(re.escape(p) for p in sorted(self._pieces)) + "))")

    def add_otp(self, otp: str) -> None:
        self._add(otp)

    def _add(self, *values: str) -> None:
        fresh = {v for v in values if len(v) >= 4} - self._secrets
        if fresh:
            self._secrets |= fresh
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def text(self, value: str) -> str:
        masked = re.sub(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)\s+[A-Za-z0-9+/=._-]+", r"\1\2 " + MASK, value)
        if self._pattern is not None:
            masked = self._pattern.sub(MASK, masked)
        return self._mask_pieces(masked)

    def _mask_pieces(self, text: str) -> str:
        """Mask every run of text covered by PIECE-long pieces of a registered key or its encodings."""
        if self._piece_pattern is None:
            return text
        spans: list[list[int]] = []
        for found in self._piece_pattern.finditer(text):
            start = found.start()
            if spans and start <= spans[-1][1]:
                spans[-1][1] = start + PIECE
            else:
                spans.append([start, start + PIECE])
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts += [text[last:start], MASK]
            last = end
        return "".join(parts) + text[last:]

    def json_body(self, raw: bytes | None) -> str:
        """A request body for display: otpValue masked, then every known secret masked."""
        if not raw:
            return ""
        text = raw.decode("utf-8", "backslashreplace")
        try:
            payload: Any = json.loads(text)
        except ValueError:
            return self.text(text)
        if isinstance(payload, dict) and "otpValue" in payload:
            payload["otpValue"] = OTP_MASK
            text = json.dumps(payload, ensure_ascii=False)
        return self.text(text)
