from typing import Literal

GetReadyResponse503ModelsAdditionalPropertyType1 = Literal["ready"]

GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES: set[
    GetReadyResponse503ModelsAdditionalPropertyType1
] = {
    "ready",
}


def check_get_ready_response_503_models_additional_property_type_1(
    value: str,
) -> GetReadyResponse503ModelsAdditionalPropertyType1:
    if value in GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_1_VALUES!r}"
    )
