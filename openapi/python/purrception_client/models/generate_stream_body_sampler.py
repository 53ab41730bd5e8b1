from typing import Literal

GenerateStreamBodySampler = Literal["euler", "heun", "logsnr-multistep", "multistep"]

GENERATE_STREAM_BODY_SAMPLER_VALUES: set[GenerateStreamBodySampler] = {
    "euler",
    "heun",
    "logsnr-multistep",
    "multistep",
}


def check_generate_stream_body_sampler(value: str) -> GenerateStreamBodySampler:
    if value in GENERATE_STREAM_BODY_SAMPLER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GENERATE_STREAM_BODY_SAMPLER_VALUES!r}")
