from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.step_event_type import StepEventType, check_step_event_type

T = TypeVar("T", bound="StepEvent")


@_attrs_define
class StepEvent:
    """After each of the steps

    Attributes:
        type_ (StepEventType): The event's name: step
        step (int):
        steps (int):
    """

    type_: StepEventType
    step: int
    steps: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        step = self.step

        steps = self.steps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "step": step,
                "steps": steps,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_step_event_type(d.pop("type"))

        step = d.pop("step")

        steps = d.pop("steps")

        step_event = cls(
            type_=type_,
            step=step,
            steps=steps,
        )

        step_event.additional_properties = d
        return step_event

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
