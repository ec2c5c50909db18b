"""One process at a time loads or compiles numba code through its on-disk cache.

numba's cache is not safe when several processes compile the same functions at
once: a guvectorize function's kernel and its wrapper are cached in two files,
two processes compiling together can leave one file from each, and from then
on every process that loads them crashes (numba#4807, numba#10128). librosa's
yin is such a function, and grower-train starts its workers (and torchrun its
ranks) together, so on a new install with many cores the first run could poison
the cache for every later one: on a 16-core machine every process that read
a tone segfaulted from the first run on, and three processes running yin
together on a cold cache crash here too, as does every process after them.

numba brackets every load-or-compile-and-save in its process-wide compiler
lock and announces that lock through its event API. :func:`install` listens
for it, and while any thread of this process is inside, the process holds an
exclusive lock on one file that every timbre-grower process of this user
shares: a function is then loaded whole or compiled and saved whole, never
both halves at once. A call of a function already loaded takes no lock, so
only first calls wait (a load from the cache takes milliseconds).

Written by hand: numba has no cross-process lock of its own. If the lock
file cannot be opened (a read-only temporary folder), nothing is locked and
everything else works as before.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

LOCK_KIND = "numba:compiler_lock"  # numba's event for its process-wide compiler lock


def lock_path() -> Path:
    """The file every timbre-grower process of this user locks while numba compiles."""
    return Path(tempfile.gettempdir()) / f"timbre-grower-numba-{os.getuid()}.lock"


class ProcessLock:
    """A reentrant exclusive lock on a file, held while any thread of this process is inside (flock, released at exit)."""

    def __init__(self, path: Path):
        self.path = path
        self._guard = threading.Lock()
        self._depth = 0
        self._fd = None
        self._pid = None

    def acquire(self) -> None:
        import fcntl

        with self._guard:
            if self._pid != os.getpid():  # a forked child: the parent's descriptor and count are not its own
                self._fd, self._depth, self._pid = None, 0, os.getpid()
            self._depth += 1
            if self._depth > 1:
                return
            if self._fd is None:
                try:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                except OSError:
                    return  # nothing to lock with: numba's own in-process lock still holds
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        import fcntl

        with self._guard:
            if self._pid != os.getpid() or self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def __enter__(self) -> "ProcessLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


_lock = ProcessLock(lock_path())
_installed = False
_install_guard = threading.Lock()


def install() -> None:
    """Hold the shared lock whenever numba loads or compiles in this process. Idempotent; call before the
    first numba function is compiled or loaded (before importing librosa, whose gufuncs compile at import)."""
    global _installed
    with _install_guard:
        if _installed:
            return
        from numba.core import event

        class _Listener(event.Listener):
            def on_start(self, _event) -> None:
                _lock.acquire()

            def on_end(self, _event) -> None:
                _lock.release()

        event.register(LOCK_KIND, _Listener())
        _installed = True


def held() -> ProcessLock:
    """The shared lock itself, as a context manager: what a compiling process holds (for tests and tools)."""
    return _lock
