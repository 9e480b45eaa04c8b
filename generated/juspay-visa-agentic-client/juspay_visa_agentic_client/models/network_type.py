from typing import Literal

NetworkType = Literal["VISA"]

NETWORK_TYPE_VALUES: set[NetworkType] = {
    "VISA",
}


def check_network_type(value: str) -> NetworkType:
    if value in NETWORK_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NETWORK_TYPE_VALUES!r}")
