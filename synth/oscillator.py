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


# -- Per-voice controls ------------------------------------------------------------
#
# The same arithmetic as growth.harmonic_gains, growth.equal_level_scale and
# controls.nyquist_taper (tests/synth/test_oscillator.py holds them to it),
# fused into one loop per voice: as NumPy on [voices, 64] arrays they cost
# ~0.5 ms a period at 128 voices, twice the whole budget.


@njit(cache=True, fastmath=True)
def voice_amplitudes(amplitude, distribution, stage, freq_hz, loudness, equal_level, sample_rate, taper_start, max_boost, prev_amps, amps_out, n_active_out):  # pragma: no cover - compiled
    """Grown, levelled, tapered harmonic amplitudes for V voices.

    amplitude, stage, freq_hz, loudness: [V]; distribution, prev_amps: [V, H].
    Writes amps_out [V, H] float32 (amplitude * level * loudness * d_k * gain_k * taper_k)
    and n_active_out [V] (one past the highest harmonic sounding now or before).
    """
    n_voices, n_harmonics = distribution.shape
    nyquist = 0.5 * sample_rate
    width = nyquist * (1.0 - taper_start)
    for v in range(n_voices):
        full = 0.0
        grown = 0.0
        for k in range(n_harmonics):
            gain = min(max(stage[v] - k, 0.0), 1.0)
            d = distribution[v, k]
            full += d * d
            grown += (d * gain) * (d * gain)
        if equal_level:
            level = min(math.sqrt(full / grown), max_boost) if grown > 0 else 0.0
        else:
            level = 1.0
        base = amplitude[v] * level * loudness[v]
        last = 0
        for k in range(n_harmonics):
            gain = min(max(stage[v] - k, 0.0), 1.0)
            position = min(max((nyquist - freq_hz[v] * (k + 1)) / width, 0.0), 1.0)
            taper = 0.5 - 0.5 * math.cos(math.pi * position)
            a = base * distribution[v, k] * gain * taper
            amps_out[v, k] = a
            if amps_out[v, k] > 0 or prev_amps[v, k] > 0:
                last = k + 1
        n_active_out[v] = last


@njit(cache=True, fastmath=True)
def noise_power(noise, ratio, level, out_band_hz, train_band_hz, power_out):  # pragma: no cover - compiled
    """Add V voices' noise filter power on the output band grid into power_out [B].

    noise: [V, N] learned band magnitudes; ratio: [V] pitch transposition;
    level: [V] linear gain. Output band j takes the learned bands at
    out_band_hz[j] / ratio, linearly interpolated; above the last band, nothing.
    """
    n_voices, n_bands = noise.shape
    for v in range(n_voices):
        if level[v] == 0.0:
            continue
        scale = 1.0 / (ratio[v] * train_band_hz)
        for j in range(out_band_hz.shape[0]):
            position = out_band_hz[j] * scale
            if position > n_bands - 1:
                break
            lo = int(position)
            hi = min(lo + 1, n_bands - 1)
            frac = position - lo
            m = (noise[v, lo] * (1.0 - frac) + noise[v, hi] * frac) * level[v]
            power_out[j] += m * m
