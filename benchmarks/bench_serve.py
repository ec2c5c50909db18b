"""grower-serve's latency, control throughput and memory.

    .venv/bin/python -m benchmarks.bench_serve [--bank BANK_DIR]

1. Latency from an event to its first sample, over real UDP (OSC) and through
   the MIDI input path (the closure an rtmidi callback runs), with the engine,
   the OSC server and the null output that grower-serve uses, in this process:
   - control: event sent -> the block holding its first sample is rendered;
   - heard: plus the output's buffering (2 blocks) and the onset's offset in its
     block, i.e. when a device would play it;
   at 64-, 128- and 256-sample blocks (the renderer's control period stays 128
   samples; at 64 the controls advance every other block).
2. Control throughput at 32 voices: a grower-serve process with --audio null,
   sent /grower/stage and /grower/voice/pitch at rising rates for 3 s each;
   prints messages answered per second, messages lost and underflows.
3. Memory: the server's resident set at start, with 32 and 128 voices, and its peak.

Without --bank it writes the same synthetic 12-tone bank as bench_synth.py.
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mido
import numpy as np
from pythonosc.osc_message import OscMessage

from grower.server.audio import NullOutputThread
from grower.server.dispatch import Dispatcher
from grower.server.engine import Engine
from grower.server.midi import MidiPerformer
from grower.server.osc import OscServerThreads, build_message
from grower.server.player import Player
from grower.server.protocol import FAIL, STATUS_REPLY
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.synthetic_bank import benchmark_bank

SR, BLOCK = 48000, 256


def osc(address, *args) -> bytes:
    return build_message(address, list(args))


class OnsetClock:
    """A block listener: when the first block with sound after arm() was rendered, and where in it."""

    def __init__(self):
        self.armed, self.found = False, None

    def arm(self):
        self.found, self.armed = None, True

    def __call__(self, block):
        if self.armed and np.any(block != 0):
            self.found = (time.perf_counter(), int(np.flatnonzero(block)[0]))
            self.armed = False


def latency(bank_dir: Path, block: int, trials: int = 40):
    bank = load_bank(bank_dir)
    player = Player(bank, bank_dir, RenderConfig(sample_rate=SR))
    engine = Engine(player, SR)
    clock = OnsetClock()
    engine.block_listeners.append(clock)
    dispatcher = Dispatcher(engine, [bank_dir.parent])
    server = OscServerThreads(dispatcher, "127.0.0.1", 0)
    performer = MidiPerformer(player)
    output = NullOutputThread(engine, block)
    server.start()
    output.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    results = {"OSC": [], "MIDI": []}
    rng = np.random.default_rng(0)
    try:
        time.sleep(0.3)
        for trial in range(-2, trials):  # two warm-up trials, not counted
            for path in ("OSC", "MIDI"):
                engine.submit(lambda at: player.panic(at))
                time.sleep(0.05)
                time.sleep(rng.uniform(0, block / SR))  # land anywhere in a block
                clock.arm()
                sent = time.perf_counter()
                if path == "OSC":
                    sock.sendto(osc("/grower/note/on", 60, 100), server.address)
                else:  # what the rtmidi callback does, from a thread of its own
                    msg = mido.Message("note_on", note=60, velocity=100)
                    threading.Thread(target=lambda: engine.submit(lambda at, m=msg: performer.handle(m, at))).start()
                while clock.found is None and time.perf_counter() - sent < 1:
                    time.sleep(0.0005)
                rendered, offset = clock.found
                control = rendered - sent
                heard = control + output.n_buffers * block / SR + offset / SR
                if trial >= 0:
                    results[path].append((control, heard))
    finally:
        output.stop()
        server.stop()
    print(f"latency, event to first sample ({trials} trials each; {block}-sample blocks at {SR} Hz, {output.n_buffers} buffers;"
          f" {engine.underflows} underflows):")
    for path, values in results.items():
        v = np.array(values) * 1e3
        print(f"  {path:4s} control p50 {np.median(v[:, 0]):5.2f} ms  p99 {np.percentile(v[:, 0], 99):5.2f} ms"
              f"   heard p50 {np.median(v[:, 1]):5.2f} ms  p99 {np.percentile(v[:, 1], 99):5.2f} ms")


class ServerProcess:
    def __init__(self, bank_dir: Path, tmp: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "grower.server.cli", str(bank_dir), "--audio", "null", "--osc-port", "0",
                                         "--midi-in", "none", "--block-size", str(BLOCK)], stdout=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            found = re.search(r"OSC on [\d.]+:(\d+)", line)
            if found:
                self.address = ("127.0.0.1", int(found.group(1)))
                break
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(10)

    def request(self, address, *args):
        self.sock.sendto(osc(address, *args), self.address)
        while True:
            m = OscMessage(self.sock.recvfrom(65536)[0])
            if m.address != FAIL:
                return m.params

    def status(self):
        return STATUS_REPLY.unpack(self.request("/grower/status"))

    def rss_mb(self):
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        get = lambda key: int(re.search(rf"{key}:\s+(\d+) kB", text).group(1)) / 1024  # noqa: E731
        return get("VmRSS"), get("VmHWM")

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


def throughput_and_memory(bank_dir: Path, tmp: Path):
    server = ServerProcess(bank_dir, tmp)
    try:
        time.sleep(0.5)
        rss_start, _ = server.rss_mb()
        for v in range(32):
            server.sock.sendto(osc("/grower/voice/on", v, 110.0 * 2 ** (v / 12), 0.2), server.address)
        server.request("/grower/sync", 1)
        time.sleep(0.5)
        rss_32, _ = server.rss_mb()
        print("\ncontrol throughput, 32 voices sounding (/grower/stage and /grower/voice/pitch, 3 s per rate):")
        print("     sent/s   answered/s   lost  underflows  audio CPU")
        for rate in (5_000, 10_000, 20_000, 40_000):
            before = server.status()
            n = rate * 3
            packets = [osc("/grower/stage", float(i % 64), 0.01) if i % 4 else osc("/grower/voice/pitch", i % 32, 100.0 + i % 500) for i in range(n)]
            started = time.perf_counter()
            burst = max(rate // 200, 1)
            for i in range(0, n, burst):
                for p in packets[i:i + burst]:
                    server.sock.sendto(p, server.address)
                delay = started + (i + burst) / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            server.request("/grower/sync", 2)
            elapsed = time.perf_counter() - started
            after = server.status()
            answered = after["messages"] - before["messages"] - 2
            print(f"  {n / elapsed:9.0f}   {answered / elapsed:10.0f}   {n - answered:4d}  {after['underflows'] - before['underflows']:10d}  {after['cpu_percent']:7.1f} %")
        for v in range(32, 128):
            server.sock.sendto(osc("/grower/voice/on", v, 110.0 * 2 ** (v / 24), 0.1), server.address)
        server.request("/grower/sync", 3)
        time.sleep(0.5)
        rss_128, peak = server.rss_mb()
        print(f"\nserver memory: {rss_start:.0f} MB resident at start, {rss_32:.0f} MB with 32 voices, {rss_128:.0f} MB with 128; peak {peak:.0f} MB")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bank_dir = args.bank
        if bank_dir is None:
            bank_dir = Path(tmp) / "bank"
            benchmark_bank(bank_dir)
        for block in (64, 128, 256):
            latency(bank_dir, block)
        throughput_and_memory(bank_dir, Path(tmp))


if __name__ == "__main__":
    main()
