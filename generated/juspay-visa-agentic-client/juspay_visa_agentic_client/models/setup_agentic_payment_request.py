from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.amount_limit import AmountLimit
    from ..models.verification_data import VerificationData


T = TypeVar("T", bound="SetupAgenticPaymentRequest")


@_attrs_define
class SetupAgenticPaymentRequest:
    """The bound token, the session and the cardholder's authentication for a payment instruction.

    Attributes:
        card_network (str): Card network of the token (VISA in the sample). Example: VISA.
        client_reference_id (str): VISA's identifier of the purchase session. Example: xxxxxxxxxxxxxxxxxxxxx.
        v_provisioned_token_id (str): Identifier of the provisioned VISA token. Example: xxxxxxxxxxxxxxxxxxxxx.
        customer_id (str): The customer the token was provisioned for. Example: user_1234567.
        verification_data (VerificationData): The cardholder's authentication the instruction rests on.
        transaction_amount (AmountLimit | Unset): The most a single transaction under this instruction may charge.
    """

    card_network: str
    client_reference_id: str
    v_provisioned_token_id: str
    customer_id: str
    verification_data: VerificationData
    transaction_amount: AmountLimit | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card_network = self.card_network

        client_reference_id = self.client_reference_id

        v_provisioned_token_id = self.v_provisioned_token_id

        customer_id = self.customer_id

        verification_data = self.verification_data.to_dict()

        transaction_amount: dict[str, Any] | Unset = UNSET
        if not isinstance(self.transaction_amount, Unset):
            transaction_amount = self.transaction_amount.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cardNetwork": card_network,
                "clientReferenceId": client_reference_id,
                "vProvisionedTokenId": v_provisioned_token_id,
                "customerId": customer_id,
                "verificationData": verification_data,
            }
        )
        if transaction_amount is not UNSET:
            field_dict["transactionAmount"] = transaction_amount

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.amount_limit import AmountLimit  # noqa: PLC0415
        from ..models.verification_data import VerificationData  # noqa: PLC0415

        d = dict(src_dict)
        card_network = d.pop("cardNetwork")

        client_reference_id = d.pop("clientReferenceId")

        v_provisioned_token_id = d.pop("vProvisionedTokenId")

        customer_id = d.pop("customerId")

        verification_data = VerificationData.from_dict(d.pop("verificationData"))

        _transaction_amount = d.pop("transactionAmount", UNSET)
        transaction_amount: AmountLimit | Unset
        if isinstance(_transaction_amount, Unset):
            transaction_amount = UNSET
        else:
            transaction_amount = AmountLimit.from_dict(_transaction_amount)

        setup_agentic_payment_request = cls(
            card_network=card_network,
            client_reference_id=client_reference_id,
            v_provisioned_token_id=v_provisioned_token_id,
            customer_id=customer_id,
            verification_data=verification_data,
            transaction_amount=transaction_amount,
        )

        setup_agentic_payment_request.additional_properties = d
        return setup_agentic_payment_request

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
