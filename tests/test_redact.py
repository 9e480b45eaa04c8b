"""The redactor on its own: every registered secret, its Basic encodings and any piece of them are masked."""

from __future__ import annotations

import base64

import pytest

from juspay_kit.redact import MASK, OTP_MASK, PIECE, Redactor

KEY = "live_key_5mQ2vT8xZr4Lk9Wp"


@pytest.fixture
def redactor() -> Redactor:
    masking = Redactor()
    masking.add_api_key(KEY)
    masking.add_otp("482913")
    return masking


def test_the_key_its_encodings_and_the_otp_are_masked(redactor: Redactor) -> None:
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    text = f"key={KEY} header=Basic {encoded} bare={encoded.rstrip('=')} otp=482913"
    masked = redactor.text(text)
    assert KEY not in masked and encoded.rstrip("=") not in masked and "482913" not in masked
    assert masked.count(MASK) >= 4 and masked.startswith("key=")


@pytest.mark.parametrize("cut", [PIECE, 12, len(KEY) - 1])
def test_a_shortened_key_or_encoding_leaves_no_piece(redactor: Redactor, cut: int) -> None:
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    for value in (KEY, encoded):
        shown = redactor.text(f'{{"x-echo": "{value[:cut]}…", "tail": "...{value[-cut:]}"}}')
        assert not any(value[i : i + PIECE] in shown for i in range(len(value) - PIECE + 1)), shown
        assert shown.startswith('{"x-echo": "') and shown.endswith('"}')


def test_unrelated_text_is_left_alone(redactor: Redactor) -> None:
    text = "POST /initiateVerification 200 tokenReference=479518c708c3e3ccb68314501ee4c702"
    assert redactor.text(text) == text


def test_an_otp_in_a_body_is_replaced_by_its_own_mask() -> None:
    shown = Redactor().json_body(b'{"otpValue": "123456", "networkType": "VISA"}')
    assert '"otpValue": "' + OTP_MASK + '"' in shown and "123456" not in shown


def test_an_authorization_line_is_masked_even_for_an_unregistered_key() -> None:
    shown = Redactor().text("Authorization: Basic dW5rbm93bjo=")
    assert shown == "Authorization: Basic " + MASK
