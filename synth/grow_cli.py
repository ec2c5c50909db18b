"""grower-grow: render a bank's tones growing from the bare fundamental to every harmonic.

usage: grower-grow BANK_DIR [--out DIR] [--stages N] [--stage-s 0.5] [--gap-s 0.2]
                   [--sample-rate 48000] [--level-mode equal|raw] [--tone NAME ...] [--quiet]

For each tone, DIR gets:

- grown_<tone>.wav: stage 1, 2, ... --stages (default: every one of the bank's
  harmonics, more is refused), each --stage-s of the tone at its own pitch followed
  by --gap-s of silence (64 x 0.7 s = 44.8 s for a 64-harmonic bank);
  stage s plays harmonics 1 to s;
- reconstruction_<tone>.wav, harmonic_<tone>.wav, noise_<tone>.wav: the whole
  recording's trajectory at every harmonic, as learned, then its parts;
- <tone>.safetensors: a copy of the tone's weights and controls;

plus bank.json naming those files, so that DIR is itself a bank of the grown
tones (grower-serve DIR plays it), the bank's checkpoint/ if it has one, and
outputs.zip holding all of it: unzipped, a loadable bank with its renders.
The WAVs are 24-bit (grower.synth.wav), scaled down only where they would clip.

DIR is written atomically. An existing DIR is replaced only when it is an
earlier grower-grow output (it holds outputs.zip) or empty; anything else
(the bank itself, a file) is refused with one line, as is a DIR that cannot
be written.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .atomic import atomic_directory
from .bank import CHECKPOINT_DIR, Bank, BankError, load_bank, write_bank
from .growth import LEVEL_MODES
from .render_params import RenderParams
from .reconstruction import offline_period, raw_renderer, recording
from .renderer import RenderConfig, Renderer
from .wav import write_wav

OUTPUTS_ZIP = "outputs.zip"


def grown(renderer: Renderer, tone: int, stages: int, stage_s: float, gap_s: float, progress=None) -> np.ndarray:
    """[n_samples] float32: each stage's note, cut with a one-period fade, then silence."""
    sr = renderer.config.sample_rate
    note, gap = int(round(stage_s * sr)), int(round(gap_s * sr))
    f0_hz = renderer.table.f0_hz[tone]
    pieces = []
    for stage in range(1, stages + 1):
        renderer.reset()
        voice = renderer.note_on(tone, f0_hz, 1.0, stage=min(stage, renderer.n_harmonics))
        renderer.note_off(voice, release=False, at_sample=max(note - renderer.config.control_period, 0))
        pieces += [renderer.render(note), np.zeros(gap, np.float32)]
        if progress is not None:
            progress.update(1)
    return np.concatenate(pieces)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grower-grow", description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("bank_dir", type=Path, metavar="BANK_DIR", help="bank folder written by grower-train")
    parser.add_argument("--out", type=Path, default=Path("grown"), metavar="DIR", help="output folder: new, empty, or an earlier grower-grow output")
    parser.add_argument("--stages", type=int, default=None, help="number of growth stages; None: the bank's harmonic count")
    parser.add_argument("--stage-s", type=float, default=0.5, help="seconds of tone per stage")
    parser.add_argument("--gap-s", type=float, default=0.2, help="seconds of silence after each stage")
    parser.add_argument("--sample-rate", type=int, default=48000, help="output rate in Hz")
    parser.add_argument("--level-mode", choices=LEVEL_MODES, default="equal", help="equal loudness across stages, or raw")
    parser.add_argument("--tone", action="append", default=None, metavar="NAME", help="render only this tone (repeatable); None: every tone")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    args = parser.parse_args(argv)
    if args.stages is not None and args.stages < 1:
        parser.error("--stages must be at least 1")
    if not (0 < args.stage_s <= 60 and 0 <= args.gap_s <= 60):
        parser.error("--stage-s must be within (0, 60] and --gap-s within [0, 60]")
    if not 8000 <= args.sample_rate <= 192000:
        parser.error("--sample-rate must be within 8000..192000 Hz")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        bank = load_bank(args.bank_dir)
    except BankError as error:
        print(f"grower-grow: {error}", file=sys.stderr)
        return 1
    n_harmonics = bank.header.n_harmonics
    stages = n_harmonics if args.stages is None else args.stages
    if stages > n_harmonics:
        print(f"grower-grow: --stages {stages} is more than the {n_harmonics} harmonics of {args.bank_dir}", file=sys.stderr)
        return 1
    names = [t.entry.name for t in bank.tones]
    wanted = args.tone or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"grower-grow: {args.bank_dir}: no tone named {', '.join(unknown)} (the bank has {', '.join(names)})", file=sys.stderr)
        return 1
    refusal = unusable_output(args.out, args.bank_dir)
    if refusal:
        print(f"grower-grow: {args.out}: {refusal}", file=sys.stderr)
        return 1
    sr = args.sample_rate
    config = RenderConfig(sample_rate=sr, control_period=offline_period(bank.header, sr))
    renderer = Renderer(bank, config, RenderParams(level_mode=args.level_mode))
    raw = raw_renderer(bank, sr)  # reconstructions as learned
    progress = tqdm(total=len(wanted) * stages, desc="growing", unit="stage", disable=args.quiet, file=sys.stderr, mininterval=0.1 if sys.stderr.isatty() else 10.0)
    try:
        with atomic_directory(args.out) as tmp:
            for name in wanted:
                tone = names.index(name)
                gain_db = write_wav(tmp / f"grown_{name}.wav", grown(renderer, tone, stages, args.stage_s, args.gap_s, progress), sr)
                if gain_db < 0.0 and not args.quiet:
                    progress.write(f"{name}: grown render scaled by {gain_db:.1f} dB to avoid clipping")
                write_wav(tmp / f"reconstruction_{name}.wav", recording(raw, tone), sr)
                write_wav(tmp / f"harmonic_{name}.wav", recording(raw, tone, noise=False), sr)
                write_wav(tmp / f"noise_{name}.wav", recording(raw, tone, harmonic=False), sr)
            write_grown_bank(tmp, bank, wanted)
            if (args.bank_dir / CHECKPOINT_DIR).is_dir():
                shutil.copytree(args.bank_dir / CHECKPOINT_DIR, tmp / CHECKPOINT_DIR)
            with zipfile.ZipFile(tmp / OUTPUTS_ZIP, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(tmp.rglob("*")):
                    if path.is_file() and path.name != OUTPUTS_ZIP:
                        archive.write(path, path.relative_to(tmp).as_posix())
    except (OSError, BankError) as error:
        progress.close()
        reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
        print(f"grower-grow: {args.out}: cannot write it ({reason}); nothing was written", file=sys.stderr)
        return 1
    progress.close()
    if not args.quiet:
        print(f"grown: {len(wanted)} tone(s), {stages} stages each -> {args.out}")
    return 0


def write_grown_bank(directory: Path, bank: Bank, wanted: list) -> None:
    """bank.json and <tone>.safetensors for the wanted tones (names) in directory: a bank of what was grown.

    The tone files lie beside bank.json, not in tones/, so a grown folder reads
    as renders and weights side by side; bank.json's ``file`` fields say where.
    """
    tones = [bank.tone(name) for name in wanted]
    entries = [(dataclasses.replace(t.entry, file=f"{t.entry.name}.safetensors"), t.tensors) for t in tones]
    training = {t.entry.name: t.training for t in tones if t.training is not None}
    write_bank(directory, bank.header, entries, training=training, run=bank.run)


def unusable_output(out: Path, bank_dir: Path) -> str | None:
    """Why --out cannot be replaced by grower-grow's output (None: it can): it would destroy something else."""
    if os.path.lexists(out) and not out.is_dir():
        return "exists and is not a folder; give --out a new folder"
    if out.is_dir():
        if out.resolve() == Path(bank_dir).resolve():
            return "is the bank itself; give --out another folder"
        try:
            entries = os.listdir(out)
        except OSError as error:
            return f"cannot read it ({error.strerror or error})"
        if entries and OUTPUTS_ZIP not in entries:
            return f"exists and is not a grower-grow output (no {OUTPUTS_ZIP} in it); give --out a new or empty folder"
    return None


if __name__ == "__main__":
    sys.exit(main())
