from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.juspay_error_info import JuspayErrorInfo


T = TypeVar("T", bound="JuspayError")


@_attrs_define
class JuspayError:
    """Juspay's general error envelope, used for malformed and unauthenticated requests.

    Attributes:
        status (str):  Example: error.
        error_code (str):  Example: access_denied.
        error_info (JuspayErrorInfo): Details of a Juspay error.
        error_message (str | Unset):  Example: Access Denied.
    """

    status: str
    error_code: str
    error_info: JuspayErrorInfo
    error_message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        error_code = self.error_code

        error_info = self.error_info.to_dict()

        error_message = self.error_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "error_code": error_code,
                "error_info": error_info,
            }
        )
        if error_message is not UNSET:
            field_dict["error_message"] = error_message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.juspay_error_info import JuspayErrorInfo  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        error_code = d.pop("error_code")

        error_info = JuspayErrorInfo.from_dict(d.pop("error_info"))

        error_message = d.pop("error_message", UNSET)

        juspay_error = cls(
            status=status,
            error_code=error_code,
            error_info=error_info,
            error_message=error_message,
        )

        juspay_error.additional_properties = d
        return juspay_error

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
