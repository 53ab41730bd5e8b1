from typing import Literal

ErrorEventType = Literal["error"]

ERROR_EVENT_TYPE_VALUES: set[ErrorEventType] = {
    "error",
}


def check_error_event_type(value: str) -> ErrorEventType:
    if value in ERROR_EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ERROR_EVENT_TYPE_VALUES!r}")
