"""Ctrl-C that is never lost, and never raised in the middle of a library.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread
happens to be. When that is inside a finalizer (``__del__``) or a ctypes
callback, Python prints "Exception ignored in ..." with a traceback and drops
it: seen here when the signal landed while numba (under librosa's pitch
tracker) was freeing llvmlite objects during feature analysis, and
grower-train trained on as if nothing had happened. So the first Ctrl-C only
sets a flag, and the long loops check it between files and steps (at most a
few seconds apart, during the imports); a second Ctrl-C raises at once.
"""

from __future__ import annotations

import signal


class Interrupt:
    """Install with ``with Interrupt() as interrupt:``; ``interrupt.check()`` raises if Ctrl-C came."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:  # the second Ctrl-C: now
            raise KeyboardInterrupt
        self.requested = True

    def check(self) -> None:
        """Raise KeyboardInterrupt here if Ctrl-C came."""
        if self.requested:
            raise KeyboardInterrupt

    def __enter__(self) -> "Interrupt":
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._previous)
