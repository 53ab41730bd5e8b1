from typing import Literal

GetHealthResponse503ModelsAdditionalPropertyType1 = Literal["ready"]

GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES: set[
    GetHealthResponse503ModelsAdditionalPropertyType1
] = {
    "ready",
}


def check_get_health_response_503_models_additional_property_type_1(
    value: str,
) -> GetHealthResponse503ModelsAdditionalPropertyType1:
    if value in GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES!r}"
    )
