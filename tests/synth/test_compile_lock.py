"""numba's on-disk cache, shared by processes that start together (grower-train's workers, torchrun's ranks)."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from grower.synth import compile_lock

ROOT = Path(__file__).resolve().parents[2]

# A guvectorize function calling a jitted one, as librosa's yin does: two cache files per signature.
GUFUNC_MODULE = """
import numba

@numba.njit(cache=True)
def _inner(x, out):
    for i in range(x.shape[0]):
        out[i] = x[i] * 2.0 + 1.0

@numba.guvectorize(["void(float32[:], float32[:])", "void(float64[:], float64[:])"], "(n)->(n)", cache=True)
def twice(x, out):
    _inner(x, out)
"""

# Each process compiles a different number of other functions first, as the CLI's main process and its
# workers do: numba names what it compiles by a per-process count, so their cache files disagree.
LOADER = """
import sys
sys.path.insert(0, sys.argv[1])
import grower.synth.oscillator  # installs the lock, as every module of ours that compiles does
from numba import njit
for i in range(int(sys.argv[2])):
    njit(lambda x, i=i: x + i)(1.0)
import numpy as np
import kernels
print("twice", kernels.twice(np.arange(4, dtype=np.float32)).tolist(), kernels.twice(np.arange(2.0)).tolist())
"""


def run_loaders(module_dir: Path, counts: list) -> list:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}  # the cache beside kernels.py, cleared below
    processes = [subprocess.Popen([sys.executable, "-c", LOADER, str(module_dir), str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for n in counts]
    results = []
    for p in processes:
        try:
            out, err = p.communicate(timeout=120)
        finally:
            p.kill()
        results.append((p.returncode, out, err))
    return results


def test_processes_compiling_one_gufunc_together_leave_a_cache_every_later_process_loads(tmp_path):
    # Without the lock this failed in 5 of 6 rounds here: a process segfaulted, or every later one did.
    (tmp_path / "kernels.py").write_text(GUFUNC_MODULE)
    expected = "twice [1.0, 3.0, 5.0, 7.0] [1.0, 3.0]"
    for _ in range(3):
        for cache in tmp_path.glob("__pycache__"):
            for f in cache.iterdir():
                f.unlink()
        together = run_loaders(tmp_path, [0, 3, 6, 9])
        assert [(rc, out.strip()) for rc, out, _ in together] == [(0, expected)] * 4, [err[-300:] for _, _, err in together]
        later = run_loaders(tmp_path, [0, 5])
        assert [(rc, out.strip()) for rc, out, _ in later] == [(0, expected)] * 2, [err[-300:] for _, _, err in later]


def test_a_process_compiles_only_once_no_other_holds_the_lock():
    # A listener registered after the lock's hears numba's lock only once the lock is taken: with the lock
    # held here, the child's compile must not start before it is released, however slow the machine.
    child = textwrap.dedent("""
        import sys, time
        import grower.synth.oscillator  # installs the lock
        from numba import njit
        from numba.core import event
        starts = []
        class Sentinel(event.Listener):
            def on_start(self, _event):
                starts.append(time.time())
            def on_end(self, _event):
                pass
        print("ready", flush=True)
        sys.stdin.readline()
        event.register("numba:compiler_lock", Sentinel())
        njit(lambda x: x + 1)(1)
        print(starts[0], flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout.readline().strip() == "ready"
        # The file the child locks (its XDG_CACHE_HOME is this test's); this process's own lock may have
        # found its path under an earlier test's.
        with compile_lock.ProcessLock(compile_lock.lock_path()):
            process.stdin.write("go\n")
            process.stdin.flush()
            time.sleep(1.0)
            released = time.time()
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, err[-500:]
    assert float(out.split()[-1]) >= released


def test_no_numba_code_loads_before_the_lock_is_installed():
    # Every module of ours that loads numba code (librosa's included), imported and used: at each of numba's
    # compiler-lock events after librosa or a kernel module arrived, the lock must already be listening.
    child = textwrap.dedent("""
        import sys
        from numba.core import event
        early = []
        class Sentinel(event.Listener):
            def on_start(self, _event):
                from grower.synth import compile_lock
                ours = [m for m in ("librosa", "grower.synth.oscillator", "grower.training.oscillator") if m in sys.modules]
                if ours and not compile_lock.installed():
                    early.append(ours)
            def on_end(self, _event):
                pass
        event.register("numba:compiler_lock", Sentinel())
        import numpy as np
        import grower.training.worker_pool, grower.training.cleaning, grower.training.features
        import grower.synth.voices, grower.synth.noise_filter, grower.training.oscillator
        from grower.training.features import librosa
        librosa.yin(np.sin(np.arange(8192) * 0.05).astype(np.float32), fmin=60, fmax=1000, sr=22050)
        print("early", early)
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "early []", out.stderr[-500:]


def probe_locked(path: Path) -> bool:
    """Whether another process finds path locked."""
    probe = "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\ntry:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\nexcept BlockingIOError:\n    print('locked')"
    return subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60).stdout.strip() == "locked"


def test_the_lock_is_held_until_the_last_of_nested_sections_ends(tmp_path):
    path = tmp_path / "numba.lock"
    lock = compile_lock.ProcessLock(path)
    with lock:
        assert probe_locked(path)
        with lock:
            pass
        assert probe_locked(path)
    assert not probe_locked(path)


def test_a_lock_file_that_cannot_be_opened_locks_nothing_and_fails_nothing(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    lock = compile_lock.ProcessLock(blocked / "numba.lock")  # its folder is a file
    with lock:
        with lock:
            pass
    assert not (blocked / "numba.lock").exists()
