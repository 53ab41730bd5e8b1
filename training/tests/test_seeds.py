"""The Python port of the service's seeded noise (src/engine/rng.ts) gives the same numbers."""

import numpy as np

from purrception.seeds import GaussianRng, service_noise


def test_golden_values_of_the_service_generator():
    # test/engine/rng.test.ts pins the same values for the TypeScript generator
    rng = GaussianRng(0)
    assert [rng.next_uint32() for _ in range(3)] == [3809008728, 1133695204, 53579671]
    assert service_noise(1, (4,)).tolist() == [0.8161680698394775, -0.6804445385932922,
                                               -0.7400966286659241, 0.9797067642211914]


def test_noise_is_standard_normal_and_shaped():
    z = service_noise(7, (4, 50, 50))
    assert z.shape == (4, 50, 50) and z.dtype == np.float32
    assert abs(float(z.mean())) < 0.05 and abs(float(z.std()) - 1) < 0.05
