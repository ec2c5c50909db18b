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
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
import multiprocessing


def usable_cores() -> int:
    """Cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One thread per worker: the pool is the parallelism, and nested BLAS or
    # numba threads would oversubscribe the cores the main process trains on.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[name] = "1"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401  (imported now, while the main process imports torch)
    import librosa  # noqa: F401


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

    def start(self) -> None:
        """Start the workers now, so their imports overlap whatever this process does next."""
        if self._started or self.n_workers <= 0:
            return
        self._started = True
        self._executor = ProcessPoolExecutor(self.n_workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker)
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
        if self._executor is not None:
            self._executor.shutdown(wait=not cancel, cancel_futures=cancel)
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
