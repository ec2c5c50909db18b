"""Finding tone recordings and reading them, with one-line reasons for bad ones."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from .cleaning import Cleaning, clean
from .config import FeatureConfig


# libsndfile quietly shortens a truncated WAV/AIFF to what is there, and notes
# "data : 44100 (should be 22028)" in its log; that note is the only trace.
_TRUNCATED_CHUNK = re.compile(r"^\s*(data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


class ToneFileError(Exception):
    """A file that cannot be a tone. str() is the reason, without the file name."""


class NoTonesError(Exception):
    """Nothing to train on: the message is the whole line to print."""


@dataclass(frozen=True)
class ToneAudio:
    """A tone recording, mono, at the training rate."""

    path: Path
    name: str  # the file name without extension, unique in the folder
    sha256: str
    audio: np.ndarray  # [n_samples] float32, -1..1, at FeatureConfig.sample_rate
    sample_rate: int  # of ``audio``
    source_sample_rate: int
    cleaning: Cleaning = Cleaning()  # what training.cleaning removed from ``audio`` (FeatureConfig.clean)

    @property
    def duration_s(self) -> float:
        return self.audio.shape[0] / self.sample_rate


def find_tone_files(tones_dir: Path) -> list:
    """Every visible entry of ``tones_dir`` that is not a folder (not recursive), sorted by name.

    Non-audio files, and entries that are no regular file at all (a symbolic
    link loop or one whose target is gone, a FIFO), are returned too, so that
    each gets its own line from :func:`read_tone` saying why it is skipped,
    rather than vanishing silently.
    """
    tones_dir = Path(tones_dir)
    if not tones_dir.exists():
        raise NoTonesError(f"{tones_dir}: no such file or directory")
    if not tones_dir.is_dir():
        raise NoTonesError(f"{tones_dir}: not a directory (give the folder that holds the tone recordings)")
    try:
        files = sorted(p for p in tones_dir.iterdir() if not p.name.startswith(".") and not p.is_dir())
    except OSError as error:
        raise NoTonesError(f"{tones_dir}: cannot read the folder ({error.strerror or error})") from None
    if not files:
        raise NoTonesError(f"{tones_dir}: the folder is empty (expected one recording per scale tone: wav, flac, aiff or ogg)")
    return files


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_tone(path: Path, config: FeatureConfig) -> ToneAudio:
    """Read, downmix, resample and clean (FeatureConfig.clean) one recording; raise ToneFileError with the reason.

    Cleaning runs here, where every path to a tone's audio passes (the first
    read, and the read back of a tone unloaded between chunks), so the
    features, the training target and the report all hear the same audio.
    """
    path = Path(path)
    _check_regular_file(path)
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        raise ToneFileError(f"not a readable audio file ({_libsndfile_reason(error)})") from None
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError) as error:
        raise ToneFileError(f"corrupt audio ({_libsndfile_reason(error)})") from None
    truncated = _TRUNCATED_CHUNK.search(info.extra_info or "")
    if truncated:
        promised, present = int(truncated.group(2)), int(truncated.group(3))
        raise ToneFileError(f"truncated: its {truncated.group(1)} chunk promises {promised} bytes of audio, the file holds {present}")
    if data.shape[0] == 0:
        raise ToneFileError("holds no audio frames")
    if not np.all(np.isfinite(data)):
        raise ToneFileError("corrupt audio (NaN or infinite samples)")
    mono = data.mean(axis=1)
    duration_s = mono.shape[0] / rate
    if duration_s < config.min_duration_s:
        raise ToneFileError(f"too short: {duration_s:.2f} s (a tone needs at least {config.min_duration_s} s)")
    peak = float(np.max(np.abs(mono)))
    peak_db = 20.0 * np.log10(peak) if peak > 0 else float("-inf")
    if peak_db < config.silence_db:
        raise ToneFileError(f"silent: peak level {peak_db:.0f} dBFS (below {config.silence_db:.0f} dBFS)")
    if rate != config.sample_rate:
        mono = soxr.resample(mono, rate, config.sample_rate, quality="HQ")
    mono, cleaning = clean(np.ascontiguousarray(mono, dtype=np.float32), config.sample_rate, config.clean)
    return ToneAudio(
        path=path,
        name=path.stem,
        sha256=file_sha256(path),
        audio=np.ascontiguousarray(mono, dtype=np.float32),
        sample_rate=config.sample_rate,
        source_sample_rate=int(rate),
        cleaning=cleaning,
    )


def _check_regular_file(path: Path) -> None:
    """A regular file, or ToneFileError saying what it is instead; checked with stat, so a FIFO is never opened (it would block)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ToneFileError("symbolic link loop") from None
        if isinstance(error, FileNotFoundError) and path.is_symlink():
            raise ToneFileError(f"broken symbolic link (its target {os.readlink(path)} does not exist)") from None
        raise ToneFileError(f"cannot read ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise ToneFileError(f"not a recording ({kind})")


def _libsndfile_reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    # libsndfile prefixes its messages with the path; the caller names the file already.
    return text.split(": ", 1)[-1] if text.startswith("Error opening") else text
