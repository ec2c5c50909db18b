"""Per-voice control state, advanced once a period: trajectory positions and stage glides.

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
def advance_glides(slots, tone, voice_stage, tone_stage, global_stage, glide_s, period_s, stage, glide_from, glide_to, glide_elapsed_s, glide_time_s, out):  # pragma: no cover - compiled
    """Move each slot's stage one period along its linear glide; a new target restarts it.

    A voice follows its own stage if set (not NaN), else its tone's, else the global one.
    Updates stage and the glide state in place; out: [V] the stages reached.
    """
    for i in range(slots.shape[0]):
        v = slots[i]
        target = voice_stage[v]
        if math.isnan(target):
            target = tone_stage[tone[v]]
            if math.isnan(target):
                target = global_stage
        if target != glide_to[v]:
            glide_from[v] = stage[v]
            glide_to[v] = target
            glide_elapsed_s[v] = 0.0
            glide_time_s[v] = glide_s
        glide_elapsed_s[v] += period_s
        progress = min(max(glide_elapsed_s[v] / max(glide_time_s[v], 1e-9), 0.0), 1.0)
        stage[v] = glide_from[v] + (target - glide_from[v]) * progress
        out[i] = stage[v]
