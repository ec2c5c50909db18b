"""Growth: stage s plays harmonics 1 to s of a tone's learned timbre.

A stage ``g`` lies in [0, n_harmonics] and may be fractional:

- harmonic k (1-based) has gain ``clip(g - (k - 1), 0, 1)``: harmonics 1..floor(g)
  sound fully and harmonic floor(g) + 1 fades in with the fractional part;
- the noise grows linearly with the stage, gain ``g / n_harmonics``: silent at
  stage 0, the learned level at the last stage;
- level modes: ``"equal"`` (the default) rescales the grown harmonics so their
  power equals the full tone's, so growing changes the colour and not the
  loudness (the boost is capped at +24 dB so a faint fundamental is not blown
  up); ``"raw"`` keeps the learned amplitudes, so each new harmonic adds energy.
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
