from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="GenerateBodyGuidance")


@_attrs_define
class GenerateBodyGuidance:
    """Where in t the guidance weight cfg applies (default: the model's, else the whole path). Elsewhere each model
    evaluation runs the conditional pass alone, half the cost of a guided one

        Attributes:
            from_ (float): First t guided
            to (float): Last t guided (>= from)
    """

    from_: float
    to: float

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_

        to = self.to

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "from": from_,
                "to": to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = d.pop("from")

        to = d.pop("to")

        generate_body_guidance = cls(
            from_=from_,
            to=to,
        )

        return generate_body_guidance
