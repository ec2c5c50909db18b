"""Velocity timbre: a softer note is darker, a louder one brighter, not only quieter.

Each tone may carry a small table (``bank``: ``velocity.timbre_db`` with its
``velocity.offset_db``): how its harmonic distribution changes when it is
played ``offset_db`` louder or softer than it was recorded, per harmonic, in dB
relative to the recorded distribution. grower-train measures it by decoding
the tone's own features at shifted loudness (source ``"decoder"``), or, where
that change is not monotonic or not stable, writes a spectral tilt
(``"tilt"``: :func:`tilt_table`).

A voice's velocity (0..1 linear, the gain it plays at) is a loudness offset
``20 log10(velocity)`` dB: velocity 1.0 is the recording's level, 0.5 is 6 dB
below it, MIDI velocity 30 (0.236) is 12.5 dB below. Its per-harmonic gain row
is the table interpolated at that offset (clamped to the table's ends), scaled
in dB by the amount (``RenderParams.velocity_timbre``: 0 is no change, 1 as
learned, 2 twice as much), then normalised so that the tone's harmonic power
is unchanged: the level still follows velocity alone, as before; the timbre
row only moves power between harmonics.

These NumPy functions are the definition; the renderer computes each voice's
row at note-on with them (``Renderer``) and the kernel ``voices.advance_voices``
multiplies it into the distribution (held there by tests/synth/test_voices.py).
"""

from __future__ import annotations

import numpy as np

SOURCES = ("decoder", "tilt")  # where a tone's table came from (bank.json's velocity_timbre)
OFFSETS_DB = (-24.0, -18.0, -12.0, -6.0, 0.0, 6.0)  # loudness offsets grower-train measures the table at
MAX_TIMBRE_DB = 30.0  # no harmonic's change in a table goes beyond this (a bank's tables are checked against it)
# The default tilt: harmonic k changes by TILT * log2(k) * offset_db / 10 dB, so an octave up loses 3 dB
# for every 10 dB the note is played softer (MIDI velocity 30 against 120: 12 dB softer, harmonic 8 down
# 11 dB). Conservative against brass, whose upper harmonics fall much faster when played softly.
DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB = 3.0
MAX_AMOUNT = 4.0  # RenderParams.velocity_timbre's ceiling
_MIN_VELOCITY = 1e-6  # velocity 0 reads as this: -120 dB, clamped to the table's softest row


def loudness_offset_db(velocity):
    """A velocity as a loudness offset from the recording: velocity [...] 0..1 linear -> [...] dB (<= 0)."""
    return 20.0 * np.log10(np.maximum(np.asarray(velocity, np.float64), _MIN_VELOCITY))


def tilt_table(offsets_db, n_harmonics: int, db_per_octave_per_10db: float = DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB) -> np.ndarray:
    """A spectral tilt as a velocity timbre table.

    offsets_db: [L] dB. Returns [L, n_harmonics] dB: harmonic k (1-based) changes by
    db_per_octave_per_10db * log2(k) * offset_db / 10, clipped to +-MAX_TIMBRE_DB; the
    fundamental never changes (the row is normalised for power when played).
    """
    offsets_db = np.asarray(offsets_db, np.float64)
    octaves = np.log2(np.arange(1, n_harmonics + 1, dtype=np.float64))
    table = db_per_octave_per_10db * octaves[None, :] * offsets_db[:, None] / 10.0
    return np.clip(table, -MAX_TIMBRE_DB, MAX_TIMBRE_DB)


def harmonic_centroid(amplitudes) -> np.ndarray:
    """Brightness of harmonic amplitudes [..., H] (linear) -> [...]: the amplitude-weighted mean harmonic number.

    Times f0, the spectral centroid of the harmonic part in Hz; its ratios are the centroid's.
    """
    amplitudes = np.asarray(amplitudes, np.float64)
    k = np.arange(1, amplitudes.shape[-1] + 1, dtype=np.float64)
    return np.sum(amplitudes * k, axis=-1) / np.maximum(np.sum(amplitudes, axis=-1), 1e-30)


def row_db(timbre_db: np.ndarray, offsets_db: np.ndarray, offset_db) -> np.ndarray:
    """The table's rows at loudness offsets: timbre_db [L, H] dB at offsets_db [L] dB (increasing),
    interpolated linearly, clamped to the first and last rows. offset_db: a float or [n] dB.
    Returns [H] dB for a float, [n, H] for an array."""
    offsets_db = np.asarray(offsets_db, np.float64)
    x = np.clip(np.asarray(offset_db, np.float64), offsets_db[0], offsets_db[-1])
    hi = np.clip(np.searchsorted(offsets_db, x, side="right"), 1, offsets_db.size - 1)
    lo = hi - 1
    w = ((x - offsets_db[lo]) / (offsets_db[hi] - offsets_db[lo]))[..., None]
    table = np.asarray(timbre_db, np.float64)
    return table[lo] * (1.0 - w) + table[hi] * w


def harmonic_gains(timbre_db: np.ndarray, offsets_db: np.ndarray, velocity, amount: float, reference: np.ndarray) -> np.ndarray:
    """Voices' per-harmonic gain rows: [n, H] float32 linear, all 1.0 (exactly) when amount is 0.

    timbre_db: [L, H] dB at offsets_db [L] dB; velocity: [n] 0..1 linear, voices of one tone;
    amount: >= 0, the table's dB scaled by it; reference: [H] the tone's mean harmonic
    distribution, whose power each row keeps (sum (reference * gain)^2 = sum reference^2).
    Vectorised over the voices: a change of the amount recomputes every sounding voice's row
    on the audio thread, 128 of them within a fraction of a block.
    """
    velocity = np.atleast_1d(np.asarray(velocity, np.float64))
    n_harmonics = np.asarray(timbre_db).shape[1]
    if amount == 0.0:
        return np.ones((velocity.size, n_harmonics), np.float32)
    gain = 10.0 ** (amount * row_db(timbre_db, offsets_db, loudness_offset_db(velocity)) / 20.0)
    reference = np.asarray(reference, np.float64)
    shaped = np.sum((reference * gain) ** 2, axis=-1, keepdims=True)
    gain = np.where(shaped > 0.0, gain * np.sqrt(np.sum(reference**2) / np.maximum(shaped, 1e-300)), gain)
    return gain.astype(np.float32)


def harmonic_gain(timbre_db: np.ndarray, offsets_db: np.ndarray, velocity: float, amount: float, reference: np.ndarray) -> np.ndarray:
    """One voice's row: harmonic_gains for a single velocity, [H] float32."""
    return harmonic_gains(timbre_db, offsets_db, [velocity], amount, reference)[0]
