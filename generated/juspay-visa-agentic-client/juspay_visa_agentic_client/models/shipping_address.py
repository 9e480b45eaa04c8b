from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ShippingAddress")


@_attrs_define
class ShippingAddress:
    """Where the order is shipped.

    Attributes:
        add_line_1 (str):  Example: 123 Main St.
        city (str):  Example: Greater Noida.
        state_add (str):  Example: Uttar Pradesh.
    """

    add_line_1: str
    city: str
    state_add: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        add_line_1 = self.add_line_1

        city = self.city

        state_add = self.state_add

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "addLine1": add_line_1,
                "city": city,
                "stateAdd": state_add,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        add_line_1 = d.pop("addLine1")

        city = d.pop("city")

        state_add = d.pop("stateAdd")

        shipping_address = cls(
            add_line_1=add_line_1,
            city=city,
            state_add=state_add,
        )

        shipping_address.additional_properties = d
        return shipping_address

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
