from typing import Literal

PreviewEventType = Literal["preview"]

PREVIEW_EVENT_TYPE_VALUES: set[PreviewEventType] = {
    "preview",
}


def check_preview_event_type(value: str) -> PreviewEventType:
    if value in PREVIEW_EVENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PREVIEW_EVENT_TYPE_VALUES!r}")
