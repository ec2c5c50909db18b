"""The realtime harmonic oscillator bank: a numba kernel, by design.

128 voices x 64 harmonics at 48 kHz is ~400 million partial-samples a second.
A sine per partial-sample in NumPy (the trainer's form) would need several
cores; wavetables rebuilt at every control change would cost an inverse FFT
per voice per period. Here each voice's fundamental phasor is computed in
float64 at every sample of the period from its anchored phase, and the
harmonics follow by complex multiplication in float32, four per pass, with the
samples in the innermost loop so the compiler vectorises across them
(fastmath). Measured at 128 voices x 64 harmonics: 2.3x the form that
rotated each harmonic's phasor sample by sample with the harmonics innermost
(with two per pass; four per pass took 3 % less again). A period can be
rendered in spans (``first_sample``), so a block shorter than the period
costs its share of the oscillator, not the whole period's.
The phase is re-anchored from float64 every period, so rounding never accumulates.
Amplitudes ramp linearly across the period, which is exactly
``controls.harmonic_signal_framewise`` with one frame per period.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import compile_lock

compile_lock.install()  # before any kernel loads from numba's cache or compiles


LANE = 8  # samples per step of the fundamental's blocked rotation


@njit(cache=True, fastmath=True)
def render_partials(out, phase_rad, omega_rad, amp_start, amp_end, n_active, onset, first_sample, period):  # pragma: no cover - compiled
    """Add harmonic voices into out: samples first_sample .. first_sample + len(out) of a period.

    out: [n_out] float32, added to: samples first_sample .. first_sample + n_out - 1 of
    the period. first_sample, period: ints, samples; the span lies within 0 .. period.
    phase_rad: [V] float64 phase of each voice's fundamental at sample 0 of the
    period. omega_rad: [V] float64 radians per sample. amp_start, amp_end:
    [V, n_harmonics] float32 linear amplitudes at sample 0 and at sample period
    (one past the last); a voice with an onset ramps from 0 at its onset instead.
    n_active: [V] int, harmonics above it are silent for that voice (skipped).
    onset: [V] int, samples of the period before it are silent for that voice (a
    note starting mid-period).

    Every sample comes out bit for bit the same whatever span renders it: the
    fundamental's phasor is stepped from sample 0 of the period as for a whole
    period, and the harmonic loop has no dependence across samples. So a period
    rendered in pieces (a block shorter than the period) equals it rendered whole.
    """
    n_out = out.shape[0]
    stop = first_sample + n_out
    first_block = first_sample - first_sample % LANE  # the block of LANE samples the span starts in
    n_blocks = -(-(stop - first_block) // LANE)
    fund_c = np.empty(n_blocks * LANE)  # the fundamental's phasor, float64, from first_block on
    fund_s = np.empty(n_blocks * LANE)
    c1 = np.empty(n_out, np.float32)
    s1 = np.empty(n_out, np.float32)
    c2 = np.empty(n_out, np.float32)
    s2 = np.empty(n_out, np.float32)
    c3 = np.empty(n_out, np.float32)
    s3 = np.empty(n_out, np.float32)
    c4 = np.empty(n_out, np.float32)
    s4 = np.empty(n_out, np.float32)
    c = np.empty(n_out, np.float32)
    s = np.empty(n_out, np.float32)
    ramp = np.empty(n_out, np.float32)
    lane_c = np.empty(LANE)
    lane_s = np.empty(LANE)
    zero = np.float32(0.0)
    for v in range(amp_start.shape[0]):
        m = n_active[v]
        first = onset[v]
        if m == 0 or first >= stop:
            continue
        # The fundamental's phasor at every sample, in float64: rotations by 0..7
        # samples times a base rotated 8 samples at a time. A sample-by-sample
        # rotation is one long dependency chain; this is 16 steps, not 128. The base
        # is always stepped from sample 0, so a span's samples equal the whole period's.
        cw, sw = math.cos(omega_rad[v]), math.sin(omega_rad[v])
        pc, ps = 1.0, 0.0
        for i in range(LANE):
            lane_c[i], lane_s[i] = pc, ps
            pc, ps = pc * cw - ps * sw, pc * sw + ps * cw
        step_c, step_s = pc, ps
        bc, bs = math.cos(phase_rad[v]), math.sin(phase_rad[v])
        for j in range(0, first_block, LANE):
            bc, bs = bc * step_c - bs * step_s, bc * step_s + bs * step_c
        for b in range(n_blocks):
            for i in range(LANE):  # a fixed LANE wide: one vector
                fund_c[b * LANE + i] = bc * lane_c[i] - bs * lane_s[i]
                fund_s[b * LANE + i] = bc * lane_s[i] + bs * lane_c[i]
            bc, bs = bc * step_c - bs * step_s, bc * step_s + bs * step_c
        # Its powers 1..4, sample by sample: a loop with no dependence that vectorises.
        # As scalar code with the phasor, this setup cost as much as 25 harmonics.
        skip = first_sample - first_block
        for n in range(n_out):
            x, y = fund_c[skip + n], fund_s[skip + n]
            x2, y2 = x * x - y * y, 2.0 * x * y
            c1[n], s1[n] = x, y
            c[n], s[n] = x, y
            c2[n], s2[n] = x2, y2
            c3[n], s3[n] = x2 * x - y2 * y, x2 * y + y2 * x
            c4[n], s4[n] = x2 * x2 - y2 * y2, 2.0 * x2 * y2
        for n in range(n_out):
            ramp[n] = max(first_sample + n - first, 0)
        inv = np.float32(1.0 / (period - first))
        # Four harmonics per pass: k from the running phasor, k+1..k+3 from it times
        # the fundamental's first three powers; then the phasor advances by the fourth.
        # The pass is bound by its multiply-adds (zmm, near one per cycle): four per pass
        # cost 4.5 a partial-sample against 5 for two, and load out, s and c half as often.
        # The float32 recurrence takes 16 steps for 64 harmonics: its error stays near
        # 16 * 6e-8 of full scale (-115 dB).
        for k in range(0, m, 4):
            a0 = amp_start[v, k] if first == 0 else zero
            d0 = (amp_end[v, k] - a0) * inv
            a1 = d1 = a2 = d2 = a3 = d3 = zero
            if k + 1 < m:
                a1 = amp_start[v, k + 1] if first == 0 else zero
                d1 = (amp_end[v, k + 1] - a1) * inv
            if k + 2 < m:
                a2 = amp_start[v, k + 2] if first == 0 else zero
                d2 = (amp_end[v, k + 2] - a2) * inv
            if k + 3 < m:
                a3 = amp_start[v, k + 3] if first == 0 else zero
                d3 = (amp_end[v, k + 3] - a3) * inv
            for n in range(n_out):  # no loop-carried dependence: vectorises over samples
                sv, cv = s[n], c[n]
                r = ramp[n]
                out[n] += ((a0 + r * d0) * sv + (a1 + r * d1) * (sv * c1[n] + cv * s1[n])
                           + (a2 + r * d2) * (sv * c2[n] + cv * s2[n]) + (a3 + r * d3) * (sv * c3[n] + cv * s3[n]))
                s[n] = sv * c4[n] + cv * s4[n]
                c[n] = cv * c4[n] - sv * s4[n]


# -- Stretched partials ------------------------------------------------------------
#
# A stretched tone's partial k turns at ratio_k = k sqrt(1 + B k^2) times the
# fundamental (controls.partial_ratios), a non-integer multiple: it cannot be the
# fundamental's phasor to a power, nor follow from its phase wrapped to [0, 2 pi).
# Its own phasor is anchored every period from the fundamental's unwrapped phase,
# phase_rad + 2 pi cycles (cycles: the whole turns before it, a float64 integer), as
# ratio_k phase_rad + 2 pi frac(ratio_k cycles), so the anchor stays exact for hours,
# and stepped in float64 across the period as the fundamental is above. Only voices
# of stretched tones come here; render_partials plays every other voice as before.


@njit(cache=True, fastmath=True)
def render_stretched_partials(out, phase_rad, cycles, omega_rad, inharmonicity, amp_start, amp_end, n_active, onset, first_sample, period):  # pragma: no cover - compiled
    """Add the voices with inharmonicity > 0 into out: samples first_sample .. first_sample + len(out) of a period.

    As render_partials (out, phase_rad, omega_rad, amp_start, amp_end, n_active, onset,
    first_sample, period), plus cycles: [V] float64 whole turns of each fundamental
    before phase_rad (the unwrapped phase at sample 0 is phase_rad + 2 pi cycles), and
    inharmonicity: [V] B; voices with B = 0 are skipped. Harmonic k plays at
    k sqrt(1 + B k^2) times the fundamental's frequency and phase: with one frame per
    period, controls.harmonic_signal_framewise with controls.partial_ratios.
    Every sample comes out bit for bit the same whatever span renders it.
    """
    n_out = out.shape[0]
    stop = first_sample + n_out
    first_block = first_sample - first_sample % LANE
    n_blocks = -(-(stop - first_block) // LANE)
    skip = first_sample - first_block
    wave = np.empty(n_blocks * LANE)  # one partial's sine, from first_block on
    ramp = np.empty(n_out)
    lane_c = np.empty(LANE)
    lane_s = np.empty(LANE)
    two_pi = 2.0 * math.pi
    for v in range(amp_start.shape[0]):
        m = n_active[v]
        first = onset[v]
        b_v = inharmonicity[v]
        if b_v <= 0.0 or m == 0 or first >= stop:
            continue
        for n in range(n_out):
            ramp[n] = max(first_sample + n - first, 0)
        inv = 1.0 / (period - first)
        for h in range(m):
            a0 = float(amp_start[v, h]) if first == 0 else 0.0
            d0 = (float(amp_end[v, h]) - a0) * inv
            if a0 == 0.0 and d0 == 0.0:
                continue
            k = h + 1.0
            ratio = k * math.sqrt(1.0 + b_v * k * k)
            omega = omega_rad[v] * ratio
            turns = ratio * cycles[v]
            anchor = ratio * phase_rad[v] + two_pi * (turns - math.floor(turns))
            cw, sw = math.cos(omega), math.sin(omega)
            pc, ps = 1.0, 0.0
            for i in range(LANE):
                lane_c[i], lane_s[i] = pc, ps
                pc, ps = pc * cw - ps * sw, pc * sw + ps * cw
            step_c, step_s = pc, ps
            bc, bs = math.cos(anchor), math.sin(anchor)
            for j in range(0, first_block, LANE):
                bc, bs = bc * step_c - bs * step_s, bc * step_s + bs * step_c
            for b in range(n_blocks):
                for i in range(LANE):
                    wave[b * LANE + i] = bc * lane_s[i] + bs * lane_c[i]
                bc, bs = bc * step_c - bs * step_s, bc * step_s + bs * step_c
            for n in range(n_out):
                out[n] += np.float32((a0 + ramp[n] * d0) * wave[skip + n])


# -- Per-voice controls ------------------------------------------------------------
#
# The same arithmetic as growth.harmonic_gains, growth.equal_level_scale and
# controls.nyquist_taper (tests/synth/test_oscillator.py holds them to it),
# fused into one loop per voice: as NumPy on [voices, 64] arrays they cost
# ~0.5 ms a period at 128 voices, twice the whole budget.


@njit(cache=True, fastmath=True)
def voice_amplitudes(amplitude, distribution, stage, freq_hz, loudness, equal_level, sample_rate, taper_start, max_boost, prev_amps, amps_out, n_active_out,
                     inharmonicity):  # pragma: no cover - compiled
    """Grown, levelled, tapered harmonic amplitudes for V voices.

    amplitude, stage, freq_hz, loudness, inharmonicity (B): [V]; distribution, prev_amps: [V, H].
    A stretched voice (B > 0) is tapered at its partials' real frequencies, k sqrt(1 + B k^2) freq_hz.
    Writes amps_out [V, H] float32 (amplitude * level * loudness * d_k * gain_k * taper_k)
    and n_active_out [V] (one past the highest harmonic sounding now or before).
    Reproduces growth.harmonic_gains (gain_k), growth.equal_level_scale (level, when
    equal_level) and controls.nyquist_taper (taper_k).
    """
    n_voices, n_harmonics = distribution.shape
    nyquist = 0.5 * sample_rate
    width = nyquist * (1.0 - taper_start)
    for v in range(n_voices):
        full = 0.0
        grown = 0.0
        for k in range(n_harmonics):  # branch-free: vectorises
            gain = min(max(stage[v] - k, 0.0), 1.0)
            d = distribution[v, k]
            full += d * d
            grown += (d * gain) * (d * gain)
        if equal_level:
            level = min(math.sqrt(full / grown), max_boost) if grown > 0 else 0.0
        else:
            level = 1.0
        base = amplitude[v] * level * loudness[v]
        if inharmonicity[v] > 0.0:  # stretched: rare, so a plain loop with a cosine per partial
            for h in range(n_harmonics):
                position = min(max((nyquist - f_k(freq_hz[v], h + 1.0, inharmonicity[v])) / width, 0.0), 1.0)
                amps_out[v, h] = base * distribution[v, h] * min(max(stage[v] - h, 0.0), 1.0) * (0.5 - 0.5 * math.cos(math.pi * position))
            _last_sounding(v, amps_out, prev_amps, n_active_out)
            continue
        # The taper is 1 below its band, a raised cosine inside and 0 at or above Nyquist:
        # find the band's harmonics first, so the loops either side are plain and vectorise,
        # and a cosine is taken only inside it (8192 of them a period cost 0.1 ms).
        f = freq_hz[v]
        below = (nyquist - width) / f  # harmonics 1 .. below lie under the band
        k = n_harmonics if below >= n_harmonics else max(int(below), 0)
        while k > 0 and (nyquist - f * k) / width < 1.0:  # rounding: the definition decides
            k -= 1
        while k < n_harmonics and (nyquist - f * (k + 1)) / width >= 1.0:
            k += 1
        under = nyquist / f  # harmonics past it sit at or above Nyquist
        z = n_harmonics if under >= n_harmonics else max(int(under), k)
        while z > k and (nyquist - f * z) / width <= 0.0:
            z -= 1
        while z < n_harmonics and (nyquist - f * (z + 1)) / width > 0.0:
            z += 1
        for h in range(k):
            amps_out[v, h] = base * distribution[v, h] * min(max(stage[v] - h, 0.0), 1.0)
        for h in range(k, z):
            position = (nyquist - f * (h + 1)) / width
            amps_out[v, h] = base * distribution[v, h] * min(max(stage[v] - h, 0.0), 1.0) * (0.5 - 0.5 * math.cos(math.pi * position))
        for h in range(z, n_harmonics):
            amps_out[v, h] = 0.0
        _last_sounding(v, amps_out, prev_amps, n_active_out)


@njit(cache=True, fastmath=True, inline="always")
def f_k(freq_hz, k, inharmonicity):  # pragma: no cover - compiled
    """Partial k's frequency, Hz: controls.partial_ratios times freq_hz."""
    return freq_hz * k * math.sqrt(1.0 + inharmonicity * k * k)


@njit(cache=True, inline="always")
def _last_sounding(v, amps_out, prev_amps, n_active_out):  # pragma: no cover - compiled
    """n_active_out[v]: one past the highest harmonic sounding now or before."""
    last = 0
    for h in range(amps_out.shape[1]):
        if amps_out[v, h] > 0 or prev_amps[v, h] > 0:
            last = h + 1
    n_active_out[v] = last


@njit(cache=True, fastmath=True)
def noise_power(noise, rows, ratio, level, out_band_hz, train_band_hz, power_out):  # pragma: no cover - compiled
    """Add V voices' noise filter power on the output band grid into power_out [B].

    noise: [S, N] learned band magnitudes, voice i's in row rows[i] (rows: [V] int);
    ratio: [V] pitch transposition; level: [V] linear gain. out_band_hz: [B] Hz,
    ascending; train_band_hz: Hz between learned bands. Output band j takes the
    learned bands at out_band_hz[j] / ratio, linearly interpolated; above the last
    band, nothing.
    """
    n_bands = noise.shape[1]
    n_out = out_band_hz.shape[0]
    top = n_bands - 1.0
    for i in range(rows.shape[0]):
        if level[i] == 0.0:
            continue
        v = rows[i]
        scale = 1.0 / (ratio[i] * train_band_hz)
        # The output bands below the last learned one, found first, so the loop over them
        # has no exit and vectorises (1.7 ns a band with the exit inside).
        end = np.searchsorted(out_band_hz, top / scale, side="right")
        while end > 0 and out_band_hz[end - 1] * scale > top:  # rounding: the definition decides
            end -= 1
        while end < n_out and out_band_hz[end] * scale <= top:
            end += 1
        for j in range(end):
            position = out_band_hz[j] * scale
            lo = min(int(position), n_bands - 2)
            frac = position - lo
            m = (noise[v, lo] * (1.0 - frac) + noise[v, lo + 1] * frac) * level[i]
            power_out[j] += m * m
