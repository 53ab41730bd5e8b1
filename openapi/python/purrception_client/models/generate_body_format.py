from typing import Literal

GenerateBodyFormat = Literal["jpeg", "png", "webp"]

GENERATE_BODY_FORMAT_VALUES: set[GenerateBodyFormat] = {
    "jpeg",
    "png",
    "webp",
}


def check_generate_body_format(value: str) -> GenerateBodyFormat:
    if value in GENERATE_BODY_FORMAT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GENERATE_BODY_FORMAT_VALUES!r}")
