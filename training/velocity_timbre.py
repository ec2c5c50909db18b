"""A tone's velocity timbre table, measured from its trained decoder (grower.synth.velocity_timbre).

The decoder is conditioned on loudness, so it says how the tone's harmonic
distribution would change were it played louder or softer: decode the tone's
recorded features with the loudness shifted by each of OFFSETS_DB, average the
distribution over the sustained part, and compare it per harmonic with the
unshifted decode, in dB. A softer sound has a lower loudness *and* a lower
MFCC 0 (the mean log mel energy), so both are shifted together; the other MFCCs
(the spectral shape) are left as recorded, so what changes is what the decoder
learned follows loudness.

A table is kept only where the recording allows it: the brightness
(``harmonic_centroid``) must rise with loudness at every step, by at least
MIN_RISE over the table, and the table must be smooth across harmonics
(MAX_ROUGHNESS_DB). A decoder that barely
reacts to loudness has not learned how the tone changes when played softer (a
recording of one dynamic cannot show it); its table says nothing, not "no change".
Otherwise a tilt replaces it: the recording's own, from regressing each
harmonic's level against the frame loudness over the attack and release
frames (where the tone is quieter), where that is steeper than the default
tilt, else the default. A sampled note under a volume envelope (a SoundFont's)
measures about 0 there, which again says nothing of the instrument's dynamics.
Either way the source is "tilt".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grower.synth.controls import harmonic_amplitudes
from grower.synth.velocity_timbre import (
    DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB,
    MAX_TIMBRE_DB,
    OFFSETS_DB,
    harmonic_centroid,
    tilt_table,
)

from .config import ModelConfig

LOUDNESS_COLUMN, MFCC0_COLUMN = 1, 2  # in tone_set.decoder_inputs
N_MELS = 128  # features.analyse's mel bands: a uniform shift of d dB moves the orthonormal MFCC 0 by d * sqrt(N_MELS)
MIN_RISE = 0.10  # the brightness must rise at least 10 % from the table's softest row to its loudest (30 dB) ...
MAX_ROUGHNESS_DB = 3.0  # ... and adjacent harmonics' changes differ by at most this, at the median (no wild swings)
FLOOR_DB = -60.0  # harmonics this far below the tone's strongest carry no reliable change: they take their neighbours'
MAX_TILT_DB_PER_OCTAVE_PER_10DB = 6.0  # a measured tilt is clipped here
MIN_TILT_FRAMES = 8  # frames the recording's own tilt is regressed over, at least
MIN_TILT_SPREAD_DB = 6.0  # ... spanning at least this much loudness


@dataclass(frozen=True)
class VelocityTimbre:
    """A tone's table as it goes into the bank.

    timbre_db: [L, H] float32 dB; offsets_db: [L] float32 dB; source: "decoder" or "tilt";
    why: one line saying why the decoder's table was not kept ("" when it was);
    rise: the table's brightness rise (harmonic_centroid at the last row over the first, minus 1);
    tilt_db_per_octave_per_10db: the tilt written (source "tilt"), else None.
    """

    timbre_db: np.ndarray
    offsets_db: np.ndarray
    source: str
    why: str
    rise: float
    tilt_db_per_octave_per_10db: float | None = None


def decoded_distributions(weights: dict, inputs: np.ndarray, input_std: np.ndarray, f0_hz: np.ndarray, offsets_db,
                          model: ModelConfig, sample_rate: int) -> np.ndarray:
    """The tone's harmonic distribution decoded at each loudness offset: [L, F, H], tapered at the training rate, rows summing to 1.

    weights: the tone's decoder weights (ToneDecoders.tone_state); inputs: [F, n_inputs] its
    normalised decoder inputs; input_std: [n_inputs] their scales; f0_hz: [F] Hz; offsets_db: [L] dB.
    """
    import torch  # here, not at import: grower-train imports torch while its workers analyse the files (pipeline)

    from .decoder import ToneDecoders

    decoder = ToneDecoders(inputs.shape[1], model, [0])
    decoder.load_tone_state(0, weights)
    shifted = np.repeat(np.asarray(inputs, np.float32)[None], len(offsets_db), axis=0)
    offsets = np.asarray(offsets_db, np.float32)
    shifted[:, :, LOUDNESS_COLUMN] += offsets[:, None] / input_std[LOUDNESS_COLUMN]
    shifted[:, :, MFCC0_COLUMN] += offsets[:, None] * math.sqrt(N_MELS) / input_std[MFCC0_COLUMN]
    with torch.no_grad():
        controls = decoder(torch.from_numpy(shifted), tone_index=torch.zeros(len(offsets_db), dtype=torch.long))
    distribution = controls["harmonic_distribution"].numpy().astype(np.float64)
    amplitudes = harmonic_amplitudes(np.ones(distribution.shape[:-1] + (1,)), distribution, np.asarray(f0_hz, np.float64)[None, :, None], sample_rate)
    return amplitudes / np.maximum(amplitudes.sum(axis=-1, keepdims=True), 1e-12)


def table_from_distributions(distributions: np.ndarray, frames: slice, unshifted: int) -> np.ndarray:
    """[L, H] dB: each offset's mean distribution over frames against the unshifted one's (row `unshifted`).

    distributions: [L, F, H]. Harmonics FLOOR_DB below the strongest take the change of the
    nearest harmonic above the floor (their own ratio is noise); clipped to +-MAX_TIMBRE_DB.
    """
    mean = distributions[:, frames].mean(axis=1)
    reference = mean[unshifted]
    with np.errstate(divide="ignore"):
        table = 20.0 * np.log10(np.maximum(mean, 1e-30) / np.maximum(reference, 1e-30))
    audible = 20.0 * np.log10(np.maximum(reference, 1e-30) / reference.max()) > FLOOR_DB
    kept = np.flatnonzero(audible)
    nearest = kept[np.argmin(np.abs(np.arange(reference.size)[:, None] - kept[None, :]), axis=1)]
    return np.clip(table[:, nearest], -MAX_TIMBRE_DB, MAX_TIMBRE_DB)


def brightness_rise(table_db: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """[L] the brightness (harmonic_centroid) of each row of table_db [L, H] dB applied to reference [H]."""
    return harmonic_centroid(reference[None] * 10.0 ** (table_db / 20.0))


def judge(table_db: np.ndarray, offsets_db: np.ndarray, reference: np.ndarray) -> tuple[str, float]:
    """Why a table is not kept ("" when it is), and its brightness rise (last row's centroid over the first's, less 1).

    table_db: [L, H] dB at offsets_db [L] dB, increasing; reference: [H] the tone's mean distribution.
    """
    centroid = brightness_rise(table_db, reference)
    rise = float(centroid[-1] / centroid[0] - 1.0)
    if np.any(np.diff(centroid) <= 0):
        return f"its brightness does not rise with loudness at every step (centroids {np.round(centroid, 3).tolist()})", rise
    if rise < MIN_RISE:
        return f"its brightness rises only {100 * rise:.1f} % over the table (at least {100 * MIN_RISE:.0f} % is kept)", rise
    roughness = float(np.median(np.abs(np.diff(table_db, axis=1))))
    if roughness > MAX_ROUGHNESS_DB:
        return f"adjacent harmonics' changes differ by {roughness:.1f} dB at the median (at most {MAX_ROUGHNESS_DB:g} is kept)", rise
    return "", rise


def recorded_tilt(amplitudes: np.ndarray, loudness_db: np.ndarray, frames: np.ndarray) -> float | None:
    """The recording's own tilt, dB per octave per 10 dB of loudness, or None where it cannot be told.

    amplitudes: [F, H] the decoded harmonic amplitudes; loudness_db: [F] dB; frames: [k] the
    attack and release frames regressed over. Each audible harmonic's level is regressed on
    the loudness (dB per dB); those slopes, less the fundamental's, against log2(k).
    """
    if frames.size < MIN_TILT_FRAMES or np.ptp(loudness_db[frames]) < MIN_TILT_SPREAD_DB:
        return None
    level_db = 20.0 * np.log10(np.maximum(amplitudes[frames], 1e-12))
    peak_db = level_db.max()
    audible = np.flatnonzero(np.median(level_db, axis=0) > peak_db + FLOOR_DB)
    if audible.size < 3 or audible[0] != 0:
        return None
    x = loudness_db[frames] - loudness_db[frames].mean()
    slopes = (x @ (level_db[:, audible] - level_db[:, audible].mean(axis=0))) / (x @ x)  # dB of harmonic per dB of loudness
    octaves = np.log2(audible + 1.0)
    tilt = float(np.polyfit(octaves, slopes - slopes[0], 1)[0]) * 10.0
    return tilt if tilt > 0 else None


def velocity_timbre(weights: dict, inputs: np.ndarray, input_std: np.ndarray, f0_hz: np.ndarray, loudness_db: np.ndarray,
                    sustain: tuple[int, int], onset: int, model: ModelConfig, sample_rate: int) -> VelocityTimbre:
    """A trained tone's velocity timbre table: the decoder's where it is monotonic and stable, else a tilt.

    weights, inputs [F, n_inputs] (normalised), input_std: as decoded_distributions; f0_hz,
    loudness_db: [F] Hz, dB; sustain: (first, end) frames of the sustained part the decodes are
    averaged over; onset: the frame the tone's sound starts at (the tilt's frames start there).
    """
    offsets = np.asarray(OFFSETS_DB, np.float64)
    unshifted = int(np.flatnonzero(offsets == 0.0)[0])
    first, end = sustain
    end = max(end, first + 1)
    distributions = decoded_distributions(weights, inputs, input_std, f0_hz, offsets, model, sample_rate)
    reference = distributions[unshifted, first:end].mean(axis=0)
    table = table_from_distributions(distributions, slice(first, end), unshifted)
    why, rise = judge(table, offsets, reference)
    if not why:
        return VelocityTimbre(table.astype(np.float32), offsets.astype(np.float32), "decoder", "", rise)
    # The attack and the release: where the recording itself is quieter than its sustain.
    n_frames = distributions.shape[1]
    quiet = np.concatenate([np.arange(onset, first), np.arange(end, n_frames)])
    quiet = quiet[loudness_db[quiet] > loudness_db[first:end].mean() - 40.0] if quiet.size else quiet
    tilt = recorded_tilt(distributions[unshifted], loudness_db, quiet)
    tilt = min(max(tilt or 0.0, DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB), MAX_TILT_DB_PER_OCTAVE_PER_10DB)
    table = tilt_table(offsets, distributions.shape[2], tilt)
    return VelocityTimbre(table.astype(np.float32), offsets.astype(np.float32), "tilt", why, judge(table, offsets, reference)[1], tilt)
