from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.generated_image_timings import GeneratedImageTimings
    from ..models.uncertainty import Uncertainty


T = TypeVar("T", bound="GeneratedImage")


@_attrs_define
class GeneratedImage:
    """
    Attributes:
        seed (int):
        media_type (str):
        data (str): The image, base64
        width (int):
        height (int):
        timings (GeneratedImageTimings):
        mean_entropy (float | Unset): Entropy of the posterior in nats, averaged over positions and steps; absent for
            models without a posterior (cfm, cfm-endpoint, dfm)
        uncertainty (Uncertainty | Unset): Entropy of the posterior over codes, per latent position
        codes (list[list[int]] | Unset): The codebook index of every latent cell: latent height rows of latent width
            codes
    """

    seed: int
    media_type: str
    data: str
    width: int
    height: int
    timings: GeneratedImageTimings
    mean_entropy: float | Unset = UNSET
    uncertainty: Uncertainty | Unset = UNSET
    codes: list[list[int]] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seed = self.seed

        media_type = self.media_type

        data = self.data

        width = self.width

        height = self.height

        timings = self.timings.to_dict()

        mean_entropy = self.mean_entropy

        uncertainty: dict[str, Any] | Unset = UNSET
        if not isinstance(self.uncertainty, Unset):
            uncertainty = self.uncertainty.to_dict()

        codes: list[list[int]] | Unset = UNSET
        if not isinstance(self.codes, Unset):
            codes = []
            for componentsschemas_code_grid_item_data in self.codes:
                componentsschemas_code_grid_item = componentsschemas_code_grid_item_data

                codes.append(componentsschemas_code_grid_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seed": seed,
                "mediaType": media_type,
                "data": data,
                "width": width,
                "height": height,
                "timings": timings,
            }
        )
        if mean_entropy is not UNSET:
            field_dict["meanEntropy"] = mean_entropy
        if uncertainty is not UNSET:
            field_dict["uncertainty"] = uncertainty
        if codes is not UNSET:
            field_dict["codes"] = codes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generated_image_timings import GeneratedImageTimings  # noqa: PLC0415
        from ..models.uncertainty import Uncertainty  # noqa: PLC0415

        d = dict(src_dict)
        seed = d.pop("seed")

        media_type = d.pop("mediaType")

        data = d.pop("data")

        width = d.pop("width")

        height = d.pop("height")

        timings = GeneratedImageTimings.from_dict(d.pop("timings"))

        mean_entropy = d.pop("meanEntropy", UNSET)

        _uncertainty = d.pop("uncertainty", UNSET)
        uncertainty: Uncertainty | Unset
        if isinstance(_uncertainty, Unset):
            uncertainty = UNSET
        else:
            uncertainty = Uncertainty.from_dict(_uncertainty)

        _codes = d.pop("codes", UNSET)
        codes: list[list[int]] | Unset = UNSET
        if _codes is not UNSET:
            codes = []
            for componentsschemas_code_grid_item_data in _codes:
                componentsschemas_code_grid_item = cast(list[int], componentsschemas_code_grid_item_data)

                codes.append(componentsschemas_code_grid_item)

        generated_image = cls(
            seed=seed,
            media_type=media_type,
            data=data,
            width=width,
            height=height,
            timings=timings,
            mean_entropy=mean_entropy,
            uncertainty=uncertainty,
            codes=codes,
        )

        generated_image.additional_properties = d
        return generated_image

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
