"""Finding tone recordings and reading them, with one-line reasons for bad ones."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

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

    @property
    def duration_s(self) -> float:
        return self.audio.shape[0] / self.sample_rate


def find_tone_files(tones_dir: Path) -> list:
    """Every visible regular file in ``tones_dir`` (not recursive), sorted by name.

    Non-audio files are returned too, so that each gets its own line saying why
    it is skipped, rather than vanishing silently.
    """
    tones_dir = Path(tones_dir)
    if not tones_dir.exists():
        raise NoTonesError(f"{tones_dir}: no such file or directory")
    if not tones_dir.is_dir():
        raise NoTonesError(f"{tones_dir}: not a directory (give the folder that holds the tone recordings)")
    files = sorted(p for p in tones_dir.iterdir() if p.is_file() and not p.name.startswith("."))
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
    """Read, downmix and resample one recording; raise ToneFileError with the reason."""
    path = Path(path)
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
    return ToneAudio(
        path=path,
        name=path.stem,
        sha256=file_sha256(path),
        audio=np.ascontiguousarray(mono, dtype=np.float32),
        sample_rate=config.sample_rate,
        source_sample_rate=int(rate),
    )


def _libsndfile_reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    # libsndfile prefixes its messages with the path; the caller names the file already.
    return text.split(": ", 1)[-1] if text.startswith("Error opening") else text
