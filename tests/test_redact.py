"""The redactor on its own: every registered secret, its Basic encodings and any piece of them are masked."""

from __future__ import annotations

import base64

import pytest

from juspay_kit import api, spec
from juspay_kit.errors import SpecError
from juspay_kit.redact import MASK, OTP_MASK, PIECE, Redactor, field_mask, mask_fields_in_text

KEY = "live_key_5mQ2vT8xZr4Lk9Wp"


@pytest.fixture
def redactor() -> Redactor:
    masking = Redactor()
    masking.add_api_key(KEY)
    masking.add_secret("482913")
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


def test_the_secret_fields_and_their_masks_come_from_the_spec_mark() -> None:
    facts = api.shared()
    assert facts.otp_fields == {"otpValue"} and facts.credential_fields == {"tokenNumber", "cryptogram", "secureToken"}
    names = ("otpValue", "OTP_VALUE", "otp-value", "token_number", "Cryptogram", "otp", "tokenReference")
    assert [field_mask(name) for name in names] == [OTP_MASK, OTP_MASK, OTP_MASK, MASK, MASK, None, None]
    document = spec.load()
    marked = document["components"]["schemas"]["ValidateOtpRequest"]["properties"]["clientReferenceId"]
    marked["x-juspay-secret"] = "otp"
    assert api.load(document).otp_fields == {"otpValue", "clientReferenceId"}
    marked["x-juspay-secret"] = True  # the mark names its kind
    with pytest.raises(SpecError, match="clientReferenceId has x-juspay-secret 'True'; one of credential, otp"):
        api.load(document)


def test_secret_fields_in_text_that_is_not_json_are_masked_and_learned() -> None:
    text = '{"tokenReference": "t", "otpValue": "123456", "tokenNumber": "4111111111111111", broken'
    assert mask_fields_in_text(text) == (
        f'{{"tokenReference": "t", "otpValue": "{OTP_MASK}", "tokenNumber": "{MASK}", broken'
    )
    redactor = Redactor()
    shown = redactor.json_body(text.encode())
    assert "123456" not in shown and "41111111" not in shown
    assert redactor.text("echo 4111111111111111") == "echo [masked]"  # learned from the text
