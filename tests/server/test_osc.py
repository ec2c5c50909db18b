"""The OSC protocol, in-process: literal datagrams through the same packet handler the
server's OSC thread runs, for every address in the protocol table and every error path."""

import logging
import struct
import time

import numpy as np
import pytest

from grower.server.osc import MalformedPacket, parse_packet
from grower.server.protocol import BY_ADDRESS, DONE, FAIL, PROTOCOL, STATUS_REPLY, Timing
from grower.synth.synthetic_bank import make_bank

from .conftest import SR, InProcessServer, bundle, message

SCALE = "! quarter.scl\nquarter tones\n 24\n!\n" + "".join(f" {50.0 * i:.1f}\n" for i in range(1, 24)) + " 2/1\n"
KBM = "! k.kbm\n0\n0\n127\n60\n69\n440.0\n1\n"


@pytest.fixture(scope="module")
def files(bank_dir):
    (bank_dir.parent / "quarter.scl").write_text(SCALE)
    (bank_dir.parent / "a440.kbm").write_text(KBM)
    (bank_dir.parent / "broken.scl").write_text("! nothing here\n")
    return bank_dir.parent


def example_args(command, client, files):
    """A valid argument list for command, every optional argument included."""
    strings = {"TONE": "mid", "PATH": str(files / "bank"), "SCL": "quarter.scl", "KBM": "a440.kbm", "MODE": "harmonics"}
    numbers = {"KEY": 60, "VELOCITY": 100, "ID": 7, "HZ": 220.0, "STAGE": 5.5, "GLIDE_S": 0.01, "FLAG": 1, "PORT": client.port,
               "GAIN_DB": -6.0, "MIX": 0.5, "RATE_HZ": 1.0, "AMOUNT": 0.5}
    return [strings[a.name] if a.type == "s" else numbers[a.name] for a in command.args]


def round_trip_commands():
    return [c for c in PROTOCOL if c.address != "/grower/quit"]


@pytest.mark.parametrize("command", round_trip_commands(), ids=lambda c: c.address)
def test_every_address_round_trips_without_fail(in_process, client, files, command):
    client.send("/grower/voice/on", 7, 200.0, 0.5)  # voice commands need a voice 7 sounding
    args = example_args(command, client, files)
    client.send(command.address, *args)
    replies = client.sync(11)
    assert not [r for r in replies if r[0] == FAIL], replies
    if command.reply:
        assert command.reply.address in [r[0] for r in replies] or command.address == "/grower/sync"
        if command.reply.address == DONE:
            assert (DONE, [command.address] + ([args[0]] if command.echo else [])) in replies
    client.send("/grower/notify", 0)
    client.sync(12)
    client.send("/grower/panic")
    client.send("/grower/tuning/reset")
    client.sync(13)


def test_quit_replies_done_and_asks_the_server_to_stop(bank_dir):
    server = InProcessServer(bank_dir)
    assert server.client().request("/grower/quit") == (DONE, ["/grower/quit"])
    assert server.quit_requested


@pytest.mark.parametrize("command", PROTOCOL, ids=lambda c: c.address)
def test_each_command_acts_when_the_table_says(in_process, client, files, command):
    """At once: answered and done on the OSC thread, nothing queued. Otherwise: queued for the
    audio thread, which applies it (and replies) at the next block."""
    client.send("/grower/voice/on", 7, 200.0, 0.5)
    client.sync(51)
    engine = in_process.engine
    queued = len(engine.commands)
    if command.address == "/grower/quit":
        server = InProcessServer(files / "bank")
        server.client().send("/grower/quit")
        assert server.quit_requested and not server.engine.commands and server.inboxes
        return
    client.send(command.address, *example_args(command, client, files))
    replied = in_process.inboxes[client.address]
    if command.acts is Timing.AT_ONCE:
        assert len(engine.commands) == queued and [r[0] for r in client.receive_all()] == [command.reply.address]
    else:
        assert len(engine.commands) == queued + 1 and not replied
        in_process.process()
        assert not engine.commands
        assert [r[0] for r in client.receive_all()] == ([command.reply.address] if command.reply else [])
    client.send("/grower/notify", 0)
    client.send("/grower/panic")
    client.send("/grower/tuning/reset")
    client.sync(52)


def expect_fail(client, address, *args, raw=None, match=""):
    before = client.status()["errors"]
    if raw is None:
        client.send(address, *args)
    else:
        client.send_raw(raw)
    replies = client.sync(21)
    fails = [r for r in replies if r[0] == FAIL]
    assert len(fails) == 1, replies
    assert fails[0][1][0] == address and match in fails[0][1][1], fails[0]
    assert client.status()["errors"] == before + 1
    return fails[0][1][1]


@pytest.mark.parametrize("command", PROTOCOL, ids=lambda c: c.address)
def test_wrong_argument_counts_fail_naming_the_address(in_process, client, files, command):
    args = example_args(command, client, files)
    expect_fail(client, command.address, *(args + [1]), match="arguments")
    if command.n_required:
        expect_fail(client, command.address, *args[:command.n_required - 1], match="arguments")


@pytest.mark.parametrize("address,name", [(c.address, a.name) for c in PROTOCOL for a in c.args], ids=str)
def test_wrong_types_and_bad_values_fail(in_process, client, files, address, name):
    command = BY_ADDRESS[address]
    args = example_args(command, client, files)
    index = [a.name for a in command.args].index(name)
    arg = command.args[index]

    def with_value(value):
        return args[:index] + [value] + args[index + 1:]

    if arg.type == "s":
        expect_fail(client, address, *with_value(3), match="must be a string")
        if arg.choices:
            expect_fail(client, address, *with_value("sideways"), match=f"{arg.name} must be one of {', '.join(arg.choices)}")
        return
    expect_fail(client, address, *with_value("five"), match="must be a number")
    expect_fail(client, address, *with_value(float("nan")), match="finite")
    expect_fail(client, address, *with_value(float("inf")), match="finite")
    expect_fail(client, address, *with_value(1e30), match="within")
    expect_fail(client, address, *with_value(-1e30), match="within")
    if arg.type == "i":
        expect_fail(client, address, *with_value(2.5), match="whole number")


def test_ints_and_floats_are_accepted_alike(in_process, client):
    client.send("/grower/stage", 3)
    client.send("/grower/stage", 3.0, 0)
    client.send("/grower/note/on", 60.0, 0.5)
    client.send("/grower/note/off", 60.0)
    assert not [r for r in client.sync(31) if r[0] == FAIL]


STAGE_5 = message("/grower/stage", 5.0)  # b"/grower/stage\0\0\0,f\0\0" + 5.0 as a big-endian float32


@pytest.mark.parametrize("raw,address,match", [
    (b"garbage", "", "neither an OSC message nor a bundle"),
    (b"", "", "empty packet"),
    (b"/grower/stage\x00\x00\x00,i\x00\x00", "/grower/stage", "argument 1 (type 'i') cannot be read"),  # an int with no bytes
    (b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x40/grower", "", "bundle element of 64 bytes"),  # longer than the packet
    (b"#bundle\x00\x00\x00", "", "timetag"),
    (b"\xff\xfe/grower\x00,\x00\x00\x00", "", "neither an OSC message nor a bundle"),
    (b"/grower/stage\x00\x00\x00,q\x00\x00\x00\x00\x00\x00", "/grower/stage", "unknown type tag 'q'"),
    (STAGE_5 + b"\x00\x00\x00\x00", "/grower/stage", "4 bytes after the last argument"),
    (b"/grower/panic\x00\x00\x00junk\x00\x00\x00\x00", "/grower/panic", "type tags must start with ','"),
    (b"/grower/stage\x00\x00\x00,[f\x00" + STAGE_5[-4:], "/grower/stage", "unclosed '['"),
    (b"/grower/bank/load\x00\x00\x00,b\x00\x00\xff\xff\xff\xfc", "/grower/bank/load", "negative size"),
    (b"/grower/bank/load\x00\x00\x00,s\x00\x00\xc3\x28\x00\x00", "/grower/bank/load", "not UTF-8"),
    (b"/gr\xc3\x28\x00\x00\x00", "", "the address is not UTF-8"),
    (bundle(None, ("/grower/stage", [1.0])) + b"\x00\x00\x00\x04junk", "", "neither"),  # an element that is no OSC
    (bundle(None, ("/grower/stage", [1.0])) + b"\x00\x00\x00\x03", "", "multiples of 4"),
], ids=["garbage", "empty", "truncated-int", "bundle-overrun", "truncated-bundle", "bad-address", "unknown-type-tag",
        "trailing-bytes", "no-type-tags", "unclosed-array", "negative-blob", "bad-utf8-string", "bad-utf8-address",
        "foreign-bundle-element", "odd-element-size"])
def test_malformed_packets_get_a_fail_reply_and_are_counted(in_process, client, raw, address, match):
    text = expect_fail(client, address, raw=raw, match=match)
    assert text.startswith(f"malformed OSC packet ({len(raw)} bytes): ") and "\n" not in text and len(text) < 200


def test_a_malformed_bundle_applies_none_of_its_messages(in_process, client):
    client.send("/grower/stage", 2, 0)
    client.sync(61)
    unknown_tag = b"/grower/stage\x00\x00\x00,q\x00\x00"
    raw = bundle(None, ("/grower/stage", [9.0, 0.0])) + struct.pack(">i", len(unknown_tag)) + unknown_tag
    expect_fail(client, "/grower/stage", raw=raw, match="unknown type tag 'q'")
    assert client.status()["stage"] == 2.0


def test_bad_packets_leave_no_trace_in_the_log_or_on_stderr(in_process, client, caplog, capfd):
    with caplog.at_level(logging.DEBUG):
        for raw in (b"/grower/stage\x00\x00\x00,q\x00\x00\x00\x00\x00\x00", b"#bundle\x00" + bytes(8) + b"\x00\x00\x00\x04junk", b"x" * 4000):
            client.send_raw(raw)
        client.sync(62)
    assert not caplog.records
    assert capfd.readouterr().err == ""


def test_bundles_nested_too_deep_are_malformed():
    packet = message("/grower/panic")
    for _ in range(9):
        packet = b"#bundle\x00" + bytes(7) + b"\x01" + struct.pack(">i", len(packet)) + packet
    with pytest.raises(MalformedPacket, match="nested more than 8 deep"):
        parse_packet(packet)


def test_a_packet_parses_to_its_messages_with_their_timetags():
    [single] = parse_packet(message("/grower/voice/on", 7, 220.0, 1.0, "mid"))
    assert (single.address, single.args, single.timetag_s) == ("/grower/voice/on", [7, 220.0, 1.0, "mid"], None)
    first, second = parse_packet(bundle(1e9 + 0.5, ("/grower/note/on", [60, 100]), ("/grower/stage", [3.0])))
    assert (first.address, first.args, second.address, second.args) == ("/grower/note/on", [60, 100], "/grower/stage", [3.0])
    assert first.timetag_s == pytest.approx(1e9 + 0.5) and second.timetag_s == first.timetag_s
    assert parse_packet(b"/grower/panic\x00\x00\x00")[0].args == []  # no type tags: an old-style message without arguments


def test_a_bundle_dispatches_every_message_and_counts_each(in_process, client):
    before = client.status()["messages"]
    client.send_raw(bundle(None, ("/grower/stage", [4.0, 0.0]), ("/grower/gain", [-3.0])))
    assert not [r for r in client.sync(63) if r[0] == FAIL]
    status = client.status()
    assert status["messages"] == before + 1 + 2 + 1 and status["stage"] == 4.0  # status, the bundle's two, the sync


def test_unknown_addresses_fail(in_process, client):
    expect_fail(client, "/grower/nope", match="unknown address")
    expect_fail(client, "/other/stage", 5, match="unknown address")


def test_paths_outside_the_allowed_folders_fail(in_process, client, files):
    expect_fail(client, "/grower/bank/load", "/etc", match="outside the allowed")
    expect_fail(client, "/grower/bank/load", "../../..", match="outside the allowed")
    expect_fail(client, "/grower/tuning/load", "/etc/passwd", match="outside the allowed")
    expect_fail(client, "/grower/tuning/load", "quarter.scl", "/etc/hosts", match="outside the allowed")
    expect_fail(client, "/grower/bank/load", "missing", match="does not exist")
    expect_fail(client, "/grower/tuning/load", "broken.scl", match="broken.scl")


def test_unknown_tones_and_silent_voices_fail(in_process, client):
    expect_fail(client, "/grower/tone/stage", "nosuch", 3, match="no tone named 'nosuch'")
    expect_fail(client, "/grower/voice/on", 3, 200.0, 1.0, "nosuch", match="no tone named")
    expect_fail(client, "/grower/voice/off", 99999, match="voice 99999 is not sounding")
    expect_fail(client, "/grower/voice/pitch", 99999, 300.0, match="voice 99999 is not sounding")


def test_the_stage_ceiling_is_the_playing_banks_n_harmonics(tmp_path):
    make_bank(tmp_path / "bank16", [("a", 110.0, 2.0, 0.0), ("b", 200.0, 2.0, 0.0)], n_harmonics=16)
    server = InProcessServer(tmp_path / "bank16")
    client = server.client()
    client.send("/grower/voice/on", 1, 110.0, 1.0)
    for address, args in [("/grower/stage", [16.0]), ("/grower/tone/stage", ["a", 16.0]), ("/grower/voice/stage", [1, 16.0])]:
        client.send(address, *args)
        assert not [r for r in client.sync(71) if r[0] == FAIL]
        text = expect_fail(client, address, *args[:-1], 16.5, match="STAGE must be within 0..16 stage (the bank's n_harmonics), got 16.5")
        assert "internal error" not in text
    assert client.status()["stage"] == 16.0


def test_status_reports_voices_bank_stage_and_counts(in_process, client):
    client.send("/grower/panic")
    client.send("/grower/stage", 12, 0)
    client.send("/grower/voice/on", 1, 200.0, 1.0)
    client.send("/grower/voice/on", 2, 300.0, 1.0)
    client.sync(41)
    status = client.status()
    assert list(status) == [f.key for f in STATUS_REPLY.fields]
    assert status["voices"] == 2 and status["bank"] == "bank" and status["stage"] == 12.0
    assert status["messages"] >= 6 and status["underflows"] >= 0 and status["cpu_percent"] > 0
    later = client.status()
    assert later["messages"] == status["messages"] + 1
    client.send("/grower/panic")
    client.sync(42)


def test_notify_sends_replies_to_the_registered_port(in_process, client):
    listener = in_process.client()  # only its receiving end is used
    client.send("/grower/notify", 1, listener.port)
    assert listener.receive() == ("/grower/done", ["/grower/notify"])
    client.send("/grower/status")
    assert listener.receive()[0] == "/grower/status.reply"
    assert client.receive_all(0.2) == []
    client.send("/grower/notify", 0)
    assert listener.receive() == ("/grower/done", ["/grower/notify"])
    assert client.request("/grower/status")[0] == "/grower/status.reply"


def test_note_60_at_stage_5_plays_harmonics_1_to_5(bank_dir):
    server = InProcessServer(bank_dir)
    c = server.client()
    assert c.status()["voices"] == 0
    c.send("/grower/note/on", 60, 100)  # key 60: the lowest tone, "low", at 110 Hz
    c.send("/grower/stage", 5)
    c.sync(1)
    audio = np.concatenate([server.process() for _ in range(int(1.5 * SR) // server.block_size)])
    tail = audio[-SR:]
    spectrum = np.abs(np.fft.rfft(tail * np.hanning(tail.size)))
    db = 20 * np.log10(spectrum / spectrum.max() + 1e-12)
    freqs = np.fft.rfftfreq(tail.size, 1 / SR)

    def level(hz):
        return db[np.abs(freqs - hz) < 5].max()

    assert min(level(110.0 * k) for k in range(1, 6)) > -40
    assert max(level(110.0 * k) for k in range(6, 40)) < -90


@pytest.mark.parametrize("setup,address,args", [
    ([], "/grower/gain", [-96.0]),
    ([], "/grower/harmonic", [0.0]),
    ([("/grower/harmonic", [0.0]), ("/grower/voice/on", [2, 300.0, 1.0, "breathy"])], "/grower/noise", [0.0]),
    ([], "/grower/stage", [0.0, 0.0]),
], ids=["gain", "harmonic", "noise", "stage"])
def test_timetagged_controls_apply_at_the_next_period_boundary(bank_dir, setup, address, args):
    """A boundary command in a future bundle changes nothing before the first control-period
    boundary at or after its sample, and is in force (here: silence) one period later, once
    the noise filter's tail has rung out."""
    from grower.server.engine import SCHEDULE_LATENCY_S
    from grower.synth.renderer import CONTROL_PERIOD

    assert BY_ADDRESS[address].acts is Timing.BOUNDARY
    delay_s, t0 = 0.05, 1_000_000.0
    at = round((delay_s + SCHEDULE_LATENCY_S) * SR)
    boundary = -(-at // CONTROL_PERIOD) * CONTROL_PERIOD
    assert at % CONTROL_PERIOD  # the timetag lands inside a period

    def play(timetagged: bool) -> tuple[np.ndarray, int]:
        server = InProcessServer(bank_dir, block_size=64)
        server.engine.start_clock(t0)
        client = server.client()
        client.send("/grower/voice/on", 1, 200.0, 1.0, "mid")
        for setup_address, setup_args in setup:
            client.send(setup_address, *setup_args)
        if timetagged:
            server.deliver(bundle(t0 + delay_s, (address, args)), client.address, now_s=t0)
        assert not [r for r in client.sync(81) if r[0] == FAIL]  # renders the first block
        tail = server.engine.player.renderer.tail_size
        blocks = [server.process() for _ in range((boundary + 2 * CONTROL_PERIOD + tail) // 64)]
        return np.concatenate([np.zeros(64, np.float32), *blocks]), tail

    audio, tail = play(True)
    untouched, _ = play(False)
    np.testing.assert_array_equal(audio[64:boundary], untouched[64:boundary])
    assert np.sqrt(np.mean(audio[boundary - CONTROL_PERIOD:boundary] ** 2)) > 0.01
    assert np.abs(audio[boundary + CONTROL_PERIOD + tail:]).max() < 1e-3 * np.abs(untouched).max()


# -- hardening: nothing that comes in is trusted ----------------------------------------

def test_a_timetag_past_the_horizon_is_refused_and_one_within_it_is_held(bank_dir):
    from grower.server.protocol import HORIZON_S

    server = InProcessServer(bank_dir)
    t0 = 1_000_000.0
    server.engine.start_clock(t0)
    client = server.client()
    server.deliver(bundle(t0 + HORIZON_S + 1.5, ("/grower/note/on", [60, 100])), client.address, now_s=t0)
    server.deliver(bundle(t0 + 86400 * 365 * 3, ("/grower/stage", [3.0])), client.address, now_s=t0)
    server.deliver(bundle(t0 + HORIZON_S - 1, ("/grower/stage", [2.0])), client.address, now_s=t0)
    server.deliver(bundle(t0 + 86400 * 365 * 3, ("/grower/status", [])), client.address, now_s=t0)  # at once: never waits
    replies = client.receive_all()
    assert replies[:2] == [(FAIL, ["/grower/note/on", f"timetag is 62 s ahead; the horizon is {HORIZON_S} s"]),
                           (FAIL, ["/grower/stage", f"timetag is 94608000 s ahead; the horizon is {HORIZON_S} s"])]
    assert [r[0] for r in replies[2:]] == [STATUS_REPLY.address]
    assert server.engine.timed_waiting == 1 and server.engine.errors == 2


def test_timed_commands_past_the_cap_are_refused(bank_dir):
    from grower.server.protocol import MAX_TIMED_COMMANDS

    server = InProcessServer(bank_dir)
    client = server.client()
    later = time.time() + 30
    for first in range(0, MAX_TIMED_COMMANDS, 512):
        server.deliver(bundle(later, *[("/grower/gain", [-6.0])] * 512), client.address)
    assert server.engine.timed_waiting == MAX_TIMED_COMMANDS and not client.receive_all()
    server.deliver(bundle(later, ("/grower/note/on", [60, 100]), ("/grower/gain", [-3.0])), client.address)
    fails = client.receive_all()
    assert [f[1][0] for f in fails] == ["/grower/note/on", "/grower/gain"]
    assert fails[0][1][1] == f"{MAX_TIMED_COMMANDS} timed commands are already waiting, the most the server holds; send this one nearer its time"
    client.send("/grower/note/on", 60, 100)  # untimed commands still act
    assert not [r for r in client.sync(1) if r[0] == FAIL]
    assert len(server.engine.timed) == MAX_TIMED_COMMANDS  # all in the engine's heap, none in a renderer
    assert not server.engine.player.renderer.events


def test_one_bundle_of_unknown_addresses_gets_at_most_the_rate_of_fail_replies_and_a_summary(in_process):
    from grower.server.protocol import FAILS_PER_S

    from ..fuzz.hostile import unknown_addresses_bundle

    client = in_process.client()
    before = client.status()["errors"]
    started = time.monotonic()
    client.send_raw(unknown_addresses_bundle(5400))
    client.send("/grower/status")
    replies = client.receive_all()
    fails = [r for r in replies if r[0] == FAIL]
    (status,) = [STATUS_REPLY.unpack(values) for address, values in replies if address == STATUS_REPLY.address]  # never dropped
    assert status["errors"] == before + 5400  # counted exactly
    assert FAILS_PER_S <= len(fails) <= FAILS_PER_S * (1 + time.monotonic() - started) + 1
    assert all(f[1] == ["/nop", "unknown address (see docs/osc.md)"] for f in fails)
    in_process.collect_replies(time.monotonic() + 1.5)
    (address, (where, summary)), = client.receive_all()
    assert (address, where, summary) == (FAIL, "", f"{5400 - len(fails)} further errors suppressed")
    assert client.sync(2) == []


def test_the_fail_limiter_is_a_token_bucket_per_destination():
    from grower.server.osc import FailLimiter

    limiter = FailLimiter(rate_per_s=10)
    a, b = ("h", 1), ("h", 2)
    assert [limiter.allow(a, 0.0) for _ in range(12)] == [True] * 10 + [False] * 2
    assert limiter.allow(b, 0.0)  # each destination has its own
    assert limiter.allow(a, 0.1) and not limiter.allow(a, 0.1)  # one token a tenth of a second
    assert limiter.summaries(0.5) == [] and limiter.summaries(1.0) == [(a, 3)] and limiter.summaries(5.0) == []


def test_a_bank_that_fails_to_load_is_one_line_and_the_old_bank_plays_on(bank_dir, tmp_path):
    from ..fuzz.hostile import BANKS

    server = InProcessServer(bank_dir)
    client = server.client()
    BANKS["missing-control"](bank_dir.parent / "no-control")
    client.send("/grower/bank/load", "no-control")
    assert client.sync(1) == [(FAIL, ["/grower/bank/load", f"{bank_dir.parent / 'no-control'}: a: the tone file has no controls.f0_hz"])]
    assert client.status()["bank"] == "bank"
    client.send("/grower/voice/on", 1, 200.0, 1.0, "mid")
    client.sync(2)
    assert np.sqrt(np.mean(np.concatenate([server.process() for _ in range(8)]) ** 2)) > 0.01


def slow_loads(monkeypatch, delay_s):
    """Make every bank load take delay_s more (sleeping, as a blocked read does, without the GIL)."""
    from grower.server import loader

    real = loader.load_bank

    def slow(path):
        time.sleep(delay_s)
        return real(path)

    monkeypatch.setattr(loader, "load_bank", slow)


def test_a_load_past_the_timeout_fails_and_the_server_answers_meanwhile(bank_dir, monkeypatch):
    make_bank(bank_dir.parent / "slow", [("s", 220.0, 1.0, 0.0)])
    slow_loads(monkeypatch, 0.6)
    server = InProcessServer(bank_dir)
    server.dispatcher.loader.timeout_s = 0.2
    server.wait_for_loads = False
    client = server.client()
    client.send("/grower/bank/load", "slow")
    assert client.request("/grower/status")[0] == STATUS_REPLY.address
    assert server.dispatcher.loader.busy  # answered while the load is still reading
    assert server.dispatcher.loader.wait_idle(5)
    assert client.receive_all() == [(FAIL, ["/grower/bank/load", f"{bank_dir.parent / 'slow'}: not read within 0.2 s "
                                            "(a file that never ends or a stalled disk?)"])]
    time.sleep(0.6)  # the abandoned read ends; its bank is thrown away
    server.process()
    assert client.status()["bank"] == "bank"


def test_sync_waits_for_the_loads_sent_before_it(bank_dir, monkeypatch):
    make_bank(bank_dir.parent / "later", [("l", 220.0, 1.0, 0.0)])
    slow_loads(monkeypatch, 0.3)
    server = InProcessServer(bank_dir)
    server.wait_for_loads = False
    client = server.client()
    client.send("/grower/bank/load", "later")
    client.send("/grower/sync", 5)
    replies, deadline = [], time.monotonic() + 5
    while ("/grower/synced", [5]) not in replies and time.monotonic() < deadline:
        server.process()
        replies += client.receive_all(0)
    assert replies == [(DONE, ["/grower/bank/load", "later"]), ("/grower/synced", [5])]
    assert client.status()["bank"] == "later"


def test_tone_files_outside_the_bank_folder_are_refused(bank_dir):
    """A bank folder must lie in an allowed folder (allowed_path) and its tone files in the bank folder (bank.py)."""
    from ..fuzz.hostile import BANKS

    server = InProcessServer(bank_dir)
    client = server.client()
    for case, reason in [("dotdot-tone-path", "file must stay inside the bank folder"),
                         ("absolute-tone-path", "file must be a path inside the bank folder, not the absolute path"),
                         ("tone-link-outside", "tone file tones/a.safetensors links outside the bank folder")]:
        BANKS[case](bank_dir.parent / case)
        client.send("/grower/bank/load", case)
        (address, (where, text)), = client.sync(1)
        assert (address, where) == (FAIL, "/grower/bank/load") and text.startswith(f"{bank_dir.parent / case}: a: {reason}"), text
    outside = bank_dir.parent.parent / "outside-bank"
    make_bank(outside, [("o", 220.0, 1.0, 0.0)])
    (bank_dir.parent / "link-out").symlink_to(outside)
    expect_fail(client, "/grower/bank/load", "link-out", match="'link-out' is outside the allowed folders")
    assert client.status()["bank"] == "bank"


ERROR_CONTRACT = [  # issue 10: each came back with an empty address and a Python exception's text
    ("/grower/bank/load", "missing-control", "a: the tone file has no controls.f0_hz"),
    ("/grower/bank/load", "bank-json-list", "bank.json must hold a JSON object, not a list"),
    ("/grower/bank/load", "zero-sample-rate", "sample_rate must be > 0"),
    ("/grower/bank/load", "zero-hop", "hop_size must be > 0"),
    ("/grower/bank/load", "zero-noise-bands", "n_noise_bands must be > 0"),
    ("/grower/bank/load", "one-noise-band", "n_noise_bands must be at least 2"),
    ("/grower/bank/load", "huge-amplitude", "a: it plays far past full scale"),
    ("/grower/bank/load", "no-tones", "a bank holds at least one tone"),
    ("/grower/bank/load", "symlink-loop-bank", "goes round a loop of symbolic links"),
    ("/grower/bank/load", "symlink-loop-tone", "a: cannot read tone file tones/a.safetensors (too many levels of symbolic links)"),
    ("/grower/bank/load", "64k-path", "path is 65000 characters long"),
    ("/grower/bank/load", "~no-such-user-here/bank", "names no user's home folder"),
    ("/grower/tuning/load", "directory", "is a directory, not a .scl file"),
    ("/grower/tuning/load", "not-utf8", "is not UTF-8 text"),
    ("/grower/tuning/load", "kbm-not-utf8", "is not UTF-8 text"),
    ("/grower/tuning/load", "symlink-loop", "goes round a loop of symbolic links"),
    ("/grower/tuning/load", "negative-ratio", "degree 1 (-3/2) is not a positive interval"),
    ("/grower/tuning/load", "64k-path", "path is 65000 characters long"),
]


@pytest.mark.parametrize("address,case,reason", ERROR_CONTRACT, ids=[f"{a.split('/')[2]}-{c[:20]}" for a, c, _ in ERROR_CONTRACT])
def test_load_errors_name_the_command_the_thing_and_the_reason_in_one_line(bank_dir, tmp_path_factory, address, case, reason):
    from ..fuzz.hostile import BANKS, PATH_64K, SCALES

    server = InProcessServer(bank_dir)
    client = server.client()
    folder = bank_dir.parent / f"contract-{case.replace('/', '-').replace('~', '')}"
    if case == "64k-path":
        args = [PATH_64K]
    elif case.startswith("~"):
        args = [case]
    elif address == "/grower/bank/load":
        BANKS[case](folder)
        args = [folder.name]
    else:
        folder.mkdir()
        scl, kbm = SCALES[case](folder)
        args = [str(scl)] + ([str(kbm)] if kbm else [])
    client.send(address, *args)
    (reply, (where, text)), = client.sync(1)
    assert (reply, where) == (FAIL, address)
    assert reason.lower() in text.lower(), text
    assert "\n" not in text and len(text) <= 1000
    for leak in ("Errno", "Error(", "Exception", "Traceback", "RuntimeError", "OSError", "UnicodeDecodeError", "b'", "PosixPath"):
        assert leak not in text, text
    assert client.status()["bank"] == "bank"


def test_fail_messages_are_one_line_with_long_paths_cut_in_the_middle():
    from grower.server.dispatch import readable

    path = "/music/" + "deep/" * 100 + "bank"
    text = readable(f"{path}: a: tone file\nmissing\x00")
    assert text.startswith("/music/deep/") and "..." in text and text.endswith("/bank: a: tone file?missing?")
    assert len(text) < 250 and readable("short: reason") == "short: reason"
    assert len(readable("word " * 1000)) <= 1000
