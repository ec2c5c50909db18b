"""Transposition that keeps formants, and morphing between neighbouring tones: the definitions.

A tone's harmonic amplitudes sample its spectrum at multiples of its pitch. Read
as source and filter: a spectral envelope in hertz (formants: the body, the bore,
the mouth) times a fine structure that belongs to the harmonic number (a
clarinet's weak even harmonics, a flute's strong fundamental). The envelope is
the harmonics' log amplitudes smoothed over each harmonic and its two neighbours
(``smoothed_log``); the fine structure is what is left. Played at another pitch,
a voice keeps the envelope in hertz and the fine structure by harmonic number:
harmonic n of a voice at ``pitch_hz`` takes the envelope at ``n * pitch_hz``,
i.e. at the tone's fractional harmonic ``n * ratio`` (ratio = pitch_hz /
tone_f0_hz), interpolated in log amplitude (a formant keeps its shape; linear
interpolation would fill the dips between peaks), plus the fine structure of
harmonic n. Below harmonic 1 the envelope is harmonic 1's; above the tone's last
harmonic H it falls from harmonic H's as frequency ** -FALL_OFF_POWER (24 dB per
octave; it never wraps). Each row is then rescaled to the sum it had, so the
voice's amplitude (its harmonics' summed amplitude) stays the tone's:
transposing moves no level, only where it sits.

Why not the harmonic amplitudes themselves as the envelope: a clarinet's comb of
strong odd and weak even harmonics would then be read in hertz, so an octave up
(harmonic n reading harmonic 2n) it would play only its weak even ones, and
between two pitches every harmonic would read the comb's slopes. Measured on
General MIDI notes (benchmarks/bench_transpose.py): an octave up the clarinet's
harmonic centroid rose 81 % that way, against ~10 % with the fine structure
kept, and halfway between two clarinet tones it lay above both.

A pitch between a voice's tone and its neighbour blends both (``morph_pair``): each one's
controls are resampled to the played pitch and blended per harmonic amplitude
by log-pitch distance, as a loop crossfade blends two frames
(``voices._crossfade_into``); its noise bands stay in hertz and blend linearly.

These are the NumPy definitions; ``voices.advance_voices`` reproduces them per
voice (``voices._resample_row``, ``voices.envelope_controls``), held there by
tests/synth/test_envelope.py. The renderer chooses the pair (``morph_pair``)
when a voice starts.
"""

from __future__ import annotations

import math

import numpy as np

TRANSPOSE_MODES = ("envelope", "harmonics")  # envelope: formants stay in hertz, neighbours morph; harmonics: as recorded, moved
FALL_OFF_POWER = 4  # (voices._resample_row multiplies it out) above the tone's last harmonic the envelope falls as frequency ** -4 (24 dB per octave)
LOG_FLOOR = 1e-12  # amplitudes are floored here before their log (-240 dB): silence stays silence


def smoothed_log(log_amplitude: np.ndarray) -> np.ndarray:
    """The spectral envelope of harmonic log amplitudes: each the mean of itself and its neighbours.

    log_amplitude: [V, H] ln amplitude, H >= 2. Returns [V, H]: harmonic k's is the mean over
    harmonics k - 1 .. k + 1 that exist (two at the ends).
    """
    total = log_amplitude.copy()
    total[:, 1:] += log_amplitude[:, :-1]
    total[:, :-1] += log_amplitude[:, 1:]
    count = np.full(log_amplitude.shape[1], 3.0)
    count[[0, -1]] = 2.0
    return total / count


def partial_places(n_harmonics: int, ratio: np.ndarray, voice_b: np.ndarray, tone_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a voice's partials fall among its tone's: (frequency [V, H], place [V, H]), both in the tone's f0.

    A voice at ratio [V] times the tone's pitch plays partial n (1-based) at
    ratio n sqrt(1 + voice_b n^2) of the tone's f0 (voice_b [V]: the B it plays with);
    the tone's own partial k sits at k sqrt(1 + tone_b k^2) (tone_b [V]: the B it was
    recorded with), so the fractional partial of the tone at that frequency is
    k = sqrt(2 y^2 / (1 + sqrt(1 + 4 tone_b y^2))), the root of k^2 (1 + tone_b k^2) = y^2.
    Harmonic (both B 0): n * ratio for both, exactly.
    """
    n = np.arange(1, n_harmonics + 1, dtype=np.float64)[None, :]
    voice_b, tone_b = np.asarray(voice_b, np.float64)[:, None], np.asarray(tone_b, np.float64)[:, None]
    frequency = n * np.asarray(ratio, np.float64)[:, None] * np.where(voice_b > 0, np.sqrt(1.0 + voice_b * n * n), 1.0)
    place = np.where(tone_b > 0, np.sqrt(2.0 * frequency * frequency / (1.0 + np.sqrt(1.0 + 4.0 * tone_b * frequency * frequency))), frequency)
    return frequency, place


def resample_envelope(distribution: np.ndarray, ratio: np.ndarray, voice_b: np.ndarray | None = None, tone_b: np.ndarray | None = None) -> np.ndarray:
    """Harmonic amplitudes moved to another pitch with the envelope kept in hertz.

    distribution: [V, H] non-negative, partial k + 1's share (or amplitude: the
    function is linear in each row's scale). ratio: [V] played pitch over the tone's
    pitch, > 0. voice_b, tone_b: [V] the inharmonicity B the voice plays with and the one
    the row's tone was recorded with (None: 0, harmonic); a stretched tone's partials are
    read where they sound (partial_places). Returns [V, H]: partial n is the envelope
    (smoothed_log of the row's log amplitudes, floored at LOG_FLOOR) at the tone's
    fractional partial where the voice's partial n sounds (n * ratio when harmonic),
    interpolated between its neighbours (partial 1's value below 1; above the tone's last
    partial H, H's value falling as frequency ** -FALL_OFF_POWER in hertz), times the row's
    own fine structure at partial n (its log amplitude less its envelope), exponentiated
    and rescaled to the row's sum. A ratio of 1 (with voice_b equal to tone_b) returns the row unchanged.
    """
    distribution = np.asarray(distribution, np.float64)
    ratio = np.asarray(ratio, np.float64)
    n_voices, n_harmonics = distribution.shape
    voice_b = np.zeros(n_voices) if voice_b is None else np.asarray(voice_b, np.float64)
    tone_b = np.zeros(n_voices) if tone_b is None else np.asarray(tone_b, np.float64)
    if n_harmonics < 2:
        return distribution.copy()
    frequency, x = partial_places(n_harmonics, ratio, voice_b, tone_b)  # [V, H] in the tone's f0; fractional partials (1-based)
    last_hz = n_harmonics * np.where(tone_b > 0, np.sqrt(1.0 + tone_b * n_harmonics**2), 1.0)[:, None]  # the tone's last partial, in its f0
    log_d = np.log(np.maximum(distribution, LOG_FLOOR))
    envelope = smoothed_log(log_d)
    fine = log_d - envelope
    position = np.clip(x - 1.0, 0.0, n_harmonics - 1.0)
    lo = np.minimum(np.floor(position).astype(np.int64), n_harmonics - 2)
    frac = position - lo
    rows = np.arange(n_voices)[:, None]
    inside = (1.0 - frac) * envelope[rows, lo] + frac * envelope[rows, lo + 1]
    beyond = frequency > last_hz
    at = np.where(beyond, envelope[:, -1:], inside)
    resampled = np.exp(at + fine) * (last_hz / np.maximum(frequency, last_hz)) ** FALL_OFF_POWER
    before, after = distribution.sum(axis=1, keepdims=True), resampled.sum(axis=1, keepdims=True)
    resampled = resampled * np.where(after > 0, before / np.maximum(after, 1e-300), 0.0)
    return np.where(((ratio == 1.0) & (voice_b == tone_b))[:, None], distribution, resampled)


def blend_controls(amplitude_a, distribution_a, noise_a, f0_ratio_a, ratio_a,
                   amplitude_b, distribution_b, noise_b, f0_ratio_b, ratio_b, weight_b,
                   voice_b=None, tone_b_a=None, tone_b_b=None):
    """Two tones' controls, each resampled to the played pitch, blended with weight_b on the second.

    amplitude_*, f0_ratio_*, ratio_*, weight_b: [V]; distribution_*: [V, H]; noise_*: [V, N]
    learned band magnitudes (in hertz: they are not moved). voice_b: [V] the B the voice
    plays with (its first tone's); tone_b_a, tone_b_b: [V] each tone's own (None: 0).
    Per-harmonic amplitudes blend (amplitude * resampled distribution), the amplitude is
    the blend of the two, the distribution that blend over it; noise and f0_ratio blend linearly.
    Returns (amplitude [V], distribution [V, H], noise [V, N], f0_ratio [V]).
    """
    w = np.asarray(weight_b, np.float64)
    amps_a = amplitude_a[:, None] * resample_envelope(distribution_a, ratio_a, voice_b, tone_b_a)
    amps_b = amplitude_b[:, None] * resample_envelope(distribution_b, ratio_b, voice_b, tone_b_b)
    amplitude = (1.0 - w) * amplitude_a + w * amplitude_b
    distribution = ((1.0 - w)[:, None] * amps_a + w[:, None] * amps_b) / np.maximum(amplitude, 1e-12)[:, None]
    noise = (1.0 - w)[:, None] * noise_a + w[:, None] * noise_b
    f0_ratio = (1.0 - w) * f0_ratio_a + w * f0_ratio_b
    return amplitude, distribution, noise, f0_ratio


def morph_pair(tone_f0_hz: np.ndarray, pitch_hz: float, tone: int) -> tuple[int, int, float]:
    """The trained tones a voice of tone at pitch_hz blends: (tone_a, tone_b, weight_b).

    tone_f0_hz: [T] Hz. The voice's tone is tone_a; its neighbour in pitch on pitch_hz's
    side (the nearest trained pitch beyond tone's, the first in the bank of several) is
    tone_b when pitch_hz lies between the two, with weight_b = log(pitch / f0_a) /
    log(f0_b / f0_a), the log-pitch distance. At a trained pitch the voice is exactly
    that tone (weight 0); at or beyond the bank's ends, or farther from tone than its
    neighbour, tone alone (tone_b = tone_a, weight 0): the caller's choice of tone
    stands (the player picks the nearest, so a pitch between two tones blends both).
    """
    # Plain Python over the few tones: it runs on the audio thread at every note-on and bend,
    # where NumPy's calls on a dozen values cost several times more.
    f0 = np.asarray(tone_f0_hz, np.float64).tolist()
    own = f0[tone]
    if pitch_hz == own:
        return tone, tone, 0.0
    up = pitch_hz > own
    neighbour = -1
    for i, f in enumerate(f0):  # the nearest pitch beyond tone's on pitch_hz's side; the first of equals
        if (f > own if up else f < own) and (neighbour < 0 or (f < f0[neighbour] if up else f > f0[neighbour])):
            neighbour = i
    if neighbour < 0:
        return tone, tone, 0.0
    nearest = f0[neighbour]
    if pitch_hz == nearest:
        return neighbour, neighbour, 0.0
    if (pitch_hz > nearest) == up:  # past the neighbour: tone alone
        return tone, tone, 0.0
    return tone, neighbour, morph_weight(own, nearest, pitch_hz)


def nearer_tone(tone_f0_hz: np.ndarray, pitch_hz: float, tone_a: int, tone_b: int) -> int:
    """Of tone_a and tone_b, the one nearer pitch_hz in log pitch (tone_a on a tie)."""
    f0_a, f0_b = float(tone_f0_hz[tone_a]), float(tone_f0_hz[tone_b])
    return tone_b if abs(math.log(pitch_hz / f0_b)) < abs(math.log(pitch_hz / f0_a)) else tone_a


def morph_weight(f0_a_hz: float, f0_b_hz: float, pitch_hz: float) -> float:
    """Weight on tone b of a voice at pitch_hz between tones at f0_a_hz and f0_b_hz: log-pitch distance, clipped to 0..1."""
    if f0_a_hz == f0_b_hz:
        return 0.0
    return float(min(max(math.log(pitch_hz / f0_a_hz) / math.log(f0_b_hz / f0_a_hz), 0.0), 1.0))
