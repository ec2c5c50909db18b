"""Keys to pitches and tones: the bank's own scale by default, or a Scala scale.

Default: the bank's tones, sorted by pitch, are the scale degrees at their
recorded pitches, mapped upward from ``root_key`` (default 60) and repeating
at the octave: with N tones, key root + i plays tone i mod N, transposed by
floor(i / N) octaves. A 7-tone bank thus spans 7 keys per octave.

Scala: a .scl (and optional .kbm) parsed by tuning-library (Surge's parser)
gives each key its frequency; each key plays the trained tone nearest its
pitch (least transposition, in cents). Keys the .kbm leaves unmapped are silent.

MIDI Tuning Standard changes override single keys on top of either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

N_KEYS = 128


class TuningLoadError(ValueError):
    """A tuning file that cannot be used; the message names the file and the reason."""


@dataclass
class KeyMap:
    """frequency_hz[key] (NaN: unmapped) and tone[key] for all 128 MIDI keys."""

    frequency_hz: np.ndarray  # [128] Hz
    tone: np.ndarray  # [128] tone index into the bank
    description: str
    tone_f0_hz: np.ndarray  # [n_tones] Hz: the bank's tones the map was made for
    from_bank: bool = False  # the default map, built from the tones themselves
    overrides: dict = field(default_factory=dict)  # key -> Hz, from MTS SysEx

    def lookup(self, key: int) -> tuple[float, int] | None:
        """(pitch_hz, tone index) for a key, or None where the key is unmapped."""
        if key in self.overrides:
            hz = self.overrides[key]
            return hz, nearest_tone(self.tone_f0_hz, hz)
        hz = float(self.frequency_hz[key])
        return None if math.isnan(hz) else (hz, int(self.tone[key]))


def nearest_tone(tone_f0_hz: np.ndarray, pitch_hz: float) -> int:
    """The tone whose recorded pitch is nearest pitch_hz in cents."""
    return int(np.argmin(np.abs(np.log2(tone_f0_hz / pitch_hz))))


def bank_keymap(tone_f0_hz: np.ndarray, root_key: int = 60) -> KeyMap:
    """The default mapping. tone_f0_hz: [n_tones] Hz, in bank order."""
    order = np.argsort(tone_f0_hz, kind="stable")
    n = order.size
    steps = np.arange(N_KEYS) - root_key
    degree, octave = np.mod(steps, n), np.floor_divide(steps, n)
    tone = order[degree]
    frequency = tone_f0_hz[tone] * 2.0**octave
    # tone_f0_hz spans less than an octave in a one-octave scale; a scale wider than an
    # octave still repeats every n keys at the octave, as the default promises.
    return KeyMap(frequency, tone, f"the bank's {n} tones from key {root_key}, repeating at the octave", np.asarray(tone_f0_hz, float), from_bank=True)


def scala_keymap(tone_f0_hz: np.ndarray, scl_path: Path, kbm_path: Path | None = None) -> KeyMap:
    """Keys retuned by a Scala scale (and keyboard mapping); tones by nearest pitch."""
    import tuning_library

    try:
        scale = tuning_library.read_scl_file(str(scl_path))
    except tuning_library.TuningError as error:
        raise TuningLoadError(f"{scl_path}: not a usable .scl file: {error}") from None
    try:
        if kbm_path is None:
            tuning = tuning_library.Tuning(scale)
        else:
            mapping = tuning_library.read_kbm_file(str(kbm_path))
            tuning = tuning_library.Tuning(scale, mapping)
    except tuning_library.TuningError as error:
        raise TuningLoadError(f"{kbm_path or scl_path}: not a usable tuning: {error}") from None
    frequency = np.array([tuning.frequency_for_midi_note(k) if tuning.is_midi_note_mapped(k) else np.nan for k in range(N_KEYS)])
    if not np.all(np.isfinite(frequency) | np.isnan(frequency)) or np.nanmax(frequency) <= 0:
        raise TuningLoadError(f"{scl_path}: the scale gives no usable frequencies")
    name = scale.description or Path(scl_path).name
    unfitted = KeyMap(frequency, np.zeros(N_KEYS, int), f"Scala {Path(scl_path).name} ({scale.count} notes: {name})", np.zeros(0))
    return refit_keymap(unfitted, tone_f0_hz)


def refit_keymap(keymap: KeyMap, tone_f0_hz: np.ndarray) -> KeyMap:
    """keymap's pitches, each key playing the tone of tone_f0_hz nearest its pitch (unmapped keys stay so)."""
    f0 = np.asarray(tone_f0_hz, float)
    tone = np.array([nearest_tone(f0, hz) if hz > 0 else 0 for hz in np.nan_to_num(keymap.frequency_hz, nan=1.0)])
    return KeyMap(keymap.frequency_hz, tone, keymap.description, f0)


def mts_frequency_hz(xx: int, yy: int, zz: int) -> float | None:
    """A MIDI Tuning Standard frequency word: semitone xx plus (yy, zz)/16384. None for 7F 7F 7F (no change)."""
    if (xx, yy, zz) == (0x7F, 0x7F, 0x7F):
        return None
    note = xx + ((yy << 7) | zz) / 16384.0
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def add_arguments(parser) -> None:
    """The tuning flags grower-serve and grower-play share."""
    parser.add_argument("--scl", type=Path, default=None, help="Scala scale to tune the keys")
    parser.add_argument("--kbm", type=Path, default=None, help="Scala keyboard mapping for --scl")
    parser.add_argument("--root-key", type=int, default=60, help="key of the lowest tone in the default mapping")
