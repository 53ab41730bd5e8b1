from typing import Literal

GetHealthResponse503ModelsAdditionalPropertyType2 = Literal["failed"]

GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES: set[
    GetHealthResponse503ModelsAdditionalPropertyType2
] = {
    "failed",
}


def check_get_health_response_503_models_additional_property_type_2(
    value: str,
) -> GetHealthResponse503ModelsAdditionalPropertyType2:
    if value in GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES!r}"
    )
