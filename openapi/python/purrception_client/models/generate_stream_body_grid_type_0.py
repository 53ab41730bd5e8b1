from typing import Literal

GenerateStreamBodyGridType0 = Literal["early", "quadratic", "uniform"]

GENERATE_STREAM_BODY_GRID_TYPE_0_VALUES: set[GenerateStreamBodyGridType0] = {
    "early",
    "quadratic",
    "uniform",
}


def check_generate_stream_body_grid_type_0(value: str) -> GenerateStreamBodyGridType0:
    if value in GENERATE_STREAM_BODY_GRID_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GENERATE_STREAM_BODY_GRID_TYPE_0_VALUES!r}")
