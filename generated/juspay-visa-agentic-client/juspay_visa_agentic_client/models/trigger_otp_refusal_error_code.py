from typing import Literal

TriggerOtpRefusalErrorCode = Literal[
    "DEVICE_ALREADY_BOUND", "OTP_REQUEST_LIMIT_EXCEEDED", "SESSION_LOCKED", "TOKEN_MISMATCH", "TOKEN_NOT_PROVISIONED"
]

TRIGGER_OTP_REFUSAL_ERROR_CODE_VALUES: set[TriggerOtpRefusalErrorCode] = {
    "DEVICE_ALREADY_BOUND",
    "OTP_REQUEST_LIMIT_EXCEEDED",
    "SESSION_LOCKED",
    "TOKEN_MISMATCH",
    "TOKEN_NOT_PROVISIONED",
}


def check_trigger_otp_refusal_error_code(value: str) -> TriggerOtpRefusalErrorCode:
    if value in TRIGGER_OTP_REFUSAL_ERROR_CODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TRIGGER_OTP_REFUSAL_ERROR_CODE_VALUES!r}")
