from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.trigger_otp_refusal_error_code import TriggerOtpRefusalErrorCode, check_trigger_otp_refusal_error_code
from ..types import UNSET, Unset

T = TypeVar("T", bound="TriggerOtpRefusal")


@_attrs_define
class TriggerOtpRefusal:
    """Trigger OTP's own envelope when the session refuses another code: `status` is not `SUCCESS` and
    `errorCode`/`errorMessage` say why. Codes used: OTP_REQUEST_LIMIT_EXCEEDED, SESSION_LOCKED,
    DEVICE_ALREADY_BOUND, TOKEN_MISMATCH, TOKEN_NOT_PROVISIONED (400, when the mock is told that tokens are provisioned
    first).

        Attributes:
            status (str):  Example: FAILURE.
            error_code (TriggerOtpRefusalErrorCode):  Example: OTP_REQUEST_LIMIT_EXCEEDED.
            error_message (str):  Example: Maximum OTP requests reached for this session..
            response (None | Unset):
    """

    status: str
    error_code: TriggerOtpRefusalErrorCode
    error_message: str
    response: None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        error_code: str = self.error_code

        error_message = self.error_message

        response = self.response

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "errorCode": error_code,
                "errorMessage": error_message,
            }
        )
        if response is not UNSET:
            field_dict["response"] = response

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        error_code = check_trigger_otp_refusal_error_code(d.pop("errorCode"))

        error_message = d.pop("errorMessage")

        response = d.pop("response", UNSET)

        trigger_otp_refusal = cls(
            status=status,
            error_code=error_code,
            error_message=error_message,
            response=response,
        )

        trigger_otp_refusal.additional_properties = d
        return trigger_otp_refusal

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
