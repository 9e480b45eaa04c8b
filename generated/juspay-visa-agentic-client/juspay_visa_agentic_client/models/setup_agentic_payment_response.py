from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SetupAgenticPaymentResponse")


@_attrs_define
class SetupAgenticPaymentResponse:
    """The answer to Setup Agentic Payment.

    Attributes:
        status (str | Unset): Outcome of the call; SUCCESS as on every other page. Example: SUCCESS.
        instruction_id (str | Unset): Identifier of the recorded payment instruction.
    """

    status: str | Unset = UNSET
    instruction_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        instruction_id = self.instruction_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if instruction_id is not UNSET:
            field_dict["instructionId"] = instruction_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status", UNSET)

        instruction_id = d.pop("instructionId", UNSET)

        setup_agentic_payment_response = cls(
            status=status,
            instruction_id=instruction_id,
        )

        setup_agentic_payment_response.additional_properties = d
        return setup_agentic_payment_response

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
