"""A bank with known controls, written without training."""

import numpy as np
import pytest

from grower.synth.bank import BankHeader, ToneEntry, load_bank, write_bank

SAMPLE_RATE, HOP = 22050, 128


def tone_arrays(f0_hz: float, duration_s: float, noise: float, harmonic_slope: float = 1.0):
    n = int(duration_s * SAMPLE_RATE / HOP) + 1
    k = np.arange(1, 65)
    distribution = (1.0 / k**harmonic_slope) * (k * f0_hz < 0.8 * SAMPLE_RATE / 2)
    distribution = distribution / distribution.sum()
    return {
        "controls.f0_hz": np.full(n, f0_hz, np.float32),
        "controls.amplitude": np.full(n, 0.3, np.float32),
        "controls.harmonic_distribution": np.tile(distribution, (n, 1)).astype(np.float32),
        "controls.noise_magnitudes": np.full((n, 64), noise, np.float32),
        "controls.loudness_db": np.full(n, -20.0, np.float32),
    }, n


def make_bank(directory, tones, fading=False):
    """tones: [(name, f0_hz, duration_s, noise)]. fading: amplitude falls 0.5 -> 0.05 over each tone."""
    items = []
    for name, f0_hz, duration_s, noise in tones:
        arrays, n = tone_arrays(f0_hz, duration_s, noise)
        if fading:
            arrays["controls.amplitude"] = np.linspace(0.5, 0.05, n).astype(np.float32)
        entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=0, cents_offset=0.0, duration_s=duration_s,
                          sustain_start_s=0.2, sustain_end_s=duration_s - 0.3, n_frames=n, file=f"tones/{name}.safetensors")
        items.append((entry, arrays))
    write_bank(directory, BankHeader(sample_rate=SAMPLE_RATE, hop_size=HOP, n_harmonics=64, n_noise_bands=64), items)
    return load_bank(directory)


@pytest.fixture
def bank(tmp_path):
    return make_bank(tmp_path / "bank", [("low", 110.0, 2.0, 0.0), ("mid", 200.0, 2.0, 0.0), ("breathy", 300.0, 2.0, 0.02)])
