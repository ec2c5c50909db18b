"""WAV output: the one writer behind every file the project renders.

One policy, two shapes:

- a whole render (``write_wav``) is 24-bit PCM, written atomically. A render
  that would clip is scaled down to a 0.999 peak rather than clipped, and the
  caller is told by how much;
- a stream (``WavStream``: the server's recorder, long offline renders) cannot
  be rescaled once written, so it is 32-bit float and never clips. It is
  written to ``FILE.part`` and renamed into place when closed, so an
  interrupted stream never leaves half a file under the final name.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

import numpy as np
import soundfile

from .atomic import atomic_file

PEAK = 0.999  # a whole render is scaled to this peak when it would clip
RENDER_SUBTYPE = "PCM_24"
STREAM_SUBTYPE = "FLOAT"


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> float:
    """Write audio ([n_samples] or [n_samples, n_channels], linear) to path as 24-bit PCM, atomically.

    Returns the gain applied in dB: 0.0, or negative when the render peaked above PEAK.
    Raises OSError when the file cannot be written; path is then untouched.
    """
    audio, gain_db = fit_peak(audio)
    with atomic_file(Path(path), suffix=".wav") as tmp:
        soundfile.write(str(tmp), audio, sample_rate, subtype=RENDER_SUBTYPE, format="WAV")
    return gain_db


def fit_peak(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """audio (float32, linear) scaled down to a PEAK peak if it is louder, and the gain applied in dB (0.0 or negative)."""
    audio = np.asarray(audio, np.float32)
    peak = float(np.max(np.abs(audio), initial=0.0))
    if peak <= PEAK:
        return audio, 0.0
    return audio * (PEAK / peak), 20.0 * math.log10(PEAK / peak)


class WavStream:
    """Blocks appended to FILE.part as 32-bit float; ``close()`` renames it to FILE, ``abort()`` removes it.

    Not thread-safe: one owner writes (the recorder's writer thread, a render loop).
    """

    def __init__(self, path: Path, sample_rate: int, channels: int = 1):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path}: the folder {self.path.parent} does not exist")
        self.part = self.path.with_name(self.path.name + ".part")
        self.file = soundfile.SoundFile(str(self.part), "w", samplerate=sample_rate, channels=channels, subtype=STREAM_SUBTYPE, format="WAV")
        self.n_samples = 0
        self.peak = 0.0

    def write(self, block: np.ndarray) -> None:
        """Append block: [n_samples] (mono) or [n_samples, channels], linear."""
        self.file.write(block)
        self.n_samples += block.shape[0]
        self.peak = max(self.peak, float(np.max(np.abs(block), initial=0.0)))

    def close(self) -> None:
        """Finish the file and move it into place."""
        self.file.close()
        os.replace(self.part, self.path)

    def abort(self) -> None:
        """Drop the partial file; FILE, if it existed, is untouched."""
        with contextlib.suppress(Exception):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.part)

    def __enter__(self) -> WavStream:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
