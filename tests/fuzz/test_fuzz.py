"""Hostile banks, Scala files and datagrams, in-process (``InProcessServer``).

After each case the server must still answer /grower/status within 1 s and
still play finite, non-silent audio. A case is *handled* when that holds, its
errors were one readable /grower/fail each (under the right address) and
nothing printed a traceback; a *traceback* when something did (or a reply says
"internal error"); a *hang* when the case or the status took too long. Cases
that could block a whole process (FIFOs) and those about real time run against
one subprocess server in test_fuzz_server.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grower.server.protocol import FAIL

from ..server.conftest import InProcessServer
from . import hostile
from .conftest import HANDLED, HANG, TRACEBACK, record

STATUS_WITHIN_S = 1.0
CASE_WITHIN_S = 5.0  # a case's own work, its loads included
LEAKS = ("Traceback", "Errno", "Error(", "Exception", "RuntimeError", "OSError", "ValueError", "TypeError", "KeyError",
         "UnicodeDecodeError", "PosixPath")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One in-process server for the module; hostile files go beside its bank, in the allowed folder."""
    root = tmp_path_factory.mktemp("fuzz")
    hostile.good_bank(root / "bank")
    return InProcessServer(root / "bank")


RESET = [("/grower/panic",), ("/grower/stage", 64.0, 0.0), ("/grower/gain", 0.0), ("/grower/harmonic", 1.0), ("/grower/noise", 1.0)]


def healthy(server: InProcessServer) -> tuple[bool, str]:
    """Answers /grower/status within 1 s, and a held note plays finite audio that is not silent."""
    client = server.client()
    started = time.monotonic()
    status = client.status()
    if time.monotonic() - started > STATUS_WITHIN_S:
        return False, HANG
    for address, *args in RESET:  # what a case may have set, legitimately (a stage of 5e-324 is silence)
        client.send(address, *args)
    client.send("/grower/voice/on", 900, 200.0, 1.0)
    client.sync(1)
    audio = np.concatenate([server.process() for _ in range(12)])
    client.send("/grower/panic")
    client.sync(2)
    for _ in range(8):  # the panic's fade and the noise tail
        server.process()
    ok = bool(np.isfinite(audio).all()) and float(np.sqrt(np.mean(audio**2))) > 0.01 and status["bank"] == "bank"
    return ok, "" if ok else f"unhealthy: rms {np.sqrt(np.mean(audio ** 2)):.3g}, bank {status['bank']}"


def run_case(name: str, server: InProcessServer, capfd, send) -> list:
    """send(client) sends the case; returns the replies. Records and asserts the outcome."""
    capfd.readouterr()
    client = server.client()
    started = time.monotonic()
    send(client)
    replies = client.receive_all()
    took_s = time.monotonic() - started
    ok, why = healthy(server)
    out, err = capfd.readouterr()
    texts = [str(values) for _, values in replies]
    if "Traceback" in out + err or any("internal error" in t for t in texts):
        outcome = TRACEBACK
    elif took_s > CASE_WITHIN_S or why == HANG:
        outcome = HANG
    else:
        outcome = HANDLED
    record(name, outcome)
    assert outcome == HANDLED, (outcome, out, err, texts[:5])
    assert ok, why
    return replies


def assert_one_readable_fail(replies: list, address: str) -> str:
    assert len(replies) == 1, replies
    (reply, (where, text)), = replies
    assert (reply, where) == (FAIL, address), replies
    assert "\n" not in text and 0 < len(text) <= 1000, text
    assert not [leak for leak in LEAKS if leak in text], text
    return text


@pytest.mark.parametrize("case", sorted(hostile.BANKS))
def test_hostile_bank(server, capfd, case):
    folder = Path(server.dispatcher.allowed_dirs[0]) / f"bank-{case}"
    hostile.BANKS[case](folder)
    replies = run_case(f"bank/{case}", server, capfd, lambda client: client.send("/grower/bank/load", folder.name))
    text = assert_one_readable_fail(replies, "/grower/bank/load")
    assert folder.name in text or "bank folder" in text, text


def test_hostile_bank_path_of_64k(server, capfd):
    replies = run_case("bank/64k-path", server, capfd, lambda client: client.send("/grower/bank/load", hostile.PATH_64K))
    assert "65000 characters" in assert_one_readable_fail(replies, "/grower/bank/load")


@pytest.mark.parametrize("case", sorted(hostile.SCALES))
def test_hostile_scala_file(server, capfd, case):
    folder = Path(server.dispatcher.allowed_dirs[0]) / f"scala-{case}"
    folder.mkdir()
    scl, kbm = hostile.SCALES[case](folder)
    args = [str(scl)] + ([str(kbm)] if kbm is not None else [])
    replies = run_case(f"scala/{case}", server, capfd, lambda client: client.send("/grower/tuning/load", *args))
    text = assert_one_readable_fail(replies, "/grower/tuning/load")
    assert str(folder) in text, text


@pytest.mark.parametrize("group", sorted(hostile.datagrams()))
def test_hostile_datagrams(server, capfd, group):
    packets = hostile.datagrams()[group]
    errors_before = server.engine.errors

    def send(client):
        for packet in packets:
            client.send_raw(packet)

    replies = run_case(f"datagrams/{group}", server, capfd, send)
    fails = [values for address, values in replies if address == FAIL]
    assert len(fails) == len(replies), replies[:5]  # nothing else is answered
    assert all("\n" not in text and len(text) <= 1000 and len(where) <= 200 for where, text in fails)
    assert server.engine.errors > errors_before


def test_the_error_count_is_exact_under_a_flood_of_bad_datagrams(server, capfd):
    """One 64 KB bundle of unknown addresses: 5,400 errors, each counted; far fewer replies."""
    client = server.client()
    before = client.status()["errors"]

    def send(client):
        client.send_raw(hostile.unknown_addresses_bundle(5400))

    replies = run_case("datagrams/64k-bundle-count", server, capfd, send)
    assert len(replies) < 300
    assert client.status()["errors"] == before + 5400


def test_nan_and_infinite_args_never_reach_the_audio(server, capfd):
    """Every numeric argument of every command, sent NaN, infinite and huge: refused, and the audio stays finite."""
    from grower.server.protocol import PROTOCOL

    def send(client):
        for command in PROTOCOL:
            if command.address == "/grower/quit":
                continue
            numeric = [i for i, a in enumerate(command.args) if a.type != "s"]
            for index in numeric:
                for value in (float("nan"), float("inf"), float("-inf"), 3.4e38, -3.4e38):
                    args = [1 if a.type == "i" else 1.0 if a.type == "f" else "a" for a in command.args]
                    args[index] = value
                    client.send(command.address, *args)

    run_case("datagrams/nan-inf-every-argument", server, capfd, send)
    assert np.isfinite(np.concatenate([server.process() for _ in range(4)])).all()
