"""grower-serve: play a bank live from MIDI and OSC.

usage: grower-serve BANK_DIR [--audio device|null] [--device DEV] [--list-devices]
                    [--sample-rate 48000] [--block-size 256] [--record FILE.wav]
                    [--osc-host 127.0.0.1] [--osc-port 9000] [--allow DIR ...]
                    [--oscquery-port PORT] [--no-oscquery]
                    [--midi-in NAME|all|none] [--no-virtual-port] [--mpe]
                    [--bend-range 2] [--mpe-bend-range 48] [--stage-cc 1]
                    [--scl FILE.scl [--kbm FILE.kbm]] [--root-key 60] [--transpose envelope|harmonics]
                    [--max-voices 128] [--quiet]

Ctrl-C (or /grower/quit) stops it; a recording is closed complete. Without a
usable audio device or MIDI system it says so in one line and carries on:
OSC, --audio null and --record keep working.

OSCQuery (docs/oscquery.md) describes every OSC command over HTTP, bound where OSC
is, on the OSC port + 1 by default; beyond localhost it is advertised over mDNS.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path

from grower.synth.renderer import RenderConfig, Renderer

from .audio import AudioUnavailable, DeviceOutput, NullOutputThread, RecorderThread, list_devices
from .dispatch import Dispatcher
from .engine import Engine
from .loader import LoadError, prepare_bank, prepare_tuning, run_with_timeout
from . import midi, tuning
from .midi import MidiPerformer
from .osc import OscServerThreads
from .oscquery import MdnsAdvertiserThread, OscQueryServerThread, default_port, should_advertise
from .player import Player, add_velocity_timbre_argument
from .protocol import PROTOCOL

# The audio thread shares the GIL with OSC and MIDI; Python's default 5 ms switch
# interval would let a flood of OSC hold it for longer than a block.
SWITCH_INTERVAL_S = 0.0005


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """--help with each flag's default, where it has one to print (not None, off or an empty list)."""

    def _get_help_string(self, action):
        default = action.default
        if default is None or default is False or default == [] or default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="grower-serve", description="Play a timbre bank live: MIDI and OSC in, audio out.",
                                formatter_class=DefaultsHelpFormatter)
    p.add_argument("bank_dir", type=Path, nargs="?", metavar="BANK_DIR", help="bank folder written by grower-train")
    p.add_argument("--audio", choices=("device", "null"), default="device", help="device: sounddevice output; null: no device, paced in real time")
    p.add_argument("--device", default=None, metavar="DEV", help="output device name or index (see --list-devices); default: the system's")
    p.add_argument("--list-devices", action="store_true", help="list audio devices and exit")
    p.add_argument("--sample-rate", type=int, default=48000, metavar="HZ", help="output sample rate in Hz; the bank is played at it whatever rate it was trained at")
    p.add_argument("--block-size", type=int, default=256, metavar="N", help="samples per audio block, 16..8192: the output latency is about two blocks")
    p.add_argument("--record", type=Path, default=None, metavar="FILE.wav", help="write everything played to this WAV file")
    p.add_argument("--osc-host", default="127.0.0.1", metavar="HOST", help="address to bind; 0.0.0.0 opens OSC to the network")
    p.add_argument("--osc-port", type=int, default=9000, metavar="PORT", help="UDP port OSC is received on (0: any free port, printed at start)")
    p.add_argument("--oscquery-port", type=int, default=None, metavar="PORT",
                   help="OSCQuery HTTP port, on the OSC host (default: the OSC port + 1; 0: any free port)")
    p.add_argument("--no-oscquery", action="store_true", help="serve no OSCQuery and advertise nothing over mDNS")
    p.add_argument("--allow", type=Path, action="append", default=[], metavar="DIR", help="folder /grower/bank/load and /grower/tuning/load may read (default: the bank's parent)")
    p.add_argument("--midi-in", default="all", metavar="NAME", help="MIDI input port name (or part of one), all, or none (no MIDI at all)")
    p.add_argument("--no-virtual-port", action="store_true", help="do not open the 'Timbre Grower' virtual MIDI input")
    midi.add_arguments(p)
    tuning.add_arguments(p)
    tuning.add_transpose_argument(p)
    add_velocity_timbre_argument(p)
    p.add_argument("--max-voices", type=int, default=128, metavar="N", help="voices sounding at once; past it the released voice that started first (else the oldest) is stolen")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = p.parse_args(argv)
    if not args.list_devices and args.bank_dir is None:
        p.error("BANK_DIR is required")
    if not 0 <= args.stage_cc <= 119:
        p.error("--stage-cc must be a controller number 0..119")
    if not 0 <= args.velocity_timbre_cc <= 119:
        p.error("--velocity-timbre-cc must be a controller number 0..119")
    if not 16 <= args.block_size <= 8192:
        p.error("--block-size must be within 16..8192")
    if not 0 <= args.osc_port <= 65535 or (args.oscquery_port is not None and not 0 <= args.oscquery_port <= 65535):
        p.error("--osc-port and --oscquery-port must be within 0..65535")
    if args.max_voices < 1:
        p.error("--max-voices must be at least 1")
    if not 0 <= args.root_key <= 127:
        p.error("--root-key must be a MIDI key 0..127")
    if args.kbm is not None and args.scl is None:
        p.error("--kbm needs --scl")
    return args


def warm_up(bank, config: RenderConfig) -> None:
    """Load the compiled kernels before audio starts, so the first blocks are not late."""
    renderer = Renderer(bank, config)
    renderer.note_on(0, bank.tones[0].entry.f0_hz, 1.0)
    renderer.render(4 * config.control_period)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # libjack would otherwise try to launch a JACK server when PortAudio or rtmidi probe for one.
    os.environ.setdefault("JACK_NO_START_SERVER", "1")

    def say(text: str) -> None:
        if not args.quiet:
            print(f"grower-serve: {text}", flush=True)

    def error(text: str) -> int:
        print(f"grower-serve: {text}", file=sys.stderr, flush=True)
        return 1

    if args.list_devices:
        try:
            devices = list_devices()
            print(devices if devices.strip() else "grower-serve: no audio devices found (PortAudio sees none)")
            return 0
        except AudioUnavailable as e:
            return error(str(e))
    try:  # as /grower/bank/load: validated, probed, within the load timeout; else one line
        config = RenderConfig(sample_rate=args.sample_rate, max_voices=args.max_voices)
        prepared = run_with_timeout(lambda: prepare_bank(args.bank_dir, config), str(args.bank_dir))
        bank = prepared.bank
        player = Player(bank, args.bank_dir.resolve(), config, root_key=args.root_key, renderer=prepared.renderer)
        player.set_transpose(args.transpose)
        player.set_velocity_timbre(args.velocity_timbre)
        if args.scl is not None:
            player.set_keymap(run_with_timeout(lambda: prepare_tuning(player.tone_f0_hz, args.scl, args.kbm), str(args.scl)))
    except (LoadError, ValueError) as e:
        return error(str(e))
    warm_up(bank, config)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    # Everything loaded so far lives as long as the server: keep the collector off it,
    # so a full collection never walks numba's and NumPy's objects in the middle of a block.
    gc.collect()
    gc.freeze()
    engine = Engine(player, args.sample_rate)
    stop = threading.Event()
    dispatcher = Dispatcher(engine, args.allow or [args.bank_dir.resolve().parent], on_quit=stop.set)
    try:
        osc = OscServerThreads(dispatcher, args.osc_host, args.osc_port)
    except OSError as e:
        return error(f"cannot listen for OSC on {args.osc_host}:{args.osc_port}: {e.strerror or e}")
    oscquery = None
    if not args.no_oscquery:
        port = default_port(args.osc_port) if args.oscquery_port is None else args.oscquery_port
        try:
            oscquery = OscQueryServerThread(PROTOCOL, lambda: engine.player.n_harmonics, osc.address,
                                            host=osc.address[0], port=port, yield_to_audio=engine.yield_to_audio)
        except OSError as e:
            if args.oscquery_port is not None:
                return error(f"cannot serve OSCQuery on {osc.address[0]}:{port}: {e.strerror or e}")
            say(f"cannot serve OSCQuery on {osc.address[0]}:{port}: {e.strerror or e}; carrying on without it (OSC still works)")
    recorder = None
    if args.record is not None:
        try:
            recorder = RecorderThread(args.record, args.sample_rate, engine.yield_to_audio)
        except (OSError, RuntimeError) as e:
            return error(f"cannot record to {args.record}: {e}")
        engine.block_listeners.append(recorder)

    performer = MidiPerformer(player, midi.config_from_args(args))
    engine.midi_performers.append(performer)
    inputs = None
    if args.midi_in != "none":
        from .midi_ports import MidiInputThreads, MidiUnavailable

        try:
            inputs = MidiInputThreads(engine, performer, args.midi_in, virtual=not args.no_virtual_port)
            say(inputs.description)
        except MidiUnavailable as e:
            say(f"{e}; carrying on without MIDI (OSC still works)")
    else:
        say("MIDI: none")

    output = None
    if args.audio == "device":
        try:
            output = DeviceOutput(engine, args.block_size, args.device)
            say(f"audio: {output.name}, {args.sample_rate} Hz, {args.block_size}-sample blocks")
        except AudioUnavailable as e:
            say(f"{e}; playing to the null output instead" + (" (still recording)" if recorder else ""))
    if output is None:
        output = NullOutputThread(engine, args.block_size)
        if args.audio == "null":
            say(f"audio: null, {args.sample_rate} Hz, {args.block_size}-sample blocks, paced in real time")

    # The handlers only flip a flag: Event.set() takes a lock the interrupted main thread may hold.
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    signal.signal(signal.SIGTERM, lambda *_: interrupted.append(True))
    osc.start()
    output.start()
    say(f"bank {args.bank_dir} ({len(bank.tones)} tones; keys: {player.keymap.description}); "
        f"OSC on {osc.address[0]}:{osc.address[1]}" + (f"; recording to {args.record}" if recorder else "") + "; Ctrl-C stops")
    advertiser = None
    if oscquery is not None:
        oscquery.start()
        say(f"OSCQuery on {oscquery.url}")
        if should_advertise(osc.address[0]):
            advertiser = MdnsAdvertiserThread(osc.address, oscquery.address[1], say)
            advertiser.start()
    try:
        while not (interrupted or stop.is_set()):
            time.sleep(0.1)
            while not engine.notices.empty():  # what the audio thread had to say (a bank that broke)
                say(engine.notices.get_nowait())
    finally:
        signal.signal(signal.SIGINT, previous)
        output.stop()
        if inputs is not None:
            inputs.close()
        osc.stop()
        if advertiser is not None:
            advertiser.stop()
        if oscquery is not None:
            oscquery.stop()
        if recorder is not None:
            recorder.close()
            say(f"recorded {recorder.n_samples / args.sample_rate:.1f} s to {args.record}")
    say(f"stopped: {engine.messages} OSC messages, {engine.errors} errors, {engine.underflows} underflows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
