from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.generated_image import GeneratedImage


T = TypeVar("T", bound="GenerateJson")


@_attrs_define
class GenerateJson:
    """Answer to Accept: application/json

    Attributes:
        model (str): The model that drew the images
        class_ (str):
        class_id (int):
        sampler (str): The sampler that ran: euler, heun, multistep, logsnr-multistep, or dfm for a dfm model
        steps (int):
        images (list[GeneratedImage]):
    """

    model: str
    class_: str
    class_id: int
    sampler: str
    steps: int
    images: list[GeneratedImage]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        class_ = self.class_

        class_id = self.class_id

        sampler = self.sampler

        steps = self.steps

        images = []
        for images_item_data in self.images:
            images_item = images_item_data.to_dict()
            images.append(images_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "class": class_,
                "classId": class_id,
                "sampler": sampler,
                "steps": steps,
                "images": images,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generated_image import GeneratedImage  # noqa: PLC0415

        d = dict(src_dict)
        model = d.pop("model")

        class_ = d.pop("class")

        class_id = d.pop("classId")

        sampler = d.pop("sampler")

        steps = d.pop("steps")

        images = []
        _images = d.pop("images")
        for images_item_data in _images:
            images_item = GeneratedImage.from_dict(images_item_data)

            images.append(images_item)

        generate_json = cls(
            model=model,
            class_=class_,
            class_id=class_id,
            sampler=sampler,
            steps=steps,
            images=images,
        )

        generate_json.additional_properties = d
        return generate_json

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
