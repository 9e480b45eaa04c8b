from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JuspayErrorInfo")


@_attrs_define
class JuspayErrorInfo:
    """Details of a Juspay error.

    Attributes:
        code (str): Juspay error code, such as UNAUTHORIZED or INVALID_INPUT. Example: UNAUTHORIZED.
        category (str): Juspay error category, such as USER_ERROR. Example: USER_ERROR.
        user_message (str):  Example: Unauthorized..
        developer_message (str):  Example: Invalid merchant ID..
        fields (str | Unset): The request field the error is about, or NA. Example: NA.
        request_id (str | Unset):  Example: 46231085-a366-4279-91af-843a2dfa6e8b.
    """

    code: str
    category: str
    user_message: str
    developer_message: str
    fields: str | Unset = UNSET
    request_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        category = self.category

        user_message = self.user_message

        developer_message = self.developer_message

        fields = self.fields

        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "category": category,
                "user_message": user_message,
                "developer_message": developer_message,
            }
        )
        if fields is not UNSET:
            field_dict["fields"] = fields
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        category = d.pop("category")

        user_message = d.pop("user_message")

        developer_message = d.pop("developer_message")

        fields = d.pop("fields", UNSET)

        request_id = d.pop("request_id", UNSET)

        juspay_error_info = cls(
            code=code,
            category=category,
            user_message=user_message,
            developer_message=developer_message,
            fields=fields,
            request_id=request_id,
        )

        juspay_error_info.additional_properties = d
        return juspay_error_info

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
