from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ModelInfoLimits")


@_attrs_define
class ModelInfoLimits:
    """
    Attributes:
        max_batch (int): Most images sampled together in one step-graph run (MAX_BATCH)
        queue_limit (int): Most images waiting for a batch slot (QUEUE_LIMIT); a request of n images needs n places
        max_images (int): Most images in one request (n)
        body_limit (int): Largest request body without an image, bytes (BODY_LIMIT)
        image_body_limit (int): Largest request body with an image, bytes (IMAGE_BODY_LIMIT)
        max_input_pixels (int): Most pixels an input image or mask may have
    """

    max_batch: int
    queue_limit: int
    max_images: int
    body_limit: int
    image_body_limit: int
    max_input_pixels: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_batch = self.max_batch

        queue_limit = self.queue_limit

        max_images = self.max_images

        body_limit = self.body_limit

        image_body_limit = self.image_body_limit

        max_input_pixels = self.max_input_pixels

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "maxBatch": max_batch,
                "queueLimit": queue_limit,
                "maxImages": max_images,
                "bodyLimit": body_limit,
                "imageBodyLimit": image_body_limit,
                "maxInputPixels": max_input_pixels,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        max_batch = d.pop("maxBatch")

        queue_limit = d.pop("queueLimit")

        max_images = d.pop("maxImages")

        body_limit = d.pop("bodyLimit")

        image_body_limit = d.pop("imageBodyLimit")

        max_input_pixels = d.pop("maxInputPixels")

        model_info_limits = cls(
            max_batch=max_batch,
            queue_limit=queue_limit,
            max_images=max_images,
            body_limit=body_limit,
            image_body_limit=image_body_limit,
            max_input_pixels=max_input_pixels,
        )

        model_info_limits.additional_properties = d
        return model_info_limits

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
