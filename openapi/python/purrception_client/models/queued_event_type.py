from typing import Literal

QueuedEventType = Literal["queued"]

QUEUED_EVENT_TYPE_VALUES: set[QueuedEventType] = {
    "queued",
}


def check_queued_event_type(value: str) -> QueuedEventType:
    if value in QUEUED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {QUEUED_EVENT_TYPE_VALUES!r}")
