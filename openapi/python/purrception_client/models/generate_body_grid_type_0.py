from typing import Literal

GenerateBodyGridType0 = Literal["early", "quadratic", "uniform"]

GENERATE_BODY_GRID_TYPE_0_VALUES: set[GenerateBodyGridType0] = {
    "early",
    "quadratic",
    "uniform",
}


def check_generate_body_grid_type_0(value: str) -> GenerateBodyGridType0:
    if value in GENERATE_BODY_GRID_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GENERATE_BODY_GRID_TYPE_0_VALUES!r}")
