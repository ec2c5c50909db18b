"""Worker processes for the work that torch does not do: feature analysis and report figures.

Training keeps the cores busy through torch's own threads; the phases around
it (librosa's analysis of every file, matplotlib's figure per tone) are
single-threaded Python, so on their own they leave every core but one idle.
A small pool of spawned processes runs them beside the main process. The
workers start when the run starts, so their imports (librosa, matplotlib)
overlap the main process's import of torch.

Workers ignore SIGINT: Ctrl-C belongs to the main process, which says what it
does (training.interrupt) and shuts the pool down. A worker's exception comes
back through its future; a worker that dies (killed, out of memory) breaks the
pool, and :meth:`WorkerPool.run` then does the job in the main process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
import multiprocessing


def spare_cores() -> int:
    """Cores beyond the main process's: the workers a run starts (it draws and analyses beside them itself)."""
    return usable_cores() - 1


def usable_cores() -> int:
    """Cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _watch_parent(parent_pid: int) -> None:
    """Exit when the run that started this worker is gone (kill -9 leaves its workers waiting on a pipe forever)."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(0)


def _start_worker(parent_pid: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # features.analyse runs its BLAS on one thread wherever it runs, so a worker's
    # features are the main process's, bit for bit.
    # Imported now, while the main process imports torch: what the analyses need.
    # librosa loads its parts lazily, and its pitch tracker's first use (numba's
    # caches) costs about a second, so those parts are touched here. matplotlib
    # (for the figures) comes later, as a job of its own after the analyses.
    from .features import librosa  # imported there once numba's cache is locked: the workers start together

    for part in (librosa.yin, librosa.stft, librosa.feature.mfcc, librosa.A_weighting, librosa.util.frame):
        assert callable(part)


class WorkerPool:
    """A process pool of up to n_workers (0: none; every job runs in the calling process).

    Nothing starts until :meth:`start` (or the first ``submit``): a run with
    nothing to analyse or draw never pays for the workers. Use as a context
    manager; ``submit`` returns a Future either way.
    """

    def __init__(self, n_workers: int):
        self.n_workers = n_workers
        self._executor: ProcessPoolExecutor | None = None
        self._started = False
        self._spread = 0  # jobs given to spread()

    @property
    def started(self) -> bool:
        return self._executor is not None

    def start(self) -> None:
        """Start the workers now, so their imports overlap whatever this process does next."""
        if self._started or self.n_workers <= 0:
            return
        self._started = True
        self._executor = ProcessPoolExecutor(self.n_workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                                             initargs=(os.getpid(),))
        for _ in range(self.n_workers):
            self._executor.submit(os.getpid)

    def submit(self, fn, *args, **kwargs) -> Future:
        self.start()
        if self._executor is not None:
            try:
                future = self._executor.submit(fn, *args, **kwargs)
                future.job = (fn, args, kwargs)
                return future
            except (BrokenProcessPool, RuntimeError):
                self._executor = None
        return _done_here(fn, *args, **kwargs)

    def spread(self, fn, *args, **kwargs) -> Future:
        """As submit, but every (n_workers + 1)-th job runs here and now: the calling process takes its share."""
        self._spread += 1
        if not self.started or self._spread % (self.n_workers + 1) == 0:
            return _done_here(fn, *args, **kwargs)
        return self.submit(fn, *args, **kwargs)

    def result(self, future: Future, interrupt=None):
        """The job's result, checking interrupt every 0.2 s while it runs; a broken pool's job is redone here."""
        while not future.done():
            if interrupt is not None:
                interrupt.check()
            wait([future], timeout=0.2)
        try:
            return future.result()
        except BrokenProcessPool:
            self._executor = None
            fn, args, kwargs = future.job
            return fn(*args, **kwargs)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers. Every job's result has been taken by then (or cancel says none is wanted), so they
        are ended outright: a worker's own orderly exit (matplotlib's, numba's teardown) took 0.6 s here."""
        if self._executor is not None:
            processes = list(getattr(self._executor, "_processes", {}).values())
            self._executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
            self._executor = None

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(cancel=exc_type is not None)


def _done_here(fn, *args, **kwargs) -> Future:
    future = Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 (handed to the caller through the future, as a worker's would be)
        future.set_exception(error)
    return future
