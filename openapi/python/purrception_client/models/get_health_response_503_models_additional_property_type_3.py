from typing import Literal

GetHealthResponse503ModelsAdditionalPropertyType3 = Literal["restarting"]

GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_3_VALUES: set[
    GetHealthResponse503ModelsAdditionalPropertyType3
] = {
    "restarting",
}


def check_get_health_response_503_models_additional_property_type_3(
    value: str,
) -> GetHealthResponse503ModelsAdditionalPropertyType3:
    if value in GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_3_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_3_VALUES!r}"
    )
