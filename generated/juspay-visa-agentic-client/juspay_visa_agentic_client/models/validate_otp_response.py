from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ValidateOtpResponse")


@_attrs_define
class ValidateOtpResponse:
    """The answer to a Validate OTP call that accepted the code.

    Attributes:
        status (str): Outcome of the call; `SUCCESS` in Juspay's sample. Example: SUCCESS.
        response_code (None | str): Null when the code was accepted.
        response_message (None | str): Null when the code was accepted.
    """

    status: str
    response_code: None | str
    response_message: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        response_code: None | str
        response_code = self.response_code

        response_message: None | str
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

        def _parse_response_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        response_code = _parse_response_code(d.pop("responseCode"))

        def _parse_response_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        response_message = _parse_response_message(d.pop("responseMessage"))

        validate_otp_response = cls(
            status=status,
            response_code=response_code,
            response_message=response_message,
        )

        validate_otp_response.additional_properties = d
        return validate_otp_response

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
