"""Building prepared tones quickly for trainer tests."""

import dataclasses

from grower.training.config import GrowerConfig, TrainConfig
from grower.training.features import analyse
from grower.training.tone_file import file_sha256
from grower.training.tone_set import prepare_tone

from ..conftest import harmonic_tone


def small_config(**train) -> GrowerConfig:
    defaults = dict(max_steps=10, warm_start_steps=20, crop_size=4096)
    defaults.update(train)
    return GrowerConfig(train=dataclasses.replace(TrainConfig(), **defaults))


def prepared(f0_hz: float, config: GrowerConfig, duration_s: float = 0.8, name: str | None = None, noise_level: float = 0.01):
    audio = harmonic_tone(f0_hz, duration_s, config.features.sample_rate, noise_level=noise_level)
    features = analyse(audio, config.features, config.model.n_harmonics, config.model.n_noise_bands)
    sha = f"{f0_hz:.6f}:{duration_s}".encode().hex().ljust(64, "0")[:64]
    return prepare_tone(name or f"tone_{f0_hz:.0f}", sha, audio, features, config)


__all__ = ["small_config", "prepared", "file_sha256"]
