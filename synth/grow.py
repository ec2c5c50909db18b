"""grower-grow: render a bank's tones growing from the bare fundamental to every harmonic.

usage: grower-grow BANK_DIR [--out DIR] [--stages 64] [--stage-s 0.5] [--gap-s 0.2]
                   [--sample-rate 48000] [--level-mode equal|raw] [--tone NAME ...] [--quiet]

For each tone, DIR gets:

- grown_<tone>.wav: stage 1, 2, ... --stages, each --stage-s of the tone at its
  own pitch followed by --gap-s of silence (64 x 0.7 s = 44.8 s by default);
  stage s plays harmonics 1 to s;
- reconstruction_<tone>.wav, harmonic_<tone>.wav, noise_<tone>.wav: the whole
  recording's trajectory at every harmonic, as learned, then its parts;
- <tone>.safetensors: a copy of the tone's weights and controls;

plus checkpoint/ (the bank's training checkpoint, if it has one) and
outputs.zip holding all of it. DIR is written atomically.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import soundfile
from tqdm import tqdm

from .atomic import atomic_directory
from .bank import BankError, load_bank
from .growth import LEVEL_MODES
from .renderer import RenderConfig, Renderer

# Offline, 10.7 ms control periods at 48 kHz are plenty and cost a quarter of realtime's.
OFFLINE_PERIOD = 512


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


def recording(renderer: Renderer, tone: int, harmonic: bool = True, noise: bool = True) -> np.ndarray:
    """The tone's whole trajectory at its own pitch and length: note-off at the sustain's end."""
    sr = renderer.config.sample_rate
    renderer.reset()
    renderer.harmonic_mix, renderer.noise_mix = float(harmonic), float(noise)
    try:
        table = renderer.table
        voice = renderer.note_on(tone, table.f0_hz[tone], 1.0, stage=renderer.n_harmonics)
        renderer.note_off(voice, at_sample=int(round(table.sustain[tone, 1] / table.frame_rate_hz * sr)))
        return renderer.render(int(round((table.n_frames[tone] - 1) / table.frame_rate_hz * sr)))
    finally:
        renderer.harmonic_mix = renderer.noise_mix = 1.0


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> float:
    """16-bit WAV; audio is scaled down only if it would clip. Returns the gain applied."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    gain = 0.98 / peak if peak > 0.98 else 1.0
    soundfile.write(str(path), audio * gain, sample_rate, subtype="PCM_16")
    return gain


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grower-grow", description=__doc__.split("\n\n")[0])
    parser.add_argument("bank_dir", type=Path, metavar="BANK_DIR")
    parser.add_argument("--out", type=Path, default=Path("grown"), metavar="DIR", help="output directory (default: ./grown)")
    parser.add_argument("--stages", type=int, default=64, help="number of growth stages (default 64)")
    parser.add_argument("--stage-s", type=float, default=0.5, help="seconds of tone per stage (default 0.5)")
    parser.add_argument("--gap-s", type=float, default=0.2, help="seconds of silence after each stage (default 0.2)")
    parser.add_argument("--sample-rate", type=int, default=48000, help="output rate in Hz (default 48000)")
    parser.add_argument("--level-mode", choices=LEVEL_MODES, default="equal", help="equal loudness across stages (default) or raw")
    parser.add_argument("--tone", action="append", default=None, metavar="NAME", help="render only this tone (repeatable)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.stages <= 64:
        parser.error("--stages must be within 1..64")
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
    names = [t.entry.name for t in bank.tones]
    wanted = args.tone or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"grower-grow: {args.bank_dir}: no tone named {', '.join(unknown)} (the bank has {', '.join(names)})", file=sys.stderr)
        return 1
    sr = args.sample_rate
    renderer = Renderer(bank, RenderConfig(sample_rate=sr, level_mode=args.level_mode, control_period=OFFLINE_PERIOD))
    raw = Renderer(bank, RenderConfig(sample_rate=sr, level_mode="raw", control_period=OFFLINE_PERIOD))  # reconstructions as learned
    progress = tqdm(total=len(wanted) * args.stages, desc="growing", unit="stage", disable=args.quiet, file=sys.stderr, mininterval=0.1 if sys.stderr.isatty() else 10.0)
    with atomic_directory(args.out) as tmp:
        for name in wanted:
            tone = names.index(name)
            gain = write_wav(tmp / f"grown_{name}.wav", grown(renderer, tone, args.stages, args.stage_s, args.gap_s, progress), sr)
            if gain < 1.0 and not args.quiet:
                progress.write(f"{name}: grown render scaled by {20 * np.log10(gain):.1f} dB to avoid clipping")
            write_wav(tmp / f"reconstruction_{name}.wav", recording(raw, tone), sr)
            write_wav(tmp / f"harmonic_{name}.wav", recording(raw, tone, noise=False), sr)
            write_wav(tmp / f"noise_{name}.wav", recording(raw, tone, harmonic=False), sr)
            shutil.copy2(args.bank_dir / bank.tones[tone].entry.file, tmp / f"{name}.safetensors")
        if (args.bank_dir / "checkpoint").is_dir():
            shutil.copytree(args.bank_dir / "checkpoint", tmp / "checkpoint")
        with zipfile.ZipFile(tmp / "outputs.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tmp.rglob("*")):
                if path.is_file() and path.name != "outputs.zip":
                    archive.write(path, path.relative_to(tmp))
    progress.close()
    if not args.quiet:
        print(f"grown: {len(wanted)} tone(s), {args.stages} stages each -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
