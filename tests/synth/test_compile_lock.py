"""numba's on-disk cache, shared by processes that start together (grower-train's workers, torchrun's ranks)."""

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
    processes = [subprocess.Popen([sys.executable, "-c", LOADER, str(module_dir), str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in counts]
    return [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in processes]


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
    child = textwrap.dedent("""
        import sys, time
        import grower.synth.oscillator  # installs the lock
        from numba import njit
        print("ready", flush=True)
        sys.stdin.readline()
        njit(lambda x: x + 1)(1)
        print(time.time(), flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout.readline().strip() == "ready"
        with compile_lock.held():
            process.stdin.write("go\n")
            process.stdin.flush()
            time.sleep(1.5)  # a compile that did not wait would be done by now (0.1 s here)
            released = time.time()
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, err[-500:]
    assert float(out.split()[-1]) >= released


def test_modules_that_load_numba_code_install_the_lock_first():
    child = "import grower.training.features, sys; from numba.core import event; print(len(event._registered['numba:compiler_lock']))"
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "1", out.stderr[-500:]


def test_a_process_that_cannot_open_the_lock_file_still_compiles(tmp_path):
    unwritable = tmp_path / "no-such-folder" / "lock"
    lock = compile_lock.ProcessLock(unwritable)
    with lock:
        with lock:  # reentrant
            pass
    assert not unwritable.exists()
