from typing import Literal

DoneEventType = Literal["done"]

DONE_EVENT_TYPE_VALUES: set[DoneEventType] = {
    "done",
}


def check_done_event_type(value: str) -> DoneEventType:
    if value in DONE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DONE_EVENT_TYPE_VALUES!r}")
