"""Audio out: a sounddevice stream, a null output paced in real time, and the recorder.

Each calls ``Engine.process`` once per block from its own thread. The
recorder only queues blocks; a writer thread writes them, so the audio
thread never touches the disk.
"""

from __future__ import annotations

import contextlib
import os
import sys
import queue
import threading
import time
from pathlib import Path

import numpy as np
from grower.synth.wav import WavStream

from .engine import Engine


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence C libraries' stderr (libjack and ALSA print several lines while probing).

    Our own one-line messages say what was found; Python's sys.stderr is untouched.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _sounddevice():
    with quiet_native_stderr():  # PortAudio probes every host API on import
        try:
            import sounddevice
        except OSError as error:  # PortAudio missing
            raise AudioUnavailable(f"no audio: {error}") from None
    return sounddevice


class AudioUnavailable(RuntimeError):
    """No audio device can be used; the message says why in one line."""


class NullOutputThread:
    """Renders blocks on a real-time schedule with no device, as a device would pull them.

    Like a sound card with ``n_buffers`` blocks of buffering (2, as JACK's
    default), a block is rendered when a buffer frees up and is due when the
    blocks before it have played; one ready later than that is an underflow.
    After a long stall the schedule restarts rather than rendering a burst to
    catch up.
    """

    def __init__(self, engine: Engine, block_size: int, n_buffers: int = 2):
        self.engine = engine
        self.block_size = block_size
        self.n_buffers = n_buffers
        self.period_s = block_size / engine.sample_rate
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grower-null-audio", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        self.engine.start_clock()
        start = time.monotonic() + self.period_s  # block 0 plays one period from now: rendered in time
        block = 0
        while not self._stop.is_set():
            due = start + block * self.period_s  # when this block starts playing
            wait = due - self.n_buffers * self.period_s - time.monotonic()  # when its buffer frees up
            if wait > 0:
                self._stop.wait(wait)
            self.engine.process(self.block_size)
            late = time.monotonic() - due
            if late > 0:
                self.engine.underflows += 1
                if late > 10 * self.period_s:  # block + 1 becomes due one period from now
                    start = time.monotonic() - block * self.period_s
            block += 1


class DeviceOutput:
    """A sounddevice output stream; the engine's mono block goes to every channel."""

    def __init__(self, engine: Engine, block_size: int, device=None):
        sd = _sounddevice()
        self.engine = engine
        try:
            info = sd.query_devices(device, "output")
            channels = max(1, min(2, int(info["max_output_channels"])))
            self.stream = sd.OutputStream(samplerate=engine.sample_rate, blocksize=block_size, device=device, channels=channels,
                                          dtype="float32", latency="low", callback=self._callback)
        except (sd.PortAudioError, ValueError) as error:
            which = f"audio device {device!r}" if device is not None else "default audio output device"
            raise AudioUnavailable(f"no {which} ({error})") from None
        self.name = f"{info['name']} ({sd.query_hostapis(info['hostapi'])['name']})"

    def _callback(self, outdata, frames, time_info, status) -> None:
        if status.output_underflow:
            self.engine.underflows += 1
        outdata[:] = self.engine.process(frames)[:, None]

    def start(self) -> None:
        self.engine.start_clock()
        self.stream.start()

    def stop(self) -> None:
        self.stream.stop()
        self.stream.close()


def play_buffer(audio: np.ndarray, sample_rate: int, device=None) -> None:
    """Play [n_samples] float32 on an output device and wait until it has played (grower-audition)."""
    sd = _sounddevice()
    try:
        with quiet_native_stderr():
            sd.play(audio, sample_rate, device=device)
        sd.wait()
    except (sd.PortAudioError, ValueError) as error:
        which = f"audio device {device!r}" if device is not None else "default audio output device"
        raise AudioUnavailable(f"no {which} ({error})") from None
    finally:
        sd.stop()


def list_devices() -> str:
    return str(_sounddevice().query_devices())


class RecorderThread:
    """Writes every block played to a WAV stream (grower.synth.wav: FILE.part, renamed on close) from its own thread."""

    def __init__(self, path: Path, sample_rate: int, yield_to_audio=lambda: None):
        self.path = Path(path)
        self.yield_to_audio = yield_to_audio
        self.stream = WavStream(self.path, sample_rate)
        self.blocks: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="grower-recorder", daemon=True)
        self._thread.start()

    def __call__(self, block: np.ndarray) -> None:
        """From the audio thread: queue a copy, never wait."""
        self.blocks.put(block.copy())

    def _write(self) -> None:
        while (block := self.blocks.get()) is not None:
            self.yield_to_audio()
            self.stream.write(block)

    @property
    def n_samples(self) -> int:
        return self.stream.n_samples

    def close(self) -> None:
        """Write what is queued, close, and move the file into place."""
        self.blocks.put(None)
        self._thread.join()
        self.stream.close()
