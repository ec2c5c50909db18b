"""Scheduled events: what changes the renderer, and when.

Every change to a renderer (a note, a stage, a gain, a mix) is an event with a
sample time, applied at a control-period boundary:

- an ordinary event applies at the first period boundary at or after its sample;
  controls glide or ramp over a period anyway, so nothing is lost by waiting;
- an *exact* event (a note-on) due inside a period applies at that period's start
  and is told its offset, so the voice starts on its exact sample;
- events due at the same boundary apply in the order of their sample times, and
  events with the same sample time in the order they were scheduled.

Events wait in a heap keyed by (sample, call order), so a boundary looks only
at the events due by the end of its period.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class EventQueue:
    """Events waiting for their period boundary. Not thread-safe: the renderer's owner calls it."""

    def __init__(self):
        self._heap: list[tuple] = []  # (at_sample, call number, exact, apply, args)
        self._calls = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, at_sample: int, apply: Callable, *args, exact: bool = False) -> None:
        """Call apply(*args) at the first period boundary at or after sample at_sample.

        exact: apply it at the start of the period holding at_sample instead, as
        apply(*args, onset=at_sample - period_start) (0 when that has passed).
        """
        heapq.heappush(self._heap, (int(at_sample), next(self._calls), exact, apply, args))

    def pending(self) -> list[tuple[int, Callable, tuple]]:
        """The events still waiting, as (at_sample, apply, args), in the order they will apply."""
        return [(at_sample, apply, args) for at_sample, _, _, apply, args in sorted(self._heap, key=lambda e: e[:2])]

    def apply_due(self, period_start: int, period: int) -> None:
        """Apply the events due at the boundary at sample period_start, before a period of period samples."""
        heap, period_end = self._heap, period_start + period
        if not heap or heap[0][0] >= period_end:
            return
        due, waiting = [], []
        while heap and heap[0][0] < period_end:
            event = heapq.heappop(heap)
            (due if event[0] <= period_start or event[2] else waiting).append(event)
        for event in waiting:  # ordinary events inside this period wait for the next boundary
            heapq.heappush(heap, event)
        # Popped in (sample, call) order. Events they schedule wait for a later boundary.
        for at_sample, _, exact, apply, args in due:
            if exact:
                apply(*args, onset=max(at_sample - period_start, 0))
            else:
                apply(*args)
