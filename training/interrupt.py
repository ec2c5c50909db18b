"""Ctrl-C that is never lost, said at once, and never raised in the middle of a library.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread
happens to be. When that is inside a finalizer (``__del__``) or a ctypes
callback, Python prints "Exception ignored in ..." with a traceback and drops
it: seen here when the signal landed while numba (under librosa's pitch
tracker) was freeing llvmlite objects during feature analysis, and
grower-train trained on as if nothing had happened. So the first Ctrl-C only
sets a flag and says at once what will happen (``Interrupt.notice``, set by the
CLI for each phase); the long loops check the flag between files, analysis
stages, tones and steps (at most a second or two apart). A second Ctrl-C
raises at once, wherever the program is, and ``Interrupt.forced`` says so:
nothing is saved then.

:class:`SwapGuard` holds Ctrl-C back for the few renames that swap a bank in,
so that even the second one cannot split them.
"""

from __future__ import annotations

import os
import signal
import sys


class Interrupt:
    """Install with ``with Interrupt() as interrupt:``; ``interrupt.check()`` raises if Ctrl-C came.

    notice: the line printed the moment the first Ctrl-C comes (empty: none).
    """

    def __init__(self, notice: str = ""):
        self.requested = False  # the first Ctrl-C came: stop at the next check
        self.forced = False  # the second came: quit now, save nothing
        self.notice = notice
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:  # the second Ctrl-C: now
            self.forced = True
            raise KeyboardInterrupt
        self.requested = True
        if self.notice:
            say_now(self.notice)

    def check(self) -> None:
        """Raise KeyboardInterrupt here if Ctrl-C came."""
        if self.requested:
            raise KeyboardInterrupt

    def __enter__(self) -> "Interrupt":
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._previous)


def say_now(line: str) -> None:
    """Write one line to stderr from a signal handler: unbuffered, on a line of its own.

    os.write, because the handler may run while the main thread is inside a
    buffered write to stderr (a progress bar), where a second write would
    raise. A stderr that is gone (a closed pipe) is not an error here: the
    request stands all the same.
    """
    stream = sys.stderr
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):  # a stream without a descriptor (captured in tests)
        fd = None
    try:
        if fd is None:
            stream.write(line + "\n")
            stream.flush()
        else:
            text = ("\n" if os.isatty(fd) else "") + line + "\n"  # a progress bar may hold the terminal's line
            os.write(fd, text.encode(errors="replace"))
    except (OSError, ValueError, RuntimeError):
        pass


class SwapGuard:
    """Hold Ctrl-C back from :meth:`hold` until the ``with`` block ends, then act on it.

    ``with SwapGuard() as guard: with atomic_directory(path) as tmp: ...; guard.hold()``
    keeps Ctrl-C out of the renames that follow the block's body: a SIGINT in
    between is recorded, and handed to the handler that was installed before
    once the block has ended. Only the main thread can install handlers;
    elsewhere it does nothing.
    """

    def __init__(self):
        self._previous = None
        self._held = False
        self._caught = 0

    def _record(self, signum, frame) -> None:
        self._caught += 1

    def hold(self) -> None:
        try:
            self._previous = signal.signal(signal.SIGINT, self._record)
            self._held = True
        except ValueError:  # not the main thread
            pass

    def __enter__(self) -> "SwapGuard":
        return self

    def __exit__(self, *exc) -> None:
        if not self._held:
            return
        self._held = False
        signal.signal(signal.SIGINT, self._previous)
        for _ in range(self._caught):  # a Ctrl-C that waited is acted on now, as the handler would have
            if callable(self._previous):
                self._previous(signal.SIGINT, None)
            elif self._previous == signal.SIG_DFL:
                raise KeyboardInterrupt
