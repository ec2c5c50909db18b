"""Growth: stage s plays harmonics 1 to s of a tone's learned timbre.

A stage ``g`` lies in [0, n_harmonics] and may be fractional:

- harmonic k (1-based) has gain ``clip(g - (k - 1), 0, 1)``: harmonics 1..floor(g)
  sound fully and harmonic floor(g) + 1 fades in with the fractional part;
- the noise grows linearly with the stage, gain ``g / n_harmonics``: silent at
  stage 0, the learned level at the last stage;
- level modes: ``"equal"`` (the default) rescales the grown harmonics so their
  power equals the full tone's, so growing changes the colour and not the
  loudness (the boost is capped at +24 dB so a faint fundamental is not blown
  up); ``"raw"`` keeps the learned amplitudes, so each new harmonic adds energy;
- a voice heads for its own stage if it has one, else its tone's, else the global
  stage, and moves there along a linear glide.

These NumPy functions are the reference definition. The realtime numba kernels
reproduce them (``oscillator.voice_amplitudes``: harmonic_gains,
equal_level_scale; ``voices.stage_target`` and ``voices.advance_glides``:
stage_target, glide_stage), and tests/synth hold each kernel to them.
"""

from __future__ import annotations

import numpy as np

LEVEL_MODES = ("equal", "raw")
MAX_EQUAL_BOOST = 10 ** (24 / 20)


def harmonic_gains(stage: np.ndarray, n_harmonics: int) -> np.ndarray:
    """stage: [...] in [0, n_harmonics]. Returns [..., n_harmonics] gains in [0, 1]."""
    k = np.arange(n_harmonics, dtype=np.float64)
    return np.clip(np.asarray(stage, dtype=np.float64)[..., None] - k, 0.0, 1.0)


def noise_gain(stage: np.ndarray, n_harmonics: int) -> np.ndarray:
    """stage: [...]. Returns [...]: the noise's linear gain, stage / n_harmonics."""
    return np.clip(np.asarray(stage, dtype=np.float64) / n_harmonics, 0.0, 1.0)


def equal_level_scale(distribution: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Scale that gives the grown harmonics the full tone's power.

    distribution, gains: [..., n_harmonics]. Returns [...]: sqrt(sum d^2 / sum (d g)^2),
    capped at MAX_EQUAL_BOOST; 0 when nothing has grown.
    """
    full = np.sum(distribution**2, axis=-1)
    grown = np.sum((distribution * gains) ** 2, axis=-1)
    scale = np.sqrt(full / np.maximum(grown, 1e-30))
    return np.where(grown > 0, np.minimum(scale, MAX_EQUAL_BOOST), 0.0)


def stage_target(voice_stage: np.ndarray, tone_stage: np.ndarray, global_stage: float) -> np.ndarray:
    """The stage each voice heads for: its own if set, else its tone's, else the global one.

    voice_stage: [V] the voices' own stages, NaN where unset. tone_stage: [V] their
    tones' stages, NaN where unset. global_stage: a stage. Returns [V] stages.
    """
    voice_stage, tone_stage = np.asarray(voice_stage, np.float64), np.asarray(tone_stage, np.float64)
    return np.where(np.isnan(voice_stage), np.where(np.isnan(tone_stage), global_stage, tone_stage), voice_stage)


def glide_stage(glide_from: np.ndarray, glide_to: np.ndarray, elapsed_s: np.ndarray, glide_s: np.ndarray) -> np.ndarray:
    """The stage elapsed_s seconds into a linear glide of glide_s seconds from glide_from to glide_to.

    All [V] (or broadcastable); a glide of 0 s jumps at once. Returns [V] stages.
    """
    progress = np.clip(np.asarray(elapsed_s, np.float64) / np.maximum(glide_s, 1e-9), 0.0, 1.0)
    return glide_from + (np.asarray(glide_to, np.float64) - glide_from) * progress
