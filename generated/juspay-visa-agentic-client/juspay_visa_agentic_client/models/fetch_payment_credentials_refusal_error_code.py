from typing import Literal

FetchPaymentCredentialsRefusalErrorCode = Literal[
    "AMOUNT_LIMIT_EXCEEDED", "CURRENCY_MISMATCH", "INSTRUCTION_NOT_FOUND", "TOKEN_NOT_FOUND"
]

FETCH_PAYMENT_CREDENTIALS_REFUSAL_ERROR_CODE_VALUES: set[FetchPaymentCredentialsRefusalErrorCode] = {
    "AMOUNT_LIMIT_EXCEEDED",
    "CURRENCY_MISMATCH",
    "INSTRUCTION_NOT_FOUND",
    "TOKEN_NOT_FOUND",
}


def check_fetch_payment_credentials_refusal_error_code(value: str) -> FetchPaymentCredentialsRefusalErrorCode:
    if value in FETCH_PAYMENT_CREDENTIALS_REFUSAL_ERROR_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {FETCH_PAYMENT_CREDENTIALS_REFUSAL_ERROR_CODE_VALUES!r}"
    )
