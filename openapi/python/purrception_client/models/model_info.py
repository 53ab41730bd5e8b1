from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.model_info_defaults import ModelInfoDefaults
    from ..models.model_info_image import ModelInfoImage
    from ..models.model_info_latent import ModelInfoLatent
    from ..models.model_info_limits import ModelInfoLimits
    from ..models.model_info_providers import ModelInfoProviders


T = TypeVar("T", bound="ModelInfo")


@_attrs_define
class ModelInfo:
    """A served model: its manifest, whether it takes images, its providers and limits

    Attributes:
        format_ (str):
        name (str):
        description (str):
        objective (str): What the DiT predicts: purrception (a posterior over codes), cfm (a velocity), cfm-endpoint
            (the endpoint z_1) or dfm (codes, by discrete flow matching)
        refused_fields (list[str]): Request fields this model refuses with 400: tau and the uncertainty maps without a
            posterior, sampler, grid and previewEvery for dfm, the image fields without an encoder
        image (ModelInfoImage):
        latent (ModelInfoLatent):
        codebook_size (int):
        num_classes (int):
        labels (list[str]):
        defaults (ModelInfoDefaults):
        image_input (bool): Whether the model has an encoder: requests may carry an image (image, strength, mask) and
            POST /encode works
        providers (ModelInfoProviders): Execution provider running each graph (encode only with an encoder)
        limits (ModelInfoLimits):
    """

    format_: str
    name: str
    description: str
    objective: str
    refused_fields: list[str]
    image: ModelInfoImage
    latent: ModelInfoLatent
    codebook_size: int
    num_classes: int
    labels: list[str]
    defaults: ModelInfoDefaults
    image_input: bool
    providers: ModelInfoProviders
    limits: ModelInfoLimits
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        format_ = self.format_

        name = self.name

        description = self.description

        objective = self.objective

        refused_fields = self.refused_fields

        image = self.image.to_dict()

        latent = self.latent.to_dict()

        codebook_size = self.codebook_size

        num_classes = self.num_classes

        labels = self.labels

        defaults = self.defaults.to_dict()

        image_input = self.image_input

        providers = self.providers.to_dict()

        limits = self.limits.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "format": format_,
                "name": name,
                "description": description,
                "objective": objective,
                "refusedFields": refused_fields,
                "image": image,
                "latent": latent,
                "codebook_size": codebook_size,
                "num_classes": num_classes,
                "labels": labels,
                "defaults": defaults,
                "imageInput": image_input,
                "providers": providers,
                "limits": limits,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_info_defaults import ModelInfoDefaults  # noqa: PLC0415
        from ..models.model_info_image import ModelInfoImage  # noqa: PLC0415
        from ..models.model_info_latent import ModelInfoLatent  # noqa: PLC0415
        from ..models.model_info_limits import ModelInfoLimits  # noqa: PLC0415
        from ..models.model_info_providers import ModelInfoProviders  # noqa: PLC0415

        d = dict(src_dict)
        format_ = d.pop("format")

        name = d.pop("name")

        description = d.pop("description")

        objective = d.pop("objective")

        refused_fields = cast(list[str], d.pop("refusedFields"))

        image = ModelInfoImage.from_dict(d.pop("image"))

        latent = ModelInfoLatent.from_dict(d.pop("latent"))

        codebook_size = d.pop("codebook_size")

        num_classes = d.pop("num_classes")

        labels = cast(list[str], d.pop("labels"))

        defaults = ModelInfoDefaults.from_dict(d.pop("defaults"))

        image_input = d.pop("imageInput")

        providers = ModelInfoProviders.from_dict(d.pop("providers"))

        limits = ModelInfoLimits.from_dict(d.pop("limits"))

        model_info = cls(
            format_=format_,
            name=name,
            description=description,
            objective=objective,
            refused_fields=refused_fields,
            image=image,
            latent=latent,
            codebook_size=codebook_size,
            num_classes=num_classes,
            labels=labels,
            defaults=defaults,
            image_input=image_input,
            providers=providers,
            limits=limits,
        )

        model_info.additional_properties = d
        return model_info

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
