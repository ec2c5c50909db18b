"""The engine: the player behind a lock-free command queue, and the audio clock.

I/O threads (OSC, MIDI) only ``submit`` closures; the audio callback calls
``process``, which applies every queued closure to the player and renders the
block. Nothing in ``process`` waits on I/O: replies go out through a queue the
OSC thread drains, and recorded blocks through the recorder's queue.

Clock: sample 0 of the output is pinned to a wall-clock time when audio
starts (``time.time()``, the epoch OSC timetags use). A command stamped with a
wall time plays at sample ``round((t - t0) * sample_rate) + latency``, or as
soon as possible when that has passed.
"""

from __future__ import annotations

import collections
import queue
import time
import traceback
from collections.abc import Callable

import numpy as np

from .player import Player

# Timetagged commands are placed this far behind their wall time, so a bundle
# stamped "now + a little" is still in the future for the audio thread.
SCHEDULE_LATENCY_S = 0.01
LOAD_SMOOTHING = 0.05  # per-block weight of the CPU load's moving average
YIELD_S = 0.0002  # how long an I/O thread sleeps while a block renders


class Engine:
    def __init__(self, player: Player, sample_rate: int):
        self.player = player
        self.sample_rate = sample_rate
        self.commands: collections.deque = collections.deque()  # (wall_time_s | None, fn(at_sample))
        self.replies: queue.SimpleQueue = queue.SimpleQueue()  # (address, args, destination) for the OSC thread
        self.block_listeners: list[Callable[[np.ndarray], None]] = []  # e.g. the recorder: must not block
        self.wall_at_zero: float | None = None
        self.samples_out = 0
        self.cpu_load = 0.0  # render time / block period, smoothed
        self.underflows = 0
        self.messages = 0
        self.errors = 0
        self.blocks = 0
        self.voices = 0  # sounding after the last block
        self.midi_performers: list = []  # reset by /grower/panic
        # True while the audio thread renders. Python threads share one GIL, and a busy
        # I/O thread that keeps retaking it stretches a 1.5 ms render to 10 ms or more
        # (measured: 10 k OSC messages/s underflowed). I/O threads wait while it is set.
        self.rendering = False
        self.render_failed = False  # a render raised (a bug): its traceback was shown once

    # -- any thread ----------------------------------------------------------------

    def submit(self, fn: Callable[[int | None], None], wall_time_s: float | None = None) -> None:
        """Queue fn(at_sample) for the audio thread. wall_time_s: when it should sound (None: now)."""
        self.commands.append((wall_time_s, fn))

    def yield_to_audio(self) -> None:
        """For I/O threads, before each piece of work: sleep (without the GIL) while a block renders."""
        while self.rendering:
            time.sleep(YIELD_S)

    def reply(self, address: str, args: list, destination) -> None:
        self.replies.put((address, args, destination))

    # -- audio thread --------------------------------------------------------------

    def start_clock(self, wall_time_s: float | None = None) -> None:
        self.wall_at_zero = time.time() if wall_time_s is None else wall_time_s

    def sample_for(self, wall_time_s: float | None) -> int | None:
        if wall_time_s is None or self.wall_at_zero is None:
            return None
        at = round((wall_time_s - self.wall_at_zero + SCHEDULE_LATENCY_S) * self.sample_rate)
        return at if at > self.samples_out else None

    def process(self, n_samples: int) -> np.ndarray:
        """Apply queued commands and render the next block: [n_samples] float32."""
        started = time.perf_counter()
        self.rendering = True
        if self.wall_at_zero is None:
            self.start_clock()
        while self.commands:
            wall_time_s, fn = self.commands.popleft()
            try:
                fn(self.sample_for(wall_time_s))
            except Exception as error:  # noqa: BLE001 - a bad command must never stop the audio
                self.errors += 1
                self.reply("/grower/fail", ["", f"internal error applying a command: {error!r}"], None)
        try:
            out = self.player.render(n_samples)
        except Exception:  # noqa: BLE001 - a bug: show it once, keep the stream alive with silence
            self.errors += 1
            if not self.render_failed:
                traceback.print_exc()
                self.render_failed = True
            out = np.zeros(n_samples, np.float32)
        for listener in self.block_listeners:
            listener(out)
        self.rendering = False
        self.samples_out += n_samples
        self.voices = self.player.n_voices
        self.blocks += 1
        load = (time.perf_counter() - started) * self.sample_rate / n_samples
        self.cpu_load += (load - self.cpu_load) * (LOAD_SMOOTHING if self.blocks > 1 else 1.0)
        return out
