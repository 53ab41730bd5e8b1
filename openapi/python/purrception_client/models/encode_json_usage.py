from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.encode_json_usage_counts_item import EncodeJsonUsageCountsItem


T = TypeVar("T", bound="EncodeJsonUsage")


@_attrs_define
class EncodeJsonUsage:
    """How many cells each code covers

    Attributes:
        distinct (int): Distinct codes among the cells
        codebook_size (int): K
        counts (list[EncodeJsonUsageCountsItem]): Cells per code used, most used first (ties by code)
    """

    distinct: int
    codebook_size: int
    counts: list[EncodeJsonUsageCountsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        distinct = self.distinct

        codebook_size = self.codebook_size

        counts = []
        for counts_item_data in self.counts:
            counts_item = counts_item_data.to_dict()
            counts.append(counts_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "distinct": distinct,
                "codebookSize": codebook_size,
                "counts": counts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.encode_json_usage_counts_item import EncodeJsonUsageCountsItem  # noqa: PLC0415

        d = dict(src_dict)
        distinct = d.pop("distinct")

        codebook_size = d.pop("codebookSize")

        counts = []
        _counts = d.pop("counts")
        for counts_item_data in _counts:
            counts_item = EncodeJsonUsageCountsItem.from_dict(counts_item_data)

            counts.append(counts_item)

        encode_json_usage = cls(
            distinct=distinct,
            codebook_size=codebook_size,
            counts=counts,
        )

        encode_json_usage.additional_properties = d
        return encode_json_usage

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
