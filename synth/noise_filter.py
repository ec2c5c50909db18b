"""The realtime noise filter: ``controls.noise_impulse_response`` and
``controls.filtered_noise`` for one control period, as one numba kernel.

Why not the shared functions directly: for a single 128-sample frame their
NumPy calls (an irfft, a roll, a window, three FFTs and the overlap-add
bookkeeping) cost ~0.2 ms a period, a third of the renderer's budget at 128
voices, almost all of it per-call overhead. Here the frequency-sampling
design is a precomputed basis (the irfft, the causal shift and the Hann window
folded into one [n_bands, ir_size] matrix) and the filtering a direct
convolution with the tail carried. tests/synth/test_noise_filter.py holds both
to the shared definitions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import compile_lock
from .controls import noise_ir_size

compile_lock.install()  # before any kernel loads from numba's cache or compiles


def impulse_response_basis(n_bands: int) -> np.ndarray:
    """[n_bands, ir_size]: impulse_response = magnitudes @ basis, as controls.noise_impulse_response."""
    ir_size = noise_ir_size(n_bands)
    t = np.arange(ir_size)
    k = np.arange(n_bands)[:, None]
    weight = np.where((k == 0) | (k == n_bands - 1), 1.0, 2.0) / ir_size  # irfft of a real, even spectrum
    zero_phase = weight * np.cos(2.0 * math.pi * k * (t - ir_size // 2) / ir_size)  # rolled by half: causal
    window = 0.5 - 0.5 * np.cos(2.0 * math.pi * (t + 0.5) / ir_size)
    return zero_phase * window


@njit(cache=True, fastmath=True)
def filter_period(magnitudes, basis, white, tail, out):  # pragma: no cover - compiled
    """One period of white noise through the FIR designed from magnitudes.

    magnitudes: [n_bands] linear; basis: [n_bands, ir_size]; white: [P];
    tail: [T] carried between calls, updated in place (T = P * (ceil((P + ir_size - 1) / P) - 1));
    out: [P] written.
    """
    n_bands, ir_size = basis.shape
    period = white.shape[0]
    tail_size = tail.shape[0]
    ir = np.zeros(ir_size)
    for k in range(n_bands):
        m = magnitudes[k]
        if m != 0.0:
            for t in range(ir_size):
                ir[t] += m * basis[k, t]
    acc = np.zeros(period + tail_size)
    acc[:tail_size] += tail
    for n in range(period):
        x = white[n]
        for t in range(ir_size):
            acc[n + t] += x * ir[t]
    out[:] = acc[:period]
    tail[:] = acc[period:period + tail_size]
