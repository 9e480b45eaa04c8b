from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TriggerOtpRequest")


@_attrs_define
class TriggerOtpRequest:
    """Identifies the token and the VISA session for which an OTP is sent.

    Attributes:
        token_reference (str): Reference of the token in VISA's systems. Example: 479518c708c3e3ccb68314501ee4c702.
        v_provisioned_token_id (str): Identifier of the provisioned VISA token of the card (Juspay spells it with a
            trailing "Id"). Example: 479518c708c3e3ccb68314501ee4c702.
        client_reference_id (str): VISA's identifier of the enrolment session. Example:
            9d4050c011ee4654adec05873299a640.
        step_up_request_id (str): Identifier of the step-up method chosen for the cardholder (base64 in Juspay's
            sample). Example: Y2UyOWU0N2E1NGYzNGM2OTY4MjQxZTZhYzkxMTNkMDE=.
    """

    token_reference: str
    v_provisioned_token_id: str
    client_reference_id: str
    step_up_request_id: str

    def to_dict(self) -> dict[str, Any]:
        token_reference = self.token_reference

        v_provisioned_token_id = self.v_provisioned_token_id

        client_reference_id = self.client_reference_id

        step_up_request_id = self.step_up_request_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tokenReference": token_reference,
                "vProvisionedTokenId": v_provisioned_token_id,
                "clientReferenceId": client_reference_id,
                "stepUpRequestId": step_up_request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token_reference = d.pop("tokenReference")

        v_provisioned_token_id = d.pop("vProvisionedTokenId")

        client_reference_id = d.pop("clientReferenceId")

        step_up_request_id = d.pop("stepUpRequestId")

        trigger_otp_request = cls(
            token_reference=token_reference,
            v_provisioned_token_id=v_provisioned_token_id,
            client_reference_id=client_reference_id,
            step_up_request_id=step_up_request_id,
        )

        return trigger_otp_request
