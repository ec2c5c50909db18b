"""A real grower-serve process on loopback, and an OSC client for it built with python-osc."""

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from grower.server.osc import build_message
from grower.synth.synthetic_bank import make_bank

SR = 48000
# low and mid have no noise, so their audio is exactly predictable; breathy has some.
TONES = [("low", 110.0, 2.0, 0.0), ("mid", 200.0, 2.0, 0.0), ("breathy", 300.0, 2.0, 0.02)]


def message(address, *args) -> bytes:
    return build_message(address, list(args))


def bundle(wall_time_s, *messages) -> bytes:
    builder = OscBundleBuilder(IMMEDIATELY if wall_time_s is None else wall_time_s)
    for address, args in messages:
        b = OscMessageBuilder(address)
        for value in args:
            b.add_arg(value)
        builder.add_content(b.build())
    return builder.build().dgram


class Client:
    """A UDP socket that sends to the server and reads its replies."""

    def __init__(self, port: int):
        self.server = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def send(self, address, *args):
        self.sock.sendto(message(address, *args), self.server)

    def send_raw(self, data: bytes):
        self.sock.sendto(data, self.server)

    def receive(self, timeout_s=5.0):
        self.sock.settimeout(timeout_s)
        data, _ = self.sock.recvfrom(65536)
        parsed = OscMessage(data)
        return parsed.address, list(parsed.params)

    def receive_all(self, timeout_s=0.3):
        replies = []
        try:
            while True:
                replies.append(self.receive(timeout_s))
        except TimeoutError:
            return replies

    def request(self, address, *args, timeout_s=5.0):
        self.send(address, *args)
        return self.receive(timeout_s)

    def sync(self, sync_id=1):
        """Everything sent before has been applied. Returns the replies that came before /grower/synced."""
        self.send("/grower/sync", sync_id)
        before = []
        while True:
            reply = self.receive()
            if reply == ("/grower/synced", [sync_id]):
                return before
            before.append(reply)

    def status(self) -> dict:
        address, values = self.request("/grower/status")
        assert address == "/grower/status.reply"
        return dict(zip(["voices", "cpu_percent", "underflows", "bank", "stage", "messages", "errors"], values))

    def close(self):
        self.sock.close()


class Server:
    def __init__(self, bank_dir: Path, tmp: Path, *extra: str):
        self.recording = tmp / "out.wav"
        command = [sys.executable, "-m", "grower.server.cli", str(bank_dir), "--audio", "null", "--record", str(self.recording),
                   "--osc-port", "0", *([] if "--midi-in" in extra else ["--midi-in", "none"]), *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("grower-serve exited:\n" + "".join(self.lines))
            self.lines.append(line)
            found = re.search(r"OSC on [\d.]+:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
        else:
            raise RuntimeError("grower-serve did not start:\n" + "".join(self.lines))
        self.client = Client(self.port)

    def stop(self) -> tuple[str, np.ndarray]:
        """Ctrl-C; returns the rest of its output and the recording."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
            raise RuntimeError("grower-serve did not stop on Ctrl-C:\n" + "".join(self.lines) + out) from None
        self.lines.append(out)
        audio, sr = sf.read(self.recording, dtype="float32") if self.recording.exists() else (np.zeros(0, np.float32), SR)
        return "".join(self.lines), audio


@pytest.fixture(scope="module")
def bank_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("served") / "bank"
    make_bank(directory, TONES)
    return directory


@pytest.fixture(scope="module")
def server(bank_dir, tmp_path_factory):
    """One server for the round-trip tests; tests that need a fresh one start their own."""
    s = Server(bank_dir, tmp_path_factory.mktemp("run"))
    yield s
    s.stop()


@pytest.fixture
def client(server):
    c = Client(server.port)
    yield c
    c.close()
