"""Shared fixtures: tones synthesised by the tests themselves, with known pitch."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile


def harmonic_tone(f0_hz: float, duration_s: float, sample_rate: int = 22050, n_harmonics: int = 20, noise_level: float = 0.0, seed: int = 0, vibrato_cents: float = 0.0) -> np.ndarray:
    """A clean sustained tone: 1/k partials below Nyquist, 30 ms fades, optional noise and vibrato."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    f0_track = f0_hz * 2 ** (vibrato_cents * np.sin(2 * np.pi * 5.0 * t) / 1200)
    phase = 2 * np.pi * np.cumsum(f0_track) / sample_rate
    audio = np.zeros_like(t)
    for k in range(1, n_harmonics + 1):
        if k * f0_hz < 0.45 * sample_rate:
            audio += np.sin(k * phase) / k
    audio += noise_level * rng.standard_normal(t.shape)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.03)
    audio *= fade
    return (0.5 * audio / np.max(np.abs(audio))).astype(np.float32)


def stretched_tone(f0_hz: float, b: float, duration_s: float = 1.5, n_partials: int = 30, decay_s: float | None = None, noise: float = 1e-3,
                   seed: int = 0, sample_rate: int = 22050) -> np.ndarray:
    """A stiff string: [n_samples] float32 at sample_rate, peak 0.5. Partial k at k f0_hz sqrt(1 + b k^2) Hz
    (below 0.45 of the rate), amplitude 1/k, random phase; with decay_s, partial k decays as exp(-t k / decay_s)
    (a struck string); white noise of RMS `noise` (before the peak normalisation)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    audio = np.zeros_like(t)
    for k in range(1, n_partials + 1):
        f_hz = k * f0_hz * np.sqrt(1 + b * k * k)
        if f_hz < 0.45 * sample_rate:
            envelope = 1.0 if decay_s is None else np.exp(-t * k / decay_s)
            audio += envelope * np.sin(2 * np.pi * f_hz * t + rng.uniform(0, 2 * np.pi)) / k
    audio += noise * rng.standard_normal(t.shape)
    return (0.5 * audio / np.abs(audio).max()).astype(np.float32)


@pytest.fixture
def write_tone(tmp_path):
    """write_tone(name, f0_hz, duration_s=0.8, folder="tones", sample_rate=22050, **kw) -> Path."""

    def write(name: str, f0_hz: float, duration_s: float = 0.8, folder: str = "tones", sample_rate: int = 22050, fmt: str = "wav", channels: int = 1, **kwargs):
        directory = tmp_path / folder
        directory.mkdir(exist_ok=True)
        audio = harmonic_tone(f0_hz, duration_s, sample_rate, **kwargs)
        if channels > 1:
            audio = np.stack([audio] * channels, axis=1)
        path = directory / f"{name}.{fmt}"
        soundfile.write(str(path), audio, sample_rate)
        return path

    return write


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Keep each test's feature cache to itself, never in the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
