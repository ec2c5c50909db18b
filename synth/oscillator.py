"""The realtime harmonic oscillator bank: a numba kernel, by design.

128 voices x 64 harmonics at 48 kHz is ~400 million partial-samples a second.
A sine per partial-sample in NumPy (the trainer's form) would need several
cores; wavetables rebuilt at every control change would cost an inverse FFT
per voice per period. Here each partial is a phasor rotated by a complex
multiply per sample, with the harmonics in the innermost loop so the compiler
vectorises across them (float32, fastmath), and every phasor is re-anchored
from the voice's float64 phase at each period so rounding never accumulates.
Amplitudes ramp linearly across the period, which is exactly
``controls.harmonic_signal_framewise`` with one frame per period.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, fastmath=True)
def render_partials(out, phase_rad, omega_rad, amp_start, amp_end, n_active):  # pragma: no cover - compiled
    """Add harmonic voices into out.

    out: [n_samples] float32, added to. phase_rad: [V] float64 phase of each
    voice's fundamental before the first sample. omega_rad: [V] float64
    radians per sample. amp_start, amp_end: [V, n_harmonics] float32 linear
    amplitudes at the first sample and one past the last. n_active: [V] int,
    harmonics above it are silent for that voice (skipped).
    """
    n_samples = out.shape[0]
    n_voices, n_harmonics = amp_start.shape
    c = np.empty(n_harmonics, np.float32)
    s = np.empty(n_harmonics, np.float32)
    cr = np.empty(n_harmonics, np.float32)
    sr = np.empty(n_harmonics, np.float32)
    a = np.empty(n_harmonics, np.float32)
    da = np.empty(n_harmonics, np.float32)
    for v in range(n_voices):
        m = n_active[v]
        if m == 0:
            continue
        for k in range(m):
            p = (k + 1) * phase_rad[v]
            w = (k + 1) * omega_rad[v]
            c[k] = math.cos(p)
            s[k] = math.sin(p)
            cr[k] = math.cos(w)
            sr[k] = math.sin(w)
            a[k] = amp_start[v, k]
            da[k] = (amp_end[v, k] - amp_start[v, k]) / n_samples
        for n in range(n_samples):
            acc = np.float32(0.0)
            for k in range(m):
                acc += a[k] * s[k]
                cn = c[k] * cr[k] - s[k] * sr[k]
                s[k] = c[k] * sr[k] + s[k] * cr[k]
                c[k] = cn
                a[k] += da[k]
            out[n] += acc
