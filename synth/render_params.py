"""A renderer's parameters: what it plays with, as opposed to what it is built for.

``RenderConfig`` (in ``renderer``) is fixed for a renderer's life: its rate, voice
count and control period. ``RenderParams`` may change while it plays, but only
through the renderer's scheduled events (``set_gain``, ``set_mix``,
``set_level_mode``, ``set_transpose``, ``set_stage``, ``set_velocity_timbre``, ``set_params``), which replace the whole
record at a period boundary; nothing assigns a renderer's attributes. They
survive ``Renderer.reset()``, and a bank hot swap carries them, with the changes
still scheduled, to the new bank's renderer (``Renderer.carry_params_from``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .envelope import TRANSPOSE_MODES
from .growth import LEVEL_MODES
from .velocity_timbre import MAX_AMOUNT as MAX_VELOCITY_TIMBRE


def checked(name: str, value):
    """value, when it is a valid value of the RenderParams field name; else a ValueError naming both."""
    if name == "level_mode":
        if value not in LEVEL_MODES:
            raise ValueError(f"level_mode must be one of {LEVEL_MODES}, not {value!r}")
    elif name == "transpose":
        if value not in TRANSPOSE_MODES:
            raise ValueError(f"transpose must be one of {', '.join(TRANSPOSE_MODES)}, not {value!r}")
    elif name == "glide_s":
        if not (math.isfinite(value) and 0 <= value <= 60):
            raise ValueError(f"glide_s must be within 0..60 s, not {value}")
    elif name == "global_stage":
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ValueError(f"stage must be finite and at least 0, not {value}")
    elif name == "velocity_timbre":
        if not (math.isfinite(value) and 0 <= value <= MAX_VELOCITY_TIMBRE):
            raise ValueError(f"velocity_timbre must be within 0..{MAX_VELOCITY_TIMBRE:g}, not {value}")
    elif not (math.isfinite(value) and value >= 0):  # gain, harmonic_mix, noise_mix
        raise ValueError(f"{name} must be finite and at least 0, not {value}")
    return value


@dataclass(frozen=True)
class RenderParams:
    """gain: linear, on every voice. harmonic_mix, noise_mix: linear, 1 is the learned level.
    level_mode: one of growth.LEVEL_MODES. glide_s: seconds a stage change glides when its
    event names none. global_stage: the stage voices and tones without their own follow,
    0..n_harmonics; None (only before a renderer takes it) means every harmonic.
    transpose: one of envelope.TRANSPOSE_MODES: "envelope" keeps each tone's spectral
    envelope in hertz at any pitch and morphs between the two trained tones around it;
    "harmonics" moves the recorded harmonics with the pitch (formants too), one tone.
    velocity_timbre: how much velocity changes brightness, 0..MAX_VELOCITY_TIMBRE: 0 not at
    all (velocity is only gain), 1 as each tone's table says, 2 twice that (see velocity_timbre).
    """

    gain: float = 1.0
    harmonic_mix: float = 1.0
    noise_mix: float = 1.0
    level_mode: str = "equal"
    glide_s: float = 0.02
    global_stage: float | None = None
    transpose: str = "envelope"
    velocity_timbre: float = 1.0

    def __post_init__(self):
        checked("gain", self.gain)
        checked("harmonic_mix", self.harmonic_mix)
        checked("noise_mix", self.noise_mix)
        checked("level_mode", self.level_mode)
        checked("glide_s", self.glide_s)
        checked("global_stage", self.global_stage)
        checked("transpose", self.transpose)
        checked("velocity_timbre", self.velocity_timbre)
