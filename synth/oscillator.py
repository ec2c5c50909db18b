"""The realtime harmonic oscillator bank: a numba kernel, by design.

128 voices x 64 harmonics at 48 kHz is ~400 million partial-samples a second.
A sine per partial-sample in NumPy (the trainer's form) would need several
cores; wavetables rebuilt at every control change would cost an inverse FFT
per voice per period. Here the fundamental's phasor is rotated sample by
sample in float64, and harmonic k+1 is harmonic k times the fundamental (one
complex multiply per partial-sample), with the samples in the innermost loop
so the compiler vectorises across them (float32, fastmath; 1.3x the
harmonics-innermost form measured here). Every voice is re-anchored from its
float64 phase each period and every 16 harmonics, so rounding never accumulates.
Amplitudes ramp linearly across the period, which is exactly
``controls.harmonic_signal_framewise`` with one frame per period.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, fastmath=True)
def render_partials(out, phase_rad, omega_rad, amp_start, amp_end, n_active, onset):  # pragma: no cover - compiled
    """Add harmonic voices into out.

    out: [n_samples] float32, added to. phase_rad: [V] float64 phase of each
    voice's fundamental at sample 0. omega_rad: [V] float64 radians per
    sample. amp_start, amp_end: [V, n_harmonics] float32 linear amplitudes at
    sample 0 and one past the last sample; a voice with an onset ramps from 0
    at its onset instead. n_active: [V] int, harmonics above
    it are silent for that voice (skipped). onset: [V] int, samples before it
    are silent for that voice (a note starting mid-period).
    """
    n_samples = out.shape[0]
    n_voices, n_harmonics = amp_start.shape
    c1 = np.empty(n_samples, np.float32)
    s1 = np.empty(n_samples, np.float32)
    c = np.empty(n_samples, np.float32)
    s = np.empty(n_samples, np.float32)
    ramp = np.empty(n_samples, np.float32)
    for v in range(n_voices):
        m = n_active[v]
        first = onset[v]
        if m == 0 or first >= n_samples:
            continue
        # The fundamental's phasor at every sample, rotated in float64 from the anchor.
        cw, sw = math.cos(omega_rad[v]), math.sin(omega_rad[v])
        pc, ps = math.cos(phase_rad[v]), math.sin(phase_rad[v])
        for n in range(n_samples):
            c1[n] = pc
            s1[n] = ps
            pc, ps = pc * cw - ps * sw, pc * sw + ps * cw
            ramp[n] = max(n - first, 0)
        inv = np.float32(1.0 / (n_samples - first))
        for k in range(m):
            if k % 16 == 0:  # re-anchor: the harmonic recurrence's rounding stays below 1e-6
                w, p = (k + 1) * omega_rad[v], (k + 1) * phase_rad[v]
                cw, sw = math.cos(w), math.sin(w)
                pc, ps = math.cos(p), math.sin(p)
                for n in range(n_samples):
                    c[n] = pc
                    s[n] = ps
                    pc, ps = pc * cw - ps * sw, pc * sw + ps * cw
            a = amp_start[v, k] if first == 0 else np.float32(0.0)
            d = (amp_end[v, k] - a) * inv
            # Harmonic k+1 from harmonic k, times the fundamental, at every sample at
            # once: no loop-carried dependence, so this loop vectorises over samples.
            for n in range(n_samples):  # before the onset, ramp is 0 and a new voice's a is 0
                sv, cv = s[n], c[n]
                out[n] += (a + ramp[n] * d) * sv
                s[n] = cv * s1[n] + sv * c1[n]
                c[n] = cv * c1[n] - sv * s1[n]


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
