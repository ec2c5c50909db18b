"""The benchmarks' synthetic 12-tone bank: a 1/k spectrum and some noise, no training needed."""

from pathlib import Path

import numpy as np

from grower.synth.bank import BankHeader, ToneEntry, load_bank, write_bank


def synthetic_bank(directory: Path):
    items = []
    for i in range(12):
        f0_hz = 110.0 * 2 ** (i / 12 + 0.13)
        n = int(3.0 * 22050 / 128) + 1
        k = np.arange(1, 65)
        distribution = np.tile(1.0 / k / np.sum(1.0 / k), (n, 1))
        arrays = {
            "controls.f0_hz": np.full(n, f0_hz, np.float32),
            "controls.amplitude": np.full(n, 0.2, np.float32),
            "controls.harmonic_distribution": distribution.astype(np.float32),
            "controls.noise_magnitudes": np.full((n, 64), 0.01, np.float32),
            "controls.loudness_db": np.full(n, -20.0, np.float32),
        }
        entry = ToneEntry(name=f"t{i}", source_file=f"t{i}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=45 + i, cents_offset=13.0, duration_s=3.0,
                          sustain_start_s=0.3, sustain_end_s=2.5, n_frames=n, file=f"tones/t{i}.safetensors")
        items.append((entry, arrays))
    write_bank(directory, BankHeader(sample_rate=22050, hop_size=128, n_harmonics=64, n_noise_bands=64), items)
    return load_bank(directory)
