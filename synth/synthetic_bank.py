"""Banks with known controls, written without training: for tests, benchmarks and demos.

One builder, used by the tests of every package and by the benchmarks, so a
change to the bank format is made once. Each tone is a constant 1/k^slope
spectrum (cut at 80 % of the training Nyquist) with an optional flat noise
floor, so its sound is exactly predictable; a one-shot tone's harmonics decay
instead, each at its own known rate (:func:`one_shot_arrays`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from .bank import VELOCITY_OFFSET_DB, VELOCITY_TIMBRE_DB, Bank, BankHeader, ToneEntry, load_bank, write_bank
from .velocity_timbre import OFFSETS_DB, tilt_table

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


def one_shot_arrays(f0_hz: float, duration_s: float, noise: float, decay_db_per_s: float, release_s: float, n_harmonics: int = 64,
                    n_noise_bands: int = 64, amplitude: float = 0.3) -> tuple[dict, int]:
    """Per-tone file contents for a struck tone. Returns ({key: array}, n_frames).

    Harmonic k (from 1) starts at amplitude * d_k (the steady tone's 1/k spectrum) and
    decays at decay_db_per_s * (1 + (k - 1) / 8) dB/s; the noise at decay_db_per_s. The
    last release_s seconds fall a further 200 dB/s (a damper). The tone's decay rates
    are the file's controls.decay_db_per_s and controls.noise_decay_db_per_s.
    """
    arrays, n_frames = tone_arrays(f0_hz, duration_s, noise, n_harmonics, n_noise_bands, amplitude)
    t_s = np.arange(n_frames) * HOP_SIZE / SAMPLE_RATE
    rates = decay_db_per_s * (1.0 + np.arange(n_harmonics) / 8.0)
    damper_db = -200.0 * np.maximum(t_s - (duration_s - release_s), 0.0)
    amps = amplitude * arrays["controls.harmonic_distribution"] * 10.0 ** ((t_s[:, None] * rates[None, :] + damper_db[:, None]) / 20.0)
    total = amps.sum(axis=1)
    arrays["controls.amplitude"] = total.astype(np.float32)
    arrays["controls.harmonic_distribution"] = (amps / np.maximum(total[:, None], 1e-30)).astype(np.float32)
    arrays["controls.noise_magnitudes"] = (noise * 10.0 ** ((t_s * decay_db_per_s + damper_db) / 20.0))[:, None].repeat(n_noise_bands, 1).astype(np.float32)
    arrays["controls.decay_db_per_s"] = rates.astype(np.float32)
    arrays["controls.noise_decay_db_per_s"] = np.full(n_noise_bands, decay_db_per_s, np.float32)
    return arrays, n_frames


def make_bank(directory: Path, tones: list, fading: bool = False, n_harmonics: int = 64, n_noise_bands: int = 64,
              amplitude: float = 0.3, sustain_s: tuple[float, float] = (0.2, 0.3), band_limited: bool = True,
              loop: str = "ping-pong", crossfade_s: float = 0.0, one_shot: dict | None = None, inharmonicity: dict | None = None,
              velocity_timbre: bool = False) -> Bank:
    """Write a bank of steady tones into directory (created) and load it.

    tones: [(name, f0_hz, duration_s, noise)]. fading: amplitude falls 0.5 -> 0.05
    over each tone. sustain_s: (start, seconds before the end) of the sustain region,
    looped as loop says ("ping-pong", or "crossfade" over crossfade_s).
    one_shot: {name: (decay_db_per_s, release_s)} for tones that are one-shots instead
    (:func:`one_shot_arrays`): their decaying body runs from 0.01 s to release_s before the end.
    inharmonicity: {name: B} for tones whose partials are stretched (the rest are harmonic).
    velocity_timbre: every tone gets the default tilt as its velocity timbre table (source "tilt").
    """
    items = []
    one_shot = one_shot or {}
    for name, f0_hz, duration_s, noise in tones:
        if name in one_shot:
            decay_db_per_s, release_s = one_shot[name]
            arrays, n_frames = one_shot_arrays(f0_hz, duration_s, noise, decay_db_per_s, release_s, n_harmonics, n_noise_bands, amplitude)
            entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=0, cents_offset=0.0,
                              duration_s=duration_s, sustain_start_s=0.01, sustain_end_s=duration_s - release_s, n_frames=n_frames,
                              file=f"tones/{name}.safetensors", envelope="one-shot", onset_s=0.0, attack_end_s=0.01)
            items.append((entry, arrays))
            continue
        arrays, n_frames = tone_arrays(f0_hz, duration_s, noise, n_harmonics, n_noise_bands, amplitude, band_limited=band_limited)
        if fading:
            arrays["controls.amplitude"] = np.linspace(0.5, 0.05, n_frames).astype(np.float32)
        entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=0, cents_offset=0.0,
                          duration_s=duration_s, sustain_start_s=sustain_s[0], sustain_end_s=duration_s - sustain_s[1],
                          n_frames=n_frames, file=f"tones/{name}.safetensors", loop=loop, loop_crossfade_s=crossfade_s if loop == "crossfade" else 0.0)
        items.append((entry, arrays))
    stretched = inharmonicity or {}
    items = [(replace(entry, inharmonicity=stretched.get(entry.name, 0.0)), arrays) for entry, arrays in items]
    if velocity_timbre:
        for i, (entry, arrays) in enumerate(items):
            arrays[VELOCITY_TIMBRE_DB] = tilt_table(OFFSETS_DB, n_harmonics).astype(np.float32)
            arrays[VELOCITY_OFFSET_DB] = np.asarray(OFFSETS_DB, np.float32)
            items[i] = (replace(entry, velocity_timbre="tilt"), arrays)
    write_bank(directory, BankHeader(sample_rate=SAMPLE_RATE, hop_size=HOP_SIZE, n_harmonics=n_harmonics, n_noise_bands=n_noise_bands), items)
    return load_bank(directory)


def benchmark_bank(directory: Path, n_tones: int = 12) -> Bank:
    """The benchmarks' bank: n_tones semitones from 123 Hz, 3 s each, all 64 harmonics at 1/k, some noise.

    Not band-limited, so every voice keeps every harmonic it can below the output Nyquist, and every tone has a
    velocity timbre table, so every voice below velocity 1 pays its multiply: the worst case.
    """
    tones = [(f"t{i}", 110.0 * 2 ** (i / 12 + 0.13), 3.0, 0.01) for i in range(n_tones)]
    return make_bank(directory, tones, amplitude=0.2, sustain_s=(0.3, 0.5), band_limited=False, velocity_timbre=True)


def formant_bank(directory: Path, tones: list, n_harmonics: int = 64, formant_width_hz: float = 150.0, inharmonicity: float = 0.0) -> Bank:
    """Write a bank of steady tones that are each one formant into directory (created) and load it.

    tones: [(name, f0_hz, formant_hz)]. Each tone's harmonic distribution is a Gaussian
    formant_width_hz wide (in hertz) centred on formant_hz, over a floor 60 dB below its
    peak; no noise. A spectrum that moves when its harmonics move with the pitch, and
    stays when its envelope is kept in hertz (envelope transposition). inharmonicity:
    every tone's B; its partials, and so the formant's place among them, are stretched.
    """
    items = []
    for name, f0_hz, formant_hz in tones:
        arrays, n_frames = tone_arrays(f0_hz, 2.0, 0.0, n_harmonics)
        k = np.arange(1, n_harmonics + 1)
        hz = f0_hz * k * np.sqrt(1.0 + inharmonicity * k * k)
        shape = np.exp(-0.5 * ((hz - formant_hz) / formant_width_hz) ** 2) + 1e-3
        arrays["controls.harmonic_distribution"] = np.tile(shape / shape.sum(), (n_frames, 1)).astype(np.float32)
        entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=f0_hz, midi_note=0, cents_offset=0.0,
                          duration_s=2.0, sustain_start_s=0.2, sustain_end_s=1.7, n_frames=n_frames, file=f"tones/{name}.safetensors",
                          inharmonicity=inharmonicity)
        items.append((entry, arrays))
    write_bank(directory, BankHeader(sample_rate=SAMPLE_RATE, hop_size=HOP_SIZE, n_harmonics=n_harmonics, n_noise_bands=64), items)
    return load_bank(directory)
