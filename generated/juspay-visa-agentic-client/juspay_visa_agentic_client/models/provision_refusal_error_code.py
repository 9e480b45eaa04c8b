from typing import Literal

ProvisionRefusalErrorCode = Literal["DUPLICATE_REQUEST"]

PROVISION_REFUSAL_ERROR_CODE_VALUES: set[ProvisionRefusalErrorCode] = {
    "DUPLICATE_REQUEST",
}


def check_provision_refusal_error_code(value: str) -> ProvisionRefusalErrorCode:
    if value in PROVISION_REFUSAL_ERROR_CODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROVISION_REFUSAL_ERROR_CODE_VALUES!r}")
