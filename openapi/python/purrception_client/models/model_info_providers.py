from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelInfoProviders")


@_attrs_define
class ModelInfoProviders:
    """Execution provider running each graph (encode only with an encoder)

    Attributes:
        step (str):
        decode (str):
        encode (str | Unset):
    """

    step: str
    decode: str
    encode: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        step = self.step

        decode = self.decode

        encode = self.encode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "step": step,
                "decode": decode,
            }
        )
        if encode is not UNSET:
            field_dict["encode"] = encode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        step = d.pop("step")

        decode = d.pop("decode")

        encode = d.pop("encode", UNSET)

        model_info_providers = cls(
            step=step,
            decode=decode,
            encode=encode,
        )

        model_info_providers.additional_properties = d
        return model_info_providers

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
