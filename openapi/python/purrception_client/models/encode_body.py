from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="EncodeBody")


@_attrs_define
class EncodeBody:
    """
    Attributes:
        image (str): The image (base64 PNG, JPEG or WebP, or a data: URL of it), prepared as for POST /generate:
            flattened over white, scaled to cover and cropped at the centre
        model (str | Unset): The model to run, by its name as listed by GET /models (default: the first listed)
    """

    image: str
    model: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        image = self.image

        model = self.model

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "image": image,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        image = d.pop("image")

        model = d.pop("model", UNSET)

        encode_body = cls(
            image=image,
            model=model,
        )

        return encode_body
