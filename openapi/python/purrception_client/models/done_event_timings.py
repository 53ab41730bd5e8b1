from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DoneEventTimings")


@_attrs_define
class DoneEventTimings:
    """
    Attributes:
        queue_ms (float): Waiting for a batch slot
        sample_ms (float): Sampling and decoding
        encode_ms (float): Image encoding
    """

    queue_ms: float
    sample_ms: float
    encode_ms: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queue_ms = self.queue_ms

        sample_ms = self.sample_ms

        encode_ms = self.encode_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "queueMs": queue_ms,
                "sampleMs": sample_ms,
                "encodeMs": encode_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        queue_ms = d.pop("queueMs")

        sample_ms = d.pop("sampleMs")

        encode_ms = d.pop("encodeMs")

        done_event_timings = cls(
            queue_ms=queue_ms,
            sample_ms=sample_ms,
            encode_ms=encode_ms,
        )

        done_event_timings.additional_properties = d
        return done_event_timings

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
