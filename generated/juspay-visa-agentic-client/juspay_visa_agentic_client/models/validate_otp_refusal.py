from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.validate_otp_refusal_response_code import (
    ValidateOtpRefusalResponseCode,
    check_validate_otp_refusal_response_code,
)

T = TypeVar("T", bound="ValidateOtpRefusal")


@_attrs_define
class ValidateOtpRefusal:
    """Validate OTP's own envelope when the code is not accepted: `status` is not `SUCCESS` and
    `responseCode`/`responseMessage` say why. Codes used: INVALID_OTP, OTP_EXPIRED, SESSION_NOT_FOUND,
    SESSION_LOCKED, DEVICE_ALREADY_BOUND, TOKEN_MISMATCH, TOKEN_NOT_PROVISIONED (400, when the mock is told that tokens
    are provisioned first).

        Attributes:
            status (str):  Example: FAILURE.
            response_code (ValidateOtpRefusalResponseCode):  Example: INVALID_OTP.
            response_message (str):  Example: The OTP entered is incorrect..
    """

    status: str
    response_code: ValidateOtpRefusalResponseCode
    response_message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        response_code: str = self.response_code

        response_message = self.response_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "responseCode": response_code,
                "responseMessage": response_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        response_code = check_validate_otp_refusal_response_code(d.pop("responseCode"))

        response_message = d.pop("responseMessage")

        validate_otp_refusal = cls(
            status=status,
            response_code=response_code,
            response_message=response_message,
        )

        validate_otp_refusal.additional_properties = d
        return validate_otp_refusal

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
