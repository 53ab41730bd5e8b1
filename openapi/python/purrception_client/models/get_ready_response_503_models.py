from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_ready_response_503_models_additional_property_type_0 import (
    GetReadyResponse503ModelsAdditionalPropertyType0,
    check_get_ready_response_503_models_additional_property_type_0,
)
from ..models.get_ready_response_503_models_additional_property_type_1 import (
    GetReadyResponse503ModelsAdditionalPropertyType1,
    check_get_ready_response_503_models_additional_property_type_1,
)
from ..models.get_ready_response_503_models_additional_property_type_2 import (
    GetReadyResponse503ModelsAdditionalPropertyType2,
    check_get_ready_response_503_models_additional_property_type_2,
)
from ..models.get_ready_response_503_models_additional_property_type_3 import (
    GetReadyResponse503ModelsAdditionalPropertyType3,
    check_get_ready_response_503_models_additional_property_type_3,
)
from ..models.get_ready_response_503_models_additional_property_type_4 import (
    GetReadyResponse503ModelsAdditionalPropertyType4,
    check_get_ready_response_503_models_additional_property_type_4,
)

T = TypeVar("T", bound="GetReadyResponse503Models")


@_attrs_define
class GetReadyResponse503Models:
    """Each model's engine by name: loading, ready, failed (could not load), restarting (its worker died; a new one is due)
    or crashed (died too often in a row; not restarted)

    """

    additional_properties: dict[
        str,
        GetReadyResponse503ModelsAdditionalPropertyType0
        | GetReadyResponse503ModelsAdditionalPropertyType1
        | GetReadyResponse503ModelsAdditionalPropertyType2
        | GetReadyResponse503ModelsAdditionalPropertyType3
        | GetReadyResponse503ModelsAdditionalPropertyType4,
    ] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, str):
                field_dict[prop_name] = prop
            elif isinstance(prop, str):
                field_dict[prop_name] = prop
            elif isinstance(prop, str):
                field_dict[prop_name] = prop
            elif isinstance(prop, str):
                field_dict[prop_name] = prop
            else:
                field_dict[prop_name] = prop

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        get_ready_response_503_models = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(
                data: object,
            ) -> (
                GetReadyResponse503ModelsAdditionalPropertyType0
                | GetReadyResponse503ModelsAdditionalPropertyType1
                | GetReadyResponse503ModelsAdditionalPropertyType2
                | GetReadyResponse503ModelsAdditionalPropertyType3
                | GetReadyResponse503ModelsAdditionalPropertyType4
            ):
                try:
                    if not isinstance(data, str):
                        raise TypeError()
                    additional_property_type_0 = check_get_ready_response_503_models_additional_property_type_0(data)

                    return additional_property_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, str):
                        raise TypeError()
                    additional_property_type_1 = check_get_ready_response_503_models_additional_property_type_1(data)

                    return additional_property_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, str):
                        raise TypeError()
                    additional_property_type_2 = check_get_ready_response_503_models_additional_property_type_2(data)

                    return additional_property_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, str):
                        raise TypeError()
                    additional_property_type_3 = check_get_ready_response_503_models_additional_property_type_3(data)

                    return additional_property_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, str):
                    raise TypeError()
                additional_property_type_4 = check_get_ready_response_503_models_additional_property_type_4(data)

                return additional_property_type_4

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        get_ready_response_503_models.additional_properties = additional_properties
        return get_ready_response_503_models

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(
        self, key: str
    ) -> (
        GetReadyResponse503ModelsAdditionalPropertyType0
        | GetReadyResponse503ModelsAdditionalPropertyType1
        | GetReadyResponse503ModelsAdditionalPropertyType2
        | GetReadyResponse503ModelsAdditionalPropertyType3
        | GetReadyResponse503ModelsAdditionalPropertyType4
    ):
        return self.additional_properties[key]

    def __setitem__(
        self,
        key: str,
        value: GetReadyResponse503ModelsAdditionalPropertyType0
        | GetReadyResponse503ModelsAdditionalPropertyType1
        | GetReadyResponse503ModelsAdditionalPropertyType2
        | GetReadyResponse503ModelsAdditionalPropertyType3
        | GetReadyResponse503ModelsAdditionalPropertyType4,
    ) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
