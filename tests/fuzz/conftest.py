"""The fuzz suite's record: every case ends handled, with a traceback, or hung.

Each case records its outcome with ``record``; pytest's summary prints the counts
(``fuzz: N cases: H handled, T tracebacks, G hangs``), and each case's test also
fails unless it was handled.
"""

from __future__ import annotations

import collections

HANDLED, TRACEBACK, HANG = "handled", "traceback", "hang"
OUTCOMES: dict[str, str] = {}  # case -> outcome, in the order run


def record(case: str, outcome: str) -> str:
    OUTCOMES[case] = outcome
    return outcome


def pytest_terminal_summary(terminalreporter):
    if not OUTCOMES:
        return
    counts = collections.Counter(OUTCOMES.values())
    terminalreporter.write_line(f"fuzz: {len(OUTCOMES)} cases: {counts[HANDLED]} handled, {counts[TRACEBACK]} tracebacks, {counts[HANG]} hangs")
    for case, outcome in OUTCOMES.items():
        if outcome != HANDLED:
            terminalreporter.write_line(f"fuzz:   {case}: {outcome}")
