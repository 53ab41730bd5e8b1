from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.uncertainty_at_step import UncertaintyAtStep


T = TypeVar("T", bound="Uncertainty")


@_attrs_define
class Uncertainty:
    """Entropy of the posterior over codes, per latent position

    Attributes:
        colormap_max (float): Entropy at the top of the colormap: ln K, the entropy of a uniform posterior
        mean (float): Mean over positions of the per-position entropy averaged over the trajectory (t = s/T)
        max_ (float):
        heatmap (str): PNG (base64) of the image size: viridis from 0 nats (dark) to colormapMax (yellow), one block per
            latent position
        at_step (UncertaintyAtStep | Unset): The same at step `uncertaintyStep`
    """

    colormap_max: float
    mean: float
    max_: float
    heatmap: str
    at_step: UncertaintyAtStep | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        colormap_max = self.colormap_max

        mean = self.mean

        max_ = self.max_

        heatmap = self.heatmap

        at_step: dict[str, Any] | Unset = UNSET
        if not isinstance(self.at_step, Unset):
            at_step = self.at_step.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "colormapMax": colormap_max,
                "mean": mean,
                "max": max_,
                "heatmap": heatmap,
            }
        )
        if at_step is not UNSET:
            field_dict["atStep"] = at_step

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.uncertainty_at_step import UncertaintyAtStep  # noqa: PLC0415

        d = dict(src_dict)
        colormap_max = d.pop("colormapMax")

        mean = d.pop("mean")

        max_ = d.pop("max")

        heatmap = d.pop("heatmap")

        _at_step = d.pop("atStep", UNSET)
        at_step: UncertaintyAtStep | Unset
        if isinstance(_at_step, Unset):
            at_step = UNSET
        else:
            at_step = UncertaintyAtStep.from_dict(_at_step)

        uncertainty = cls(
            colormap_max=colormap_max,
            mean=mean,
            max_=max_,
            heatmap=heatmap,
            at_step=at_step,
        )

        uncertainty.additional_properties = d
        return uncertainty

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
