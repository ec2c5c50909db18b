"""The engine: the player behind a lock-free command queue, and the audio clock.

I/O threads (OSC, MIDI, the loader) only ``submit`` closures; the audio callback
calls ``process``, which applies every queued closure to the player and renders
the block. Nothing in ``process`` waits on I/O: replies go out through a queue
the OSC thread drains, and recorded blocks through the recorder's queue.

Clock: sample 0 of the output is pinned to a wall-clock time when audio
starts (``time.time()``, the epoch OSC timetags use). A command stamped with a
wall time plays at sample ``round((t - t0) * sample_rate) + latency``, or as
soon as possible when that has passed.

Timed commands (a bundle's future timetag) wait in the engine's own heap, keyed
by (sample, arrival), until the block that plays them: the player and its
renderers only ever hold what is due within a block or so. At most
``protocol.MAX_TIMED_COMMANDS`` wait at once (``timed_waiting``); the
dispatcher refuses more, and timetags more than ``protocol.HORIZON_S`` ahead.

Notifications (``protocol.NOTIFICATIONS``) for the clients registered with
``/grower/notify``: the audio thread records what happened as plain tuples on
the reply queue, in order with the replies (a voice started or ended, from the
player's voice listener; the global stage, bank or key map changed, compared
once a block), and only while a client is registered; the OSC sending thread
formats and sends them. For the meter it records each block's peak and energy
into ``clients.levels``, a ring of numbers, only while a client is metered.

The audio thread never dies: a command that raises is answered with
``/grower/fail``; a renderer that raises or renders NaN is dropped by the
player (see ``Player.render``), and the client that loaded its bank is told
once; whatever else goes wrong in a block yields a block of silence.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable

import numpy as np

from .clients import Clients
from .player import Player, Voice
from .protocol import BANK_CHANGED, FAIL_REPLY, STAGE_CHANGED, STAGE_CHANGES_PER_S, TUNING_CHANGED, VOICE_ENDED, VOICE_STARTED, Reply

# Timetagged commands are placed this far behind their wall time, so a bundle
# stamped "now + a little" is still in the future for the audio thread.
SCHEDULE_LATENCY_S = 0.01
LOAD_SMOOTHING = 0.05  # per-block weight of the CPU load's moving average
YIELD_S = 0.0002  # how long an I/O thread sleeps while a block renders


class Tally:
    """A count that any thread may add to, exact without a lock.

    Each thread adds to its own cell (a dict item only it writes); a reader sums a
    copy of the cells. No thread ever waits, so the audio thread may count too.
    """

    def __init__(self):
        self._cells: dict[int, int] = {}

    def add(self, n: int = 1) -> None:
        key = threading.get_ident()
        self._cells[key] = self._cells.get(key, 0) + n

    @property
    def value(self) -> int:
        return sum(self._cells.copy().values())


class Engine:
    def __init__(self, player: Player, sample_rate: int):
        self.player = player
        self.sample_rate = sample_rate
        self.commands: collections.deque = collections.deque()  # (wall_time_s | None, fn(at_sample)), as submitted
        self.timed: list[tuple] = []  # heap of (at_sample, arrival, fn): timed commands not due yet (audio thread only)
        self._arrivals = itertools.count()
        self._timed_submitted = Tally()  # timed commands submitted (any thread)
        self._timed_released = 0  # timed commands applied or found due (audio thread only)
        self.replies: queue.SimpleQueue = queue.SimpleQueue()  # (address, args, destination) for the OSC thread
        self.notices: queue.SimpleQueue = queue.SimpleQueue()  # one-line messages for the server's console
        self.block_listeners: list[Callable[[np.ndarray], None]] = []  # e.g. the recorder: must not block
        self.wall_at_zero: float | None = None
        self.samples_out = 0
        self.cpu_load = 0.0  # render time / block period, smoothed
        self.underflows = 0
        self.messages = 0  # counted by the OSC receiving thread only
        self._errors = Tally()
        self.blocks = 0
        self.voices = 0  # sounding after the last block
        self.midi_performers: list = []  # reset by /grower/panic
        # True while the audio thread renders. Python threads share one GIL, and a busy
        # I/O thread that keeps retaking it stretches a 1.5 ms render to 10 ms or more
        # (measured: 10 k OSC messages/s underflowed). I/O threads wait while it is set.
        self.rendering = False
        self.block_failed = False  # a block failed outside the player (a bug): said once
        self.clients = Clients()  # who is registered and metered (see clients.py)
        # What the registered clients were last told (audio thread only): a change is a notification.
        self._told_playing, self._told_keymap = player.playing, player.keymap
        self._told_stage, self._stage_told_at = player.global_stage, -sample_rate
        player.listen(self._voice_noted)

    # -- any thread ----------------------------------------------------------------

    def submit(self, fn: Callable[[int | None], None], wall_time_s: float | None = None) -> None:
        """Queue fn(at_sample) for the audio thread. wall_time_s: when it should sound (None: now)."""
        if wall_time_s is not None:
            self._timed_submitted.add()
        self.commands.append((wall_time_s, fn))

    @property
    def timed_waiting(self) -> int:
        """Timed commands submitted and not yet due: what protocol.MAX_TIMED_COMMANDS caps."""
        return self._timed_submitted.value - self._timed_released

    @property
    def errors(self) -> int:
        """Errors answered with /grower/fail (or to be), from every thread."""
        return self._errors.value

    def count_error(self) -> None:
        self._errors.add()

    def yield_to_audio(self) -> None:
        """For I/O threads, before each piece of work: sleep (without the GIL) while a block renders."""
        while self.rendering:
            time.sleep(YIELD_S)

    def reply(self, reply: Reply, destination: tuple | None, **values) -> None:
        """Queue a reply for the OSC thread: reply's fields by key (see ``Reply.pack``).

        destination: (host, port), or None for every client registered with /grower/notify.
        The queue holds (address, [values in field order], destination)."""
        self.replies.put((reply.address, reply.pack(**values), destination))

    # -- audio thread --------------------------------------------------------------

    def start_clock(self, wall_time_s: float | None = None) -> None:
        self.wall_at_zero = time.time() if wall_time_s is None else wall_time_s

    def sample_for(self, wall_time_s: float | None) -> int | None:
        if wall_time_s is None or self.wall_at_zero is None:
            return None
        at = round((wall_time_s - self.wall_at_zero + SCHEDULE_LATENCY_S) * self.sample_rate)
        return at if at > self.samples_out else None

    def process(self, n_samples: int) -> np.ndarray:
        """Apply the commands due and render the next block: [n_samples] float32, always finite."""
        started = time.perf_counter()
        self.rendering = True
        try:
            out = self._block(n_samples)
        except Exception as error:  # noqa: BLE001 - a bug outside the player: silence this block, keep going
            out = np.zeros(n_samples, np.float32)
            self.count_error()
            if not self.block_failed:
                self.block_failed = True
                self.notices.put(f"a block failed and was played as silence (a bug): {type(error).__name__}: {error}"[:300])
        for listener in self.block_listeners:
            try:
                listener(out)
            except Exception:  # noqa: BLE001 - a listener (the recorder) must not stop the audio
                pass
        if self.clients.meters:
            self.clients.levels.record(out)
        self.rendering = False
        self.samples_out += n_samples
        self.blocks += 1
        load = (time.perf_counter() - started) * self.sample_rate / n_samples
        self.cpu_load += (load - self.cpu_load) * (LOAD_SMOOTHING if self.blocks > 1 else 1.0)
        return out

    def _block(self, n_samples: int) -> np.ndarray:
        if self.wall_at_zero is None:
            self.start_clock()
        # Everything due before this block's renders end is handed to the player now: the
        # renderer works in control periods, so a block may render up to a period ahead.
        due_before = self.samples_out + n_samples + self.player.config.control_period
        while self.commands:
            wall_time_s, fn = self.commands.popleft()
            at = self.sample_for(wall_time_s)
            if wall_time_s is not None:
                if at is not None and at >= due_before:
                    heapq.heappush(self.timed, (at, next(self._arrivals), fn))
                    continue
                self._timed_released += 1
            self._apply(fn, at)
        while self.timed and self.timed[0][0] < due_before:
            at, _, fn = heapq.heappop(self.timed)
            self._timed_released += 1
            self._apply(fn, at)
        out = self.player.render(n_samples)
        for source, message in self.player.take_failures():
            address, destination = source if source is not None else ("", None)
            self.count_error()
            self.reply(FAIL_REPLY, destination, address=address, message=message)
            self.notices.put(message)
        self.voices = self.player.n_voices
        self._note_changes()
        return out

    def _voice_noted(self, started: bool, voice: Voice) -> None:
        """The player's voice listener: a notification for the registered clients, as a tuple on the reply queue."""
        if self.clients.registered:
            self.replies.put(((VOICE_STARTED if started else VOICE_ENDED).address,
                              (voice.serial, voice.key, voice.pitch_hz, voice.tone), None))

    def _note_changes(self) -> None:
        """After a block: the bank, key map or global stage changed? Tell the registered clients (the
        stage at most STAGE_CHANGES_PER_S times a second: a later block tells the last value)."""
        player, tell = self.player, bool(self.clients.registered)
        if player.playing is not self._told_playing:
            self._told_playing = player.playing
            if tell:
                self.replies.put((BANK_CHANGED.address, (player.bank_dir.name, len(player.tone_names), player.n_harmonics), None))
        if player.keymap is not self._told_keymap:
            self._told_keymap = player.keymap
            if tell:
                self.replies.put((TUNING_CHANGED.address, (player.keymap.description,), None))
        stage = player.global_stage
        if stage != self._told_stage and self.samples_out - self._stage_told_at >= self.sample_rate / STAGE_CHANGES_PER_S:
            self._told_stage, self._stage_told_at = stage, self.samples_out
            if tell:
                self.replies.put((STAGE_CHANGED.address, (stage,), None))

    def _apply(self, fn: Callable[[int | None], None], at: int | None) -> None:
        try:
            fn(at)
        except Exception as error:  # noqa: BLE001 - a bad command must never stop the audio
            self.count_error()
            self.reply(FAIL_REPLY, None, address="", message=f"internal error applying a command: {error!r}"[:300])
