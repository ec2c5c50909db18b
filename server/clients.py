"""The clients the server talks to: where their replies go, who is notified, who is metered.

A client is the socket it sends from: (host, port). Max's ``udpsend`` sends from
one socket per object and cannot receive on it, so a client registers the port it
listens on with ``/grower/notify 1 PORT``; the replies to its requests go there,
and so does every notification. Each client has its own registration, so a Max
patch and a Max for Live device on one computer each get their own replies.
A client that registers the port another client of its host had registered takes
it over: a patch opened again sends from a new port, and one listener should not
hear everything twice.

Threads:

- the OSC receiving thread registers and unregisters clients and looks up where a
  request's replies go (``register``, ``unregister``, ``destination``);
- the audio thread subscribes meters (``set_meter``: /grower/meter acts at a
  boundary), records each block's level into ``levels`` when anyone is metered
  (never blocking, allocating nothing), and reads ``registered`` to know whether
  anyone listens for notifications;
- the OSC sending thread reads the destinations of the notifications
  (``destinations``) and builds the meter messages due (``meters_due``).

The shared dicts are changed by single dict operations, atomic under the GIL, and
the other threads read them as copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .protocol import MAX_CLIENTS, METER_FLOOR_DB


class TooManyClients(ValueError):
    """A registration or meter past protocol.MAX_CLIENTS; the text says so."""


class BlockLevels:
    """Each output block's peak and energy, in a ring the audio thread writes and the sending thread reads.

    size: blocks kept (1024 blocks of 256 samples are 5.5 s at 48 kHz); a reader further
    behind than that reads only the blocks still kept.
    """

    def __init__(self, size: int = 1024):
        self.size = size
        self.peak = np.zeros(size)  # [size] the block's largest |sample|, linear
        self.energy = np.zeros(size)  # [size] the block's sum of squared samples
        self.n_samples = np.zeros(size, np.int64)  # [size]
        self.written = 0  # blocks recorded; block k is at index k % size

    def record(self, block: np.ndarray) -> None:
        """Audio thread: one output block, [n_samples] float32. Writes three numbers; allocates nothing."""
        i = self.written % self.size
        if block.size:
            self.peak[i] = max(float(block.max()), -float(block.min()))
            self.energy[i] = float(np.dot(block, block))
        else:
            self.peak[i] = self.energy[i] = 0.0
        self.n_samples[i] = block.size
        self.written += 1  # last: the reader never reads a block being written

    def since(self, first: int) -> tuple[float, float, int, int]:
        """Sending thread: (peak, energy, n_samples, next first) over the blocks from first on that are still kept."""
        end = self.written
        first = max(first, end - self.size + 1)
        if first >= end:
            return 0.0, 0.0, 0, end
        index = np.arange(first, end) % self.size
        return float(self.peak[index].max()), float(self.energy[index].sum()), int(self.n_samples[index].sum()), end


def level_db(linear: float) -> float:
    """A linear level as dBFS, no lower than protocol.METER_FLOOR_DB (silence)."""
    return max(20.0 * math.log10(linear), float(METER_FLOOR_DB)) if linear > 0 else float(METER_FLOOR_DB)


@dataclass
class _Meter:
    """One metered client's clock, kept by the sending thread: its rate, its next message, its first unread block."""

    rate_hz: float
    due_s: float
    first_block: int


class Clients:
    """Registrations (/grower/notify), meter subscriptions (/grower/meter) and the levels metered.

    registered: sender (host, port) -> where its replies and notifications go (host, port).
    meters: sender -> meter messages a second.
    """

    def __init__(self, max_clients: int = MAX_CLIENTS):
        self.max_clients = max_clients
        self.registered: dict[tuple, tuple] = {}
        self.meters: dict[tuple, float] = {}
        self.levels = BlockLevels()
        self._clocks: dict[tuple, _Meter] = {}  # the sending thread's own

    # -- OSC receiving thread ------------------------------------------------------

    def destination(self, sender: tuple) -> tuple:
        """Where replies to sender's requests go: its registered port, else back where it sent from."""
        return self.registered.get(sender, sender)

    def register(self, sender: tuple, port: int | None = None) -> tuple:
        """Register sender for notifications, its replies going to port on its host (None: its own port).
        Returns that destination. Raises TooManyClients past max_clients."""
        destination = (sender[0], port or sender[1])
        for other, where in list(self.registered.items()):
            if where == destination and other != sender:  # the same listener, sending from a new socket
                self.registered.pop(other, None)
                self.meters.pop(other, None)
        if sender not in self.registered and len(self.registered) >= self.max_clients:
            raise TooManyClients(f"{self.max_clients} clients are registered, the most the server holds; "
                                 "a client leaves with /grower/notify 0")
        self.registered[sender] = destination
        return destination

    def unregister(self, sender: tuple) -> tuple:
        """Forget sender's registration and stop its meter. Returns where its replies went until now."""
        self.meters.pop(sender, None)
        return self.registered.pop(sender, sender)

    # -- audio thread ----------------------------------------------------------------

    def set_meter(self, sender: tuple, rate_hz: float) -> None:
        """Meter sender rate_hz times a second (0: stop). Raises TooManyClients past max_clients."""
        if not rate_hz:
            self.meters.pop(sender, None)
            return
        if sender not in self.meters and len(self.meters) >= self.max_clients:
            raise TooManyClients(f"{self.max_clients} clients are metered, the most the server holds; "
                                 "a client stops its meter with /grower/meter 0")
        self.meters[sender] = rate_hz

    # -- OSC sending thread ----------------------------------------------------------

    def destinations(self) -> list[tuple]:
        """Where a notification goes: every registered client's port, once each."""
        return list(dict.fromkeys(self.registered.copy().values()))

    def meters_due(self, now_s: float, voices: int, cpu_percent: float) -> list[tuple[tuple, tuple]]:
        """The meter messages due at now_s (time.monotonic() seconds): [(destination, (peak dB, RMS dB,
        voices, CPU %))], each over the blocks since that client's last one. A client's first message
        comes one period after its meter is first seen here."""
        due = []
        meters = self.meters.copy()
        for sender in [s for s in self._clocks if s not in meters]:
            del self._clocks[sender]
        for sender, rate_hz in meters.items():
            clock = self._clocks.get(sender)
            if clock is None or clock.rate_hz != rate_hz:
                self._clocks[sender] = _Meter(rate_hz, now_s + 1.0 / rate_hz, self.levels.written)
                continue
            if now_s < clock.due_s:
                continue
            peak, energy, n_samples, clock.first_block = self.levels.since(clock.first_block)
            rms = math.sqrt(energy / n_samples) if n_samples else 0.0
            due.append((self.destination(sender), (level_db(peak), level_db(rms), voices, cpu_percent)))
            clock.due_s += 1.0 / rate_hz
            if clock.due_s <= now_s:  # the sender fell behind: keep the rate from now, do not catch up
                clock.due_s = now_s + 1.0 / rate_hz
        return due

    def next_meter_s(self, now_s: float) -> float | None:
        """Seconds until the next meter message is due (0 for a meter not yet clocked); None without meters."""
        if not self.meters:
            return None
        if any(sender not in self._clocks for sender in self.meters.copy()):
            return 0.0
        return max(0.0, min(clock.due_s for clock in list(self._clocks.values())) - now_s) if self._clocks else 0.0
