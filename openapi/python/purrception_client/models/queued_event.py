from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.queued_event_type import QueuedEventType, check_queued_event_type

T = TypeVar("T", bound="QueuedEvent")


@_attrs_define
class QueuedEvent:
    """First event: the sample is admitted

    Attributes:
        type_ (QueuedEventType): The event's name: queued
        position (int): Images that must leave the batch before this one joins (0: it joins at the next iteration)
    """

    type_: QueuedEventType
    position: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        position = self.position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "position": position,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_queued_event_type(d.pop("type"))

        position = d.pop("position")

        queued_event = cls(
            type_=type_,
            position=position,
        )

        queued_event.additional_properties = d
        return queued_event

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
