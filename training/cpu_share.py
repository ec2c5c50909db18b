"""How many cores the trainer may use now: the usable ones less what other processes keep busy.

torch's CPU threads (OpenMP) spin while they wait for each other. With as
many threads as cores and another CPU-bound process on one of them, every
parallel region waits for a thread that is not running: measured here, a
spectral step went from 43 ms to 450 ms and the warm start from 5 s to
102 s, far worse than the fair half. With one thread fewer the same step
took 86 ms, the proportional share. So the trainer asks this module every
half second and sets torch's thread count to the cores that are free.

Linux only (/proc/stat); elsewhere every usable core is taken as free.
"""

from __future__ import annotations

import os
import time

from .worker_pool import usable_cores

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy_s() -> float | None:
    """CPU seconds all processes have used since boot (user, nice, system, irq, softirq, steal), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _own_busy_s() -> float:
    """CPU seconds this process has used (all its threads)."""
    times = os.times()
    return times.user + times.system


class FreeCores:
    """Call :meth:`threads` now and then; it says how many threads fit beside the other processes.

    The estimate is over the time since the previous sample (at least
    interval_s; between samples the last answer stands).
    """

    def __init__(self, interval_s: float = 0.5):
        self.cores = usable_cores()
        self.interval_s = interval_s
        self._last = self._sample()
        self._threads = self.cores

    def _sample(self):
        return time.monotonic(), _machine_busy_s(), _own_busy_s()

    def others_busy_cores(self, before, after) -> float:
        """Cores kept busy by other processes between two samples."""
        (t0, machine0, own0), (t1, machine1, own1) = before, after
        if machine0 is None or machine1 is None or t1 <= t0:
            return 0.0
        return max(0.0, ((machine1 - machine0) - (own1 - own0)) / (t1 - t0))

    def threads(self) -> int:
        now = self._sample()
        if now[0] - self._last[0] >= self.interval_s:
            others = self.others_busy_cores(self._last, now)
            # A core counts as taken when another process kept it at least half busy.
            self._threads = max(1, min(self.cores, self.cores - int(others + 0.5)))
            self._last = now
        return self._threads


class ThreadCap:
    """Keeps torch's CPU thread count at the free cores; call it once per step (a no-op off the CPU).

    Never above the count torch started with, so OMP_NUM_THREADS still caps it.
    """

    def __init__(self, device_type: str):
        import torch

        self._torch = torch
        self.free = FreeCores() if device_type == "cpu" else None
        self.ceiling = self.current = torch.get_num_threads()

    def __call__(self) -> None:
        if self.free is None:
            return
        wanted = min(self.ceiling, self.free.threads())
        if wanted != self.current:
            self._torch.set_num_threads(wanted)
            self.current = wanted

    def restore(self) -> None:
        if self.current != self.ceiling:
            self._torch.set_num_threads(self.ceiling)
            self.current = self.ceiling
