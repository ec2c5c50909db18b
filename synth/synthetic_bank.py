"""Banks with known controls, written without training: for tests, benchmarks and demos.

One builder, used by the tests of every package and by the benchmarks, so a
change to the bank format is made once. Each tone is a constant 1/k^slope
spectrum (cut at 80 % of the training Nyquist) with an optional flat noise
floor, so its sound is exactly predictable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .bank import Bank, BankHeader, ToneEntry, load_bank, write_bank

SAMPLE_RATE = 22050
HOP_SIZE = 128


def tone_arrays(f0_hz: float, duration_s: float, noise: float, n_harmonics: int = 64, n_noise_bands: int = 64,
                amplitude: float = 0.3, harmonic_slope: float = 1.0, band_limited: bool = True) -> tuple[dict, int]:
    """Per-tone file contents for a steady tone. Returns ({key: array}, n_frames).

    f0_hz: Hz. duration_s: s. noise: linear magnitude of every noise band.
    band_limited: harmonics above 80 % of the training Nyquist carry nothing, as a trained bank's.
    """
    n_frames = int(duration_s * SAMPLE_RATE / HOP_SIZE) + 1
    k = np.arange(1, n_harmonics + 1)
    distribution = (1.0 / k**harmonic_slope) * ((k * f0_hz < 0.8 * SAMPLE_RATE / 2) | (not band_limited))
    distribution = distribution / distribution.sum()
    return {
        "controls.f0_hz": np.full(n_frames, f0_hz, np.float32),
        "controls.amplitude": np.full(n_frames, amplitude, np.float32),
        "controls.harmonic_distribution": np.tile(distribution, (n_frames, 1)).astype(np.float32),
        "controls.noise_magnitudes": np.full((n_frames, n_noise_bands), noise, np.float32),
        "controls.loudness_db": np.full(n_frames, -20.0, np.float32),
    }, n_frames


def make_bank(directory: Path, tones: list, fading: bool = False, n_harmonics: int = 64, n_noise_bands: int = 64,
              amplitude: float = 0.3, sustain_s: tuple[float, float] = (0.2, 0.3), band_limited: bool = True) -> Bank:
    """Write a bank of steady tones into directory (created) and load it.

    tones: [(name, f0_hz, duration_s, noise)]. fading: amplitude falls 0.5 -> 0.05
    over each tone. sustain_s: (start, seconds before the end) of the sustain region.
    """
    items = []
    for name, f0_hz, duration_s, noise in tones:
        arrays, n_frames = tone_arrays(f0_hz, duration_s, noise, n_harmonics, n_noise_bands, amplitude, band_limited=band_limited)
        if fading:
            arrays["controls.amplitude"] = np.linspace(0.5, 0.05, n_frames).astype(np.float32)
        entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=0, cents_offset=0.0,
                          duration_s=duration_s, sustain_start_s=sustain_s[0], sustain_end_s=duration_s - sustain_s[1],
                          n_frames=n_frames, file=f"tones/{name}.safetensors")
        items.append((entry, arrays))
    write_bank(directory, BankHeader(sample_rate=SAMPLE_RATE, hop_size=HOP_SIZE, n_harmonics=n_harmonics, n_noise_bands=n_noise_bands), items)
    return load_bank(directory)


def benchmark_bank(directory: Path, n_tones: int = 12) -> Bank:
    """The benchmarks' bank: n_tones semitones from 123 Hz, 3 s each, all 64 harmonics at 1/k, some noise.

    Not band-limited, so every voice keeps every harmonic it can below the output Nyquist: the worst case.
    """
    tones = [(f"t{i}", 110.0 * 2 ** (i / 12 + 0.13), 3.0, 0.01) for i in range(n_tones)]
    return make_bank(directory, tones, amplitude=0.2, sustain_s=(0.3, 0.5), band_limited=False)
