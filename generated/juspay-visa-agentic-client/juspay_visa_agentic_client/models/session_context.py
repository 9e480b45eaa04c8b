from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionContext")


@_attrs_define
class SessionContext:
    """The VISA session the passkey is created in.

    Attributes:
        secure_token (str): The session token VISA issued for passkey creation. Example:
            ezAwMX06AAM1NkHHoGTHlinW2m5qFZyyKbZYfqJqtRWoUKTkamXXzNYzFFifYHHtH46AB7CCeEkh.
    """

    secure_token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        secure_token = self.secure_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "secureToken": secure_token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secure_token = d.pop("secureToken")

        session_context = cls(
            secure_token=secure_token,
        )

        session_context.additional_properties = d
        return session_context

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
