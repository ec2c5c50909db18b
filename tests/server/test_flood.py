"""A flood of OSC with 32 voices sounding: no message lost, every one applied.

Only what is exact is asserted here. Whether the audio underflowed under the
flood depends on what else the machine is doing, so that figure is measured
by benchmarks/bench_serve.py, not asserted by a test.
"""

import time

import numpy as np

from .conftest import Server, message

RATE_PER_S = 10_000
SECONDS = 4


def test_a_10k_per_second_flood_loses_no_message_and_keeps_every_voice(bank_dir, tmp_path):
    server = Server(bank_dir, tmp_path)
    c = server.client
    try:
        for voice in range(32):
            c.send("/grower/voice/on", voice, 110.0 * 2 ** (voice / 12), 0.2)
        c.sync(1)
        time.sleep(0.5)
        before = c.status()
        assert before["voices"] == 32
        rng = np.random.default_rng(0)
        stages = rng.uniform(0, 64, RATE_PER_S * SECONDS)
        packets = [message("/grower/stage", float(s), 0.01) if i % 4 else message("/grower/voice/pitch", i % 32, 100.0 + (i % 500))
                   for i, s in enumerate(stages)]
        started = time.monotonic()
        burst = RATE_PER_S // 100
        for i in range(0, len(packets), burst):
            for p in packets[i:i + burst]:
                c.send_raw(p)
            delay = started + (i + burst) / RATE_PER_S - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        c.sync(2)
        after = c.status()
    finally:
        output, audio = server.stop()
    assert after["messages"] - before["messages"] == len(packets) + 2  # + the sync and this status
    assert after["errors"] == before["errors"]
    assert after["voices"] == 32
    last = len(packets) - 1
    assert last % 4, "the last packet must be a stage change"
    assert abs(after["stage"] - stages[last]) < 1e-4  # the last one sent is the one in force: applied in order
