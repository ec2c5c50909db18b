"""Through a real audio server: JACK's dummy driver, paced in real time, with MIDI ports.

sounddevice plays into JACK, and a MIDI note goes from an rtmidi JACK port into
the server's "Timbre Grower" virtual port. Skipped only where jackd is not
installed; .ci/run installs it.
"""

import os
import re
import shutil
import subprocess
import time
import uuid

import numpy as np
import pytest

from .conftest import SR, Server

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd (Debian's jackd2) is not installed")


@pytest.fixture
def jack_server(monkeypatch):
    name = f"grower-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    process = subprocess.Popen(["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", str(SR), "-p", "256"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout
        if "system:playback_1" in ports:
            break
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("jackd -d dummy did not start")
    yield name
    process.terminate()
    process.wait(timeout=10)


def test_audio_through_sounddevice_and_midi_through_an_rtmidi_port(bank_dir, tmp_path, jack_server):
    import rtmidi

    server = Server(bank_dir, tmp_path, "--audio", "device", "--midi-in", "all")
    try:
        started = "".join(server.lines)
        assert "JACK Audio Connection Kit" in started and "virtual port 'Timbre Grower'" in started, started
        connections = subprocess.run(["jack_lsp", "-c"], capture_output=True, text=True).stdout
        assert re.search(r"^PortAudio:out_0\n\s+system:playback_1$", connections, re.MULTILINE), connections
        out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK)
        index = [i for i, name in enumerate(out.get_ports()) if "Timbre Grower" in name]
        assert index, out.get_ports()
        out.open_port(index[0])
        time.sleep(0.3)
        server.client.send("/grower/stage", 1, 0)
        server.client.sync(1)
        before = server.client.status()
        out.send_message([0x90, 60, 100])  # key 60: the "low" tone, 110 Hz
        time.sleep(0.8)
        during = server.client.status()
        out.send_message([0x80, 60, 0])
        time.sleep(0.3)
        out.close_port()
    finally:
        _, audio = server.stop()
    assert before["voices"] == 0 and during["voices"] == 1
    sounding = audio[np.flatnonzero(np.abs(audio) > 1e-3)[0]:][: SR // 2]
    spectrum = np.abs(np.fft.rfft(sounding * np.hanning(sounding.size)))
    assert np.fft.rfftfreq(sounding.size, 1 / SR)[np.argmax(spectrum)] == pytest.approx(110.0, abs=3)


def test_without_audio_or_midi_systems_it_says_so_in_one_line_each_and_keeps_serving(bank_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"absent-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    if os.path.exists("/dev/snd"):
        pytest.skip("this machine has ALSA devices")
    server = Server(bank_dir, tmp_path, "--audio", "device", "--midi-in", "all")
    try:
        server.client.send("/grower/note/on", 60, 100)
        server.client.sync(1)
        assert server.client.status()["voices"] == 1
        time.sleep(0.3)
    finally:
        output, audio = server.stop()
    lines = output.splitlines()
    assert any(line.startswith("grower-serve: no MIDI system (") for line in lines), output
    assert any(line.startswith("grower-serve: no default audio output device") and "null output" in line for line in lines), output
    assert "Traceback" not in output and "Cannot connect" not in output
    assert np.abs(audio).max() > 0.01
