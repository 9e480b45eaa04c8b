from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TransactionAmount")


@_attrs_define
class TransactionAmount:
    """The amounts of a transaction.

    Attributes:
        total_amount (float):  Example: 11.1.
        sub_total_amount (float):  Example: 11.1.
        tax (float):  Example: 0.
        currency_code (str):  Example: USD.
    """

    total_amount: float
    sub_total_amount: float
    tax: float
    currency_code: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_amount = self.total_amount

        sub_total_amount = self.sub_total_amount

        tax = self.tax

        currency_code = self.currency_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "totalAmount": total_amount,
                "subTotalAmount": sub_total_amount,
                "tax": tax,
                "currencyCode": currency_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        total_amount = d.pop("totalAmount")

        sub_total_amount = d.pop("subTotalAmount")

        tax = d.pop("tax")

        currency_code = d.pop("currencyCode")

        transaction_amount = cls(
            total_amount=total_amount,
            sub_total_amount=sub_total_amount,
            tax=tax,
            currency_code=currency_code,
        )

        transaction_amount.additional_properties = d
        return transaction_amount

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
