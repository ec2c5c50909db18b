"""Make the example tones: procedural, microtonal, two timbres.

    python examples/make_tones.py [OUT_DIR]   (default: examples/tones)

- ``bowed_*``: a bowed-string-like tone on a 7-EDO scale (171.4-cent steps)
  from 190 Hz: bright sawtooth-like partials shaped by two body resonances,
  a bow-noise band, a slow bowed attack, delayed vibrato and a release.
- ``flute_*``: a breathy flute-like tone on degrees of 17-EDO from 410 Hz:
  strong low partials falling off fast, an attack "chiff", high breath noise,
  vibrato from the start and a short release.

Ten of the twelve tones sit 18 cents or more away from the nearest 12-TET key. Files are 16-bit
FLAC at 22050 Hz, 1.2 to 2.0 s long, deterministic for a given seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 22050


def envelope(n: int, attack_s: float, release_s: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Attack-sustain-release amplitude envelope, [n] in 0..1, smooth at both ends."""
    t = np.arange(n) / sr
    rise = np.clip(t / attack_s, 0, 1)
    fall = np.clip((n / sr - t) / release_s, 0, 1)
    return (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))


def band_noise(n: int, low_hz: float, high_hz: float, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> np.ndarray:
    """White noise band-limited to [low_hz, high_hz] with soft edges, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    centre, width = np.sqrt(low_hz * high_hz), np.log(high_hz / low_hz) / 2
    spectrum *= np.exp(-0.5 * (np.log(np.maximum(freqs, 1.0) / centre) / width) ** 2)
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.std(noise) + 1e-12)


def resonance_db(freqs_hz: np.ndarray, centre_hz: float, gain_db: float, width_octaves: float) -> np.ndarray:
    return gain_db * np.exp(-0.5 * (np.log2(freqs_hz / centre_hz) / width_octaves) ** 2)


def partials(f0_track_hz: np.ndarray, amplitudes: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Sum of harmonics with per-sample amplitudes. amplitudes: [n_harmonics, n]."""
    phase = 2 * np.pi * np.cumsum(f0_track_hz) / sr
    out = np.zeros_like(f0_track_hz)
    for k in range(amplitudes.shape[0]):
        below_nyquist = (k + 1) * f0_track_hz < 0.45 * sr
        out += amplitudes[k] * below_nyquist * np.sin((k + 1) * phase)
    return out


def bowed(f0_hz: float, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    n = int(duration_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    vibrato_depth = np.clip((t - 0.35) / 0.3, 0, 1) * 14.0  # cents, after the bow settles
    f0_track = f0_hz * 2 ** (vibrato_depth * np.sin(2 * np.pi * 5.6 * t + rng.uniform(0, 6)) / 1200)
    k = np.arange(1, 41)[:, None]
    body = resonance_db(k * f0_hz, 280.0, 8.0, 0.5) + resonance_db(k * f0_hz, 2600.0, 6.0, 0.6)
    brightness = np.clip(t / 0.25, 0.2, 1.0)  # high partials speak later in a bowed attack
    level_db = -20 * np.log10(k) * (1.6 - 0.6 * brightness) + body
    amplitudes = 10 ** (level_db / 20) * (1 + 0.05 * np.sin(2 * np.pi * 3.1 * t + k))
    tone = partials(f0_track, amplitudes)
    bow_noise = band_noise(n, 1500, 6000, rng) * 0.04 * (1 + 2 * np.exp(-t / 0.12))
    signal = (tone / np.max(np.abs(tone)) + bow_noise) * envelope(n, 0.12, 0.25)
    return 0.5 * signal / np.max(np.abs(signal))


def flute(f0_hz: float, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    n = int(duration_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    f0_track = f0_hz * 2 ** (18.0 * np.sin(2 * np.pi * 4.8 * t + rng.uniform(0, 6)) / 1200)
    k = np.arange(1, 16)[:, None]
    level_db = np.where(k == 1, 0.0, -6.0 - 9.0 * (k - 2)) + 3.0 * (k == 2)
    amplitudes = 10 ** (level_db / 20) * (1 + 0.08 * np.sin(2 * np.pi * 4.8 * t)) * np.ones_like(t)
    tone = partials(f0_track, amplitudes)
    breath = band_noise(n, 2500, 9000, rng) * 0.08
    chiff = band_noise(n, 800, 4000, rng) * 0.5 * np.exp(-t / 0.03)
    signal = (tone / np.max(np.abs(tone)) + breath + chiff) * envelope(n, 0.06, 0.15)
    return 0.5 * signal / np.max(np.abs(signal))


def scale_tones() -> list:
    """(name, maker, f0_hz, duration_s) for every example tone."""
    tones = []
    for degree in range(7):
        f0 = 190.0 * 2 ** (degree / 7)
        tones.append((f"bowed_7edo_{degree}", bowed, f0, 1.6 + 0.1 * (degree % 3)))
    for degree in (0, 3, 6, 10, 13):
        f0 = 410.0 * 2 ** (degree / 17)
        tones.append((f"flute_17edo_{degree:02d}", flute, f0, 1.2 + 0.2 * (degree % 4)))
    return tones


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0]) if argv else Path(__file__).parent / "tones"
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    for name, maker, f0_hz, duration_s in scale_tones():
        audio = maker(f0_hz, duration_s, rng)
        soundfile.write(str(out_dir / f"{name}.flac"), audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
        cents = 1200 * np.log2(f0_hz / 440.0) % 100
        print(f"{name}: {f0_hz:.2f} Hz ({cents:.0f} cents above a 12-TET key), {duration_s:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
