"""Degraded copies of a recording, as a room and a preamp make them: hiss, mains hum, reverb.

Test material, like ``gm_tones`` and ``synthetic_bank``: the tests of
training's input cleaning and benchmarks/bench_clean.py train a clean tone
and a degraded copy of it, and compare what each bank plays. Every function
is seeded, so a copy is the same on every run.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve


def add_hiss_and_hum(audio: np.ndarray, sample_rate: int, noise_dbfs: float = -45.0, hum_dbfs: float = -40.0, mains_hz: float = 50.0,
                     hum_harmonic_drop_db: tuple = (0.0, -6.0, -10.0, -14.0), seed: int = 0) -> np.ndarray:
    """audio [n_samples] at sample_rate Hz plus white noise and mains hum: [n_samples] float32.

    noise_dbfs: the noise's RMS, dB re full scale. hum_dbfs: the level of the
    hum's fundamental at mains_hz, dB re a full-scale sine (peak 1 = 0 dB, as
    spectral.harmonic_levels_db reads it); harmonic k + 1 of the hum is
    hum_harmonic_drop_db[k] below that, with a phase of its own.
    """
    rng = np.random.default_rng(seed)
    t_s = np.arange(audio.shape[0]) / sample_rate
    noise = rng.standard_normal(audio.shape[0]) * 10.0 ** (noise_dbfs / 20.0)
    hum = np.zeros_like(t_s)
    for k, drop_db in enumerate(hum_harmonic_drop_db, start=1):
        hum += 10.0 ** ((hum_dbfs + drop_db) / 20.0) * np.sin(2 * np.pi * k * mains_hz * t_s + rng.uniform(0, 2 * np.pi))
    return (audio + noise + hum).astype(np.float32)


def room_impulse_response(sample_rate: int, rt60_s: float = 0.8, seed: int = 0) -> np.ndarray:
    """[n_samples] a diffuse room's impulse response: noise decaying 60 dB in rt60_s, unit energy, 1.5 * rt60_s long.

    No direct sound (the dry signal is mixed in by :func:`add_reverb`) and no
    discrete early reflections: the late field that a small room adds.
    """
    rng = np.random.default_rng(seed)
    t_s = np.arange(int(1.5 * rt60_s * sample_rate)) / sample_rate
    response = rng.standard_normal(t_s.shape[0]) * 10.0 ** (-3.0 * t_s / rt60_s)  # -60 dB at rt60_s
    return response / np.sqrt(np.sum(response**2))


def add_reverb(audio: np.ndarray, sample_rate: int, rt60_s: float = 0.8, wet: float = 0.3, seed: int = 0) -> np.ndarray:
    """audio [n_samples] in a room: (1 - wet) * dry + wet * reverberated, [n_samples] float32 (the tail past the end is cut).

    The reverberated part is the dry convolved with :func:`room_impulse_response`
    (unit energy, so it carries the dry signal's power).
    """
    wet_signal = fftconvolve(np.asarray(audio, np.float64), room_impulse_response(sample_rate, rt60_s, seed))[: audio.shape[0]]
    return ((1.0 - wet) * audio + wet * wet_signal).astype(np.float32)
