from typing import Literal

SetupAgenticPaymentRefusalErrorCode = Literal["CUSTOMER_MISMATCH", "DEVICE_NOT_BOUND", "TOKEN_NOT_FOUND"]

SETUP_AGENTIC_PAYMENT_REFUSAL_ERROR_CODE_VALUES: set[SetupAgenticPaymentRefusalErrorCode] = {
    "CUSTOMER_MISMATCH",
    "DEVICE_NOT_BOUND",
    "TOKEN_NOT_FOUND",
}


def check_setup_agentic_payment_refusal_error_code(value: str) -> SetupAgenticPaymentRefusalErrorCode:
    if value in SETUP_AGENTIC_PAYMENT_REFUSAL_ERROR_CODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SETUP_AGENTIC_PAYMENT_REFUSAL_ERROR_CODE_VALUES!r}")
