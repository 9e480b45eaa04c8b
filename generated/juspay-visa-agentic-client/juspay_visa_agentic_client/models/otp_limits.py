from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OtpLimits")


@_attrs_define
class OtpLimits:
    """Limits that apply to the OTP session just opened or continued.

    Attributes:
        max_otp_verification_allowed (int): How many codes the cardholder may enter before the session is locked.
            Example: 3.
        max_otp_requests_allowed (int): How many codes may be sent in the session. Example: 3.
        code_expiration (int): How long a code stays valid, in minutes. Example: 5.
    """

    max_otp_verification_allowed: int
    max_otp_requests_allowed: int
    code_expiration: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_otp_verification_allowed = self.max_otp_verification_allowed

        max_otp_requests_allowed = self.max_otp_requests_allowed

        code_expiration = self.code_expiration

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "maxOTPVerificationAllowed": max_otp_verification_allowed,
                "maxOTPRequestsAllowed": max_otp_requests_allowed,
                "codeExpiration": code_expiration,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        max_otp_verification_allowed = d.pop("maxOTPVerificationAllowed")

        max_otp_requests_allowed = d.pop("maxOTPRequestsAllowed")

        code_expiration = d.pop("codeExpiration")

        otp_limits = cls(
            max_otp_verification_allowed=max_otp_verification_allowed,
            max_otp_requests_allowed=max_otp_requests_allowed,
            code_expiration=code_expiration,
        )

        otp_limits.additional_properties = d
        return otp_limits

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
