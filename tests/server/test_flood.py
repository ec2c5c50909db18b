"""A flood of OSC with 32 voices sounding: no underflow, no message lost."""

import time

import numpy as np

from .conftest import Server, message

RATE_PER_S = 10_000
SECONDS = 10


def test_a_10k_per_second_flood_for_10_s_loses_nothing_and_never_underflows(bank_dir, tmp_path):
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
        sent_s = time.monotonic() - started
        c.sync(2)
        after = c.status()
    finally:
        output, audio = server.stop()
    assert sent_s < SECONDS * 1.2, f"the test itself could only send at {len(packets) / sent_s:.0f}/s"
    assert after["messages"] - before["messages"] == len(packets) + 2  # + the sync and this status
    assert after["errors"] == before["errors"]
    assert after["underflows"] == before["underflows"], output
    assert after["voices"] == 32
