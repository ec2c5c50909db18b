"""Per-voice control state, advanced once a period: where each voice is in its
tone (attack, sustain loop, one-shot decay, release), stage targets and glides,
and the control-table lookup.

numba kernels over the active slots (``voice_slots.VoiceSlots`` fields), because
as NumPy on [V] arrays these few lines were ~40 small operations a period
(~50 us at 128 voices, an eighth of the renderer's time). Each names the
definition it reproduces; tests/synth/test_voices.py holds it there.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.polynomial import chebyshev as C

from . import compile_lock
from .envelope import LOG_FLOOR
from .oscillator import noise_power, voice_amplitudes

compile_lock.install()  # before any kernel loads from numba's cache or compiles


_TINY = 1e-12
_LN2 = math.log(2.0)


@njit(cache=True, fastmath=True, inline="always")
def exp_negative(x):  # pragma: no cover - compiled
    """exp(x) for x <= 0 (x below -80 reads as -80, a gain of 2e-35), to 3e-5 relative.

    (exp(x / 1024))^1024: a 4-term series, then ten squarings. Plain arithmetic, so a
    loop of them vectorises; math.exp is a libm call per element, 10x the cost here
    (16,000 a period for 128 held one-shots).
    """
    x = max(x, -80.0) * (1.0 / 1024.0)
    y = 1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0))))
    for _ in range(10):
        y = y * y
    return y


@njit(cache=True, fastmath=True)
def _interpolate_into(tab, row_lo, row_hi, w, i, amplitude_out, distribution_out, noise_out, f0_ratio_out):  # pragma: no cover - compiled
    """Write the controls interpolated between two table rows (weight w on row_hi) into row i."""
    amplitude_out[i] = tab.amplitude[row_lo] * (1.0 - w) + tab.amplitude[row_hi] * w
    f0_ratio_out[i] = tab.f0_ratio[row_lo] * (1.0 - w) + tab.f0_ratio[row_hi] * w
    for h in range(distribution_out.shape[1]):
        distribution_out[i, h] = tab.distribution[row_lo, h] * (1.0 - w) + tab.distribution[row_hi, h] * w
    for b in range(noise_out.shape[1]):
        noise_out[i, b] = tab.noise[row_lo, b] * (1.0 - w) + tab.noise[row_hi, b] * w


@njit(cache=True, fastmath=True)
def _crossfade_into(tab, a, b, w, i, amplitude_out, distribution_out, noise_out, f0_ratio_out):  # pragma: no cover - compiled
    """Write the blend of the controls at two positions (a, b: (row_lo, row_hi, weight)) into row i:
    weight w on b. Per-harmonic amplitudes blend, and the distribution is renormalised."""
    a_lo, a_hi, a_w = a
    b_lo, b_hi, b_w = b
    amp_a = tab.amplitude[a_lo] * (1.0 - a_w) + tab.amplitude[a_hi] * a_w
    amp_b = tab.amplitude[b_lo] * (1.0 - b_w) + tab.amplitude[b_hi] * b_w
    amplitude = amp_a * (1.0 - w) + amp_b * w
    amplitude_out[i] = amplitude
    scale = 1.0 / max(amplitude, _TINY)
    for h in range(distribution_out.shape[1]):
        d_a = tab.distribution[a_lo, h] * (1.0 - a_w) + tab.distribution[a_hi, h] * a_w
        d_b = tab.distribution[b_lo, h] * (1.0 - b_w) + tab.distribution[b_hi, h] * b_w
        distribution_out[i, h] = ((1.0 - w) * amp_a * d_a + w * amp_b * d_b) * scale
    for k in range(noise_out.shape[1]):
        m_a = tab.noise[a_lo, k] * (1.0 - a_w) + tab.noise[a_hi, k] * a_w
        m_b = tab.noise[b_lo, k] * (1.0 - b_w) + tab.noise[b_hi, k] * b_w
        noise_out[i, k] = (1.0 - w) * m_a + w * m_b
    f_a = tab.f0_ratio[a_lo] * (1.0 - a_w) + tab.f0_ratio[a_hi] * a_w
    f_b = tab.f0_ratio[b_lo] * (1.0 - b_w) + tab.f0_ratio[b_hi] * b_w
    f0_ratio_out[i] = (1.0 - w) * f_a + w * f_b


@njit(cache=True)
def _rows(tab, k, position):  # pragma: no cover - compiled
    """(row_lo, row_hi, weight) of tone k at a fractional frame position, clipped to its frames."""
    n = tab.n_frames[k]
    p = min(max(position, 0.0), n - 1.0)
    lo = int(math.floor(p))
    hi = min(lo + 1, n - 1)
    return tab.offset[k] + lo, tab.offset[k] + hi, p - lo


@njit(cache=True, fastmath=True)
def voice_controls(slots, t_s, tone, held, off_time_s, released_from, tab, amplitude_out, distribution_out, noise_out, f0_ratio_out, finished_out):  # pragma: no cover - compiled
    """Each slot's controls at its time: attack, sustain loop or one-shot decay while held; the release after.

    slots: [V] slot indices; t_s: [V] seconds since each one's note-on; tone, held,
    off_time_s: per slot; released_from: FrameControls per slot, the controls at
    note-off; tab: tone_table.ToneArrays. Writes amplitude_out [V], distribution_out
    [V, H], noise_out [V, N], f0_ratio_out [V] and finished_out [V] (the voice has
    ended). Reproduces tone_table.ToneTable.controls_at (a one-shot's decay to
    exp_negative's 3e-5).
    """
    fr = tab.frame_rate_hz
    n_harmonics = distribution_out.shape[1]
    n_bands = noise_out.shape[1]
    for i in range(slots.shape[0]):
        v = slots[i]
        k = tone[v]
        frame = t_s[i] * fr
        r = tab.release_start[k]
        finished_out[i] = False
        if held[v] and tab.one_shot[k] and frame >= r:  # the decay goes on
            dt_s = (frame - r) / fr
            amplitude_out[i] = tab.ref_amplitude[k]
            for h in range(n_harmonics):
                distribution_out[i, h] = tab.ref_distribution[k, h] * exp_negative(tab.decay[k, h] * dt_s)
            for b in range(n_bands):
                noise_out[i, b] = tab.ref_noise[k, b] * exp_negative(tab.noise_decay[k, b] * dt_s)
            f0_ratio_out[i] = tab.ref_f0_ratio[k]
            finished_out[i] = dt_s >= tab.silent_after_s[k]
        elif held[v]:
            s, e, x = tab.sustain[k, 0], tab.sustain[k, 1], tab.crossfade[k]
            length = e - s
            position = frame
            w = 0.0
            blend = False
            if frame >= s and not tab.one_shot[k]:
                if x > 0:
                    position = s + (frame - s) % length
                    if position >= e - x:
                        blend = True
                        w = (position - (e - x)) / x
                else:
                    u = (frame - s) % (2.0 * length)
                    position = s + (u if u < length else 2.0 * length - u)
            if blend:
                _crossfade_into(tab, _rows(tab, k, position), _rows(tab, k, position - length), w, i, amplitude_out, distribution_out, noise_out, f0_ratio_out)
            else:
                lo, hi, f = _rows(tab, k, position)
                _interpolate_into(tab, lo, hi, f, i, amplitude_out, distribution_out, noise_out, f0_ratio_out)
        else:  # released: the recorded release from r, relative to where the voice was
            position = r + max(t_s[i] - off_time_s[v], 0.0) * fr
            lo, hi, f = _rows(tab, k, position)
            beyond_s = max(position - (tab.n_frames[k] - 1), 0.0) / fr
            level = tab.level[lo] * (1.0 - f) + tab.level[hi] * f
            rho = min(level / max(tab.ref_level[k], _TINY), 1.0) * math.exp(-tab.release_tail_nepers_per_s * beyond_s)
            amplitude = tab.amplitude[lo] * (1.0 - f) + tab.amplitude[hi] * f
            for h in range(n_harmonics):
                gain = rho
                ref = tab.ref_amps[k, h]
                if ref > _TINY:
                    now = amplitude * (tab.distribution[lo, h] * (1.0 - f) + tab.distribution[hi, h] * f)
                    gain = min(gain, now / ref)
                distribution_out[i, h] = released_from.distribution[v, h] * gain
            for b in range(n_bands):
                gain = rho
                ref = tab.ref_noise[k, b]
                if ref > _TINY:
                    gain = min(gain, (tab.noise[lo, b] * (1.0 - f) + tab.noise[hi, b] * f) / ref)
                noise_out[i, b] = released_from.noise[v, b] * gain
            amplitude_out[i] = released_from.amplitude[v]
            f0_now = tab.f0_ratio[lo] * (1.0 - f) + tab.f0_ratio[hi] * f
            f0_ratio_out[i] = released_from.f0_ratio[v] * f0_now / tab.ref_f0_ratio[k]
            finished_out[i] = beyond_s >= tab.release_tail_s


# -- Envelope transposition and morphing ------------------------------------------
#
# envelope.resample_envelope and envelope.blend_controls, per voice. A log and an exp
# per harmonic per period: libm's are scalar calls (no SVML here), ~130 of them per
# voice per period, as dear as a third of a voice's oscillator. Here both are bit
# arithmetic and polynomials over whole rows, with no branch, division or call, so
# they vectorise (side by side in one loop, a row of 64 logs cost a fifth of the
# atanh series in (m - 1) / (m + 1), whose division and range test kept it scalar).


def _log_polynomial() -> tuple:
    """Coefficients c0 .. c10 of ln(m) for m in [1, 2] as a polynomial in x = 2m - 3, to 3e-9:
    NumPy's Chebyshev fit, turned into powers of x for Horner's rule."""
    m = np.linspace(1.0, 2.0, 4001)
    return tuple(float(c) for c in C.cheb2poly(C.chebfit(2.0 * m - 3.0, np.log(m), 10)))


_L0, _L1, _L2, _L3, _L4, _L5, _L6, _L7, _L8, _L9, _L10 = _log_polynomial()
_LOG2_E = 1.0 / math.log(2.0)


class Scratch(NamedTuple):
    """Rows the envelope kernels work in, [H] each; bits views the same memory as floor,
    mantissa the same as mantissa_bits (so a float's exponent and mantissa are read and written
    as integers); index and frac: where each harmonic reads the row; envelope: its smoothed log."""

    log_d: np.ndarray
    floor: np.ndarray
    bits: np.ndarray
    mantissa_bits: np.ndarray
    mantissa: np.ndarray
    exponent: np.ndarray
    index: np.ndarray
    frac: np.ndarray
    envelope: np.ndarray


def scratch(n_harmonics: int) -> Scratch:
    """A Scratch for rows of n_harmonics."""
    floor, mantissa_bits = np.empty(n_harmonics), np.empty(n_harmonics, np.int64)
    return Scratch(np.empty(n_harmonics), floor, floor.view(np.int64), mantissa_bits, mantissa_bits.view(np.float64), np.empty(n_harmonics),
                   np.empty(n_harmonics, np.int64), np.empty(n_harmonics), np.empty(n_harmonics))


@njit(cache=True, fastmath=True, inline="always")
def _log_floor_row(d, out, w):  # pragma: no cover - compiled
    """out[h] = ln(max(d[h], envelope.LOG_FLOOR)), to 3e-9 absolute. d, out: [H] float64; w: Scratch.

    x = m * 2^e: e and m in [1, 2) are read from x's bits, ln x = e ln 2 + ln m.
    """
    n = d.shape[0]
    for h in range(n):
        w.floor[h] = max(d[h], LOG_FLOOR)
    for h in range(n):
        b = w.bits[h]
        w.exponent[h] = ((b >> 52) & 0x7FF) - 1023
        w.mantissa_bits[h] = (b & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000
    for h in range(n):
        x = 2.0 * w.mantissa[h] - 3.0
        out[h] = w.exponent[h] * _LN2 + (_L0 + x * (_L1 + x * (_L2 + x * (_L3 + x * (_L4 + x * (_L5 + x * (_L6 + x * (_L7 + x * (_L8 + x * (_L9 + x * _L10))))))))))


@njit(cache=True, fastmath=True, inline="always")
def _exp_row(x, n, out, w):  # pragma: no cover - compiled
    """out[h] = exp(x[h]) for h < n, to 2e-7 relative, for x within -700..700.

    x, out: [H] float64 (may be the same array); w: Scratch. exp(x) = 2^k 2^r, k the
    nearest whole number to x / ln 2 (its bits build 2^k), |r| <= 1/2, 2^r by Taylor's
    series to degree 6.
    """
    for h in range(n):
        y = x[h] * _LOG2_E
        k = math.floor(y + 0.5)
        r = (y - k) * _LN2
        out[h] = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))))
        w.mantissa_bits[h] = (np.int64(k) + 1023) << 52
    for h in range(n):
        out[h] *= w.mantissa[h]


@njit(cache=True, fastmath=True)
def _resample_row(d, ratio, out, w, voice_b, tone_b):  # pragma: no cover - compiled
    """out = envelope.resample_envelope(d[None], [ratio], [voice_b], [tone_b])[0] (to 1e-6); d, out: [H] distinct arrays;
    w: Scratch. voice_b, tone_b: the B the voice plays with and the row's tone's (both 0: harmonic, the fast path)."""
    n = d.shape[0]
    if (ratio == 1.0 and voice_b == tone_b) or n == 1:
        for h in range(n):
            out[h] = d[h]
        return
    total = 0.0
    for h in range(n):
        total += d[h]
    log_d, envelope = w.log_d, w.envelope
    _log_floor_row(d, log_d, w)
    envelope[0] = 0.5 * (log_d[0] + log_d[1])  # envelope.smoothed_log
    for h in range(1, n - 1):
        envelope[h] = (log_d[h - 1] + log_d[h] + log_d[h + 1]) * (1.0 / 3.0)
    envelope[n - 1] = 0.5 * (log_d[n - 2] + log_d[n - 1])
    # Partials 1 .. inside read the envelope at w.index + w.frac; those past it lie above the tone's last
    # partial (last_hz, in the tone's f0) and keep their frequency in w.exponent for the fall-off.
    if voice_b != 0.0 or tone_b != 0.0:
        inside, last_hz = _stretched_places(ratio, n, w, voice_b, tone_b)
    else:
        inside, last_hz = _harmonic_places(ratio, n, w), float(n)
    for h in range(inside):  # the envelope at each partial's place, and the partial's own fine structure
        lo = w.index[h]
        out[h] = envelope[lo] + w.frac[h] * (envelope[lo + 1] - envelope[lo]) + (log_d[h] - envelope[h])
    last = envelope[n - 1]
    for h in range(inside, n):
        out[h] = last + (log_d[h] - envelope[h])
    _exp_row(out, n, out, w)
    for h in range(inside, n):
        q = last_hz / w.exponent[h]
        q2 = q * q
        out[h] *= q2 * q2  # FALL_OFF_POWER: 4
    after = 0.0
    for h in range(n):
        after += out[h]
    scale = total / after if after > 0.0 else 0.0
    for h in range(n):
        out[h] *= scale


@njit(cache=True, fastmath=True, inline="always")
def _harmonic_places(ratio, n, w):  # pragma: no cover - compiled
    """_resample_row's places for harmonic partials (n * ratio); returns inside."""
    inside = n if ratio <= 1.0 else min(int(n / ratio), n)
    while inside > 0 and inside * ratio > n:  # rounding: the definition decides
        inside -= 1
    while inside < n and (inside + 1) * ratio <= n:
        inside += 1
    top = n - 1.0
    for h in range(inside):  # where each harmonic reads: apart from the gather, so both vectorise
        p = min(max((h + 1) * ratio - 1.0, 0.0), top)
        lo = min(int(p), n - 2)
        w.index[h] = lo
        w.frac[h] = p - lo
    for h in range(inside, n):
        w.exponent[h] = (h + 1) * ratio
    return inside


@njit(cache=True, fastmath=True, inline="always")
def _stretched_places(ratio, n, w, voice_b, tone_b):  # pragma: no cover - compiled
    """_resample_row's places where a partial's is not n * ratio (envelope.partial_places: one square root or
    three a partial); returns (inside, last_hz)."""
    last_hz = n * math.sqrt(1.0 + tone_b * n * n) if tone_b > 0.0 else float(n)  # the tone's last partial, in its f0
    top = n - 1.0
    inside = 0  # the partials up to the tone's last: frequencies rise with n, so they come first
    for h in range(n):
        m = h + 1.0
        y = ratio * m * math.sqrt(1.0 + voice_b * m * m) if voice_b > 0.0 else ratio * m
        w.exponent[h] = y  # the partial's frequency in the tone's f0
        if y <= last_hz:
            inside = h + 1
        k = math.sqrt(2.0 * y * y / (1.0 + math.sqrt(1.0 + 4.0 * tone_b * y * y))) if tone_b > 0.0 else y
        p = min(max(k - 1.0, 0.0), top)
        lo = min(int(p), n - 2)
        w.index[h] = lo
        w.frac[h] = p - lo
    return inside, last_hz


@njit(cache=True, fastmath=True)
def envelope_controls(slots, t_s, tone, held, off_time_s, pitch_hz, tone_f0_hz, inharmonicity, morph, tab, work,
                      amplitude, distribution, noise, f0_ratio, finished):  # pragma: no cover - compiled
    """Voices' controls with the envelope kept in hertz and neighbouring tones morphed, in place.

    On entry amplitude [V], distribution [V, H], noise [V, N], f0_ratio [V] and
    finished [V] hold voice_controls of each slot's first tone (tone) at t_s [V] s.
    morph: voice_slots.Morph (tone_b, weight_b, released_from_b per slot); work: Scratch. A slot
    with weight_b > 0 and a second tone also takes that tone's controls at its own
    position (voice_controls with tone_b and released_from_b); each tone's
    distribution is resampled at pitch_hz / its f0 (tone_f0_hz [T] Hz), its partials read
    where they sound: the slot's at its B (inharmonicity [S], fixed at its note-on), each
    tone's at its own (tab.inharmonicity), and the two blended (envelope.blend_controls);
    it has finished when each part with weight has.
    A slot with one tone is resampled alone (envelope.resample_envelope), skipped at a
    ratio of 1.
    """
    n = slots.shape[0]
    n_harmonics = distribution.shape[1]
    n_bands = noise.shape[1]
    tone_b, weight_b = morph.tone_b, morph.weight_b
    m = 0
    for i in range(n):
        v = slots[i]
        if weight_b[v] > 0.0 and tone_b[v] != tone[v]:
            m += 1
    which = np.empty(m, np.int64)
    slots_b = np.empty(m, np.int64)
    t_b = np.empty(m)
    j = 0
    for i in range(n):
        v = slots[i]
        if weight_b[v] > 0.0 and tone_b[v] != tone[v]:
            which[j], slots_b[j], t_b[j] = i, v, t_s[i]
            j += 1
    amplitude_b = np.empty(m)
    distribution_b = np.empty((m, n_harmonics))
    noise_b = np.empty((m, n_bands))
    f0_ratio_b = np.empty(m)
    finished_b = np.empty(m, np.bool_)
    if m:
        voice_controls(slots_b, t_b, tone_b, held, off_time_s, morph.released_from_b, tab, amplitude_b, distribution_b, noise_b, f0_ratio_b, finished_b)
    row_a = np.empty(n_harmonics)
    row_b = np.empty(n_harmonics)
    j = 0
    for i in range(n):
        v = slots[i]
        ratio_a = pitch_hz[v] / tone_f0_hz[tone[v]]
        if j < m and which[j] == i:
            w = weight_b[v]
            _resample_row(distribution[i], ratio_a, row_a, work, inharmonicity[v], tab.inharmonicity[tone[v]])
            _resample_row(distribution_b[j], pitch_hz[v] / tone_f0_hz[tone_b[v]], row_b, work, inharmonicity[v], tab.inharmonicity[tone_b[v]])
            amp_a, amp_b = amplitude[i], amplitude_b[j]
            blended = amp_a * (1.0 - w) + amp_b * w
            scale = 1.0 / max(blended, _TINY)
            for h in range(n_harmonics):
                distribution[i, h] = ((1.0 - w) * amp_a * row_a[h] + w * amp_b * row_b[h]) * scale
            amplitude[i] = blended
            for b in range(n_bands):
                noise[i, b] = (1.0 - w) * noise[i, b] + w * noise_b[j, b]
            f0_ratio[i] = (1.0 - w) * f0_ratio[i] + w * f0_ratio_b[j]
            finished[i] = (finished[i] or w >= 1.0) and finished_b[j]
            j += 1
        elif ratio_a != 1.0 or inharmonicity[v] != tab.inharmonicity[tone[v]]:
            _resample_row(distribution[i], ratio_a, row_a, work, inharmonicity[v], tab.inharmonicity[tone[v]])
            for h in range(n_harmonics):
                distribution[i, h] = row_a[h]


@njit(cache=True)
def stage_target(v, tone, voice_stage, tone_stage, global_stage):  # pragma: no cover - compiled
    """The stage slot v heads for: its own if set (not NaN), else its tone's, else the global one.

    Reproduces growth.stage_target for one slot.
    """
    target = voice_stage[v]
    if math.isnan(target):
        target = tone_stage[tone[v]]
        if math.isnan(target):
            target = global_stage
    return target


@njit(cache=True)
def advance_glides(slots, tone, voice_stage, tone_stage, global_stage, glide_s, period_s, stage, glide_from, glide_to, glide_elapsed_s, glide_time_s, out):  # pragma: no cover - compiled
    """Move each slot's stage one period along its linear glide; a new target restarts it.

    Targets as stage_target; a new one restarts the glide from the stage reached, over
    glide_s. The stage reached is growth.glide_stage(glide_from, glide_to, glide_elapsed_s,
    glide_time_s). Updates stage and the glide state in place; out: [V] the stages reached.
    """
    for i in range(slots.shape[0]):
        v = slots[i]
        target = stage_target(v, tone, voice_stage, tone_stage, global_stage)
        if target != glide_to[v]:
            glide_from[v] = stage[v]
            glide_to[v] = target
            glide_elapsed_s[v] = 0.0
            glide_time_s[v] = glide_s
        glide_elapsed_s[v] += period_s
        progress = min(max(glide_elapsed_s[v] / max(glide_time_s[v], 1e-9), 0.0), 1.0)
        stage[v] = glide_from[v] + (target - glide_from[v]) * progress
        out[i] = stage[v]


@njit(cache=True, fastmath=True)
def interpolate_rows(table, index_lo, index_hi, weight, out):  # pragma: no cover - compiled
    """out[v] = table[index_lo[v]] * (1 - weight[v]) + table[index_hi[v]] * weight[v].

    table: [R, C] float64; index_lo, index_hi: [V] int; weight: [V]; out: [V, C].
    Reproduces that NumPy expression. The per-period control lookup: NumPy's fancy indexing made two [V, C]
    temporaries per table, 70 us a period at 128 voices.
    """
    for v in range(out.shape[0]):
        w = weight[v]
        lo, hi = index_lo[v], index_hi[v]
        for c in range(out.shape[1]):
            out[v, c] = table[lo, c] * (1.0 - w) + table[hi, c] * w


# -- One period's control work -------------------------------------------------------
#
# What the renderer did between its kernels, as ~40 NumPy operations on [V] and [V, H]
# arrays (gathering and scattering each voice's carried amplitudes and noise bands),
# cost 85 us a period at 256 voices and 42 us at one: a third of the renderer's time,
# and all of it again for every period. Here it is one call.


@njit(cache=True, fastmath=True)
def advance_voices(slots, period, sample_rate, tab, tone_f0_hz, n_harmonics,
                   tone, held, dying, off_time_s, released_from, pitch_hz, velocity, expression,
                   voice_stage, tone_stage, global_stage, glide_s, stage, glide_from, glide_to, glide_elapsed_s, glide_time_s,
                   onset, time_s, phase_rad, cycles, inharmonicity, prev_amps, prev_noise, prev_noise_level,
                   harmonic_gain, timbre_shaped,
                   gain, harmonic_mix, noise_mix, equal_level, noise_rate_gain, taper_start, max_boost, out_band_hz, train_band_hz,
                   envelope, morph, work,
                   phase_out, cycles_out, omega_out, amp_start_out, amp_end_out, n_active_out, onset_out, power_out, silent_out):  # pragma: no cover - compiled
    """Advance the voices in slots by one period of `period` samples; say what the oscillator and noise play.

    slots: [V] slot indices. period: samples; sample_rate: Hz. tab: tone_table.ToneArrays;
    tone_f0_hz: [T] Hz; n_harmonics: the bank's. Slot state, [S] (and [S, H] float32
    prev_amps, [S, N] prev_noise), as voice_slots.VoiceSlots names it, updated in place:
    stage and the glide, onset (0 after), time_s (+ period / sample_rate), phase_rad
    (at the next period's start, in [0, 2 pi)), cycles (the whole turns before it, float64,
    for stretched partials: the unwrapped phase is phase_rad + 2 pi cycles), inharmonicity [S] (each
    voice's B, fixed at its note-on, read only), prev_amps, prev_noise, prev_noise_level
    (the values at the next period's start). harmonic_gain: [S, H] float32 each slot's
    velocity timbre row, multiplied into its distribution where timbre_shaped [S] bool
    (velocity_timbre.harmonic_gain). gain, harmonic_mix, noise_mix: linear;
    equal_level: the level mode is "equal"; noise_rate_gain: linear; taper_start: a
    fraction of Nyquist; max_boost: linear; out_band_hz: [B] Hz; train_band_hz: Hz.
    envelope: the transposition keeps each tone's envelope in hertz and morphs a slot's
    two tones (render_params "envelope"); else it moves the harmonics with the pitch, as
    recorded ("harmonics"). morph: voice_slots.Morph, each slot's second tone; work: Scratch.

    Writes, per voice i: phase_out [V] radians at sample 0 of the period (a new voice's
    phase is 0 at its onset), cycles_out [V] the whole turns before it, omega_out [V] radians per sample, amp_start_out and
    amp_end_out [V, H] float32 amplitudes at the period's start and end, n_active_out [V],
    onset_out [V] samples: what oscillator.render_partials (and render_stretched_partials) take. power_out [B]: the summed
    noise filter's power response, added to. silent_out [V] bool: the voice ends with
    this period (it was fading, or has ended), so its slot is freed.

    Reproduces, in order: voice_controls at the period's end (then, with envelope,
    envelope_controls; the distribution times the slot's harmonic_gain), advance_glides,
    oscillator.voice_amplitudes (on loudness velocity * expression * gain, 0 once silent,
    times harmonic_mix), the phase anchoring, and oscillator.noise_power on the bands and
    noise gain at the period's start; the new noise gain is growth.noise_gain(stage) *
    loudness * noise_rate_gain * noise_mix (noise_power's ratio is 1 with envelope: the bands
    stay in hertz). tests/synth/test_voices.py and test_envelope.py hold it to those.
    """
    n = slots.shape[0]
    n_bands = prev_noise.shape[1]
    period_s = period / sample_rate
    t_end_s = np.empty(n)
    for i in range(n):
        t_end_s[i] = time_s[slots[i]] + period_s
    amplitude = np.empty(n)
    distribution = np.empty((n, n_harmonics))
    noise = np.empty((n, n_bands))
    f0_ratio = np.empty(n)
    voice_controls(slots, t_end_s, tone, held, off_time_s, released_from, tab, amplitude, distribution, noise, f0_ratio, silent_out)
    if envelope:
        envelope_controls(slots, t_end_s, tone, held, off_time_s, pitch_hz, tone_f0_hz, inharmonicity, morph, tab, work, amplitude, distribution, noise,
                          f0_ratio, silent_out)
    stage_now = np.empty(n)
    advance_glides(slots, tone, voice_stage, tone_stage, global_stage, glide_s, period_s, stage, glide_from, glide_to, glide_elapsed_s, glide_time_s, stage_now)
    freq_hz = np.empty(n)
    stretch = np.empty(n)
    loudness = np.empty(n)
    harmonic_loudness = np.empty(n)
    for i in range(n):
        v = slots[i]
        silent_out[i] = silent_out[i] or dying[v]
        freq_hz[i] = pitch_hz[v] * f0_ratio[i]
        stretch[i] = inharmonicity[v]  # the B its note started with, at any pitch and through any morph
        loudness[i] = 0.0 if silent_out[i] else velocity[v] * expression[v] * gain
        harmonic_loudness[i] = loudness[i] * harmonic_mix
        if timbre_shaped[v]:  # velocity timbre: one multiply per harmonic, none for a neutral row
            for h in range(n_harmonics):
                distribution[i, h] *= harmonic_gain[v, h]
        for h in range(n_harmonics):
            amp_start_out[i, h] = prev_amps[v, h]
    voice_amplitudes(amplitude, distribution, stage_now, freq_hz, harmonic_loudness, equal_level, sample_rate, taper_start, max_boost, amp_start_out, amp_end_out, n_active_out, stretch)
    ratio = np.empty(n)
    level = np.empty(n)
    for i in range(n):
        v = slots[i]
        omega = 2.0 * math.pi * freq_hz[i] / sample_rate
        phase = phase_rad[v] - omega * onset[v]
        omega_out[i], phase_out[i], onset_out[i] = omega, phase, onset[v]
        cycles_out[i] = cycles[v]
        reached = phase + omega * period
        phase_rad[v] = reached % (2.0 * math.pi)
        cycles[v] += math.floor((reached - phase_rad[v]) * (0.5 / math.pi) + 0.5)  # the turns the wrap took, counted whole
        onset[v] = 0
        for h in range(n_harmonics):
            prev_amps[v, h] = amp_end_out[i, h]
        ratio[i] = 1.0 if envelope else pitch_hz[v] / tone_f0_hz[tone[v]]  # envelope: the noise bands stay in hertz
        level[i] = prev_noise_level[v]
    # Each period's noise is filtered with the bands at its start; those at its end serve the next.
    noise_power(prev_noise, slots, ratio, level, out_band_hz, train_band_hz, power_out)
    for i in range(n):
        v = slots[i]
        for b in range(n_bands):
            prev_noise[v, b] = noise[i, b]
        prev_noise_level[v] = min(max(stage_now[i] / n_harmonics, 0.0), 1.0) * loudness[i] * noise_rate_gain * noise_mix
        time_s[v] = t_end_s[i]
