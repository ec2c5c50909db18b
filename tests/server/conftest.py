"""The server two ways, and OSC clients for each.

- ``InProcessServer``: grower-serve's engine, player and dispatcher in the test's
  process, fed literal datagrams through ``osc.handle_datagram`` (what the OSC
  receiving thread calls) with replies taken through ``osc.reply_datagrams`` (what
  the sending thread calls, error replies rate-limited as there), and
  ``engine.process`` run by the test. Loads run on the dispatcher's real loader
  thread; ``deliver`` waits for them, so a load's swap is queued when it returns.
  For argument validation, error replies and round trips: no sockets, no sleeps.
- ``Server``: a real grower-serve process on loopback, for what needs one:
  real-time pacing (floods, timetags), signals, recordings, hot swaps, JACK.
"""

import collections
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

from grower.server.cli import warm_up
from grower.server.dispatch import Dispatcher
from grower.server.engine import Engine
from grower.server.osc import FailLimiter, build_message, handle_datagram, meter_datagrams, reply_datagrams, summary_datagrams
from grower.server.player import Player
from grower.server.protocol import NOTIFICATIONS, STATUS_REPLY, SYNCED_REPLY
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.synthetic_bank import make_bank

NOTIFIED = {n.address for n in NOTIFICATIONS}
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
        self.send_raw(message(address, *args))

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
            if reply == (SYNCED_REPLY.address, SYNCED_REPLY.pack(id=sync_id)):
                return before
            before.append(reply)

    def status(self) -> dict:
        """/grower/status.reply by field key: voices, cpu_percent, underflows, bank, stage, messages, errors.
        Notifications that come first (to a registered or metered client) are passed over."""
        self.send("/grower/status")
        address, values = self.receive()
        while address in NOTIFIED:
            address, values = self.receive()
        assert address == STATUS_REPLY.address
        return STATUS_REPLY.unpack(values)

    def close(self):
        self.sock.close()


class InProcessClient(Client):
    """Client's interface on an InProcessServer: datagrams in, datagrams out, no socket.

    A reply not there yet is waited for by rendering one block (every command without a
    future timetag applies at the next block); none after that is a TimeoutError, as a
    UDP read that times out.
    """

    def __init__(self, server: "InProcessServer", port: int):
        self.server, self.port = server, port
        self.address = (InProcessServer.HOST, port)

    def send_raw(self, data: bytes):
        self.server.deliver(data, self.address)

    def receive(self, timeout_s=None):
        inbox = self.server.inboxes[self.address]
        if not inbox:
            self.server.process()
        if not inbox:
            raise TimeoutError(f"no reply for {self.address}")
        parsed = OscMessage(inbox.popleft())
        return parsed.address, list(parsed.params)

    def close(self):
        pass


class InProcessServer:
    """grower-serve without its sockets and threads: the same Engine, Player and Dispatcher.

    deliver() runs what the OSC receiving thread runs on a datagram; process() runs one
    audio block and then what the sending thread runs on each queued reply, keeping the
    datagrams per destination (inboxes) for the clients.
    """

    HOST = "127.0.0.1"

    def __init__(self, bank_dir: Path, block_size: int = 256):
        bank, config = load_bank(bank_dir), RenderConfig(sample_rate=SR)
        warm_up(bank, config)  # as grower-serve does: the first block is not a compile
        self.engine = Engine(Player(bank, bank_dir.resolve(), config), SR)
        self.quit_requested = False
        self.dispatcher = Dispatcher(self.engine, [bank_dir.resolve().parent], on_quit=self._quit)
        self.block_size = block_size
        self.inboxes: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)
        self.limiter = FailLimiter()
        self.wait_for_loads = True  # deliver() returns once the loads it asked for are done
        self.clock_s: float | None = None  # the sending thread's time.monotonic(), for meter tests; None: the real one
        self._ports = iter(range(40000, 50000))

    def _quit(self):
        self.quit_requested = True

    def client(self) -> InProcessClient:
        return InProcessClient(self, next(self._ports))

    def deliver(self, data: bytes, sender: tuple, now_s: float | None = None) -> None:
        handle_datagram(self.dispatcher, data, sender, now_s)
        if self.wait_for_loads:
            assert self.dispatcher.loader.wait_idle(30), "a load did not finish"
        self.collect_replies()

    def process(self, n_samples: int | None = None) -> np.ndarray:
        block = self.engine.process(n_samples or self.block_size)
        self.collect_replies()
        return block

    def collect_replies(self, now_s: float | None = None) -> None:
        """What the sending thread does: every queued reply and notification, then the error summaries
        and the meter messages due at now_s (time.monotonic(); None: clock_s, else now)."""
        now_s = self.clock_s if now_s is None else now_s
        while not self.engine.replies.empty():
            data, targets = reply_datagrams(self.dispatcher, self.engine.replies.get_nowait(), self.limiter, now_s)
            for target in targets:
                self.inboxes[target].append(data)
        for data, target in summary_datagrams(self.limiter, now_s) + meter_datagrams(self.dispatcher, now_s):
            self.inboxes[target].append(data)


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
def in_process(bank_dir):
    """One in-process server for a module's validation and round-trip tests."""
    return InProcessServer(bank_dir)


@pytest.fixture
def client(in_process):
    return in_process.client()
