"""The service's z_0 for a seed, in Python (src/engine/rng.ts): xoshiro128** seeded through
splitmix32, Box-Muller in float64, rounded to float32; and the uniforms of a dfm request's draws
from the same stream. With them the project's PyTorch sampler starts from the noise the service
draws, so the two can be compared request by request."""

from __future__ import annotations

import math
from typing import Callable, List, Tuple

import numpy as np
import torch

MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & MASK


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK


class GaussianRng:
    def __init__(self, seed: int):
        x, self.s = seed & MASK, []
        for _ in range(4):
            x = (x + 0x9E3779B9) & MASK
            z = _imul(x ^ (x >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            self.s.append(z ^ (z >> 16))
        self.spare: float | None = None

    def next_uint32(self) -> int:
        s = self.s
        result = _imul(_rotl(_imul(s[1], 5), 7), 9)
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def uniform(self) -> float:
        hi, lo = self.next_uint32() >> 5, self.next_uint32() >> 6
        return (hi * 67108864 + lo + 0.5) / 9007199254740992.0

    def gaussian(self) -> float:
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        radius = math.sqrt(-2 * math.log(self.uniform()))
        angle = 2 * math.pi * self.uniform()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)

    def normal(self, n: int) -> List[float]:
        return [self.gaussian() for _ in range(n)]


def service_uniforms(seed: int, shape: tuple) -> Callable[[int], Tuple[torch.Tensor, ...]]:
    """A dfm request's (u1, u2) per step, each of `shape` (h, w) as (1, h, w) float64: per step, per
    position in row-major order, u1 then u2 from the seed's stream (src/engine/scheduler.ts)."""
    rng, positions = GaussianRng(seed), int(np.prod(shape))

    def draw(_step: int) -> Tuple[torch.Tensor, ...]:
        u = torch.tensor([rng.uniform() for _ in range(2 * positions)], dtype=torch.float64)
        return u[0::2].view(1, *shape), u[1::2].view(1, *shape)

    return draw


def service_noise(seed: int, shape: tuple) -> np.ndarray:
    """z_0 of a request with this seed: shape (C, h, w), float32, as the service draws it."""
    values = GaussianRng(seed).normal(int(np.prod(shape)))
    return np.asarray(values, dtype=np.float32).reshape(shape)
