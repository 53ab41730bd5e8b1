from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UncertaintyAtStep")


@_attrs_define
class UncertaintyAtStep:
    """The same at step `uncertaintyStep`

    Attributes:
        step (int):
        mean (float):
        max_ (float):
        heatmap (str): PNG (base64) of the map at this step
    """

    step: int
    mean: float
    max_: float
    heatmap: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        step = self.step

        mean = self.mean

        max_ = self.max_

        heatmap = self.heatmap

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "step": step,
                "mean": mean,
                "max": max_,
                "heatmap": heatmap,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        step = d.pop("step")

        mean = d.pop("mean")

        max_ = d.pop("max")

        heatmap = d.pop("heatmap")

        uncertainty_at_step = cls(
            step=step,
            mean=mean,
            max_=max_,
            heatmap=heatmap,
        )

        uncertainty_at_step.additional_properties = d
        return uncertainty_at_step

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
