from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.encode_json_timings import EncodeJsonTimings
    from ..models.encode_json_usage import EncodeJsonUsage


T = TypeVar("T", bound="EncodeJson")


@_attrs_define
class EncodeJson:
    """The tokenizer's view of an image

    Attributes:
        width (int): The model's image width: the input was resized to it
        height (int):
        codes (list[list[int]]): The codebook index of every latent cell: latent height rows of latent width codes
        input_ (str): PNG (base64) of the input as the encoder saw it: flattened, resized and cropped
        reconstruction (str): PNG (base64) of the decoded codes: what the tokenizer keeps of the image
        mse (float): Mean squared error of the reconstruction against the input, per RGB byte value (0..255)
        psnr (float | None): PSNR in dB, 10 log10(255^2 / mse); null when the reconstruction equals the input
        usage (EncodeJsonUsage): How many cells each code covers
        timings (EncodeJsonTimings):
    """

    width: int
    height: int
    codes: list[list[int]]
    input_: str
    reconstruction: str
    mse: float
    psnr: float | None
    usage: EncodeJsonUsage
    timings: EncodeJsonTimings
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        width = self.width

        height = self.height

        codes = []
        for componentsschemas_code_grid_item_data in self.codes:
            componentsschemas_code_grid_item = componentsschemas_code_grid_item_data

            codes.append(componentsschemas_code_grid_item)

        input_ = self.input_

        reconstruction = self.reconstruction

        mse = self.mse

        psnr: float | None
        psnr = self.psnr

        usage = self.usage.to_dict()

        timings = self.timings.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "width": width,
                "height": height,
                "codes": codes,
                "input": input_,
                "reconstruction": reconstruction,
                "mse": mse,
                "psnr": psnr,
                "usage": usage,
                "timings": timings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.encode_json_timings import EncodeJsonTimings  # noqa: PLC0415
        from ..models.encode_json_usage import EncodeJsonUsage  # noqa: PLC0415

        d = dict(src_dict)
        width = d.pop("width")

        height = d.pop("height")

        codes = []
        _codes = d.pop("codes")
        for componentsschemas_code_grid_item_data in _codes:
            componentsschemas_code_grid_item = cast(list[int], componentsschemas_code_grid_item_data)

            codes.append(componentsschemas_code_grid_item)

        input_ = d.pop("input")

        reconstruction = d.pop("reconstruction")

        mse = d.pop("mse")

        def _parse_psnr(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        psnr = _parse_psnr(d.pop("psnr"))

        usage = EncodeJsonUsage.from_dict(d.pop("usage"))

        timings = EncodeJsonTimings.from_dict(d.pop("timings"))

        encode_json = cls(
            width=width,
            height=height,
            codes=codes,
            input_=input_,
            reconstruction=reconstruction,
            mse=mse,
            psnr=psnr,
            usage=usage,
            timings=timings,
        )

        encode_json.additional_properties = d
        return encode_json

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
