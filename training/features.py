"""Conditioning features and the pitch checks that decide whether a file is a tone.

f0 comes from ``librosa.yin`` with parabolic interpolation: on clean tones it is
within a fraction of a cent and takes ~20 ms per second of audio here. pyin was
measured at 1.3 s per second of audio plus ~26 s of JIT on this CPU, and its
output snaps to 10-cent bins (3.6 cents off on a test tone); torchcrepe imports
torchaudio, which has no CPU build on our platform. yin gives no voicing
decision, so :func:`periodicity` computes one: the normalised autocorrelation
at the detected period, vectorised over frames (a few NumPy lines; no library
exposes it for arbitrary per-frame lags).
"""

from __future__ import annotations

from dataclasses import dataclass

from grower.synth import compile_lock

compile_lock.install()  # librosa's gufuncs load from numba's cache as it is imported: one process at a time

import librosa  # noqa: E402
import numpy as np  # noqa: E402

from .blas import one_blas_thread
from .config import FeatureConfig
from .inharmonicity import MAX_PITCH_WOBBLE_CENTS, estimate_inharmonicity
from .segment import segment, sound_span
from .tone_file import ToneFileError

ACTIVE_RANGE_DB = 30.0  # frames this close to the loudest are "sounding"


@dataclass
class ToneFeatures:
    """Per-frame features of one tone; frame m is centred on sample m * hop_size."""

    f0_hz: np.ndarray  # [n_frames] Hz, gaps filled from neighbouring voiced frames
    voiced: np.ndarray  # [n_frames] bool
    periodicity: np.ndarray  # [n_frames] 0..1
    loudness_db: np.ndarray  # [n_frames] A-weighted mean power, dB re full scale
    mfcc: np.ndarray  # [n_frames, n_mfcc]
    harmonic_amplitudes: np.ndarray  # [n_frames, n_harmonics] linear, sinusoidal analysis
    noise_magnitudes: np.ndarray  # [n_frames, n_noise_bands] linear filter gains, analysis estimate
    tone_f0_hz: float  # median f0 over the sustain
    inharmonicity: float  # B: partial k at k f0 sqrt(1 + B k^2); 0 for a harmonic tone (training.inharmonicity)
    sustain_start_s: float  # the sustain region (a one-shot's decaying body), s from frame 0, as segment.segment finds it
    sustain_end_s: float
    trimmed_start_s: float  # leading silence left out before frame 0, s (segment.sound_span)
    trimmed_end_s: float  # trailing silence left out after the last sample, s

    @property
    def n_frames(self) -> int:
        return self.f0_hz.shape[0]

    def to_arrays(self) -> dict:
        return {k: np.asarray(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_arrays(cls, arrays) -> "ToneFeatures":
        scalars = ("tone_f0_hz", "inharmonicity", "sustain_start_s", "sustain_end_s", "trimmed_start_s", "trimmed_end_s")
        return cls(**{k: (float(arrays[k]) if k in scalars else np.asarray(arrays[k])) for k in cls.__dataclass_fields__})

    def trimmed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """The part of the recording these features describe: audio [n_samples] less the silence trimmed at each end."""
        start = int(round(self.trimmed_start_s * sample_rate))
        end = audio.shape[0] - int(round(self.trimmed_end_s * sample_rate))
        return audio[start:end]


TRIM_NOTICE_S = (0.1, 0.5)  # leading, trailing silence trimmed: this long or longer is said (less is a quiet fade)


def trim_notice(features: ToneFeatures, path) -> str | None:
    """The line saying how much silence was trimmed from the recording at path, or None when (next to) none was."""
    trimmed = ((features.trimmed_start_s, "leading"), (features.trimmed_end_s, "trailing"))
    parts = [f"{seconds:.2f} s of {where}" for (seconds, where), least in zip(trimmed, TRIM_NOTICE_S) if seconds >= least]
    if not parts:
        return None
    return f"trimmed {' and '.join(parts)} silence from {path}"


def analyse(audio: np.ndarray, config: FeatureConfig, n_harmonics: int, n_noise_bands: int, interrupt=None) -> ToneFeatures:
    """All features of one tone, on one BLAS thread (training.blas: they must not depend on the machine); see _analyse."""
    with one_blas_thread():
        return _analyse(audio, config, n_harmonics, n_noise_bands, interrupt)


def _analyse(audio: np.ndarray, config: FeatureConfig, n_harmonics: int, n_noise_bands: int, interrupt=None) -> ToneFeatures:
    """All features of one tone. audio: [n_samples] float32 at config.sample_rate.

    Leading and trailing silence are trimmed first (segment.sound_span; the
    features' trimmed_start_s and trimmed_end_s say how much, and
    ToneFeatures.trimmed gives the audio they describe), so frame 0 is the
    onset, within 2 ms.

    Raises ToneFileError when the file has no stable single pitch, when
    pitch estimation fails on it, or when less than min_duration_s of it is
    left after trimming: every failure of a file is one skipped line.
    interrupt: checked between stages (a minute of audio takes a few seconds).
    """
    check = interrupt.check if interrupt is not None else (lambda: None)
    sr, hop, n_fft = config.sample_rate, config.hop_size, config.analysis_fft_size
    n_samples = audio.shape[0]
    start, end = sound_span(audio, sr, config.onset_below_peak_db, config.tail_below_peak_db)
    shortest = int(np.ceil(config.min_duration_s * sr))
    if n_samples - start < shortest:
        raise ToneFileError(f"too short: {(n_samples - start) / sr:.2f} s of sound after {start / sr:.2f} s of leading silence (a tone needs at least {config.min_duration_s} s)")
    end = max(end, start + shortest)
    audio = audio[start:end]
    try:
        f0_raw = librosa.yin(audio, fmin=config.f0_min_hz, fmax=config.f0_max_hz, sr=sr, frame_length=n_fft, hop_length=hop, center=True)
    except librosa.util.exceptions.ParameterError as error:  # e.g. a rate at which f0_min_hz's period outgrows the frame
        raise ToneFileError(f"no pitch estimate ({str(error).splitlines()[0]})") from None
    check()
    periodicity_ = periodicity(audio, f0_raw, sr, n_fft, hop)
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    spectrum = np.abs(librosa.stft(audio, n_fft=n_fft, hop_length=hop, window=window, center=True)).T  # [n_frames, n_bins]
    loudness_db = a_weighted_loudness_db(spectrum, sr, n_fft, window)
    check()
    mfcc = librosa.feature.mfcc(y=audio, sr=sr, n_mfcc=config.n_mfcc, n_fft=1024, hop_length=hop, n_mels=128, center=True).T
    check()

    active = loudness_db >= loudness_db.max() - ACTIVE_RANGE_DB
    voiced = active & (periodicity_ >= config.min_periodicity)
    voiced_fraction = voiced.sum() / max(active.sum(), 1)
    if voiced_fraction < config.min_voiced_fraction:
        raise ToneFileError(f"no stable pitch: only {100 * voiced_fraction:.0f} % of the sounding frames are periodic (noise or several notes?)")
    median_f0 = float(np.median(f0_raw[voiced]))
    cents_from_median = 1200.0 * np.abs(np.log2(f0_raw[voiced] / median_f0))
    within = float(np.mean(cents_from_median <= config.max_pitch_spread_cents))
    if within < 0.8:
        raise ToneFileError(f"no stable pitch: the pitch wanders, only {100 * within:.0f} % of periodic frames lie within {config.max_pitch_spread_cents:.0f} cents of {median_f0:.1f} Hz")
    voiced &= 1200.0 * np.abs(np.log2(f0_raw / median_f0)) <= config.max_pitch_spread_cents
    f0_hz = fill_unvoiced(f0_raw, voiced)

    bh_window = analysis_window(n_fft)
    bh_spectrum = np.abs(librosa.stft(audio, n_fft=n_fft, hop_length=hop, window=bh_window, center=True)).T
    check()
    harmonic_amps, peak_hz = harmonic_analysis(bh_spectrum, f0_hz, sr, n_fft, bh_window, n_harmonics)
    f0_hz = fill_unvoiced(refine_f0(f0_hz, harmonic_amps, peak_hz, sr, n_fft), voiced)
    harmonic_amps, _ = harmonic_analysis(bh_spectrum, f0_hz, sr, n_fft, bh_window, n_harmonics)
    _reject_missing_fundamental(harmonic_amps[voiced], median_f0)  # on the harmonic grid: a chord's partials could pass for a stretch
    f0_hz, inharmonicity = stretched_f0(audio, f0_hz, voiced, config, n_harmonics)
    ratios = np.arange(1, n_harmonics + 1) * np.sqrt(1.0 + inharmonicity * np.arange(1, n_harmonics + 1) ** 2.0)  # controls.partial_ratios
    check()
    if inharmonicity > 0:
        harmonic_amps, _ = harmonic_analysis(bh_spectrum, f0_hz, sr, n_fft, bh_window, n_harmonics, ratios)
    noise_mags = noise_floor_analysis(bh_spectrum, f0_hz, sr, n_fft, bh_window, n_noise_bands, ratios)

    segments = segment(harmonic_amps, noise_mags, f0_hz, sr / hop)
    first, last = int(round(segments.sustain_start_s * sr / hop)), int(round(segments.sustain_end_s * sr / hop))
    sustain_f0 = f0_hz[first:last][voiced[first:last]]
    return ToneFeatures(
        f0_hz=f0_hz.astype(np.float32),
        voiced=voiced,
        periodicity=periodicity_.astype(np.float32),
        loudness_db=loudness_db.astype(np.float32),
        mfcc=mfcc.astype(np.float32),
        harmonic_amplitudes=harmonic_amps.astype(np.float32),
        noise_magnitudes=noise_mags.astype(np.float32),
        tone_f0_hz=float(np.median(sustain_f0)) if sustain_f0.size else float(np.median(f0_hz[voiced])),
        inharmonicity=inharmonicity,
        sustain_start_s=segments.sustain_start_s,
        sustain_end_s=segments.sustain_end_s,
        trimmed_start_s=start / sr,
        trimmed_end_s=(n_samples - end) / sr,
    )


STRETCH_FROM_S = 0.15  # the inharmonicity is measured from this long after the onset, past a strike's pitch transient


def stretched_f0(audio: np.ndarray, f0_hz: np.ndarray, voiced: np.ndarray, config: FeatureConfig, n_harmonics: int) -> tuple[np.ndarray, float]:
    """(f0_hz [n_frames] Hz, B): the f0 track and the tone's inharmonicity, from its early partials.

    audio: [n_samples] trimmed, frame 0 at its onset; f0_hz: [n_frames] the tracker's f0;
    voiced: [n_frames] bool. B is measured over inharmonicity.WINDOW_S from STRETCH_FROM_S
    on (a one-shot's partials are strongest early), and only where the pitch holds steady
    there (its frames' median distance from their median pitch at most
    MAX_PITCH_WOBBLE_CENTS). Where B is kept, the tone plays at one pitch, the fit's f0
    (anchored on the fundamental: inharmonicity.fit_partials): a tracker reads a
    stretched tone as a compromise between its partials, and frame by frame it jitters by
    several cents at a strike (GM piano C3: -2.3..+7.6 cents, 5-95 %, in its first second,
    most at the attack, where the upper partials are loudest), which put the rendered
    partials 8-12 six cents sharp of the recording's. A harmonic tone (B = 0) keeps the
    tracker's f0 untouched, so it trains exactly as before.
    """
    if not config.stretch:
        return f0_hz, 0.0
    sr, hop = config.sample_rate, config.hop_size
    start = int(STRETCH_FROM_S * sr) if audio.shape[0] > 4 * int(STRETCH_FROM_S * sr) else 0
    frames = slice(start // hop, (start + int(sr)) // hop + 1)
    window_voiced = voiced[frames]
    if not window_voiced.any():
        return f0_hz, 0.0
    tracked_hz = float(np.median(f0_hz[frames][window_voiced]))
    wobble_cents = float(np.median(np.abs(1200.0 * np.log2(f0_hz[frames][window_voiced] / tracked_hz))))
    if wobble_cents > MAX_PITCH_WOBBLE_CENTS:
        return f0_hz, 0.0  # vibrato smears the upper partials' peaks by as many cents as it swings: no stretch can be told from it
    fit = estimate_inharmonicity(audio[start:], tracked_hz, sr, n_harmonics)
    if fit.inharmonicity == 0.0:
        return f0_hz, 0.0
    return np.full_like(f0_hz, fit.f0_hz), fit.inharmonicity


def periodicity(audio: np.ndarray, f0_hz: np.ndarray, sample_rate: int, frame_length: int, hop_size: int) -> np.ndarray:
    """Normalised autocorrelation at each frame's period: ~1 periodic, ~0 noise.

    audio: [n_samples]; f0_hz: [n_frames] (yin's frames, centred).
    Returns [n_frames] in [-1, 1]: the best of the three integer lags around
    the fractional period, so high pitches are not penalised by lag rounding.
    """
    window_length = frame_length // 2
    padded = np.pad(audio, frame_length // 2)
    frames = librosa.util.frame(padded, frame_length=frame_length, hop_length=hop_size).T[: f0_hz.shape[0]]  # [n_frames, frame_length]
    lag = np.clip(np.round(sample_rate / f0_hz).astype(int), 2, frame_length - window_length - 2)
    head = frames[:, :window_length]
    head_energy = np.sum(head * head, axis=1)
    index = np.arange(window_length)
    values = []
    for offset in (-1, 0, 1):
        shifted = np.take_along_axis(frames, (lag + offset)[:, None] + index[None, :], axis=1)
        energy = np.sum(shifted * shifted, axis=1)
        values.append(np.sum(head * shifted, axis=1) / np.sqrt(head_energy * energy + 1e-20))
    return np.clip(np.max(values, axis=0), -1.0, 1.0)


def a_weighted_loudness_db(spectrum: np.ndarray, sample_rate: int, n_fft: int, window: np.ndarray) -> np.ndarray:
    """A-weighted mean-square level per frame, dB re full scale.

    spectrum: [n_frames, n_fft // 2 + 1] STFT magnitudes. A full-scale sine at
    1 kHz reads about -3 dB.
    """
    with np.errstate(divide="ignore"):  # A-weighting is -inf dB at 0 Hz, i.e. weight 0
        weights = 10.0 ** (librosa.A_weighting(librosa.fft_frequencies(sr=sample_rate, n_fft=n_fft)) / 10.0)
    mean_square = 2.0 * np.sum(spectrum**2 * weights, axis=1) / (n_fft * np.sum(window**2))
    return 10.0 * np.log10(mean_square + 1e-12)


def fill_unvoiced(f0_hz: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """f0 with unvoiced frames interpolated from voiced neighbours (edges held)."""
    index = np.arange(f0_hz.shape[0])
    return np.interp(index, index[voiced], f0_hz[voiced])


def analysis_window(n_fft: int) -> np.ndarray:
    """4-term Blackman-Harris: sidelobes at -92 dB, so harmonics do not leak into the noise floor."""
    import scipy.signal  # here, not at the top: 0.8 s of import that a run whose analyses are cached or done in workers never needs

    return scipy.signal.get_window("blackmanharris", n_fft).astype(np.float32)


def harmonic_analysis(spectrum: np.ndarray, f0_hz: np.ndarray, sample_rate: int, n_fft: int, window: np.ndarray, n_harmonics: int,
                      ratios: np.ndarray | None = None) -> tuple:
    """Linear amplitude and frequency of each harmonic per frame, from interpolated STFT peaks.

    spectrum: [n_frames, n_bins] magnitudes taken with ``window``; f0_hz: [n_frames];
    ratios: [n_harmonics] partial k's frequency over f0 (None: k, harmonic).
    Returns (amplitudes [n_frames, n_harmonics] linear, peak_hz [n_frames, n_harmonics] Hz). Peaks are searched within 2 bins of ratio_k * f0
    and refined by a parabola through the log magnitudes (removes scalloping);
    harmonics at or above 95 % of Nyquist read 0.
    """
    n_bins = spectrum.shape[1]
    ratios = np.arange(1, n_harmonics + 1) if ratios is None else ratios
    freqs = f0_hz[:, None] * ratios[None, :]
    expected = np.round(freqs * n_fft / sample_rate).astype(int)
    log_mag = np.log(spectrum + 1e-12)
    candidates = np.stack([np.take_along_axis(log_mag, np.clip(expected + o, 1, n_bins - 2), axis=1) for o in range(-2, 3)])
    peak_bin = np.clip(expected + np.argmax(candidates, axis=0) - 2, 1, n_bins - 2)
    left, centre, right = (np.take_along_axis(log_mag, peak_bin + o, axis=1) for o in (-1, 0, 1))
    curvature = left - 2 * centre + right
    offset = np.where(curvature < 0, 0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0), 0.0)
    offset = np.clip(offset, -0.5, 0.5)
    peak_log = centre - 0.25 * (left - right) * offset
    amplitude = np.where(freqs < 0.95 * sample_rate / 2, np.exp(peak_log) * 2.0 / np.sum(window), 0.0)
    peak_hz = (peak_bin + offset) * sample_rate / n_fft
    return amplitude, peak_hz


def refine_f0(f0_hz: np.ndarray, harmonic_amps: np.ndarray, peak_hz: np.ndarray, sample_rate: int, n_fft: int) -> np.ndarray:
    """f0 from the interpolated peaks of harmonics 1-4, where they are resolved.

    yin's parabolic lag interpolation drifts by up to ~10 cents when the period
    is a dozen samples; a Blackman-Harris peak is good to a small fraction of a
    bin. Used only where harmonics lie at least 10 bins apart (f0 > ~110 Hz
    here); elsewhere yin is kept. Inputs [n_frames(, n_harmonics)]; returns [n_frames].
    """
    k = np.arange(1, 5)
    amps = harmonic_amps[:, :4]
    strong = amps >= 0.03 * amps.max(axis=1, keepdims=True)  # within 30 dB of the strongest of the four
    estimates = peak_hz[:, :4] / k
    agree = np.abs(1200 * np.log2(np.maximum(estimates, 1e-3) / f0_hz[:, None])) < 50
    weights = amps * strong * agree
    refined = np.sum(weights * estimates, axis=1) / np.maximum(np.sum(weights, axis=1), 1e-12)
    resolved = (f0_hz * n_fft / sample_rate >= 10) & (np.sum(weights, axis=1) > 0)
    return np.where(resolved, refined, f0_hz)


def noise_floor_analysis(spectrum: np.ndarray, f0_hz: np.ndarray, sample_rate: int, n_fft: int, window: np.ndarray, n_bands: int,
                         ratios: np.ndarray | None = None) -> np.ndarray:
    """Noise-filter gains per band that reproduce the spectrum between harmonics.

    spectrum: [n_frames, n_bins] magnitudes taken with ``window``; f0_hz: [n_frames];
    ratios: [n_harmonics] partial k's frequency over f0, for a stretched tone (None: harmonic).
    Returns [n_frames, n_bands]. Bins within the window's main lobe (4 bins)
    of a harmonic are left out; uniform noise in [-1, 1] through gain H has
    mean STFT power H^2 * sum(w^2) / 3, so H = sqrt(3 * mean power / sum(w^2)).
    Bands with no bin between harmonics (very low f0) take the nearest band's value.
    """
    n_frames, n_bins = spectrum.shape
    bins = np.arange(n_bins)
    harmonic_spacing = f0_hz[:, None] * n_fft / sample_rate  # bins between harmonics
    distance = np.abs(bins[None, :] / harmonic_spacing - np.round(bins[None, :] / harmonic_spacing)) * harmonic_spacing
    if ratios is not None and ratios[-1] != ratios.shape[0]:  # stretched: the distance to the nearest real partial
        position = bins[None, :] / harmonic_spacing  # [n_frames, n_bins] in units of f0
        above = np.clip(np.searchsorted(ratios, position), 0, ratios.shape[0] - 1)
        below = np.clip(above - 1, 0, ratios.shape[0] - 1)
        distance = np.minimum(np.abs(position - ratios[above]), np.abs(position - ratios[below])) * harmonic_spacing
    between = distance > 4.0  # [n_frames, n_bins]
    band_of_bin = np.clip(np.round(bins * (n_bands - 1) / (n_bins - 1)).astype(int), 0, n_bands - 1)
    one_hot = np.eye(n_bands)[band_of_bin]  # [n_bins, n_bands]
    power_sum = (spectrum**2 * between) @ one_hot
    count = between.astype(np.float64) @ one_hot
    gains = np.sqrt(3.0 * power_sum / np.maximum(count, 1) / np.sum(window**2))
    for frame in np.nonzero((count == 0).any(axis=1))[0]:
        known = count[frame] > 0
        if known.any():
            gains[frame, ~known] = np.interp(np.nonzero(~known)[0], np.nonzero(known)[0], gains[frame, known])
    return gains


def _reject_missing_fundamental(harmonic_amps: np.ndarray, f0_hz: float) -> None:
    """A chord can look periodic at a common sub-harmonic; its partials then start high.

    harmonic_amps: [n_voiced_frames, n_harmonics]. Raises when harmonics 1-3
    are all more than 30 dB below the strongest partial.
    """
    if harmonic_amps.size == 0:
        return
    mean_amps = harmonic_amps.mean(axis=0)
    strongest = mean_amps.max()
    if strongest <= 0:
        return
    low_db = 20 * np.log10(mean_amps[:3].max() / strongest + 1e-12)
    if low_db < -30.0:
        k = int(np.argmax(mean_amps)) + 1
        raise ToneFileError(f"no stable pitch: partials sit at harmonic {k} and above of {f0_hz:.1f} Hz, not on one fundamental (several notes at once?)")
