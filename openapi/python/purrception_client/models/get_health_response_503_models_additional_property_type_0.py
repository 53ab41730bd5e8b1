from typing import Literal

GetHealthResponse503ModelsAdditionalPropertyType0 = Literal["loading"]

GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_0_VALUES: set[
    GetHealthResponse503ModelsAdditionalPropertyType0
] = {
    "loading",
}


def check_get_health_response_503_models_additional_property_type_0(
    value: str,
) -> GetHealthResponse503ModelsAdditionalPropertyType0:
    if value in GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_HEALTH_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_0_VALUES!r}"
    )
