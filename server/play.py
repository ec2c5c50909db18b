"""grower-play: render a MIDI file through the live engine's MIDI handling, as fast as it can.

usage: grower-play FILE.mid BANK_DIR --out FILE.wav [--sample-rate 48000]
                   [--mpe] [--bend-range 2] [--stage-cc 1] [--scl F.scl [--kbm F.kbm]]
                   [--tail-s 10] [--quiet]

Every message goes through ``MidiPerformer`` at its exact sample, as in
grower-serve; after the last message the render runs until every voice has
ended (at most --tail-s). The WAV is written atomically; it is scaled down
only if it would clip, and says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from grower.synth.atomic import atomic_file
from grower.synth.bank import BankError, load_bank
from grower.synth.renderer import RenderConfig

from . import midi, tuning
from .midi import MidiPerformer
from .player import Player
from .tuning import TuningLoadError, scala_keymap

CHUNK = 4096  # samples rendered per call between events


def parse_args(argv):
    p = argparse.ArgumentParser(prog="grower-play", description="Render a MIDI file with a timbre bank.")
    p.add_argument("midi_file", type=Path)
    p.add_argument("bank_dir", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--sample-rate", type=int, default=48000)
    midi.add_arguments(p)
    tuning.add_arguments(p)
    p.add_argument("--tail-s", type=float, default=10.0)
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def render_messages(player: Player, performer: MidiPerformer, timed: list[tuple[float, mido.Message]], tail_s: float) -> np.ndarray:
    """timed: [(time_s, message)] in order. Returns [n_samples] float32."""
    sr = player.config.sample_rate
    pieces, position = [], 0
    for time_s, msg in timed:
        at = int(round(time_s * sr))
        while position + CHUNK <= at:  # render up to the event; the event itself lands on its sample
            pieces.append(player.render(CHUNK).copy())
            position += CHUNK
        performer.handle(msg, at)
    last = int(round(timed[-1][0] * sr)) if timed else 0
    while position <= last or (position < last + tail_s * sr and not (player.renderer.is_silent and not player.fading)):
        pieces.append(player.render(CHUNK).copy())
        position += CHUNK
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def error(text: str) -> int:
        print(f"grower-play: {text}", file=sys.stderr)
        return 1

    try:
        midi_file = mido.MidiFile(args.midi_file)
        timed, now = [], 0.0
        for msg in midi_file:  # mido yields delta times in seconds, tempo changes applied
            now += msg.time
            if not msg.is_meta:
                timed.append((now, msg))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as e:
        return error(f"{args.midi_file}: not a readable MIDI file: {e}")
    try:
        bank = load_bank(args.bank_dir)
        player = Player(bank, args.bank_dir, RenderConfig(sample_rate=args.sample_rate), root_key=args.root_key)
        if args.scl is not None:
            player.set_keymap(scala_keymap(player.tone_f0_hz, args.scl, args.kbm))
    except (BankError, TuningLoadError, ValueError) as e:
        return error(str(e))
    performer = MidiPerformer(player, midi.config_from_args(args))
    audio = render_messages(player, performer, timed, args.tail_s)
    peak = float(np.max(np.abs(audio), initial=0.0))
    if peak > 0.999:
        audio = audio * (0.999 / peak)
        if not args.quiet:
            print(f"grower-play: scaled by {20 * np.log10(0.999 / peak):.1f} dB to avoid clipping", file=sys.stderr)
    try:
        with atomic_file(args.out, suffix=".wav") as tmp:
            sf.write(tmp, audio, args.sample_rate, subtype="PCM_24")
    except OSError as e:
        return error(f"cannot write {args.out}: {e.strerror or e}")
    if not args.quiet:
        print(f"played {len(timed)} MIDI messages: {audio.size / args.sample_rate:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
