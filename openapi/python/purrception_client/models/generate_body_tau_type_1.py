from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="GenerateBodyTauType1")


@_attrs_define
class GenerateBodyTauType1:
    """tau(t) = start + (end - start) t, evaluated at each model evaluation's t

    Attributes:
        start (float): tau at t = 0
        end (float): tau at t = 1
    """

    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        start = self.start

        end = self.end

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start": start,
                "end": end,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start = d.pop("start")

        end = d.pop("end")

        generate_body_tau_type_1 = cls(
            start=start,
            end=end,
        )

        return generate_body_tau_type_1
