"""Replies to the client that asked, and notifications for the clients that registered, in-process.

A client is the socket it sends from: two clients on one host (a Max patch and a Max for
Live device) each register their own reply port and each get their own replies; every
registered client gets every notification (voices started and ended, stage, bank and
tuning changes); a metered client gets /grower/meter.reply on its own clock."""

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage

from grower.server.protocol import (BANK_CHANGED, DONE, FAIL, MAX_CLIENTS, METER_FLOOR_DB, METER_REPLY, STAGE_CHANGED, STATUS_REPLY,
                                    TUNING_CHANGED, VOICE_ENDED, VOICE_STARTED)
from grower.synth.synthetic_bank import make_bank

from .conftest import SR, InProcessServer


def taken(client) -> list[tuple[str, list]]:
    """Everything in client's inbox, without rendering: [(address, values)]."""
    inbox = client.server.inboxes[client.address]
    messages = [OscMessage(data) for data in inbox]
    inbox.clear()
    return [(m.address, list(m.params)) for m in messages]


def of(messages, address) -> list[list]:
    return [values for a, values in messages if a == address]


def test_two_clients_on_one_host_each_get_their_own_replies_and_every_notification(bank_dir):
    server = InProcessServer(bank_dir)
    patch, device = server.client(), server.client()  # two udpsends on one computer
    patch_in, device_in = server.client(), server.client()  # their udpreceives
    assert patch.address[0] == device.address[0]
    patch.send("/grower/notify", 1, patch_in.port)
    device.send("/grower/notify", 1, device_in.port)
    assert taken(patch_in) == taken(device_in) == [(DONE, ["/grower/notify"])]

    patch.send("/grower/status")
    assert [a for a, _ in taken(patch_in)] == [STATUS_REPLY.address] and taken(device_in) == []
    device.send("/grower/status")
    assert [a for a, _ in taken(device_in)] == [STATUS_REPLY.address] and taken(patch_in) == []
    device.send("/grower/nope")
    assert [a for a, _ in taken(device_in)] == [FAIL] and taken(patch_in) == []

    patch.send("/grower/note/on", 60, 100)  # key 60: the lowest tone, "low", at 110 Hz
    patch.send("/grower/sync", 1)
    server.process()
    assert taken(patch_in) == [(VOICE_STARTED.address, [1, 60, 110.0, "low"]), ("/grower/synced", [1])]
    assert taken(device_in) == [(VOICE_STARTED.address, [1, 60, 110.0, "low"])]  # the notification, not the asker's reply

    device.send("/grower/notify", 0)  # unregisters the device only
    assert taken(device_in) == [(DONE, ["/grower/notify"])]
    patch.send("/grower/stage", 7, 0)
    server.process()
    assert of(taken(patch_in), STAGE_CHANGED.address) == [[7.0]] and taken(device_in) == []
    device.send("/grower/status")  # unregistered: back to the port it sent from
    assert [a for a, _ in taken(device)] == [STATUS_REPLY.address] and taken(device_in) == []
    patch.send("/grower/panic")
    server.process()


def test_a_voice_is_notified_when_it_starts_and_when_its_release_has_ended(bank_dir):
    server = InProcessServer(bank_dir)
    client = server.client()
    client.send("/grower/notify", 1)  # replies and notifications to the port it sends from
    client.send("/grower/voice/on", 5, 200.0, 1.0, "")  # an empty TONE: the nearest ("mid"), as OSCQuery clients send
    client.send("/grower/note/on", 61, 1.0)
    server.process()
    started = of(taken(client), VOICE_STARTED.address)
    assert started == [[1, -1, 200.0, "mid"], [2, 61, 200.0, "mid"]]  # key 61: the second tone
    client.send("/grower/voice/off", 5)
    ended, blocks = [], 0
    while not ended and blocks < 4 * SR // server.block_size:
        sounding = server.engine.player.renderer.n_voices
        server.process()
        blocks += 1
        ended = of(taken(client), VOICE_ENDED.address)
    assert ended == [[1, -1, 200.0, "mid"]]  # the fields it started with
    assert sounding == 2 and server.engine.player.renderer.n_voices == 1  # it ended in the block its slot was freed
    assert blocks * server.block_size > 0.1 * SR  # after its release, not at the note-off
    client.send("/grower/panic")
    for _ in range(3):
        server.process()
    assert of(taken(client), VOICE_ENDED.address) == [[2, 61, 200.0, "mid"]]


def test_stage_bank_and_tuning_changes_are_notified(bank_dir):
    (bank_dir.parent / "quarter-notify.scl").write_text("! q.scl\nquarter tones\n 24\n!\n"
                                                      + "".join(f" {50.0 * i:.1f}\n" for i in range(1, 24)) + " 2/1\n")
    make_bank(bank_dir.parent / "other-notify", [("x", 150.0, 2.0, 0.0), ("y", 250.0, 2.0, 0.0)], n_harmonics=32)
    server = InProcessServer(bank_dir)
    client = server.client()
    client.send("/grower/notify", 1)
    for stage in range(1, 11):  # a stage every block (5.3 ms): at most 30 notifications a second
        client.send("/grower/stage", stage, 0)
        server.process()
    first = of(taken(client), STAGE_CHANGED.address)
    assert first[0] == [1.0] and len(first) <= 2
    for _ in range(10):
        server.process()
    assert of(taken(client), STAGE_CHANGED.address) == [[10.0]]  # the last value is always told

    client.send("/grower/bank/load", "other-notify")
    server.process()
    told = taken(client)
    assert of(told, BANK_CHANGED.address) == [["other-notify", 2, 32]]
    assert of(told, TUNING_CHANGED.address) == [["the bank's 2 tones from key 60, repeating at the octave"]]  # refitted
    client.send("/grower/tuning/load", "quarter-notify.scl")
    server.process()
    assert of(taken(client), TUNING_CHANGED.address) == [["Scala quarter-notify.scl (24 notes: quarter tones)"]]
    assert not [a for a, _ in taken(client) if a == FAIL]


def test_the_meter_reports_peak_and_rms_since_its_last_message_at_the_clients_rate(bank_dir):
    server = InProcessServer(bank_dir)
    server.clock_s = 1000.0
    client = server.client()
    client.send("/grower/meter", 10)
    server.process()  # the meter starts; its clock starts when the sending thread first sees it
    assert taken(client) == [(DONE, ["/grower/meter"])]
    client.send("/grower/voice/on", 1, 200.0, 1.0, "breathy")
    audio = np.concatenate([server.process() for _ in range(20)])
    assert taken(client) == []  # not due before 1/10 s
    server.clock_s = 1000.1
    server.collect_replies()
    (peak_db, rms_db, voices, cpu_percent), = of(taken(client), METER_REPLY.address)
    assert peak_db == pytest.approx(20 * np.log10(np.abs(audio).max()), abs=1e-3)
    assert rms_db == pytest.approx(10 * np.log10(np.mean(audio.astype(np.float64) ** 2)), abs=1e-3)
    assert voices == 1 and cpu_percent > 0
    server.clock_s = 1000.15
    server.collect_replies()
    assert taken(client) == []
    server.clock_s = 1000.2
    server.collect_replies()  # no block since the last: silence
    assert of(taken(client), METER_REPLY.address) == [[float(METER_FLOOR_DB), float(METER_FLOOR_DB), 1, pytest.approx(cpu_percent)]]
    client.send("/grower/meter", 0)
    server.process()
    server.clock_s = 1001.0
    server.collect_replies()
    assert taken(client) == [(DONE, ["/grower/meter"])]


def test_two_clients_are_metered_each_at_its_own_rate(bank_dir):
    server = InProcessServer(bank_dir)
    server.clock_s = 0.0
    fast, slow = server.client(), server.client()
    fast.send("/grower/meter", 20)
    slow.send("/grower/meter", 2.5)
    server.process()
    taken(fast), taken(slow)
    counts = {fast.address: 0, slow.address: 0}
    for step in range(1, 101):  # one second, in 10 ms steps
        server.clock_s = step / 100 + 1e-6  # just after each 10 ms, past float rounding
        server.process()
        for c in (fast, slow):
            counts[c.address] += len(of(taken(c), METER_REPLY.address))
    assert counts == {fast.address: 20, slow.address: 2}  # the first comes one period after the meter is seen


def test_registrations_past_the_limit_are_refused_and_a_reopened_patch_takes_its_port_over(bank_dir):
    server = InProcessServer(bank_dir)
    listener = server.client()
    clients = [server.client() for _ in range(MAX_CLIENTS)]
    for i, c in enumerate(clients[:-1]):
        c.send("/grower/notify", 1, 20000 + i)
    old = clients[-1]
    old.send("/grower/notify", 1, listener.port)
    reopened = server.client()  # the same patch opened again: a new socket, the same reply port
    reopened.send("/grower/notify", 1, listener.port)
    assert taken(listener) == [(DONE, ["/grower/notify"])] * 2
    assert len(server.engine.clients.registered) == MAX_CLIENTS
    reopened.send("/grower/status")
    assert [a for a, _ in taken(listener)] == [STATUS_REPLY.address]
    old.send("/grower/status")  # no longer registered: back to its own port
    assert [a for a, _ in taken(old)] == [STATUS_REPLY.address]
    one_more = server.client()
    one_more.send("/grower/notify", 1)
    assert taken(one_more) == [(FAIL, ["/grower/notify", f"{MAX_CLIENTS} clients are registered, the most the server holds; "
                                                         "a client leaves with /grower/notify 0"])]
    clients[0].send("/grower/notify", 0)
    one_more.send("/grower/notify", 1)
    assert taken(one_more) == [(DONE, ["/grower/notify"])]
    reopened.send("/grower/voice/on", 1, 200.0, 1.0)
    server.process()
    assert len(of(taken(listener), VOICE_STARTED.address)) == 1  # once, though two sockets registered its port
