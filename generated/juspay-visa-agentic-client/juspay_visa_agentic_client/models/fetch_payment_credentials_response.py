from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FetchPaymentCredentialsResponse")


@_attrs_define
class FetchPaymentCredentialsResponse:
    """The payment credentials; every value of it is a secret.

    Attributes:
        status (str | Unset): Outcome of the call; the first value the page lists is SUCCESS. Example: SUCCESS.
        token_number (str | Unset): The network token number the merchant charges.
        expiry_month (str | Unset): Expiry month of the token, two digits.
        expiry_year (str | Unset): Expiry year of the token.
        cryptogram_type (str | Unset): Kind of cryptogram (DTVV in the page's values).
        cryptogram (str | Unset): The cryptogram of this transaction.
    """

    status: str | Unset = UNSET
    token_number: str | Unset = UNSET
    expiry_month: str | Unset = UNSET
    expiry_year: str | Unset = UNSET
    cryptogram_type: str | Unset = UNSET
    cryptogram: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        token_number = self.token_number

        expiry_month = self.expiry_month

        expiry_year = self.expiry_year

        cryptogram_type = self.cryptogram_type

        cryptogram = self.cryptogram

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if token_number is not UNSET:
            field_dict["tokenNumber"] = token_number
        if expiry_month is not UNSET:
            field_dict["expiryMonth"] = expiry_month
        if expiry_year is not UNSET:
            field_dict["expiryYear"] = expiry_year
        if cryptogram_type is not UNSET:
            field_dict["cryptogramType"] = cryptogram_type
        if cryptogram is not UNSET:
            field_dict["cryptogram"] = cryptogram

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status", UNSET)

        token_number = d.pop("tokenNumber", UNSET)

        expiry_month = d.pop("expiryMonth", UNSET)

        expiry_year = d.pop("expiryYear", UNSET)

        cryptogram_type = d.pop("cryptogramType", UNSET)

        cryptogram = d.pop("cryptogram", UNSET)

        fetch_payment_credentials_response = cls(
            status=status,
            token_number=token_number,
            expiry_month=expiry_month,
            expiry_year=expiry_year,
            cryptogram_type=cryptogram_type,
            cryptogram=cryptogram,
        )

        fetch_payment_credentials_response.additional_properties = d
        return fetch_payment_credentials_response

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
