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

numba brackets each load-or-compile-and-save in its process-wide compiler
lock and announces that lock through its event API. :func:`install` listens
for it, and while any thread of this process is inside, the process holds an
exclusive lock on one file that every timbre-grower process of this user on
this machine shares. So the first process to need a function compiles and
saves it while the others wait, and they then load what it saved: a gufunc's
kernel and wrapper are two such steps, and each file is written once, by the
process that compiled what it holds. A call of a function already loaded takes
no lock, so only first calls wait (a load from the cache takes milliseconds).

Limits: the lock is per machine and per user (torchrun ranks on several
machines sharing one virtual environment over a network file system, or
another user's processes sharing it, are not serialised), and only processes
that import this module take it. Where there is no flock (Windows) or the lock
file cannot be opened, nothing is locked and everything else works as before.

Written by hand: numba has no cross-process lock of its own.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock, no lock
    fcntl = None

LOCK_KIND = "numba:compiler_lock"  # numba's event for its process-wide compiler lock
SAY_AFTER_S = 60.0  # a wait this long is said: longer than a first compile of every kernel (15 s seen), so another process stopped while it compiled


def lock_path() -> Path:
    """The file every timbre-grower process of this user locks while numba compiles: in the user's cache
    folder (beside the feature cache), not the shared temporary folder, where another user could hold it."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "timbre-grower" / "numba.lock"


class ProcessLock:
    """A reentrant exclusive lock on a file, held while any thread of this process is inside (flock, released at exit).

    Never raises: a lock that cannot be taken (no flock, an unopenable file, a failed wait) leaves the section unlocked.
    """

    def __init__(self, path: Path | None = None):
        self.path = path  # None: lock_path(), found at the first lock (a process with no home folder locks nothing)
        self._guard = threading.Lock()
        self._depth = 0  # threads inside (or waiting to enter) numba's lock
        self._fd = None
        self._locked = False

    def acquire(self) -> None:
        with self._guard:
            self._depth += 1
            if self._depth == 1:
                self._locked = self._take()

    def release(self) -> None:
        with self._guard:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._locked:
                self._locked = False
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                except OSError:
                    pass

    def _take(self) -> bool:
        """Lock the file, waiting as long as another process holds it; False when it cannot be locked."""
        if fcntl is None:
            return False
        try:
            if self._fd is None:
                self.path = self.path or lock_path()
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            started = time.monotonic()
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() - started > SAY_AFTER_S:
                        print(f"waiting for another timbre-grower process to finish compiling numba code ({self.path} is locked)",
                              file=sys.stderr, flush=True)
                        fcntl.flock(self._fd, fcntl.LOCK_EX)
                        return True
                    time.sleep(0.005)
        except (OSError, RuntimeError):  # RuntimeError: no home folder
            return False  # nothing to lock with: numba's own in-process lock still holds

    def _after_fork_in_child(self) -> None:
        """A forked child's own lock: none held, no thread inside, the parent's descriptor closed (its lock stays the parent's)."""
        self._guard = threading.Lock()
        self._depth, self._locked = 0, False
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None

    def __enter__(self) -> "ProcessLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


_lock = ProcessLock()
_installed = False
_install_guard = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_lock._after_fork_in_child)


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


def installed() -> bool:
    return _installed

