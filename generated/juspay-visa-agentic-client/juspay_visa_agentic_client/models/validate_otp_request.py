from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.network_type import NetworkType, check_network_type

T = TypeVar("T", bound="ValidateOtpRequest")


@_attrs_define
class ValidateOtpRequest:
    """The code the cardholder entered, with the token and session it belongs to.

    Attributes:
        token_reference (str): Reference of the token of the card in VISA's systems. Example:
            479518c708c3e3ccb68314501ee4c702.
        otp_value (str): The code the cardholder entered. Example: 456789.
        client_reference_id (str): VISA's identifier of the enrolment session. Example:
            9d4050c011ee4654adec05873299a640.
        network_type (NetworkType): Card network of the token. Juspay lists VISA only.
        v_provisioned_token_id (str): Identifier of the provisioned VISA token of the card. Example:
            479518c708c3e3ccb68314501ee4c702.
    """

    token_reference: str
    otp_value: str
    client_reference_id: str
    network_type: NetworkType
    v_provisioned_token_id: str

    def to_dict(self) -> dict[str, Any]:
        token_reference = self.token_reference

        otp_value = self.otp_value

        client_reference_id = self.client_reference_id

        network_type: str = self.network_type

        v_provisioned_token_id = self.v_provisioned_token_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tokenReference": token_reference,
                "otpValue": otp_value,
                "clientReferenceId": client_reference_id,
                "networkType": network_type,
                "vProvisionedTokenId": v_provisioned_token_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token_reference = d.pop("tokenReference")

        otp_value = d.pop("otpValue")

        client_reference_id = d.pop("clientReferenceId")

        network_type = check_network_type(d.pop("networkType"))

        v_provisioned_token_id = d.pop("vProvisionedTokenId")

        validate_otp_request = cls(
            token_reference=token_reference,
            otp_value=otp_value,
            client_reference_id=client_reference_id,
            network_type=network_type,
            v_provisioned_token_id=v_provisioned_token_id,
        )

        return validate_otp_request
