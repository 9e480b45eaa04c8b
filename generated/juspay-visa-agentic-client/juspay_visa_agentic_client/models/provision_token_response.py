from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProvisionTokenResponse")


@_attrs_define
class ProvisionTokenResponse:
    """The answer to a provisioning; the identifiers the OTP calls need, under inferred names.

    Attributes:
        status (str | Unset): Outcome of the call; the first value the page lists is SUCCESS. Example: SUCCESS.
        token_reference (str | Unset): Reference of the new token, for Trigger OTP and Validate OTP.
        v_provisioned_token_id (str | Unset): Identifier of the new provisioned token, for every later call.
        client_reference_id (str | Unset): VISA's identifier of the session.
        step_up_request_id (str | Unset): Identifier of the step-up method offered for device binding.
    """

    status: str | Unset = UNSET
    token_reference: str | Unset = UNSET
    v_provisioned_token_id: str | Unset = UNSET
    client_reference_id: str | Unset = UNSET
    step_up_request_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        token_reference = self.token_reference

        v_provisioned_token_id = self.v_provisioned_token_id

        client_reference_id = self.client_reference_id

        step_up_request_id = self.step_up_request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if token_reference is not UNSET:
            field_dict["tokenReference"] = token_reference
        if v_provisioned_token_id is not UNSET:
            field_dict["vProvisionedTokenId"] = v_provisioned_token_id
        if client_reference_id is not UNSET:
            field_dict["clientReferenceId"] = client_reference_id
        if step_up_request_id is not UNSET:
            field_dict["stepUpRequestId"] = step_up_request_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status", UNSET)

        token_reference = d.pop("tokenReference", UNSET)

        v_provisioned_token_id = d.pop("vProvisionedTokenId", UNSET)

        client_reference_id = d.pop("clientReferenceId", UNSET)

        step_up_request_id = d.pop("stepUpRequestId", UNSET)

        provision_token_response = cls(
            status=status,
            token_reference=token_reference,
            v_provisioned_token_id=v_provisioned_token_id,
            client_reference_id=client_reference_id,
            step_up_request_id=step_up_request_id,
        )

        provision_token_response.additional_properties = d
        return provision_token_response

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
