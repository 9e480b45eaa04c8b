from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.session_context import SessionContext


T = TypeVar("T", bound="ProvisionTokenRequest")


@_attrs_define
class ProvisionTokenRequest:
    """The customer and VISA session for which a token and passkey are created.

    Attributes:
        customer_id (str): The customer of the agent platform the card belongs to. Example: user_f96UTs2u7DpLrzh2.
        session_context (SessionContext): The VISA session the passkey is created in.
        client_reference_id (str | Unset): VISA's identifier of the session, when the caller has one.
    """

    customer_id: str
    session_context: SessionContext
    client_reference_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        customer_id = self.customer_id

        session_context = self.session_context.to_dict()

        client_reference_id = self.client_reference_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customerId": customer_id,
                "sessionContext": session_context,
            }
        )
        if client_reference_id is not UNSET:
            field_dict["clientReferenceId"] = client_reference_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.session_context import SessionContext  # noqa: PLC0415

        d = dict(src_dict)
        customer_id = d.pop("customerId")

        session_context = SessionContext.from_dict(d.pop("sessionContext"))

        client_reference_id = d.pop("clientReferenceId", UNSET)

        provision_token_request = cls(
            customer_id=customer_id,
            session_context=session_context,
            client_reference_id=client_reference_id,
        )

        provision_token_request.additional_properties = d
        return provision_token_request

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
