from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_event_type import ErrorEventType, check_error_event_type

T = TypeVar("T", bound="ErrorEvent")


@_attrs_define
class ErrorEvent:
    """Last event on failure, in the shape of every error

    Attributes:
        type_ (ErrorEventType): The event's name: error
        status_code (int):
        code (str): Stable machine-readable error code
        error (str):
        message (str): What was wrong, naming the field
    """

    type_: ErrorEventType
    status_code: int
    code: str
    error: str
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        status_code = self.status_code

        code = self.code

        error = self.error

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "statusCode": status_code,
                "code": code,
                "error": error,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_error_event_type(d.pop("type"))

        status_code = d.pop("statusCode")

        code = d.pop("code")

        error = d.pop("error")

        message = d.pop("message")

        error_event = cls(
            type_=type_,
            status_code=status_code,
            code=code,
            error=error,
            message=message,
        )

        error_event.additional_properties = d
        return error_event

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
