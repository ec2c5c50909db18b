"""Real UDP round trips with a running grower-serve, for every address in the protocol table."""

import time

import numpy as np
import pytest

from grower.server.protocol import BY_ADDRESS, FAIL, PROTOCOL

from .conftest import SR, Client, Server, bundle

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
    strings = {"TONE": "mid", "PATH": str(files / "bank"), "SCL": "quarter.scl", "KBM": "a440.kbm"}
    numbers = {"KEY": 60, "VELOCITY": 100, "ID": 7, "HZ": 220.0, "STAGE": 5.5, "GLIDE_S": 0.01, "FLAG": 1, "PORT": client.port,
               "GAIN_DB": -6.0, "MIX": 0.5}
    return [strings[a.name] if a.type == "s" else numbers[a.name] for a in command.args]


def round_trip_commands():
    return [c for c in PROTOCOL if c.address != "/grower/quit"]


@pytest.mark.parametrize("command", round_trip_commands(), ids=lambda c: c.address)
def test_every_address_round_trips_without_fail(server, client, files, command):
    client.send("/grower/voice/on", 7, 200.0, 0.5)  # voice commands need a voice 7 sounding
    args = example_args(command, client, files)
    client.send(command.address, *args)
    replies = client.sync(11)
    assert not [r for r in replies if r[0] == FAIL], replies
    if command.reply:
        expected = command.reply.split()[0]
        assert expected in [r[0] for r in replies] or command.address == "/grower/sync"
        if command.reply.startswith("/grower/done"):
            assert ("/grower/done", [command.address] + ([args[0]] if "PATH" in command.reply or "SCL" in command.reply else [])) in replies
    client.send("/grower/notify", 0)
    client.sync(12)
    client.send("/grower/panic")
    client.send("/grower/tuning/reset")
    client.sync(13)


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
def test_wrong_argument_counts_fail_naming_the_address(server, client, files, command):
    args = example_args(command, client, files)
    expect_fail(client, command.address, *(args + [1]), match="arguments")
    if command.n_required:
        expect_fail(client, command.address, *args[:command.n_required - 1], match="arguments")


@pytest.mark.parametrize("address,name", [(c.address, a.name) for c in PROTOCOL for a in c.args], ids=str)
def test_wrong_types_and_bad_values_fail(server, client, files, address, name):
    command = BY_ADDRESS[address]
    args = example_args(command, client, files)
    index = [a.name for a in command.args].index(name)
    arg = command.args[index]

    def with_value(value):
        return args[:index] + [value] + args[index + 1:]

    if arg.type == "s":
        expect_fail(client, address, *with_value(3), match="must be a string")
        return
    expect_fail(client, address, *with_value("five"), match="must be a number")
    expect_fail(client, address, *with_value(float("nan")), match="finite")
    expect_fail(client, address, *with_value(float("inf")), match="finite")
    expect_fail(client, address, *with_value(1e30), match="within")
    expect_fail(client, address, *with_value(-1e30), match="within")
    if arg.type == "i":
        expect_fail(client, address, *with_value(2.5), match="whole number")


def test_ints_and_floats_are_accepted_alike(server, client):
    client.send("/grower/stage", 3)
    client.send("/grower/stage", 3.0, 0)
    client.send("/grower/note/on", 60.0, 0.5)
    client.send("/grower/note/off", 60.0)
    assert not [r for r in client.sync(31) if r[0] == FAIL]


@pytest.mark.parametrize("raw,address,match", [
    (b"garbage", "", "malformed"),
    (b"/grower/stage\x00\x00\x00,i\x00\x00", "", "malformed"),  # an int with no bytes
    (b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x40/grower", "", "malformed"),  # element longer than the packet
    (b"#bundle\x00\x00\x00", "", "malformed"),
    (b"\xff\xfe/grower\x00,\x00\x00\x00", "", "malformed"),
    # python-osc skips a type tag it does not know, so the command sees no argument
    (b"/grower/stage\x00\x00\x00,q\x00\x00\x00\x00\x00\x00", "/grower/stage", "arguments"),
], ids=["garbage", "truncated-int", "bundle-overrun", "truncated-bundle", "bad-address", "unknown-type-tag"])
def test_malformed_packets_get_a_fail_reply_and_are_counted(server, client, raw, address, match):
    expect_fail(client, address, raw=raw, match=match)


def test_unknown_addresses_fail(server, client):
    expect_fail(client, "/grower/nope", match="unknown address")
    expect_fail(client, "/other/stage", 5, match="unknown address")


def test_paths_outside_the_allowed_folders_fail(server, client, files):
    expect_fail(client, "/grower/bank/load", "/etc", match="outside the allowed")
    expect_fail(client, "/grower/bank/load", "../../..", match="outside the allowed")
    expect_fail(client, "/grower/tuning/load", "/etc/passwd", match="outside the allowed")
    expect_fail(client, "/grower/tuning/load", "quarter.scl", "/etc/hosts", match="outside the allowed")
    expect_fail(client, "/grower/bank/load", "missing", match="does not exist")
    expect_fail(client, "/grower/tuning/load", "broken.scl", match="broken.scl")


def test_unknown_tones_and_silent_voices_fail(server, client):
    expect_fail(client, "/grower/tone/stage", "nosuch", 3, match="no tone named 'nosuch'")
    expect_fail(client, "/grower/voice/on", 3, 200.0, 1.0, "nosuch", match="no tone named")
    expect_fail(client, "/grower/voice/off", 99999, match="voice 99999 is not sounding")
    expect_fail(client, "/grower/voice/pitch", 99999, 300.0, match="voice 99999 is not sounding")


def test_status_reports_voices_bank_stage_and_counts(server, client):
    client.send("/grower/panic")
    client.send("/grower/stage", 12, 0)
    client.send("/grower/voice/on", 1, 200.0, 1.0)
    client.send("/grower/voice/on", 2, 300.0, 1.0)
    client.sync(41)
    time.sleep(0.05)
    status = client.status()
    assert status["voices"] == 2 and status["bank"] == "bank" and status["stage"] == 12.0
    assert status["messages"] >= 6 and status["underflows"] >= 0 and 0 < status["cpu_percent"] < 100
    later = client.status()
    assert later["messages"] == status["messages"] + 1
    client.send("/grower/panic")
    client.sync(42)


def test_notify_sends_replies_to_the_registered_port(server, client):
    listener = Client(server.port)  # only its receiving end is used
    try:
        client.send("/grower/notify", 1, listener.port)
        assert listener.receive() == ("/grower/done", ["/grower/notify"])
        client.send("/grower/status")
        assert listener.receive()[0] == "/grower/status.reply"
        assert client.receive_all(0.2) == []
        client.send("/grower/notify", 0)
        assert listener.receive() == ("/grower/done", ["/grower/notify"])
        assert client.request("/grower/status")[0] == "/grower/status.reply"
    finally:
        listener.close()


def test_a_started_server_plays_note_60_at_stage_5_with_harmonics_1_to_5(bank_dir, tmp_path):
    server = Server(bank_dir, tmp_path)
    try:
        c = server.client
        assert c.status()["voices"] == 0
        c.send("/grower/note/on", 60, 100)  # key 60: the lowest tone, "low", at 110 Hz
        c.send("/grower/stage", 5)
        c.sync(1)
        time.sleep(1.5)
    finally:
        output, audio = server.stop()
    assert "recorded" in output
    tail = audio[-SR:]
    spectrum = np.abs(np.fft.rfft(tail * np.hanning(tail.size)))
    db = 20 * np.log10(spectrum / spectrum.max() + 1e-12)
    freqs = np.fft.rfftfreq(tail.size, 1 / SR)

    def level(hz):
        return db[np.abs(freqs - hz) < 5].max()

    assert min(level(110.0 * k) for k in range(1, 6)) > -40
    assert max(level(110.0 * k) for k in range(6, 40)) < -90


def test_timetagged_bundles_land_on_their_exact_samples(bank_dir, tmp_path):
    from grower.synth.bank import load_bank
    from grower.synth.renderer import RenderConfig, Renderer

    server = Server(bank_dir, tmp_path)
    try:
        start = time.time() + 0.3
        gap_samples = 4801  # not a multiple of the 128-sample control period
        server.client.send_raw(bundle(start, ("/grower/voice/on", [1, 200.0, 1.0, "mid"])))
        server.client.send_raw(bundle(start + gap_samples / SR, ("/grower/voice/on", [2, 200.0, 1.0, "mid"])))
        time.sleep(0.8)
    finally:
        _, audio = server.stop()
    first = int(np.flatnonzero(audio)[0]) - 1  # sin(0) = 0 at the onset sample itself
    reference = Renderer(load_bank(bank_dir), RenderConfig(sample_rate=SR))
    reference.note_on(1, 200.0, 1.0, at_sample=first)
    reference.note_on(1, 200.0, 1.0, at_sample=first + gap_samples)
    expected = reference.render(first + 2 * gap_samples)
    np.testing.assert_allclose(audio[:expected.size], expected, atol=1e-6)
    late = Renderer(load_bank(bank_dir), RenderConfig(sample_rate=SR))
    late.note_on(1, 200.0, 1.0, at_sample=first)
    late.note_on(1, 200.0, 1.0, at_sample=first + gap_samples + 1)
    assert np.abs(audio[:expected.size] - late.render(expected.size)).max() > 1e-3  # one sample off is visible


def test_ctrl_c_closes_a_complete_recording(bank_dir, tmp_path):
    server = Server(bank_dir, tmp_path)
    server.client.send("/grower/note/on", 61, 90)
    server.client.sync(1)
    time.sleep(0.5)
    output, audio = server.stop()
    assert server.process.returncode == 0
    assert not (tmp_path / "out.wav.part").exists()
    assert audio.size >= 0.5 * SR and np.abs(audio).max() > 0.01
    recorded_s = float(output.split("recorded ")[1].split(" s")[0])
    assert abs(recorded_s - audio.size / SR) < 0.06


def test_quit_stops_the_server(bank_dir, tmp_path):
    server = Server(bank_dir, tmp_path)
    assert server.client.request("/grower/quit") == ("/grower/done", ["/grower/quit"])
    assert server.process.wait(timeout=20) == 0
    server.stop()


def test_bank_hot_swap_keeps_the_audio_going_without_a_click(bank_dir, tmp_path):
    from grower.synth.synthetic_bank import make_bank

    make_bank(bank_dir.parent / "other", [("x", 150.0, 2.0, 0.0), ("y", 250.0, 2.0, 0.0)])
    server = Server(bank_dir, tmp_path)
    try:
        c = server.client
        c.send("/grower/stage", 3, 0)
        c.send("/grower/voice/on", 1, 200.0, 1.0)
        c.sync(1)
        time.sleep(0.4)
        before = c.status()
        assert c.request("/grower/bank/load", "other") == ("/grower/done", ["/grower/bank/load", "other"])
        c.send("/grower/voice/on", 2, 250.0, 1.0)
        c.sync(2)
        time.sleep(1.2)
        status = c.status()
        assert status["bank"] == "other"
        assert status["underflows"] == before["underflows"]  # loading reads files off the audio thread
    finally:
        _, audio = server.stop()
    sounding = audio[np.flatnonzero(audio)[0]:]
    assert np.abs(np.diff(sounding)).max() < 0.05  # a 200 Hz stage-3 note moves at most ~0.03 a sample
    envelope = np.sqrt(np.convolve(sounding**2, np.ones(480) / 480, mode="valid"))
    assert envelope[: int(1.4 * SR)].min() > 0.01  # no gap across the swap
