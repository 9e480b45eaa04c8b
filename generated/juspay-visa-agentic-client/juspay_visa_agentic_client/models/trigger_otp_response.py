from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.otp_limits import OtpLimits


T = TypeVar("T", bound="TriggerOtpResponse")


@_attrs_define
class TriggerOtpResponse:
    """The answer to a Trigger OTP call that sent a code.

    Attributes:
        error_message (None | str): Null when the call succeeded.
        status (str): Outcome of the call; `SUCCESS` in Juspay's sample. Example: SUCCESS.
        error_code (None | str): Null when the call succeeded.
        response (OtpLimits): Limits that apply to the OTP session just opened or continued.
    """

    error_message: None | str
    status: str
    error_code: None | str
    response: OtpLimits
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_message: None | str
        error_message = self.error_message

        status = self.status

        error_code: None | str
        error_code = self.error_code

        response = self.response.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "errorMessage": error_message,
                "status": status,
                "errorCode": error_code,
                "response": response,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.otp_limits import OtpLimits  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_error_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_message = _parse_error_message(d.pop("errorMessage"))

        status = d.pop("status")

        def _parse_error_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_code = _parse_error_code(d.pop("errorCode"))

        response = OtpLimits.from_dict(d.pop("response"))

        trigger_otp_response = cls(
            error_message=error_message,
            status=status,
            error_code=error_code,
            response=response,
        )

        trigger_otp_response.additional_properties = d
        return trigger_otp_response

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
