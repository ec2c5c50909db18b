"""The realtime noise filter kernel against the shared DSP definitions."""

import numpy as np
import pytest

from grower.synth import controls as dsp
from grower.synth.noise_filter import filter_period, impulse_response_basis


@pytest.mark.parametrize("n_bands", [65, 138])
def test_the_basis_gives_the_shared_impulse_response(n_bands):
    magnitudes = np.random.default_rng(0).uniform(0, 1, (3, n_bands))
    np.testing.assert_allclose(magnitudes @ impulse_response_basis(n_bands), dsp.noise_impulse_response(magnitudes), atol=1e-12)


@pytest.mark.parametrize("period", [128, 512])
def test_periods_through_the_kernel_equal_the_shared_filtered_noise(period):
    rng = np.random.default_rng(1)
    n_bands, n_periods = 138, 6
    magnitudes = rng.uniform(0, 0.1, (n_periods, n_bands))
    white = rng.uniform(-1, 1, (n_periods, period))
    expected, expected_tail = dsp.filtered_noise(white, dsp.noise_impulse_response(magnitudes))
    ir_size = dsp.noise_ir_size(n_bands)
    tail = np.zeros(period * (-(-(period + ir_size - 1) // period) - 1))
    basis = impulse_response_basis(n_bands)
    got = []
    for m, w in zip(magnitudes, white):
        out = np.empty(period)
        filter_period(m, basis, w, tail, out)
        got.append(out)
    np.testing.assert_allclose(np.concatenate(got), expected, atol=1e-12)
    np.testing.assert_allclose(tail, expected_tail, atol=1e-12)
