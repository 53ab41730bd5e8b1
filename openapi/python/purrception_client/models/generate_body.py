from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.generate_body_format import GenerateBodyFormat, check_generate_body_format
from ..models.generate_body_grid_type_0 import GenerateBodyGridType0, check_generate_body_grid_type_0
from ..models.generate_body_sampler import GenerateBodySampler, check_generate_body_sampler
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.generate_body_guidance import GenerateBodyGuidance
    from ..models.generate_body_tau_type_1 import GenerateBodyTauType1


T = TypeVar("T", bound="GenerateBody")


@_attrs_define
class GenerateBody:
    """
    Attributes:
        class_ (int | str): The class to draw, by id or label
        model (str | Unset): The model to run, by its name as listed by GET /models (default: the first listed)
        tau (float | GenerateBodyTauType1 | Unset): Softmax temperature of the posterior over codes: a number, or
            {start, end} varying linearly in t (default: the model's). Below 1e-30 it samples as 1e-30, where the posterior
            is already its argmax
        cfg (float | Unset): Classifier-free guidance weight: 0 unconditional, 1 plain conditional (default: the
            model's)
        steps (int | Unset): Time steps T (default: the model's). Euler and multistep evaluate the model T times, Heun
            2T - 1 times
        seed (int | Unset): Seed of the initial noise; the same request with the same seed gives the same bytes. Image i
            uses (seed + i) mod 2^32
        sampler (GenerateBodySampler | Unset): ODE solver on v = (mu - z) / (1 - t) (default: the model's, else euler):
            euler (1st order), heun (2nd order, two evaluations per step), multistep (2nd order from the previous
            evaluation, mu linear in t, one evaluation per step) or logsnr-multistep (the same with mu linear in log(t / (1
            - t)), as DPM-Solver++(2M); best with the early grid; docs/samplers.md)
        grid (GenerateBodyGridType0 | list[float] | Unset): How the steps divide [t0, 1]: a named grid or knots
            (default: the model's, else uniform)
        guidance (GenerateBodyGuidance | Unset): Where in t the guidance weight cfg applies (default: the model's, else
            the whole path). Elsewhere each model evaluation runs the conditional pass alone, half the cost of a guided one
        uncertainty (bool | Unset): Return the per-position entropy of the posterior as heatmaps and summary numbers
            (JSON responses and the stream only)
        uncertainty_step (int | Unset): With uncertainty: also return the entropy map at this step (0..steps-1, t =
            step/T)
        image (str | Unset): Start from this image (base64 PNG, JPEG or WebP, or a data: URL of it; at most 4096 x 4096
            pixels): flattened over white, scaled to cover the model's size and cropped at the centre, encoded and quantized
            to z_1. Needs a model with an encoder (GET /models: imageInput). Bodies with an image may be up to
            IMAGE_BODY_LIMIT bytes
        strength (float | Unset): With image (default 0.6): how far from it to start. Sampling runs `steps` steps over
            [t0, 1], t0 = 1 - strength, from t0 z_1 + (1 - t0) z_0 (z_0 from the seed): near 0 the tokenizer's
            reconstruction (for a trained model), 1 (without mask) the same image as without `image`. Below 1e-6 it samples
            as 1e-6
        mask (str | Unset): With image: a PNG (base64 or data: URL) of the image's aspect ratio saying what to
            regenerate: with transparency its opaque pixels, without it its white ones. A latent cell is regenerated if any
            such pixel touches it; the others keep the image's codes exactly
        codes (bool | Unset): Also return each image's final code grid (JSON answers and the stream only)
        n (int | Unset): Images to generate, with seeds seed, seed+1, ...: one grid image, or a list with Accept:
            application/json
        format_ (GenerateBodyFormat | Unset): Image format. Without it, Accept picks one (image/png, image/webp or
            image/jpeg); png when Accept allows any
        quality (int | Unset): webp and jpeg quality (default 90); refused (400) when the image format is png, which is
            lossless
    """

    class_: int | str
    model: str | Unset = UNSET
    tau: float | GenerateBodyTauType1 | Unset = UNSET
    cfg: float | Unset = UNSET
    steps: int | Unset = UNSET
    seed: int | Unset = UNSET
    sampler: GenerateBodySampler | Unset = UNSET
    grid: GenerateBodyGridType0 | list[float] | Unset = UNSET
    guidance: GenerateBodyGuidance | Unset = UNSET
    uncertainty: bool | Unset = UNSET
    uncertainty_step: int | Unset = UNSET
    image: str | Unset = UNSET
    strength: float | Unset = UNSET
    mask: str | Unset = UNSET
    codes: bool | Unset = UNSET
    n: int | Unset = UNSET
    format_: GenerateBodyFormat | Unset = UNSET
    quality: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.generate_body_tau_type_1 import GenerateBodyTauType1  # noqa: PLC0415

        class_: int | str
        class_ = self.class_

        model = self.model

        tau: dict[str, Any] | float | Unset
        if isinstance(self.tau, Unset):
            tau = UNSET
        elif isinstance(self.tau, GenerateBodyTauType1):
            tau = self.tau.to_dict()
        else:
            tau = self.tau

        cfg = self.cfg

        steps = self.steps

        seed = self.seed

        sampler: str | Unset = UNSET
        if not isinstance(self.sampler, Unset):
            sampler = self.sampler

        grid: list[float] | str | Unset
        if isinstance(self.grid, Unset):
            grid = UNSET
        elif isinstance(self.grid, str):
            grid = self.grid
        else:
            grid = self.grid

        guidance: dict[str, Any] | Unset = UNSET
        if not isinstance(self.guidance, Unset):
            guidance = self.guidance.to_dict()

        uncertainty = self.uncertainty

        uncertainty_step = self.uncertainty_step

        image = self.image

        strength = self.strength

        mask = self.mask

        codes = self.codes

        n = self.n

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_

        quality = self.quality

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "class": class_,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model
        if tau is not UNSET:
            field_dict["tau"] = tau
        if cfg is not UNSET:
            field_dict["cfg"] = cfg
        if steps is not UNSET:
            field_dict["steps"] = steps
        if seed is not UNSET:
            field_dict["seed"] = seed
        if sampler is not UNSET:
            field_dict["sampler"] = sampler
        if grid is not UNSET:
            field_dict["grid"] = grid
        if guidance is not UNSET:
            field_dict["guidance"] = guidance
        if uncertainty is not UNSET:
            field_dict["uncertainty"] = uncertainty
        if uncertainty_step is not UNSET:
            field_dict["uncertaintyStep"] = uncertainty_step
        if image is not UNSET:
            field_dict["image"] = image
        if strength is not UNSET:
            field_dict["strength"] = strength
        if mask is not UNSET:
            field_dict["mask"] = mask
        if codes is not UNSET:
            field_dict["codes"] = codes
        if n is not UNSET:
            field_dict["n"] = n
        if format_ is not UNSET:
            field_dict["format"] = format_
        if quality is not UNSET:
            field_dict["quality"] = quality

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generate_body_guidance import GenerateBodyGuidance  # noqa: PLC0415
        from ..models.generate_body_tau_type_1 import GenerateBodyTauType1  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_class_(data: object) -> int | str:
            return cast(int | str, data)

        class_ = _parse_class_(d.pop("class"))

        model = d.pop("model", UNSET)

        def _parse_tau(data: object) -> float | GenerateBodyTauType1 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                tau_type_1 = GenerateBodyTauType1.from_dict(data)

                return tau_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(float | GenerateBodyTauType1 | Unset, data)

        tau = _parse_tau(d.pop("tau", UNSET))

        cfg = d.pop("cfg", UNSET)

        steps = d.pop("steps", UNSET)

        seed = d.pop("seed", UNSET)

        _sampler = d.pop("sampler", UNSET)
        sampler: GenerateBodySampler | Unset
        if isinstance(_sampler, Unset):
            sampler = UNSET
        else:
            sampler = check_generate_body_sampler(_sampler)

        def _parse_grid(data: object) -> GenerateBodyGridType0 | list[float] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                grid_type_0 = check_generate_body_grid_type_0(data)

                return grid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            grid_type_1 = cast(list[float], data)

            return grid_type_1

        grid = _parse_grid(d.pop("grid", UNSET))

        _guidance = d.pop("guidance", UNSET)
        guidance: GenerateBodyGuidance | Unset
        if isinstance(_guidance, Unset):
            guidance = UNSET
        else:
            guidance = GenerateBodyGuidance.from_dict(_guidance)

        uncertainty = d.pop("uncertainty", UNSET)

        uncertainty_step = d.pop("uncertaintyStep", UNSET)

        image = d.pop("image", UNSET)

        strength = d.pop("strength", UNSET)

        mask = d.pop("mask", UNSET)

        codes = d.pop("codes", UNSET)

        n = d.pop("n", UNSET)

        _format_ = d.pop("format", UNSET)
        format_: GenerateBodyFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = check_generate_body_format(_format_)

        quality = d.pop("quality", UNSET)

        generate_body = cls(
            class_=class_,
            model=model,
            tau=tau,
            cfg=cfg,
            steps=steps,
            seed=seed,
            sampler=sampler,
            grid=grid,
            guidance=guidance,
            uncertainty=uncertainty,
            uncertainty_step=uncertainty_step,
            image=image,
            strength=strength,
            mask=mask,
            codes=codes,
            n=n,
            format_=format_,
            quality=quality,
        )

        return generate_body
