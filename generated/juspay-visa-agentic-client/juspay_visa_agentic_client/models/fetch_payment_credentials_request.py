from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.transaction_detail import TransactionDetail


T = TypeVar("T", bound="FetchPaymentCredentialsRequest")


@_attrs_define
class FetchPaymentCredentialsRequest:
    """The token, the session and the transaction the credentials are for.

    Attributes:
        network_type (str): Card network of the token (VISA in the sample). Example: VISA.
        v_provisioned_token_id (str): Identifier of the provisioned VISA token. Example: xxxxxxxxxxxxxxxxxxxxxx.
        client_reference_id (str): VISA's identifier of the purchase session. Example: some-client-ref-id.
        nw_transaction_id (str): The platform's unique identifier of the transaction. Example: some-txn-id-1.
        transaction_details (list[TransactionDetail]): The transactions the credentials are for.
    """

    network_type: str
    v_provisioned_token_id: str
    client_reference_id: str
    nw_transaction_id: str
    transaction_details: list[TransactionDetail]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        network_type = self.network_type

        v_provisioned_token_id = self.v_provisioned_token_id

        client_reference_id = self.client_reference_id

        nw_transaction_id = self.nw_transaction_id

        transaction_details = []
        for transaction_details_item_data in self.transaction_details:
            transaction_details_item = transaction_details_item_data.to_dict()
            transaction_details.append(transaction_details_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "networkType": network_type,
                "vProvisionedTokenId": v_provisioned_token_id,
                "clientReferenceId": client_reference_id,
                "nwTransactionId": nw_transaction_id,
                "transactionDetails": transaction_details,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transaction_detail import TransactionDetail  # noqa: PLC0415

        d = dict(src_dict)
        network_type = d.pop("networkType")

        v_provisioned_token_id = d.pop("vProvisionedTokenId")

        client_reference_id = d.pop("clientReferenceId")

        nw_transaction_id = d.pop("nwTransactionId")

        transaction_details = []
        _transaction_details = d.pop("transactionDetails")
        for transaction_details_item_data in _transaction_details:
            transaction_details_item = TransactionDetail.from_dict(transaction_details_item_data)

            transaction_details.append(transaction_details_item)

        fetch_payment_credentials_request = cls(
            network_type=network_type,
            v_provisioned_token_id=v_provisioned_token_id,
            client_reference_id=client_reference_id,
            nw_transaction_id=nw_transaction_id,
            transaction_details=transaction_details,
        )

        fetch_payment_credentials_request.additional_properties = d
        return fetch_payment_credentials_request

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
