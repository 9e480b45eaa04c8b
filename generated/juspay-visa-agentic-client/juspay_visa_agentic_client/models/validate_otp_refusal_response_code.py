from typing import Literal

ValidateOtpRefusalResponseCode = Literal[
    "DEVICE_ALREADY_BOUND",
    "INVALID_OTP",
    "OTP_EXPIRED",
    "SESSION_LOCKED",
    "SESSION_NOT_FOUND",
    "TOKEN_MISMATCH",
    "TOKEN_NOT_PROVISIONED",
]

VALIDATE_OTP_REFUSAL_RESPONSE_CODE_VALUES: set[ValidateOtpRefusalResponseCode] = {
    "DEVICE_ALREADY_BOUND",
    "INVALID_OTP",
    "OTP_EXPIRED",
    "SESSION_LOCKED",
    "SESSION_NOT_FOUND",
    "TOKEN_MISMATCH",
    "TOKEN_NOT_PROVISIONED",
}


def check_validate_otp_refusal_response_code(value: str) -> ValidateOtpRefusalResponseCode:
    if value in VALIDATE_OTP_REFUSAL_RESPONSE_CODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VALIDATE_OTP_REFUSAL_RESPONSE_CODE_VALUES!r}")
