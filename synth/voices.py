"""Per-voice control state, advanced once a period: trajectory positions, stage
targets and glides, and the control-table lookup.

numba kernels over the active slots, because as NumPy on [V] arrays these
few lines were ~40 small operations a period (~50 us at 128 voices, an eighth
of the renderer's time). The renderer's docstring says what they mean.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def trajectory_positions(slots, t_s, tone, held, off_time_s, sustain, frame_rate_hz, out):  # pragma: no cover - compiled
    """Frame positions at times t_s [V] for slots [V]: attack, ping-pong sustain, or release.

    tone, held, off_time_s: per slot; sustain: [n_tones, 2] frames. out: [V] frames, unclipped
    (a release runs past the last frame when it has ended).
    """
    for i in range(slots.shape[0]):
        v = slots[i]
        start, end = sustain[tone[v], 0], sustain[tone[v], 1]
        if held[v]:
            frame = t_s[i] * frame_rate_hz
            if frame < start:
                out[i] = frame
            else:
                length = end - start
                u = (frame - start) % (2.0 * length)
                out[i] = start + (u if u < length else 2.0 * length - u)
        else:
            out[i] = end + max(t_s[i] - off_time_s[v], 0.0) * frame_rate_hz


@njit(cache=True)
def stage_target(v, tone, voice_stage, tone_stage, global_stage):  # pragma: no cover - compiled
    """The stage slot v heads for: its own if set (not NaN), else its tone's, else the global one."""
    target = voice_stage[v]
    if math.isnan(target):
        target = tone_stage[tone[v]]
        if math.isnan(target):
            target = global_stage
    return target


@njit(cache=True)
def stage_targets(slots, tone, voice_stage, tone_stage, global_stage, out):  # pragma: no cover - compiled
    """stage_target for every slot in slots [V]; out: [V]."""
    for i in range(slots.shape[0]):
        out[i] = stage_target(slots[i], tone, voice_stage, tone_stage, global_stage)


@njit(cache=True)
def advance_glides(slots, tone, voice_stage, tone_stage, global_stage, glide_s, period_s, stage, glide_from, glide_to, glide_elapsed_s, glide_time_s, out):  # pragma: no cover - compiled
    """Move each slot's stage one period along its linear glide; a new target restarts it.

    Targets as stage_target. Updates stage and the glide state in place; out: [V] the stages reached.
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
    The per-period control lookup: NumPy's fancy indexing made two [V, C]
    temporaries per table, 70 us a period at 128 voices.
    """
    for v in range(out.shape[0]):
        w = weight[v]
        lo, hi = index_lo[v], index_hi[v]
        for c in range(out.shape[1]):
            out[v, c] = table[lo, c] * (1.0 - w) + table[hi, c] * w
