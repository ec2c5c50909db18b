"""grower-audition: hear a bank without Max: its tones as a scale, then a chord growing from stage 1.

usage: grower-audition BANK_DIR [--out FILE.wav] [--device DEV] [--sample-rate 48000] [--transpose envelope|harmonics]
                       [--note-s 0.6] [--chord-s 6] [--chord-size 4] [--quiet]

The scale plays every tone at its own recorded pitch, lowest first, with all
its harmonics. Then a chord of --chord-size tones spread over the bank sounds
for --chord-s: its bare fundamentals (stage 1) for a moment, then a glide to
the bank's n_harmonics. It plays to the sound card, or with --out is written to
a WAV file (atomically) instead. Rendered by the same Player as grower-serve.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from grower.synth.bank import BankError, load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.wav import fit_peak, write_wav

from . import tuning
from .player import Player, add_velocity_timbre_argument

GAP_S = 0.15  # silence between the scale's notes
CHORD_VELOCITY = 0.5  # a chord of several tones stays under full scale


def parse_args(argv):
    p = argparse.ArgumentParser(prog="grower-audition", description="Play a bank's tones as a scale, then a growing chord.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("bank_dir", type=Path, metavar="BANK_DIR", help="bank folder written by grower-train")
    p.add_argument("--out", type=Path, default=None, help="write a WAV file instead of playing to the sound card")
    p.add_argument("--device", default=None, help="output device name or index (grower-serve --list-devices lists them)")
    p.add_argument("--sample-rate", type=int, default=48000, help="output rate in Hz")
    p.add_argument("--note-s", type=float, default=0.6, help="length of each scale note in seconds")
    p.add_argument("--chord-s", type=float, default=6.0, help="length of the growing chord in seconds")
    p.add_argument("--chord-size", type=int, default=4, help="tones in the chord, spread over the bank")
    tuning.add_transpose_argument(p)
    add_velocity_timbre_argument(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = p.parse_args(argv)
    if not 0.05 <= args.note_s <= 60 or not 0.5 <= args.chord_s <= 600:
        p.error("--note-s must be within 0.05..60 s and --chord-s within 0.5..600 s")
    if args.chord_size < 1:
        p.error("--chord-size must be at least 1")
    if not 8000 <= args.sample_rate <= 192000:
        p.error("--sample-rate must be within 8000..192000 Hz")
    return args


def chord_tones(n_tones: int, chord_size: int) -> list[int]:
    """Indices of up to chord_size tones spread evenly from the lowest to the highest."""
    if chord_size >= n_tones:
        return list(range(n_tones))
    return sorted({int(round(i * (n_tones - 1) / max(chord_size - 1, 1))) for i in range(chord_size)})


def audition(player: Player, note_s: float, chord_s: float, chord_size: int) -> np.ndarray:
    """The scale then the growing chord, rendered: [n_samples] float32 at the player's rate."""
    sr = player.config.sample_rate
    top = float(player.n_harmonics)
    note, gap = int(round(note_s * sr)), int(round(GAP_S * sr))
    f0_hz = player.tone_f0_hz
    at = 0
    player.set_stage(top, 0.0, at_sample=0)
    for tone in range(len(f0_hz)):
        player.pitch_on(("scale", tone), float(f0_hz[tone]), 1.0, tone, at_sample=at)
        player.off(("scale", tone), at_sample=at + note)
        at += note + gap
    chord_at = at + int(round(0.5 * sr))  # the last scale note's release rings first
    hold_s = min(0.5, 0.2 * chord_s)  # the bare fundamentals first, then the growth
    player.set_stage(1.0, 0.0, at_sample=chord_at)
    player.set_stage(top, 0.9 * chord_s - hold_s, at_sample=chord_at + int(round(hold_s * sr)))
    for tone in chord_tones(len(f0_hz), chord_size):
        player.pitch_on(("chord", tone), float(f0_hz[tone]), CHORD_VELOCITY, tone, at_sample=chord_at)
        player.off(("chord", tone), at_sample=chord_at + int(round(chord_s * sr)))
    total = chord_at + int(round((chord_s + 1.5) * sr))  # room for the release
    return player.render(total).copy()


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def error(text: str) -> int:
        print(f"grower-audition: {text}", file=sys.stderr)
        return 1

    try:
        bank = load_bank(args.bank_dir)
    except BankError as e:
        return error(str(e))
    player = Player(bank, args.bank_dir, RenderConfig(sample_rate=args.sample_rate))
    player.set_transpose(args.transpose)
    player.set_velocity_timbre(args.velocity_timbre)
    audio = audition(player, args.note_s, args.chord_s, args.chord_size)
    names = ", ".join(t.entry.name for t in bank.tones)
    if args.out is not None:
        try:
            gain_db = write_wav(args.out, audio, args.sample_rate)
        except OSError as e:
            return error(f"cannot write {args.out}: {e.strerror or e}")
        if not args.quiet:
            scaled = f" (scaled by {gain_db:.1f} dB to avoid clipping)" if gain_db < 0 else ""
            print(f"{len(bank.tones)} tones ({names}) then a growing chord: {audio.size / args.sample_rate:.1f} s -> {args.out}{scaled}")
        return 0
    from .audio import AudioUnavailable, play_buffer  # sounddevice only when playing

    audio, _ = fit_peak(audio)  # as a written audition would be
    if not args.quiet:
        print(f"playing {len(bank.tones)} tones ({names}), then a growing chord: {audio.size / args.sample_rate:.1f} s (Ctrl-C stops)")
    try:
        play_buffer(audio, args.sample_rate, args.device)
    except AudioUnavailable as e:
        return error(f"{e}; use --out FILE.wav to write the audition to a file")
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
