"""A running grower-serve process, for what only a process shows: timetags against the
real-time clock, Ctrl-C and /grower/quit ending it, a recording closed complete, and a
bank hot swap without a gap. Underflows depend on what else the machine does, so
benchmarks/bench_serve.py measures them; no test asserts a timing. The protocol itself is tested in-process
(test_osc.py); the flood in test_flood.py, JACK in test_jack.py."""

import math
import time

import numpy as np

from .conftest import SR, Server, bundle


def test_timetagged_bundles_land_on_their_exact_samples(bank_dir, tmp_path):
    from grower.synth.bank import load_bank
    from grower.synth.renderer import RenderConfig, Renderer

    server = Server(bank_dir, tmp_path)
    try:
        # Both times exact in binary (whole 1/1024 s; the gap 13/128 s is 4875 samples at 48 kHz, not a multiple
        # of the 128-sample control period), so the two land exactly 4875 samples apart. With a gap that is not,
        # float rounding of times near 1.7e9 s (2.4e-7 s) put the second a sample off about once in a hundred runs.
        start = math.floor((time.time() + 0.3) * 1024) / 1024
        gap_samples = 4875
        assert (gap_samples * 128) % SR == 0 and gap_samples % 128
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
        assert c.request("/grower/bank/load", "other") == ("/grower/done", ["/grower/bank/load", "other"])
        c.send("/grower/voice/on", 2, 250.0, 1.0)
        c.sync(2)
        time.sleep(1.2)
        status = c.status()
        assert status["bank"] == "other"
    finally:
        _, audio = server.stop()
    sounding = audio[np.flatnonzero(audio)[0]:]
    assert np.abs(np.diff(sounding)).max() < 0.05  # a 200 Hz stage-3 note moves at most ~0.03 a sample
    envelope = np.sqrt(np.convolve(sounding**2, np.ones(480) / 480, mode="valid"))
    assert envelope[: int(1.4 * SR)].min() > 0.01  # no gap across the swap


def test_a_bank_or_tuning_that_cannot_be_used_stops_start_up_with_one_line(bank_dir, tmp_path):
    """As /grower/bank/load: read within the load timeout (a FIFO tone file never blocks), validated,
    probed; else one line naming the bank (and tone) and the reason, and exit status 1."""
    import subprocess
    import sys

    from ..fuzz.hostile import BANKS, FIFO_BANKS, SCALES

    FIFO_BANKS["fifo-tone"](tmp_path / "fifo")
    BANKS["one-noise-band"](tmp_path / "one-band")
    SCALES["negative-ratio"](tmp_path)
    cases = [([str(tmp_path / "fifo")], f"{tmp_path / 'fifo'}: a: tone file tones/a.safetensors is a FIFO, not a regular file"),
             ([str(tmp_path / "one-band")], f"{tmp_path / 'one-band'}: n_noise_bands must be at least 2 (the band edges), not 1"),
             ([str(bank_dir), "--scl", str(tmp_path / "s.scl")],
              f"{tmp_path / 's.scl'}: not a usable .scl file: degree 1 (-3/2) is not a positive interval")]
    for args, line in cases:
        done = subprocess.run([sys.executable, "-m", "grower.server.cli", *args, "--audio", "null", "--midi-in", "none", "--osc-port", "0"],
                              capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", f"grower-serve: {line}\n")


def test_two_clients_on_one_host_each_get_their_replies_notifications_and_meter_over_udp(bank_dir, tmp_path):
    """A Max patch and a Max for Live device on one computer: two sockets that send, two that listen."""
    import socket

    from pythonosc.osc_message import OscMessage

    from grower.server.protocol import METER_REPLY, STATUS_REPLY, VOICE_STARTED

    from .conftest import Client

    def listener():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5.0)
        return sock

    def heard(sock, address):
        """The next message at address, skipping others (notifications of other kinds)."""
        while True:
            message = OscMessage(sock.recvfrom(65536)[0])
            if message.address == address:
                return list(message.params)

    server = Server(bank_dir, tmp_path)
    patch, device = Client(server.port), Client(server.port)
    patch_in, device_in = listener(), listener()
    try:
        patch.send("/grower/notify", 1, patch_in.getsockname()[1])
        device.send("/grower/notify", 1, device_in.getsockname()[1])
        assert heard(patch_in, "/grower/done") == heard(device_in, "/grower/done") == ["/grower/notify"]
        device.send("/grower/status")
        assert STATUS_REPLY.unpack(heard(device_in, STATUS_REPLY.address))["bank"] == "bank"
        patch.send("/grower/status")
        assert STATUS_REPLY.unpack(heard(patch_in, STATUS_REPLY.address))["bank"] == "bank"
        patch.send("/grower/meter", 20)
        patch.send("/grower/note/on", 60, 100)
        assert heard(patch_in, VOICE_STARTED.address) == heard(device_in, VOICE_STARTED.address) == [1, 60, 110.0, "low"]
        peak_db, rms_db, voices, _ = heard(patch_in, METER_REPLY.address)
        peak_db, rms_db, voices, _ = heard(patch_in, METER_REPLY.address)  # the first may precede the note
        assert -40 < rms_db < peak_db < 0 and voices == 1
        device_in.settimeout(0.3)
        try:
            while True:
                assert OscMessage(device_in.recvfrom(65536)[0]).address != METER_REPLY.address  # the device did not ask
        except TimeoutError:
            pass
    finally:
        for sock in (patch_in, device_in):
            sock.close()
        patch.close(), device.close()
        server.stop()


def test_help_shows_every_flag_with_its_help_and_default(capsys):
    import pytest

    from grower.server.cli import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = capsys.readouterr().out
    for flag, shown in [("--sample-rate HZ", "(default: 48000)"), ("--osc-port PORT", "(default: 9000)"),
                        ("--max-voices N", "(default: 128)"), ("--block-size N", "(default: 256)"), ("--quiet", "print nothing but errors")]:
        line = text[text.index("\n  " + flag):]
        assert shown in " ".join(line[:400].split()), (flag, line[:400])
    assert "(default: None)" not in text and "(default: False)" not in text
    options = text[text.index("options:"):].split("\n  -")[1:]
    assert all(len(option.split()) > 2 for option in options), [o for o in options if len(o.split()) <= 2]  # a help text each


def test_flags_out_of_range_are_one_usage_line_not_a_traceback(bank_dir, capsys):
    import pytest

    from grower.server.cli import parse_args

    for flags, reason in ((["--osc-port", "70000"], "--osc-port and --oscquery-port must be within 0..65535"),
                          (["--oscquery-port", "-1"], "--osc-port and --oscquery-port must be within 0..65535"),
                          (["--max-voices", "0"], "--max-voices must be at least 1"),
                          (["--root-key", "200"], "--root-key must be a MIDI key 0..127")):
        with pytest.raises(SystemExit) as stop:
            parse_args([str(bank_dir), *flags])
        assert stop.value.code == 2
        assert capsys.readouterr().err.strip().splitlines()[-1] == f"grower-serve: error: {reason}"
