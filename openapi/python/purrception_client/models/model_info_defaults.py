from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_info_defaults_guidance import ModelInfoDefaultsGuidance


T = TypeVar("T", bound="ModelInfoDefaults")


@_attrs_define
class ModelInfoDefaults:
    """
    Attributes:
        steps (int):
        cfg (float):
        tau (float | Unset): Absent for models without a posterior
        sampler (str | Unset):
        grid (list[float] | str | Unset): A named grid or knots
        guidance (ModelInfoDefaultsGuidance | Unset):
    """

    steps: int
    cfg: float
    tau: float | Unset = UNSET
    sampler: str | Unset = UNSET
    grid: list[float] | str | Unset = UNSET
    guidance: ModelInfoDefaultsGuidance | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        steps = self.steps

        cfg = self.cfg

        tau = self.tau

        sampler = self.sampler

        grid: list[float] | str | Unset
        if isinstance(self.grid, Unset):
            grid = UNSET
        elif isinstance(self.grid, list):
            grid = self.grid

        else:
            grid = self.grid

        guidance: dict[str, Any] | Unset = UNSET
        if not isinstance(self.guidance, Unset):
            guidance = self.guidance.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "steps": steps,
                "cfg": cfg,
            }
        )
        if tau is not UNSET:
            field_dict["tau"] = tau
        if sampler is not UNSET:
            field_dict["sampler"] = sampler
        if grid is not UNSET:
            field_dict["grid"] = grid
        if guidance is not UNSET:
            field_dict["guidance"] = guidance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_info_defaults_guidance import ModelInfoDefaultsGuidance  # noqa: PLC0415

        d = dict(src_dict)
        steps = d.pop("steps")

        cfg = d.pop("cfg")

        tau = d.pop("tau", UNSET)

        sampler = d.pop("sampler", UNSET)

        def _parse_grid(data: object) -> list[float] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                grid_type_1 = cast(list[float], data)

                return grid_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | str | Unset, data)

        grid = _parse_grid(d.pop("grid", UNSET))

        _guidance = d.pop("guidance", UNSET)
        guidance: ModelInfoDefaultsGuidance | Unset
        if isinstance(_guidance, Unset):
            guidance = UNSET
        else:
            guidance = ModelInfoDefaultsGuidance.from_dict(_guidance)

        model_info_defaults = cls(
            steps=steps,
            cfg=cfg,
            tau=tau,
            sampler=sampler,
            grid=grid,
            guidance=guidance,
        )

        model_info_defaults.additional_properties = d
        return model_info_defaults

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
