"""Keys to pitches and tones: the bank's own scale by default, or a Scala scale.

Default: the bank's tones, sorted by pitch, are the scale degrees at their
recorded pitches, mapped upward from ``root_key`` (default 60): with N tones,
key root + i plays tone i mod N, transposed by floor(i / N) periods. The
period is the smallest whole number of octaves that lifts the lowest tone
above the highest, so the map always rises with the key: one octave for a
bank within an octave (a 7-tone bank spans 7 keys per octave), two for a bank
spanning two octaves. Example: 12 tones from 190 to 700 Hz (1.9 octaves)
repeat every 12 keys two octaves apart: key 60 plays 190 Hz, key 71 700 Hz,
key 72 760 Hz (190 x 4), key 59 175 Hz (700 / 4).

Scala: a .scl (and optional .kbm) parsed by tuning-library (Surge's parser)
gives each key its frequency; each key plays the trained tone nearest its
pitch (least transposition, in cents). Keys the .kbm leaves unmapped are silent.

MIDI Tuning Standard changes override single keys on top of either.

The tone a key names is what transpose "harmonics" plays, moved to the key's
pitch. With transpose "envelope" (the default) it keeps its spectral envelope
in hertz, and where the key's pitch lies between that tone and its neighbour in
pitch, the neighbour blends in (``grower.synth.envelope.morph_pair``): so a
Scala or MTS key, which names the nearest tone, blends the two tones around it.

Scala files are read here, never by the native parser: each must be a regular
file of at most ``MAX_TUNING_FILE_BYTES``, opened non-blocking and checked
after opening (so a FIFO or a device never blocks the reader), and UTF-8
text; its contents go to tuning-library's in-memory parser. Every degree must
be a positive, finite interval, and every mapped key a positive, finite
frequency. Whatever is wrong is one ``TuningLoadError`` line naming the file.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grower.synth.envelope import TRANSPOSE_MODES
from grower.synth.file_kind import file_kind

from .protocol import reason_of, short_text

N_KEYS = 128
MAX_TUNING_FILE_BYTES = 1 << 20  # a 1 MiB .scl holds some 50 000 degrees


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
    degree, period = np.mod(steps, n), np.floor_divide(steps, n)
    tone = order[degree]
    octaves = repeat_octaves(tone_f0_hz)
    frequency = tone_f0_hz[tone] * 2.0 ** (octaves * period)
    every = "the octave" if octaves == 1 else f"{octaves} octaves"
    return KeyMap(frequency, tone, f"the bank's {n} tones from key {root_key}, repeating at {every}", np.asarray(tone_f0_hz, float), from_bank=True)


def repeat_octaves(tone_f0_hz: np.ndarray) -> int:
    """Whole octaves the default map repeats at: the fewest that lift the lowest tone above the highest."""
    span = math.log2(float(np.max(tone_f0_hz)) / float(np.min(tone_f0_hz)))
    return int(math.floor(span + 1e-9)) + 1


def scala_keymap(tone_f0_hz: np.ndarray, scl_path: Path, kbm_path: Path | None = None) -> KeyMap:
    """Keys retuned by a Scala scale (and keyboard mapping); tones by nearest pitch. Raises TuningLoadError."""
    import tuning_library

    scl_text = read_tuning_text(scl_path, ".scl")
    kbm_text = None if kbm_path is None else read_tuning_text(kbm_path, ".kbm")
    try:
        scale = tuning_library.parse_scl_data(scl_text)
    except tuning_library.TuningError as error:
        raise TuningLoadError(f"{_label(scl_path)}: not a usable .scl file: {reason_of(error)}") from None
    for degree, tone in enumerate(scale.tones, start=1):
        if not (math.isfinite(tone.cents) and math.isfinite(tone.float_value) and tone.float_value > 0):
            raise TuningLoadError(f"{_label(scl_path)}: not a usable .scl file: degree {degree} ({_tone_text(tone)}) "
                                  "is not a positive interval")
    try:
        if kbm_text is None:
            tuning = tuning_library.Tuning(scale)
        else:
            tuning = tuning_library.Tuning(scale, tuning_library.parse_kbm_data(kbm_text))
        frequency = np.array([tuning.frequency_for_midi_note(k) if tuning.is_midi_note_mapped(k) else np.nan for k in range(N_KEYS)])
    except tuning_library.TuningError as error:
        raise TuningLoadError(f"{_label(kbm_path or scl_path)}: not a usable tuning: {reason_of(error)}") from None
    mapped = ~np.isnan(frequency)
    if not mapped.any():
        raise TuningLoadError(f"{_label(kbm_path or scl_path)}: the tuning maps no key")
    bad = np.flatnonzero(mapped & ~(np.isfinite(frequency) & (frequency > 0)))
    if bad.size:
        key = int(bad[0])
        raise TuningLoadError(f"{_label(kbm_path or scl_path)}: the tuning gives key {key} no usable frequency ({frequency[key]:g} Hz)")
    name = short_text(scale.description or Path(scl_path).name, 100)
    unfitted = KeyMap(frequency, np.zeros(N_KEYS, int), f"Scala {short_text(Path(scl_path).name, 100)} ({scale.count} notes: {name})", np.zeros(0))
    return refit_keymap(unfitted, tone_f0_hz)


def read_tuning_text(path: Path, kind: str) -> str:
    """A Scala file's text. kind: ".scl" or ".kbm", for messages.

    The file must be a regular file of at most MAX_TUNING_FILE_BYTES, in UTF-8. It is opened
    non-blocking and checked with fstat before it is read, so a FIFO or a device is refused
    without blocking. Raises TuningLoadError naming the file and the reason.
    """
    label = _label(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise TuningLoadError(f"{label}: no such {kind} file") from None
    except (OSError, ValueError) as error:
        raise TuningLoadError(f"{label}: cannot be read as a {kind} file ({reason_of(error)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TuningLoadError(f"{label}: is {file_kind(info.st_mode)}, not a {kind} file")
        if info.st_size > MAX_TUNING_FILE_BYTES:
            raise TuningLoadError(f"{label}: is {info.st_size} bytes, more than a {kind} file may be ({MAX_TUNING_FILE_BYTES})")
        chunks, size = [], 0
        while size <= MAX_TUNING_FILE_BYTES and (chunk := os.read(fd, 65536)):
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_TUNING_FILE_BYTES:
            raise TuningLoadError(f"{label}: is more than {MAX_TUNING_FILE_BYTES} bytes, more than a {kind} file may be")
    except OSError as error:
        raise TuningLoadError(f"{label}: cannot be read as a {kind} file ({reason_of(error)})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TuningLoadError(f"{label}: is not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x})") from None


def _label(path) -> str:
    """A path as messages name it: on one line, its middle cut past 200 characters."""
    return short_text(str(path), 200)


def _tone_text(tone) -> str:
    text = getattr(tone, "string_rep", "") or (f"{tone.cents:g} cents" if math.isfinite(tone.cents) else "")
    return short_text(text.strip(), 40) or "?"


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
    parser.add_argument("--scl", type=Path, default=None, metavar="FILE.scl",
                        help="Scala scale to tune the keys; each key plays the trained tone nearest its pitch")
    parser.add_argument("--kbm", type=Path, default=None, metavar="FILE.kbm",
                        help="Scala keyboard mapping for --scl; without one, degree 0 is key 60 at 261.63 Hz")
    parser.add_argument("--root-key", type=int, default=60, metavar="KEY", help="key of the lowest tone in the default mapping")


def add_transpose_argument(parser) -> None:
    """--transpose, which grower-serve, grower-play and grower-audition share."""
    parser.add_argument("--transpose", choices=TRANSPOSE_MODES, default="envelope",
                        help="envelope: each tone keeps its formants in hertz at any pitch and a pitch between two trained tones "
                             "blends both; harmonics: a tone's harmonics move with the pitch, as a sped-up recording")
