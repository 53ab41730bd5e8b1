from typing import Literal

GetHealthResponse503ModelsAdditionalPropertyType4 = Literal["crashed"]

GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_4_VALUES: set[
    GetHealthResponse503ModelsAdditionalPropertyType4
] = {
    "crashed",
}


def check_get_health_response_503_models_additional_property_type_4(
    value: str,
) -> GetHealthResponse503ModelsAdditionalPropertyType4:
    if value in GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_4_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_4_VALUES!r}"
    )
