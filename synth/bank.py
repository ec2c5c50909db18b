"""The timbre bank: the on-disk contract between trainer, renderer and server.

This module is the one owner of a bank directory: it reads and writes all of
``bank.json`` and names every folder in it. Layout::

    bank.json                 format version, rates, sizes, configs, one entry per tone,
                              and (from grower-train) a training record per tone and the run's summary
    tones/<name>.safetensors  per-tone trained weights and control trajectories   (TONES_DIR)
    checkpoint/               training state for --resume (optional)               (CHECKPOINT_DIR)
    report/                   reconstructions and plots (optional)                 (REPORT_DIR)

Per-tone files are safetensors (no code runs on load). Keys:

- ``controls.f0_hz``                 [n_frames] Hz, > 0
- ``controls.amplitude``             [n_frames] linear, >= 0
- ``controls.harmonic_distribution`` [n_frames, n_harmonics], >= 0, rows sum to 1
- ``controls.noise_magnitudes``      [n_frames, n_noise_bands] linear, >= 0
- ``controls.loudness_db``           [n_frames] dB (A-weighted, of the source)
- ``controls.decay_db_per_s``        [n_harmonics] dB/s, < 0: how fast each harmonic decays on
                                     past a one-shot's release_start_s while held (required for one-shots)
- ``controls.noise_decay_db_per_s``  [n_noise_bands] dB/s, < 0: the same for each noise band
- ``velocity.timbre_db``             [n_levels, n_harmonics] dB, within +-MAX_TIMBRE_DB: how the harmonic
                                     distribution changes when the tone is played louder or softer (optional;
                                     present exactly when the entry names its ``velocity_timbre`` source)
- ``velocity.offset_db``             [n_levels] dB, strictly increasing, n_levels >= 2: the loudness offsets
                                     from the recording each row of velocity.timbre_db was measured at
- ``weights.*``                      the tone's decoder weights
- ``inputs.*``                       the tone's input normalisation

See :mod:`grower.synth.controls` for what the controls mean.

Each tone entry says how a held note behaves (``envelope``): a ``sustain``
tone plays its attack, then repeats its sustain region (``loop``: a
``crossfade`` loop, whose last ``loop_crossfade_s`` blend into the frames
before its start, or ``ping-pong``, back and forth) until note-off, then its
release from ``release_start_s``; a ``one-shot`` tone never loops: held, it
plays its recorded decay up to ``release_start_s`` and decays on from there at
``controls.decay_db_per_s``. Times are seconds from the tone's first frame:
onset_s <= attack_end_s <= sustain_start_s < sustain_end_s <= release_start_s.
Banks written before these fields existed load as sustain tones with a
ping-pong loop, attack_end_s = sustain_start_s and release_start_s = sustain_end_s.
A tone's ``inharmonicity`` B (0 <= B <= controls.MAX_INHARMONICITY) stretches
its partials: partial k sounds at k f0 sqrt(1 + B k^2). Banks without it are
harmonic (B = 0).

An entry's ``velocity_timbre`` (one of ``velocity_timbre.SOURCES``: "decoder" or
"tilt") says where its velocity timbre table came from (see
:mod:`grower.synth.velocity_timbre`); without it (banks from before it) the
tone has no table and velocity changes only its level.

Every bank is validated before it is accepted, whole: the format version
first, then every field of ``bank.json`` (type, finiteness, range) and every
control tensor (present, float, finite, shaped as the header says). A tone's
file must be a regular file inside the bank folder; it is checked with
``os.stat`` before it is opened, so a FIFO never blocks the loader. Whatever is
wrong is one :class:`BankError` line: ``<bank.json>: <reason>`` for the file
as a whole, ``<bank dir>: <tone name>: <reason>`` for one tone.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from .controls import MAX_INHARMONICITY
from .file_kind import file_kind
from .velocity_timbre import MAX_TIMBRE_DB, SOURCES as VELOCITY_TIMBRE_SOURCES

BANK_FORMAT_VERSION = 1
BANK_JSON = "bank.json"
TONES_DIR = "tones"
CHECKPOINT_DIR = "checkpoint"
REPORT_DIR = "report"
CONTROL_KEYS = ("f0_hz", "amplitude", "harmonic_distribution", "noise_magnitudes", "loudness_db")
DECAY_KEYS = ("decay_db_per_s", "noise_decay_db_per_s")  # per tone, not per frame: [n_harmonics], [n_noise_bands]
VELOCITY_TIMBRE_DB = "velocity.timbre_db"  # [n_levels, n_harmonics] dB, optional (see velocity_timbre)
VELOCITY_OFFSET_DB = "velocity.offset_db"  # [n_levels] dB
MAX_VELOCITY_OFFSET_DB = 60.0  # a table's loudness offsets lie within +-this
ENVELOPES = ("sustain", "one-shot")
LOOPS = ("crossfade", "ping-pong")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TIME_TOLERANCE_S = 1e-4  # times are stored rounded to 0.1 ms


class BankError(Exception):
    """A bank that cannot be read or written; the message is one line naming the file and the reason."""


# -- the records of bank.json ---------------------------------------------------------


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
    envelope: str = "sustain"  # one of ENVELOPES: a held sustain tone loops, a one-shot decays and never loops
    loop: str = "ping-pong"  # one of LOOPS: how a sustain tone's sustain region repeats
    loop_crossfade_s: float = 0.0  # a crossfade loop's crossfade, ending at sustain_end_s; 0 for ping-pong
    onset_s: float = 0.0  # where the tone's sound starts
    attack_end_s: float | None = None  # where the attack has settled; None: sustain_start_s
    release_start_s: float | None = None  # where the release (a one-shot: the decay's continuation) starts; None: sustain_end_s
    inharmonicity: float = 0.0  # B: partial k sounds at k f0 sqrt(1 + B k^2) (controls.partial_ratios); 0: harmonic
    velocity_timbre: str | None = None  # one of velocity_timbre.SOURCES: where the tone file's velocity.* table came from; None: no table

    def __post_init__(self):
        if self.attack_end_s is None:
            object.__setattr__(self, "attack_end_s", self.sustain_start_s)
        if self.release_start_s is None:
            object.__setattr__(self, "release_start_s", self.sustain_end_s)


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


@dataclass(frozen=True)
class ToneTraining:
    """How grower-train made one tone: bank.json's ``training`` section, per tone."""

    steps: int  # spectral steps the tone took
    stop_reason: str  # "converged", "step cap reached", "interrupted", ...
    tone_key: str  # hash of every setting that decides the tone's result
    lsd_db: float  # log-spectral distance of its reconstruction to the recording, dB
    cleaning: dict = field(default_factory=dict)  # what grower-train removed from the recording (grower.training.cleaning); {}: nothing


@dataclass(frozen=True)
class BankDocument:
    """All of bank.json: the header, the tone entries, and grower-train's sections."""

    header: BankHeader
    entries: tuple  # (ToneEntry, ...), in file order
    training: dict = field(default_factory=dict)  # tone name -> ToneTraining (tones made by grower-train)
    run: dict = field(default_factory=dict)  # what the last grower-train run did (free-form JSON object)


# -- loaded banks ----------------------------------------------------------------------


@dataclass
class BankTone:
    """A tone loaded from a bank: its entry, its control trajectories and every array of its file."""

    entry: ToneEntry
    controls: dict  # CONTROL_KEYS (and DECAY_KEYS where the file has them) -> np.ndarray, shapes as in the module docstring
    tensors: dict  # every array in the tone's file
    training: ToneTraining | None = None  # None for banks not made by grower-train


@dataclass
class Bank:
    """A loaded, validated bank."""

    header: BankHeader
    tones: list  # [BankTone], sorted by f0
    run: dict = field(default_factory=dict)  # bank.json's run section

    def tone(self, name: str) -> BankTone:
        for tone in self.tones:
            if tone.entry.name == name:
                return tone
        raise KeyError(name)


# -- pitch ----------------------------------------------------------------------------------


def midi_from_hz(f0_hz: float) -> float:
    """Fractional MIDI key number of a frequency (A4 = 69 = 440 Hz)."""
    return 69.0 + 12.0 * math.log2(f0_hz / 440.0)


def nearest_key_and_cents(f0_hz: float) -> tuple[int, float]:
    """(nearest 12-TET MIDI key, offset from it in cents)."""
    key_float = midi_from_hz(f0_hz)
    key = int(round(key_float))
    return key, 100.0 * (key_float - key)


def tone_file_name(name: str) -> str:
    """Where a tone's safetensors file goes, relative to the bank directory."""
    return f"{TONES_DIR}/{name}.safetensors"


# -- writing ------------------------------------------------------------------------------


def write_bank(directory: Path, header: BankHeader, tones: list, training: dict | None = None, run: dict | None = None) -> None:
    """Write ``bank.json`` and ``tones/*.safetensors`` into an existing directory.

    tones: [(ToneEntry, {name: np.ndarray} or the Path of a tone file holding them)]. training: {tone name: ToneTraining},
    for the tones grower-train made. run: a JSON object describing the run.
    What is written is validated as :func:`load_bank` would, so a bank that is
    written is a bank that loads; a bad one raises BankError and writes
    nothing. Make ``directory`` with
    :func:`grower.synth.atomic.atomic_directory` so the bank appears whole.
    """
    directory = Path(directory)
    tones = sorted(tones, key=lambda item: item[0].f0_hz)
    document = {
        **asdict(header),
        "frame_rate_hz": header.frame_rate_hz,
        "tones": [_entry_json(entry) for entry, _ in tones],
    }
    if training:
        document["training"] = {name: asdict(record) for name, record in training.items()}
    if run is not None:
        document["run"] = run
    parsed = parse_bank_document(document, directory)
    for entry, arrays in tones:
        # A tone file given as a path is read here to be checked, then dropped:
        # a bank of any number of tones is written in the memory of one.
        _check_controls(load_file(str(arrays)) if isinstance(arrays, Path) else arrays, entry, parsed.header, directory)
    try:
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise BankError(f"{directory / BANK_JSON}: cannot be written as JSON ({error})") from None
    (directory / TONES_DIR).mkdir(parents=True, exist_ok=True)
    for entry, arrays in tones:
        path = directory / entry.file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(arrays, Path):
            shutil.copyfile(arrays, path)
            continue
        contiguous = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        save_file(contiguous, str(path), metadata={"tone": entry.name})
    (directory / BANK_JSON).write_text(text)


def _entry_json(entry: ToneEntry) -> dict:
    """A tone entry as bank.json holds it: an optional field left at None is left out."""
    raw = asdict(entry)
    if raw["velocity_timbre"] is None:
        del raw["velocity_timbre"]
    return raw


# -- reading ------------------------------------------------------------------------------


def read_bank_json(directory: Path) -> BankDocument:
    """All of bank.json, validated, without loading any tone's arrays."""
    path = Path(directory) / BANK_JSON
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise BankError(f"{path}: no bank here (bank.json is missing)") from None
    except OSError as error:
        raise BankError(f"{path}: cannot read bank.json ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        raise BankError(f"{path}: cannot read bank.json (it is {file_kind(mode)}, not a regular file)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BankError(f"{path}: cannot read bank.json ({reason})") from None
    return parse_bank_document(document, Path(directory))


def load_bank(directory: Path) -> Bank:
    """Load and validate a bank: header, entries, training records and every tone's arrays."""
    directory = Path(directory)
    document = read_bank_json(directory)
    tones = []
    for entry in document.entries:
        tensors = _read_tone_file(directory, entry)
        _check_controls(tensors, entry, document.header, directory)
        tones.append(bank_tone(entry, tensors, document.training.get(entry.name)))
    tones.sort(key=lambda tone: tone.entry.f0_hz)
    return Bank(header=document.header, tones=tones, run=document.run)


def bank_tone(entry: ToneEntry, tensors: dict, training: ToneTraining | None = None) -> BankTone:
    """A tone of a bank from its entry and its file's arrays (checked already, or made by grower-train)."""
    controls = {k: tensors[f"controls.{k}"] for k in CONTROL_KEYS + DECAY_KEYS if f"controls.{k}" in tensors}
    return BankTone(entry=entry, controls=controls, tensors=tensors, training=training)


# -- validation ---------------------------------------------------------------------------


class _Invalid(Exception):
    """A field's reason for rejection; the caller adds where it was found."""


_HEADER_REQUIRED = ("format_version", "sample_rate", "hop_size", "n_harmonics", "n_noise_bands", "config", "tones")
_HEADER_OPTIONAL = ("frame_rate_hz", "training", "run")


def parse_bank_document(document, directory: Path) -> BankDocument:
    """bank.json's parsed JSON -> BankDocument, or BankError naming the first thing wrong.

    The format version is checked first: it guards the meaning of everything else.
    """
    directory = Path(directory)
    where = directory / BANK_JSON
    if not isinstance(document, dict):
        raise BankError(f"{where}: bank.json must hold a JSON object, not {_json_kind(document)}")
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version != BANK_FORMAT_VERSION:
        raise BankError(f"{where}: bank format {version!r} is not supported (expected {BANK_FORMAT_VERSION})")
    try:
        _check_keys(document, _HEADER_REQUIRED, _HEADER_OPTIONAL, "bank.json")
        header = BankHeader(
            sample_rate=_positive_int(document, "sample_rate"),
            hop_size=_positive_int(document, "hop_size"),
            n_harmonics=_positive_int(document, "n_harmonics"),
            n_noise_bands=_positive_int(document, "n_noise_bands"),
            config=_object(document, "config"),
            format_version=version,
        )
        if "frame_rate_hz" in document:
            frame_rate_hz = _finite(document, "frame_rate_hz")
            if not math.isclose(frame_rate_hz, header.frame_rate_hz, rel_tol=1e-9):
                raise _Invalid(f"frame_rate_hz must be sample_rate / hop_size = {header.frame_rate_hz!r}, not {frame_rate_hz!r}")
        tones = document["tones"]
        if not isinstance(tones, list):
            raise _Invalid(f"tones must be a list, not {_json_kind(tones)}")
        if not tones:
            raise _Invalid("tones is empty: a bank holds at least one tone")
        training = _object(document, "training") if "training" in document else {}
        run = _object(document, "run") if "run" in document else {}
    except _Invalid as error:
        raise BankError(f"{where}: {error}") from None

    entries, names = [], set()
    for index, raw in enumerate(tones):
        label = _tone_label(raw, index)
        try:
            entry = _parse_entry(raw, header)
            if entry.name in names:
                raise _Invalid("the name is used by another tone of the bank")
        except _Invalid as error:
            raise BankError(f"{directory}: {label}: {error}") from None
        names.add(entry.name)
        entries.append(entry)

    records = {}
    for name, raw in training.items():
        try:
            if name not in names:
                raise _Invalid("training record for a tone the bank does not hold")
            records[name] = _parse_training(raw)
        except _Invalid as error:
            raise BankError(f"{directory}: {name}: {error}") from None
    return BankDocument(header=header, entries=tuple(entries), training=records, run=run)


def _tone_label(raw, index: int) -> str:
    """How an error names a tone entry: its name if it has a usable one, else its position."""
    name = raw.get("name") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name else f"tone {index}"


_ENTRY_OPTIONAL = ("envelope", "loop", "loop_crossfade_s", "onset_s", "attack_end_s", "release_start_s", "inharmonicity", "velocity_timbre")


def _parse_entry(raw, header: BankHeader) -> ToneEntry:
    if not isinstance(raw, dict):
        raise _Invalid(f"a tone entry must be a JSON object, not {_json_kind(raw)}")
    _check_keys(raw, [f.name for f in fields(ToneEntry) if f.name not in _ENTRY_OPTIONAL], _ENTRY_OPTIONAL, "the tone entry")
    name = _text(raw, "name")
    entry = ToneEntry(
        name=name,
        source_file=_text(raw, "source_file"),
        sha256=raw["sha256"],
        f0_hz=_finite(raw, "f0_hz"),
        midi_note=_int(raw, "midi_note"),
        cents_offset=_finite(raw, "cents_offset"),
        duration_s=_finite(raw, "duration_s"),
        sustain_start_s=_finite(raw, "sustain_start_s"),
        sustain_end_s=_finite(raw, "sustain_end_s"),
        n_frames=_int(raw, "n_frames"),
        file=_text(raw, "file"),
        envelope=_choice(raw, "envelope", ENVELOPES, "sustain"),
        loop=_choice(raw, "loop", LOOPS, "ping-pong"),
        loop_crossfade_s=_finite(raw, "loop_crossfade_s") if "loop_crossfade_s" in raw else 0.0,
        onset_s=_finite(raw, "onset_s") if "onset_s" in raw else 0.0,
        attack_end_s=_finite(raw, "attack_end_s") if "attack_end_s" in raw else None,
        release_start_s=_finite(raw, "release_start_s") if "release_start_s" in raw else None,
        inharmonicity=_finite(raw, "inharmonicity") if "inharmonicity" in raw else 0.0,
        velocity_timbre=_choice(raw, "velocity_timbre", VELOCITY_TIMBRE_SOURCES, None),
    )
    if not isinstance(entry.sha256, str) or not _SHA256.match(entry.sha256):
        raise _Invalid(f"sha256 must be 64 lowercase hex digits, not {_short(entry.sha256)}")
    if entry.f0_hz <= 0:
        raise _Invalid(f"f0_hz must be > 0, not {entry.f0_hz!r}")
    if not 0 <= entry.midi_note <= 127:
        raise _Invalid(f"midi_note must be in 0..127, not {entry.midi_note!r}")
    if not -50.0 <= entry.cents_offset <= 50.0:
        raise _Invalid(f"cents_offset must be within -50..50, not {entry.cents_offset!r}")
    if entry.duration_s <= 0:
        raise _Invalid(f"duration_s must be > 0, not {entry.duration_s!r}")
    if entry.n_frames < 2:
        raise _Invalid(f"n_frames must be >= 2, not {entry.n_frames!r}")
    if entry.sustain_start_s < 0:
        raise _Invalid(f"sustain_start_s must be >= 0, not {entry.sustain_start_s!r}")
    if entry.sustain_end_s <= entry.sustain_start_s:
        raise _Invalid(f"sustain_end_s ({entry.sustain_end_s!r}) must be after sustain_start_s ({entry.sustain_start_s!r})")
    # The sustain ends at a frame boundary, which may lie up to a frame past the last sample.
    span_s = max(entry.duration_s, entry.n_frames / header.frame_rate_hz)
    if entry.sustain_end_s > span_s + _TIME_TOLERANCE_S:
        raise _Invalid(f"sustain_end_s must be within the tone ({span_s:.4f} s), not {entry.sustain_end_s!r}")
    if entry.onset_s < 0:
        raise _Invalid(f"onset_s must be >= 0, not {entry.onset_s!r}")
    if not entry.onset_s <= entry.attack_end_s <= entry.sustain_start_s:
        raise _Invalid(f"attack_end_s ({entry.attack_end_s!r}) must lie between onset_s ({entry.onset_s!r}) and sustain_start_s ({entry.sustain_start_s!r})")
    if not entry.sustain_end_s <= entry.release_start_s <= span_s + _TIME_TOLERANCE_S:
        raise _Invalid(f"release_start_s ({entry.release_start_s!r}) must lie between sustain_end_s ({entry.sustain_end_s!r}) and the tone's end ({span_s:.4f} s)")
    if entry.loop == "crossfade":
        length_s = entry.sustain_end_s - entry.sustain_start_s
        if not 0 < entry.loop_crossfade_s <= min(length_s, entry.sustain_start_s) + _TIME_TOLERANCE_S:
            raise _Invalid(f"loop_crossfade_s must be > 0 and at most the loop ({length_s:.4f} s) and sustain_start_s ({entry.sustain_start_s!r}), "
                           f"not {entry.loop_crossfade_s!r}")
    elif entry.loop_crossfade_s != 0:
        raise _Invalid(f"loop_crossfade_s must be 0 for a {entry.loop} loop, not {entry.loop_crossfade_s!r}")
    if not 0.0 <= entry.inharmonicity <= MAX_INHARMONICITY:
        raise _Invalid(f"inharmonicity must be within 0..{MAX_INHARMONICITY:g}, not {entry.inharmonicity!r}")
    _check_relative_path(entry.file)
    return entry


def _parse_training(raw) -> ToneTraining:
    if not isinstance(raw, dict):
        raise _Invalid(f"a training record must be a JSON object, not {_json_kind(raw)}")
    _check_keys(raw, [f.name for f in fields(ToneTraining) if f.name != "cleaning"], ("cleaning",), "the training record")
    steps = _int(raw, "steps")
    if steps < 0:
        raise _Invalid(f"training steps must be >= 0, not {steps!r}")
    for key in ("stop_reason", "tone_key"):
        if not isinstance(raw[key], str):
            raise _Invalid(f"training {key} must be a string, not {_json_kind(raw[key])}")
    return ToneTraining(steps=steps, stop_reason=raw["stop_reason"], tone_key=raw["tone_key"], lsd_db=_finite(raw, "lsd_db"),
                        cleaning=_parse_cleaning(raw.get("cleaning", {})))


def _parse_cleaning(raw) -> dict:
    """A training record's cleaning (optional; banks from before it have none): an object of
    numbers, strings, nulls and lists of numbers. Its meaning is grower-train's; the bank only keeps it."""
    if not isinstance(raw, dict):
        raise _Invalid(f"training cleaning must be a JSON object, not {_json_kind(raw)}")

    def number(item) -> bool:
        return isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)

    for key, value in raw.items():
        if not (value is None or isinstance(value, str) or number(value) or isinstance(value, list) and all(map(number, value))):
            raise _Invalid(f"training cleaning {_short(key)} must be a finite number, a string, null or a list of numbers, not {_short(value)}")
    return dict(raw)


def _check_relative_path(file: str) -> None:
    """A tone file's path as bank.json gives it: relative, without ``..``, no NUL."""
    if "\0" in file:
        raise _Invalid("file must not contain a NUL character")
    posix = PurePosixPath(file)
    if posix.is_absolute() or os.path.isabs(file):
        raise _Invalid(f"file must be a path inside the bank folder, not the absolute path {_short(file)}")
    if ".." in posix.parts or ".." in Path(file).parts:
        raise _Invalid(f"file must stay inside the bank folder, not {_short(file)}")


def _read_tone_file(directory: Path, entry: ToneEntry) -> dict:
    """Every array of a tone's file, after checking it is a regular file inside the bank folder."""
    path = directory / entry.file

    def fail(reason: str) -> BankError:
        return BankError(f"{directory}: {entry.name}: {reason}")

    try:
        root = os.path.realpath(directory)
        real = os.path.realpath(path)
        if os.path.commonpath([root, real]) != root:
            raise fail(f"tone file {entry.file} links outside the bank folder")
        mode = os.stat(path).st_mode  # follows a link that stays inside; never opens, so a FIFO cannot block
    except FileNotFoundError:
        raise fail(f"tone file {entry.file} is missing") from None
    except (OSError, ValueError) as error:
        raise fail(f"cannot read tone file {entry.file} ({getattr(error, 'strerror', None) or error})") from None
    if not stat.S_ISREG(mode):
        raise fail(f"tone file {entry.file} is {file_kind(mode)}, not a regular file")
    try:
        return load_file(str(path))
    except (OSError, SafetensorError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise fail(f"cannot read tone file {entry.file} ({reason})") from None


def _check_controls(tensors: dict, entry: ToneEntry, header: BankHeader, directory: Path) -> None:
    """Every control present, float, finite, shaped [n_frames(, size)] as the header says, and in range."""
    n, h, b = entry.n_frames, header.n_harmonics, header.n_noise_bands
    shapes = {
        "f0_hz": ((n,), "(n_frames,)"),
        "amplitude": ((n,), "(n_frames,)"),
        "harmonic_distribution": ((n, h), "(n_frames, n_harmonics)"),
        "noise_magnitudes": ((n, b), "(n_frames, n_noise_bands)"),
        "loudness_db": ((n,), "(n_frames,)"),
    }

    def fail(reason: str) -> BankError:
        return BankError(f"{directory}: {entry.name}: {reason}")

    for key in CONTROL_KEYS:
        name = f"controls.{key}"
        if name not in tensors:
            raise fail(f"the tone file has no {name}")
        array = _finite_floats(name, tensors[name], *shapes[key], fail)
        if key == "f0_hz" and array.min() <= 0:
            raise fail(f"{name} must be > 0 Hz, not {float(array.min())!r}")
        if key in ("amplitude", "harmonic_distribution", "noise_magnitudes") and array.min() < 0:
            raise fail(f"{name} must be >= 0, not {float(array.min())!r}")
    decay_shapes = {"decay_db_per_s": ((h,), "(n_harmonics,)"), "noise_decay_db_per_s": ((b,), "(n_noise_bands,)")}
    for key in DECAY_KEYS:
        name = f"controls.{key}"
        if name not in tensors:
            if entry.envelope == "one-shot":
                raise fail(f"a one-shot tone's file needs {name}")
            continue
        array = _finite_floats(name, tensors[name], *decay_shapes[key], fail)
        if array.max() >= 0:
            raise fail(f"{name} must be < 0 dB/s (a decay), not {float(array.max())!r}")
    _check_velocity_timbre(tensors, entry, h, fail)


def _check_velocity_timbre(tensors: dict, entry: ToneEntry, n_harmonics: int, fail) -> None:
    """The velocity timbre table: present exactly when the entry names its source, shaped and bounded."""
    present = [k for k in (VELOCITY_TIMBRE_DB, VELOCITY_OFFSET_DB) if k in tensors]
    if entry.velocity_timbre is None:
        if present:
            raise fail(f"the tone file has {present[0]} but its bank.json entry names no velocity_timbre source")
        return
    for key in (VELOCITY_TIMBRE_DB, VELOCITY_OFFSET_DB):
        if key not in tensors:
            raise fail(f"velocity_timbre is {entry.velocity_timbre!r} but the tone file has no {key}")
    offsets = np.asarray(tensors[VELOCITY_OFFSET_DB])
    n_levels = offsets.shape[0] if offsets.ndim == 1 else 0
    offsets = _finite_floats(VELOCITY_OFFSET_DB, offsets, (n_levels,), "(n_levels,)", fail)
    if n_levels < 2:
        raise fail(f"{VELOCITY_OFFSET_DB} must hold at least 2 levels, not {n_levels}")
    if np.any(np.diff(offsets) <= 0):
        raise fail(f"{VELOCITY_OFFSET_DB} must be strictly increasing, not {np.round(offsets, 3).tolist()}")
    if np.max(np.abs(offsets)) > MAX_VELOCITY_OFFSET_DB:
        raise fail(f"{VELOCITY_OFFSET_DB} must lie within +-{MAX_VELOCITY_OFFSET_DB:g} dB, not {float(np.max(np.abs(offsets)))!r}")
    table = _finite_floats(VELOCITY_TIMBRE_DB, tensors[VELOCITY_TIMBRE_DB], (n_levels, n_harmonics), "(n_levels, n_harmonics)", fail)
    if np.max(np.abs(table)) > MAX_TIMBRE_DB:
        raise fail(f"{VELOCITY_TIMBRE_DB} must lie within +-{MAX_TIMBRE_DB:g} dB, not {float(np.max(np.abs(table)))!r}")


def _check_keys(raw: dict, required, optional, what: str) -> None:
    missing = [k for k in required if k not in raw]
    if missing:
        raise _Invalid(f"{what} lacks {', '.join(missing)}")
    unknown = [k for k in raw if k not in required and k not in optional]
    if unknown:
        raise _Invalid(f"{what} has unknown field {_short(unknown[0])}")


def _int(raw: dict, key: str) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"{key} must be an integer, not {_short(value)}")
    return value


def _positive_int(raw: dict, key: str) -> int:
    value = _int(raw, key)
    if value <= 0:
        raise _Invalid(f"{key} must be > 0, not {value!r}")
    return value


def _finite(raw: dict, key: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(f"{key} must be a number, not {_short(value)}")
    if not math.isfinite(value):
        raise _Invalid(f"{key} must be finite, not {value!r}")
    return float(value)


def _choice(raw: dict, key: str, choices: tuple, default: str) -> str:
    """raw[key], one of choices; default when absent."""
    if key not in raw:
        return default
    value = raw[key]
    if value not in choices or not isinstance(value, str):
        raise _Invalid(f"{key} must be one of {', '.join(choices)}, not {_short(value)}")
    return value


def _text(raw: dict, key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise _Invalid(f"{key} must be a non-empty string, not {_short(value)}")
    return value


def _object(raw: dict, key: str) -> dict:
    value = raw[key]
    if not isinstance(value, dict):
        raise _Invalid(f"{key} must be a JSON object, not {_json_kind(value)}")
    return value


def _json_kind(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _short(value)


def _finite_floats(name: str, value, shape: tuple, meaning: str, fail) -> np.ndarray:
    """value as an array, or fail(reason) unless it is floating point, of shape and finite."""
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise fail(f"{name} must be floating point, not {array.dtype}")
    if array.shape != shape:
        raise fail(f"{name} has shape {array.shape}, expected {shape} {meaning}")
    if not np.all(np.isfinite(array)):
        raise fail(f"{name} holds NaN or infinite values")
    return array


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
