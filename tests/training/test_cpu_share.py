"""The trainer takes the cores that are free, not all of them, when another process is busy."""

import os
import subprocess
import sys
import time

import pytest

from grower.training.cpu_share import FreeCores
from grower.training.worker_pool import WorkerPool, usable_cores


def test_other_processes_load_is_what_the_machine_did_less_what_we_did():
    free = FreeCores()
    # (time s, machine busy s, own busy s): over 2 s the machine used 3 CPU-seconds, we used 1
    assert free.others_busy_cores((10.0, 100.0, 5.0), (12.0, 103.0, 6.0)) == 1.0
    assert free.others_busy_cores((10.0, 100.0, 5.0), (12.0, 101.0, 6.0)) == 0.0
    assert free.others_busy_cores((10.0, None, 5.0), (12.0, None, 6.0)) == 0.0  # no /proc/stat: nobody else counted


def test_a_busy_process_beside_us_takes_a_core_away():
    if usable_cores() < 2:
        return  # one core: one thread, whatever else runs
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        free = FreeCores(interval_s=1.0)
        threads = None
        time.sleep(1.1)  # one sampling interval with the busy process running
        threads = free.threads()
        assert threads <= usable_cores() - 1
    finally:
        busy.kill()


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
    import time

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
