"""The trainer takes the cores that are free, not all of them, when another process is busy."""

import subprocess
import sys
import time


from grower.training.cpu_share import FreeCores
from grower.training.worker_pool import usable_cores


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
