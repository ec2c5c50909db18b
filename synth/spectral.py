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


def harmonic_centroid_hz(audio: np.ndarray, f0_hz: float, sample_rate: int, n_harmonics: int = 64) -> float:
    """Spectral centroid of the harmonic part: Hz, the mean of k * f0_hz weighted by harmonic k's amplitude.

    audio: [n_samples] linear. Amplitudes from harmonic_levels_db (its mean power spectrum over the
    clip, peaks within half a harmonic spacing), so noise between the harmonics does not count.
    """
    amplitudes = 10.0 ** (harmonic_levels_db(audio, f0_hz, sample_rate, n_harmonics) / 20.0)
    return float(np.sum(f0_hz * np.arange(1, n_harmonics + 1) * amplitudes) / np.sum(amplitudes))


def partial_frequencies_hz(audio: np.ndarray, f0_hz: float, sample_rate: int, n_partials: int,
                           floor_db: float = -60.0, prominence_db: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Frequency and level of partials 1..n_partials, from one long high-resolution spectrum.

    audio: [n_samples] linear, a stretch where the partials hold steady (the longer,
    the finer: 1 s resolves 0.05 Hz on a clear peak). f0_hz: roughly the fundamental,
    within a quarter of a semitone. Returns (freqs_hz [n_partials] Hz, levels_db
    [n_partials] dB re the strongest), NaN where no clear peak stands (more than
    -floor_db below the strongest, less than prominence_db above the median of its
    search range: a noise floor's ripple, at the edge of that range, or at Nyquist).

    Blackman window zero-padded to 4x, the peak refined by a parabola through the log
    magnitudes of its bin and neighbours. Partials are found in order: partial k is
    searched within a fifth of f0 of where the fit so far, (f_j / j)^2 = a + b j^2
    (the stiff string's f_j = j f0 sqrt(1 + B j^2)), puts it, so stretched partials
    far from k * f0 are still found.
    """
    audio = np.asarray(audio, np.float64)
    n_fft = 4 * (1 << int(np.ceil(np.log2(max(audio.shape[-1], 16)))))
    spectrum = np.abs(np.fft.rfft(audio * np.blackman(audio.shape[-1]), n_fft))
    log_mag = np.log(spectrum + 1e-30)
    bin_hz = sample_rate / n_fft
    freqs = np.full(n_partials, np.nan)
    logs = np.full(n_partials, -np.inf)
    half = max(int(0.2 * f0_hz / bin_hz), 2)
    for k in range(1, n_partials + 1):
        found = np.isfinite(freqs)
        j = np.flatnonzero(found) + 1
        if j.size >= 3:
            a, b = np.polyfit(j**2.0, (freqs[found] / j) ** 2, 1)[::-1]
            predicted = k * np.sqrt(max(a + b * k * k, 1e-12))
        elif j.size:
            predicted = k * np.mean(freqs[found] / j)
        else:
            predicted = k * f0_hz
        centre = int(round(predicted / bin_hz))
        if centre + half + 1 >= log_mag.shape[0]:
            break
        lo = max(centre - half, 1)
        peak = lo + int(np.argmax(log_mag[lo:centre + half + 1]))
        if peak in (lo, centre + half):
            continue  # the range's edge: a slope, not a peak
        if log_mag[peak] - np.median(log_mag[lo:centre + half + 1]) < prominence_db * np.log(10.0) / 20.0:
            continue  # the noise floor's ripple
        left, mid, right = log_mag[peak - 1:peak + 2]
        curvature = left - 2 * mid + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        freqs[k - 1] = (peak + offset) * bin_hz
        logs[k - 1] = mid - 0.25 * (left - right) * offset
    levels_db = 20.0 / np.log(10.0) * (logs - np.max(logs)) if np.isfinite(logs).any() else np.full(n_partials, np.nan)
    weak = ~(levels_db >= floor_db)
    freqs[weak] = np.nan
    levels_db[weak] = np.nan
    return freqs, levels_db


def onset_sample(audio: np.ndarray, below_peak_db: float = 40.0) -> int:
    """The first sample of audio [n_samples] within below_peak_db of its peak: where a note starts."""
    magnitude = np.abs(np.asarray(audio))
    return int(np.argmax(magnitude >= magnitude.max() * 10.0 ** (-below_peak_db / 20.0)))


def partial_comparison(reference: np.ndarray, reference_rate: int, estimate: np.ndarray, estimate_rate: int, f0_hz: float,
                       n_partials: int = 16, from_s: float = 0.05, length_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """How an estimate's partials sit against a reference's: (cents [n_partials], level_error_db [n_partials]).

    reference, estimate: [n_samples] linear, at their own rates (Hz), each measured by
    partial_frequencies_hz over length_s from from_s after its own onset (onset_sample).
    cents: 1200 log2(estimate's partial k / reference's); level_error_db: the estimate's
    level minus the reference's, both relative to their strongest partial. NaN where either
    has no clear peak. f0_hz: roughly the fundamental, Hz.
    """
    measured = []
    for audio, rate in ((reference, reference_rate), (estimate, estimate_rate)):
        start = onset_sample(audio) + int(from_s * rate)
        measured.append(partial_frequencies_hz(audio[start:start + int(length_s * rate)], f0_hz, rate, n_partials, floor_db=-80.0))
    (ref_hz, ref_db), (est_hz, est_db) = measured
    return 1200.0 * np.log2(est_hz / ref_hz), est_db - ref_db
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
