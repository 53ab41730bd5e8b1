from typing import Literal

GenerateBodySampler = Literal["euler", "heun", "logsnr-multistep", "multistep"]

GENERATE_BODY_SAMPLER_VALUES: set[GenerateBodySampler] = {
    "euler",
    "heun",
    "logsnr-multistep",
    "multistep",
}


def check_generate_body_sampler(value: str) -> GenerateBodySampler:
    if value in GENERATE_BODY_SAMPLER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GENERATE_BODY_SAMPLER_VALUES!r}")
