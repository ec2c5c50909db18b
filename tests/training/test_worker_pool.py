"""Worker processes: results come back exactly as the main process would compute them, failures too, and no worker outlives its run."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from grower.synth import gm_tones
from grower.training.config import GrowerConfig
from grower.training.features import analyse
from grower.training.tone_file import read_tone
from grower.training.worker_pool import WorkerPool


def test_features_from_a_worker_equal_the_main_processs_bit_for_bit(tmp_path):
    config = GrowerConfig()
    soundfile.write(str(tmp_path / "piano.wav"), gm_tones.render_note("piano", 2.0, 3.0, 22050), 22050)  # its MFCCs moved when BLAS threads differed
    audio = read_tone(tmp_path / "piano.wav", config.features).audio
    here = analyse(audio, config.features, 64, 64).to_arrays()
    with WorkerPool(1) as pool:
        there = pool.result(pool.submit(analyse, audio, config.features, 64, 64)).to_arrays()
    assert [k for k in here if not np.array_equal(here[k], there[k])] == []


def _fail():
    raise ValueError("a bad job")


def _die_unless_in(pid: int) -> str:
    import os

    if os.getpid() != pid:
        os._exit(3)  # a worker killed mid-job (out of memory, kill -9)
    return "done here"


def test_a_workers_exception_comes_back_and_a_dead_workers_job_is_done_here():
    import os

    import pytest

    with WorkerPool(1) as pool:
        with pytest.raises(ValueError, match="a bad job"):
            pool.result(pool.submit(_fail))
        assert pool.result(pool.submit(_die_unless_in, os.getpid())) == "done here"
        assert pool.result(pool.submit(os.getpid)) == os.getpid()  # a broken pool runs what comes next here


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see the workers")
def test_a_killed_runs_workers_do_not_outlive_it(tmp_path):
    import os
    import signal

    script = (
        "import os, sys\n"
        "from grower.training.worker_pool import WorkerPool\n"
        "if __name__ == '__main__':\n"
        "    pool = WorkerPool(2)\n"
        "    print(*[pool.result(pool.submit(os.getpid)) for _ in range(4)], flush=True)\n"
        "    print(*[p.pid for p in pool._executor._processes.values()], flush=True)\n"
        "    sys.stdin.read()\n"
    )
    (tmp_path / "run.py").write_text(script)
    run = subprocess.Popen([sys.executable, str(tmp_path / "run.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    run.stdout.readline()
    workers = [int(pid) for pid in run.stdout.readline().split()]
    assert len(workers) == 2
    run.send_signal(signal.SIGKILL)  # as kill -9 does: no shutdown, no pipe closed cleanly
    run.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") and "Z" not in open(f"/proc/{pid}/stat").read().split()[2] for pid in workers):
        time.sleep(0.1)
    alive = [pid for pid in workers if os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
    assert alive == []
