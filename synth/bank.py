"""The timbre bank: the on-disk contract between trainer, renderer and server.

Layout of a bank directory::

    bank.json                 format version, rates, sizes, configs, one entry per tone
    tones/<name>.safetensors  per-tone trained weights and control trajectories
    checkpoint/               training state for --resume (optional)
    report/                   reconstructions and plots (optional)

Per-tone files are safetensors (no code runs on load). Keys:

- ``controls.f0_hz``                 [n_frames] Hz
- ``controls.amplitude``             [n_frames] linear
- ``controls.harmonic_distribution`` [n_frames, n_harmonics], rows sum to 1
- ``controls.noise_magnitudes``      [n_frames, n_noise_bands] linear
- ``controls.loudness_db``           [n_frames] dB (A-weighted, of the source)
- ``weights.*``                      the tone's decoder weights
- ``inputs.*``                       the tone's input normalisation

See :mod:`grower.synth.controls` for what the controls mean.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

BANK_FORMAT_VERSION = 1
BANK_JSON = "bank.json"
TONES_DIR = "tones"
CONTROL_KEYS = ("f0_hz", "amplitude", "harmonic_distribution", "noise_magnitudes", "loudness_db")


class BankError(Exception):
    """A bank that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class ToneEntry:
    """One tone of the bank, as listed in bank.json."""

    name: str
    source_file: str
    sha256: str
    f0_hz: float
    midi_note: int  # nearest 12-TET key
    cents_offset: float  # from that key, in cents, within [-50, 50]
    duration_s: float
    sustain_start_s: float
    sustain_end_s: float
    n_frames: int
    file: str  # per-tone safetensors, relative to the bank directory


@dataclass(frozen=True)
class BankHeader:
    """Rates and sizes every tone of a bank shares."""

    sample_rate: int
    hop_size: int
    n_harmonics: int
    n_noise_bands: int
    config: dict = field(default_factory=dict)  # the frozen configs the bank was trained with
    format_version: int = BANK_FORMAT_VERSION

    @property
    def frame_rate_hz(self) -> float:
        return self.sample_rate / self.hop_size


@dataclass
class Tone:
    """A loaded tone: its entry, its control trajectories and its weights."""

    entry: ToneEntry
    controls: dict  # CONTROL_KEYS -> np.ndarray
    tensors: dict  # every array in the tone's file


@dataclass
class Bank:
    header: BankHeader
    tones: list  # [Tone], sorted by f0

    def tone(self, name: str) -> Tone:
        for tone in self.tones:
            if tone.entry.name == name:
                return tone
        raise KeyError(name)


def midi_from_hz(f0_hz: float) -> float:
    """Fractional MIDI key number of a frequency (A4 = 69 = 440 Hz)."""
    return 69.0 + 12.0 * math.log2(f0_hz / 440.0)


def nearest_key_and_cents(f0_hz: float) -> tuple[int, float]:
    """(nearest 12-TET MIDI key, offset from it in cents)."""
    key_float = midi_from_hz(f0_hz)
    key = int(round(key_float))
    return key, 100.0 * (key_float - key)


def write_bank(directory: Path, header: BankHeader, tones: list) -> None:
    """Write ``bank.json`` and ``tones/*.safetensors`` into an existing directory.

    tones: [(ToneEntry, {name: np.ndarray})]. Make ``directory`` with
    :func:`grower.synth.atomic.atomic_directory` so the bank appears whole.
    """
    directory = Path(directory)
    (directory / TONES_DIR).mkdir(parents=True, exist_ok=True)
    entries = []
    for entry, arrays in sorted(tones, key=lambda item: item[0].f0_hz):
        missing = [k for k in CONTROL_KEYS if f"controls.{k}" not in arrays]
        if missing:
            raise ValueError(f"tone {entry.name}: missing controls {missing}")
        contiguous = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        save_file(contiguous, str(directory / entry.file), metadata={"tone": entry.name})
        entries.append(asdict(entry))
    document = {**asdict(header), "frame_rate_hz": header.frame_rate_hz, "tones": entries}
    (directory / BANK_JSON).write_text(json.dumps(document, indent=2) + "\n")


def read_bank_json(directory: Path) -> tuple[BankHeader, list]:
    """Header and tone entries of a bank, without loading arrays."""
    path = Path(directory) / BANK_JSON
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise BankError(f"{path}: no bank here (bank.json is missing)") from None
    except (OSError, ValueError) as error:
        raise BankError(f"{path}: cannot read bank.json ({error})") from None
    version = document.get("format_version")
    if version != BANK_FORMAT_VERSION:
        raise BankError(f"{path}: bank format {version!r} is not supported (expected {BANK_FORMAT_VERSION})")
    try:
        header = BankHeader(**{k: document[k] for k in ("sample_rate", "hop_size", "n_harmonics", "n_noise_bands", "config", "format_version")})
        entries = [ToneEntry(**tone) for tone in document["tones"]]
    except (KeyError, TypeError) as error:
        raise BankError(f"{path}: malformed bank.json ({error})") from None
    return header, entries


def load_bank(directory: Path) -> Bank:
    """Load a bank: header, entries and every tone's arrays."""
    directory = Path(directory)
    header, entries = read_bank_json(directory)
    tones = []
    for entry in entries:
        path = directory / entry.file
        try:
            tensors = load_file(str(path))
        except (OSError, SafetensorError) as error:
            raise BankError(f"{path}: cannot read tone file ({error})") from None
        controls = {k: tensors[f"controls.{k}"] for k in CONTROL_KEYS}
        n_frames = {v.shape[0] for v in controls.values()}
        if n_frames != {entry.n_frames}:
            raise BankError(f"{path}: control lengths {sorted(n_frames)} do not match n_frames={entry.n_frames}")
        tones.append(Tone(entry=entry, controls=controls, tensors=tensors))
    tones.sort(key=lambda tone: tone.entry.f0_hz)
    return Bank(header=header, tones=tones)
