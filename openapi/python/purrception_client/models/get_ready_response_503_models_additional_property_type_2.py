from typing import Literal

GetReadyResponse503ModelsAdditionalPropertyType2 = Literal["failed"]

GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES: set[
    GetReadyResponse503ModelsAdditionalPropertyType2
] = {
    "failed",
}


def check_get_ready_response_503_models_additional_property_type_2(
    value: str,
) -> GetReadyResponse503ModelsAdditionalPropertyType2:
    if value in GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_READY_RESPONSE_503_MODELS_ADDITIONAL_PROPERTY_TYPE_2_VALUES!r}"
    )
