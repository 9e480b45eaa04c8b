from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.shipping_address import ShippingAddress
    from ..models.transaction_amount import TransactionAmount


T = TypeVar("T", bound="TransactionDetail")


@_attrs_define
class TransactionDetail:
    """One transaction of the purchase.

    Attributes:
        transaction_id (str):  Example: txn-ref-123.
        transaction_type (str):  Example: PURCHASE.
        transaction_amount (TransactionAmount): The amounts of a transaction.
        order_id (str):  Example: merch-ord-123.
        shipping_address (ShippingAddress): Where the order is shipped.
    """

    transaction_id: str
    transaction_type: str
    transaction_amount: TransactionAmount
    order_id: str
    shipping_address: ShippingAddress
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transaction_id = self.transaction_id

        transaction_type = self.transaction_type

        transaction_amount = self.transaction_amount.to_dict()

        order_id = self.order_id

        shipping_address = self.shipping_address.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transactionId": transaction_id,
                "transactionType": transaction_type,
                "transactionAmount": transaction_amount,
                "orderId": order_id,
                "shippingAddress": shipping_address,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.shipping_address import ShippingAddress  # noqa: PLC0415
        from ..models.transaction_amount import TransactionAmount  # noqa: PLC0415

        d = dict(src_dict)
        transaction_id = d.pop("transactionId")

        transaction_type = d.pop("transactionType")

        transaction_amount = TransactionAmount.from_dict(d.pop("transactionAmount"))

        order_id = d.pop("orderId")

        shipping_address = ShippingAddress.from_dict(d.pop("shippingAddress"))

        transaction_detail = cls(
            transaction_id=transaction_id,
            transaction_type=transaction_type,
            transaction_amount=transaction_amount,
            order_id=order_id,
            shipping_address=shipping_address,
        )

        transaction_detail.additional_properties = d
        return transaction_detail

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
