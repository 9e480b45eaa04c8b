from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.setup_agentic_payment_refusal_error_code import (
    SetupAgenticPaymentRefusalErrorCode,
    check_setup_agentic_payment_refusal_error_code,
)

T = TypeVar("T", bound="SetupAgenticPaymentRefusal")


@_attrs_define
class SetupAgenticPaymentRefusal:
    """Setup's refusal envelope, as this document assumes it. Codes used: TOKEN_NOT_FOUND (400),
    DEVICE_NOT_BOUND and CUSTOMER_MISMATCH (409).

        Attributes:
            status (str):  Example: FAILURE.
            error_code (SetupAgenticPaymentRefusalErrorCode):  Example: DEVICE_NOT_BOUND.
            error_message (str):  Example: The token has not finished device binding..
    """

    status: str
    error_code: SetupAgenticPaymentRefusalErrorCode
    error_message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        error_code: str = self.error_code

        error_message = self.error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "errorCode": error_code,
                "errorMessage": error_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        error_code = check_setup_agentic_payment_refusal_error_code(d.pop("errorCode"))

        error_message = d.pop("errorMessage")

        setup_agentic_payment_refusal = cls(
            status=status,
            error_code=error_code,
            error_message=error_message,
        )

        setup_agentic_payment_refusal.additional_properties = d
        return setup_agentic_payment_refusal

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
