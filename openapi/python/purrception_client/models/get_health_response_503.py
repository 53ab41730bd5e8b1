from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.get_health_response_503_models import GetHealthResponse503Models


T = TypeVar("T", bound="GetHealthResponse503")


@_attrs_define
class GetHealthResponse503:
    """ENGINE_FAILED: an engine crashed ENGINE_RESTARTS + 1 times in a row; the process must be restarted

    Attributes:
        status (str): loading, failed or draining (/ready); crashed (/health)
        status_code (int):
        code (str): Stable machine-readable error code
        error (str):
        message (str): What was wrong, naming the field
        models (GetHealthResponse503Models): Each model's engine by name: loading, ready, failed (could not load),
            restarting (its worker died; a new one is due) or crashed (died too often in a row; not restarted)
    """

    status: str
    status_code: int
    code: str
    error: str
    message: str
    models: GetHealthResponse503Models
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        status_code = self.status_code

        code = self.code

        error = self.error

        message = self.message

        models = self.models.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "statusCode": status_code,
                "code": code,
                "error": error,
                "message": message,
                "models": models,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.get_health_response_503_models import GetHealthResponse503Models  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        status_code = d.pop("statusCode")

        code = d.pop("code")

        error = d.pop("error")

        message = d.pop("message")

        models = GetHealthResponse503Models.from_dict(d.pop("models"))

        get_health_response_503 = cls(
            status=status,
            status_code=status_code,
            code=code,
            error=error,
            message=message,
            models=models,
        )

        get_health_response_503.additional_properties = d
        return get_health_response_503

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
