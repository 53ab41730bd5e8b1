from typing import Literal

StepEventType = Literal["step"]

STEP_EVENT_TYPE_VALUES: set[StepEventType] = {
    "step",
}


def check_step_event_type(value: str) -> StepEventType:
    if value in STEP_EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STEP_EVENT_TYPE_VALUES!r}")
