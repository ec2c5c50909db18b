"""grower-play: render a MIDI file through the live engine's MIDI handling, as fast as it can.

usage: grower-play FILE.mid BANK_DIR --out FILE.wav [--sample-rate 48000]
                   [--mpe] [--bend-range 2] [--stage-cc 1] [--scl F.scl [--kbm F.kbm]] [--transpose envelope|harmonics]
                   [--tail-s 10] [--max-duration-s 3600] [--quiet]

Every message goes through ``MidiPerformer`` at its exact sample, as in
grower-serve; after the last message the render runs until every voice has
ended (at most --tail-s). A file whose last message comes later than
--max-duration-s (an hour by default) is refused before anything is rendered,
and the render never runs past that length.

The WAV is streamed to disk as 32-bit float (``grower.synth.wav.WavStream``):
memory stays small however long the file, and samples above full scale are
kept, not clipped, so nothing is scaled (a peak above 0 dBFS is said). It is
written to FILE.wav.part and renamed when done, so Ctrl-C or a failure leaves
no partial file and an existing FILE.wav as it was.

Exit status: 0; 1 with one line for a file that is not a readable MIDI file,
a bank or tuning that cannot be loaded, or an output that cannot be written;
130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
from pathlib import Path

import mido
import soundfile
from tqdm import tqdm

from grower.synth.bank import BankError, load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.wav import WavStream

from . import midi, tuning
from .midi import MidiPerformer
from .player import Player, add_velocity_timbre_argument
from .tuning import TuningLoadError, scala_keymap

CHUNK = 4096  # samples rendered per call between events


class MidiFileError(Exception):
    """A file that cannot be played; str() is the reason, without the file name."""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="grower-play", description="Render a MIDI file with a timbre bank.", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("midi_file", type=Path, metavar="FILE.mid", help="standard MIDI file, type 0 or 1")
    p.add_argument("bank_dir", type=Path, metavar="BANK_DIR", help="bank folder written by grower-train")
    p.add_argument("--out", type=Path, required=True, default=argparse.SUPPRESS, metavar="FILE.wav", help="WAV file to write (32-bit float)")
    p.add_argument("--sample-rate", type=int, default=48000, help="output rate in Hz")
    midi.add_arguments(p)
    tuning.add_arguments(p)
    tuning.add_transpose_argument(p)
    add_velocity_timbre_argument(p)
    p.add_argument("--tail-s", type=float, default=10.0, help="longest ring-out after the last message, in seconds")
    p.add_argument("--max-duration-s", type=float, default=3600.0, help="refuse a file whose last message comes later than this, in seconds")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = p.parse_args(argv)
    if not 8000 <= args.sample_rate <= 192000:
        p.error("--sample-rate must be within 8000..192000 Hz")
    if not (math.isfinite(args.tail_s) and args.tail_s >= 0):
        p.error(f"--tail-s must be a finite number of seconds >= 0, not {args.tail_s!r}")
    if not (math.isfinite(args.max_duration_s) and args.max_duration_s > 0):
        p.error(f"--max-duration-s must be a finite number of seconds > 0, not {args.max_duration_s!r}")
    return args


def read_midi(path: Path) -> list[tuple[float, mido.Message]]:
    """[(time_s, message)], channel and system messages in time order, tempo changes applied.

    Raises MidiFileError with a one-line reason (never empty) for anything that
    is not a playable MIDI file. The path is checked with stat before it is
    opened, so a FIFO or device never blocks or streams forever.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise MidiFileError(error.strerror or str(error)) from None
    if not stat.S_ISREG(mode):
        raise MidiFileError("not a regular file" + (" (a directory)" if stat.S_ISDIR(mode) else ""))
    try:
        midi_file = mido.MidiFile(path)
    except EOFError:  # mido's own: raised without a message
        raise MidiFileError("the file ends early: it is truncated, or a chunk claims more bytes than the file has") from None
    except Exception as error:  # noqa: BLE001 - any failure of the parser on a hostile file is a reason, not a traceback
        raise MidiFileError(_reason(error)) from None
    if midi_file.ticks_per_beat == 0:
        raise MidiFileError("its header gives 0 ticks per beat")
    if midi_file.ticks_per_beat < 0:
        raise MidiFileError("its header gives SMPTE time (frames per second), which is not supported; save it with ticks per beat")
    if midi_file.type == 2:
        raise MidiFileError("type 2 (independent tracks) is not supported; save it as type 0 or 1")
    timed, now = [], 0.0
    try:
        for msg in midi_file:  # mido yields delta times in seconds, tempo changes applied
            now += msg.time
            if not msg.is_meta:
                timed.append((now, msg))
    except Exception as error:  # noqa: BLE001 - as above: a meta message mido cannot decode, a delta too large for a float
        raise MidiFileError(_reason(error)) from None
    if not timed:
        raise MidiFileError("it holds no notes or other channel messages")
    return timed


def _write_reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _reason(error: Exception) -> str:
    """mido's own errors (OSError, ValueError) say what is wrong; others come from decoding a malformed message."""
    text = str(error).strip()
    text = text.splitlines()[0] if text else ""
    if text and type(error) in (OSError, ValueError, TypeError):
        return text
    return f"a malformed message ({type(error).__name__}{': ' + text if text else ''})"


def render_messages(player: Player, performer: MidiPerformer, timed: list[tuple[float, mido.Message]], tail_s: float, write,
                    max_samples: int, progress=None) -> int:
    """Render timed ([(time_s, message)] in order) block by block into write(block); returns the samples written.

    Each block is [CHUNK] float32 at the player's rate. The render runs to the
    last message, then until every voice has ended or tail_s has passed, and
    never past max_samples. progress(n_samples): called after each block.
    """
    sr = player.config.sample_rate
    position = 0

    def block() -> None:
        nonlocal position
        n = min(CHUNK, max_samples - position)
        write(player.render(n))
        position += n
        if progress is not None:
            progress(n)

    for time_s, msg in timed:
        at = int(round(time_s * sr))
        while position + CHUNK <= at and position < max_samples:  # render up to the event; the event itself lands on its sample
            block()
        performer.handle(msg, at)
    last = int(round(timed[-1][0] * sr)) if timed else 0
    while position < max_samples and (position <= last or (position < last + tail_s * sr and not (player.renderer.is_silent and not player.fading))):
        block()
    return position


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def error(text: str) -> int:
        print(f"grower-play: {text}", file=sys.stderr)
        return 1

    try:
        timed = read_midi(args.midi_file)
    except MidiFileError as e:
        return error(f"{args.midi_file}: not a readable MIDI file: {e}")
    length_s = timed[-1][0]
    if length_s > args.max_duration_s:
        return error(f"{args.midi_file}: its last message comes at {length_s:.6g} s, later than --max-duration-s {args.max_duration_s:g} s; "
                     "raise --max-duration-s to render it")
    if args.out.is_dir():
        return error(f"{args.out}: is a folder; give --out a WAV file name")
    try:
        bank = load_bank(args.bank_dir)
        player = Player(bank, args.bank_dir, RenderConfig(sample_rate=args.sample_rate), root_key=args.root_key)
        player.set_transpose(args.transpose)
        player.set_velocity_timbre(args.velocity_timbre)
        if args.scl is not None:
            player.set_keymap(scala_keymap(player.tone_f0_hz, args.scl, args.kbm))
    except (BankError, TuningLoadError, ValueError) as e:
        return error(str(e))
    performer = MidiPerformer(player, midi.config_from_args(args))
    sr = args.sample_rate
    max_samples = int(args.max_duration_s * sr)
    interval_s = 0.1 if sys.stderr.isatty() else 10.0
    bar = tqdm(total=round(min(length_s + args.tail_s, args.max_duration_s), 1), desc="playing", unit="s", unit_scale=False, disable=args.quiet,
               file=sys.stderr, mininterval=interval_s, bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s [{elapsed}<{remaining}]")

    def advance(n: int) -> None:  # the render stops on a block boundary, or early once silent: the bar never runs past its end
        bar.update(min(n / sr, bar.total - bar.n))

    try:
        with WavStream(args.out, sr) as stream:
            n_samples = render_messages(player, performer, timed, args.tail_s, stream.write, max_samples, progress=advance)
    except KeyboardInterrupt:
        bar.close()
        print(f"grower-play: interrupted; nothing was written{f' ({args.out} is as it was)' if args.out.exists() else ''}", file=sys.stderr)
        return 130
    except (OSError, soundfile.SoundFileError) as e:  # soundfile reports a full disk as a LibsndfileError
        bar.close()
        return error(f"{args.out}: cannot write it ({_write_reason(e)}); nothing was written")
    bar.total = bar.n  # rang out before the longest tail: done all the same
    bar.close()
    for _, failure in player.take_failures():
        print(f"grower-play: {failure}", file=sys.stderr)
    if not args.quiet:
        if stream.peak > 1.0:
            print(f"grower-play: peak {20 * math.log10(stream.peak):+.1f} dBFS: kept unclipped in the float WAV; lower the gain when converting to integer",
                  file=sys.stderr)
        print(f"played {len(timed)} MIDI messages: {n_samples / sr:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
