"""Hostile input against one real grower-serve process: what could block a whole
process (FIFOs given as tone, bank.json, .scl and .kbm files), and what is about
real time (floods of bad datagrams over UDP, thousands of far-future bundles).

After each case the server must answer /grower/status within 1 s, and a note
held for 0.3 s must sound: the recording, read when the server stops, must be
finite and hold one burst of sound per case. Nothing the server printed may be
a traceback. The tests run in file order, against the one server.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grower.server.protocol import FAIL, FAILS_PER_S, HORIZON_S, MAX_TIMED_COMMANDS, STATUS_REPLY

from ..server.conftest import SR, Server, bundle
from . import hostile
from .conftest import HANDLED, HANG, TRACEBACK, record

STATUS_WITHIN_S = 1.0
# A flood case's status request waits behind tens of thousands of messages the server
# must read and refuse first (0.4 s on a quiet 2-core machine): it gets more room on a busy one.
FLOOD_STATUS_WITHIN_S = 5.0
HOLD_S, GAP_S = 0.3, 0.3


class Served:
    def __init__(self, root: Path):
        self.root = root
        hostile.good_bank(root / "bank")
        self.server = Server(root / "bank", root, "--allow", str(root))
        self.client = self.server.client
        self.cases = 0  # each held one note
        self.status_s: dict[str, float] = {}  # case -> how long its status took
        self.stopped = None  # (output, audio) once stopped

    def stop(self):
        if self.stopped is None:
            self.stopped = self.server.stop()
        return self.stopped


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("fuzz-served"))
    yield served
    served.stop()


def replies_until_status(client, within_s: float) -> tuple[list, dict | None]:
    """Ask for the status; every reply until it comes (within within_s), and the status (None: it did not)."""
    client.send("/grower/status")
    replies, deadline = [], time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            address, values = client.receive(max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            break
        if address == STATUS_REPLY.address:
            return replies, STATUS_REPLY.unpack(values)
        replies.append((address, values))
    return replies, None


def finish_case(served: Served, name: str, within_s: float = STATUS_WITHIN_S) -> tuple[list, dict]:
    """The case's checks: status within 1 s, then a held note (checked in the recording at the end)."""
    asked = time.monotonic()
    replies, status = replies_until_status(served.client, within_s)
    served.status_s[name] = time.monotonic() - asked
    outcome = record(name, HANDLED if status is not None else HANG)
    assert outcome == HANDLED, f"{name}: no status within {within_s} s"
    served.client.send("/grower/voice/on", 900, 200.0, 1.0)
    time.sleep(HOLD_S)
    served.client.send("/grower/panic")
    time.sleep(GAP_S)
    served.cases += 1
    return replies + served.client.receive_all(0.05), status


@pytest.mark.parametrize("case", sorted(hostile.FIFO_BANKS))
def test_a_fifo_in_a_bank_is_refused_without_blocking(served, case):
    folder = served.root / f"bank-{case}"
    hostile.FIFO_BANKS[case](folder)
    started = time.monotonic()
    served.client.send("/grower/bank/load", folder.name)
    # A FIFO that blocked would hold the loader until its 10 s timeout, or forever: 5 s tells them apart on a busy machine.
    address, (where, text) = served.client.receive(5.0)
    assert time.monotonic() - started < 5.0
    assert (address, where) == (FAIL, "/grower/bank/load") and "is a FIFO, not a regular file" in text, text
    replies, status = finish_case(served, f"server/bank/{case}")
    assert status["bank"] == "bank" and not replies


@pytest.mark.parametrize("case", sorted(hostile.FIFO_SCALES))
def test_a_fifo_given_as_a_scala_file_is_refused_without_blocking(served, case):
    folder = served.root / f"scala-{case}"
    folder.mkdir()
    scl, kbm = hostile.FIFO_SCALES[case](folder)
    served.client.send("/grower/tuning/load", str(scl), *([str(kbm)] if kbm else []))
    address, (where, text) = served.client.receive(5.0)
    assert (address, where) == (FAIL, "/grower/tuning/load") and text.endswith("is a FIFO, not a .kbm file" if kbm else "is a FIFO, not a .scl file")
    finish_case(served, f"server/scala/{case}")


def test_floods_of_bad_datagrams_are_counted_exactly_and_answered_at_a_bounded_rate(served):
    client = served.client
    _, before = replies_until_status(client, 2.0)
    packets = [p for group in ("random-bytes", "unknown-type-tags") for p in hostile.datagrams()[group]]
    flood = [hostile.unknown_addresses_bundle(5400)] * 3
    started = time.monotonic()
    for packet in packets + flood:
        client.send_raw(packet)
    time.sleep(0.2)
    replies, status = finish_case(served, "server/datagram-flood", FLOOD_STATUS_WITHIN_S)
    elapsed_s = time.monotonic() - started
    fails = [values for address, values in replies if address == FAIL]
    assert status["errors"] - before["errors"] == len(packets) + 3 * 5400
    # At most FAILS_PER_S a second and a summary a second, over however long a busy machine took: a rate, not a time.
    assert len(fails) <= (FAILS_PER_S + 1) * (1 + elapsed_s) and len(fails) < 3 * 5400 // 10
    time.sleep(0.5)
    summaries = [values for address, values in client.receive_all(0.5) if address == FAIL and values[0] == ""]
    assert summaries and all(text.endswith(" further errors suppressed") for _, text in summaries)


def test_thousands_of_far_future_bundles_are_refused_or_capped_and_the_server_stays_live(served):
    """~30 k note-ons timetagged years ahead once stalled OSC and audio: now each is refused at once, and
    within the horizon no more than MAX_TIMED_COMMANDS wait. Last of the cases: those wait still."""
    client = served.client
    _, before = replies_until_status(client, 2.0)
    years = time.time() + 86400 * 365 * 3  # NTP timetags end in 2036
    far = [bundle(years, *[("/grower/note/on", [60 + i % 12, 100])] * 100) for i in range(300)]  # 30 000 note-ons
    soon = time.time() + HORIZON_S - 5
    near = [bundle(soon, *[("/grower/gain", [-1.0])] * 100) for i in range(MAX_TIMED_COMMANDS // 100 + 10)]
    for packet in far + near:
        client.send_raw(packet)
    replies, status = finish_case(served, "server/far-future-bundles", FLOOD_STATUS_WITHIN_S)
    n_near = 100 * len(near)
    assert status["errors"] - before["errors"] == 30_000 + (n_near - MAX_TIMED_COMMANDS)
    horizon = [text for address, (where, text) in replies if address == FAIL and where == "/grower/note/on"]
    assert horizon and all(text.endswith(f"s ahead; the horizon is {HORIZON_S} s") for text in horizon)


def test_the_server_played_every_held_note_finite_and_printed_no_traceback(served):
    output, audio = served.stop()
    assert served.server.process.returncode == 0
    outcome = record("server/output", TRACEBACK if "Traceback" in output else HANDLED)
    assert outcome == HANDLED, output
    assert "internal error" not in output
    assert audio.size and np.isfinite(audio).all()
    window = SR // 100
    rms = np.sqrt(np.convolve(audio.astype(np.float64) ** 2, np.ones(window) / window, mode="same"))
    sounding = rms > 0.01
    starts = np.flatnonzero(sounding[1:] & ~sounding[:-1])
    gaps = np.diff(np.concatenate([[-SR], starts]))
    bursts = int(np.sum(gaps > 0.15 * SR))
    assert bursts == served.cases, (bursts, served.cases)

