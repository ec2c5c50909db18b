"""Spectral measures for judging sound by numbers (NumPy only)."""

from __future__ import annotations

import numpy as np

LSD_FFT_SIZES = (2048, 1024, 512, 256)


def stft_magnitude(audio: np.ndarray, n_fft: int, hop_size: int) -> np.ndarray:
    """Hann-windowed magnitude spectrogram, frames starting at 0 (no centring).

    audio: [..., n_samples]. Returns [..., n_frames, n_fft // 2 + 1] linear.
    """
    n_frames = 1 + (audio.shape[-1] - n_fft) // hop_size
    if n_frames < 1:
        raise ValueError(f"audio of {audio.shape[-1]} samples is shorter than one {n_fft}-point frame")
    frames = np.lib.stride_tricks.sliding_window_view(audio, n_fft, axis=-1)[..., ::hop_size, :][..., :n_frames, :]
    return np.abs(np.fft.rfft(frames * np.hanning(n_fft + 1)[:-1], axis=-1))


def log_spectral_distance_db(reference: np.ndarray, estimate: np.ndarray, fft_sizes=LSD_FFT_SIZES, floor_db: float = -80.0) -> float:
    """Multi-resolution log-spectral distance in dB.

    reference, estimate: [n_samples] audio at one rate (trimmed to the shorter).
    For each FFT size (hop = size / 4): the RMS over bins of the difference of
    power spectra in dB, averaged over frames; then averaged over sizes.
    Powers are floored ``floor_db`` below the reference's peak so silence and
    numerical dust do not dominate.
    """
    n = min(reference.shape[-1], estimate.shape[-1])
    reference = np.asarray(reference[..., :n], dtype=np.float64)
    estimate = np.asarray(estimate[..., :n], dtype=np.float64)
    distances = []
    for n_fft in fft_sizes:
        ref_db = 20.0 * np.log10(stft_magnitude(reference, n_fft, n_fft // 4) + 1e-12)
        est_db = 20.0 * np.log10(stft_magnitude(estimate, n_fft, n_fft // 4) + 1e-12)
        floor = ref_db.max() + floor_db
        difference = np.maximum(ref_db, floor) - np.maximum(est_db, floor)
        distances.append(np.mean(np.sqrt(np.mean(difference**2, axis=-1))))
    return float(np.mean(distances))


def harmonic_levels_db(audio: np.ndarray, f0_hz: float, sample_rate: int, n_harmonics: int, floor_db: float = -120.0) -> np.ndarray:
    """Level of each harmonic over the whole clip: [n_harmonics] dB re full scale (sine of peak 1 = 0 dB).

    audio: [n_samples] linear. The mean power spectrum of 4096-point Hann frames
    (hop 1024) is searched for the peak within half a harmonic spacing of k * f0_hz,
    so a slightly stretched or vibrato partial is still found. Harmonics at or above
    Nyquist read floor_db.
    """
    n_fft = 4096
    audio = np.asarray(audio, np.float64)
    if audio.shape[-1] < n_fft:
        audio = np.pad(audio, (0, n_fft - audio.shape[-1]))
    power = np.mean(stft_magnitude(audio, n_fft, n_fft // 4) ** 2, axis=0)
    window_gain = np.sum(np.hanning(n_fft + 1)[:-1]) / 2  # a unit sine's peak bin magnitude
    bin_hz = sample_rate / n_fft
    levels = np.full(n_harmonics, floor_db)
    half = max(1, int(0.5 * f0_hz / bin_hz))
    for k in range(1, n_harmonics + 1):
        centre = int(round(k * f0_hz / bin_hz))
        if centre + half >= power.shape[0]:
            break
        peak = np.max(power[max(centre - half, 0):centre + half + 1])
        levels[k - 1] = max(10 * np.log10(peak / window_gain**2 + 1e-30), floor_db)
    return levels


def harmonic_profile_error_db(reference: np.ndarray, estimate: np.ndarray, f0_hz: float, sample_rate: int, n_harmonics: int = 64,
                              range_db: float = 60.0, match_level: bool = False) -> float:
    """Mean absolute difference, dB, of the harmonic levels (harmonic_levels_db) of two clips of one tone.

    reference, estimate: [n_samples] at sample_rate Hz, the same part of the tone
    (its sustain, say). Only harmonics of the reference within range_db of its
    strongest count: the ones anyone hears. match_level: the median difference
    is taken out first, so only the profile's shape counts, not its level.
    """
    ref = harmonic_levels_db(reference, f0_hz, sample_rate, n_harmonics)
    est = harmonic_levels_db(estimate, f0_hz, sample_rate, n_harmonics)
    heard = ref >= ref.max() - range_db
    difference = ref[heard] - est[heard]
    if match_level:
        difference = difference - np.median(difference)
    return float(np.mean(np.abs(difference)))
