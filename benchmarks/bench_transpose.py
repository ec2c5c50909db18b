"""Transposition that keeps formants, and morphing, on real instruments: the goals beside their figures.

    .venv/bin/python -m benchmarks.bench_transpose [--steps 100] [--keep DIR]

With --keep DIR, the recordings and the bank stay in DIR, and a later run with the
same DIR measures them again without training.

Clarinet, trumpet and flute notes of a General MIDI SoundFont (grower.synth.gm_tones),
each at its own key and a fifth above, are trained in one grower-train run. Each lower
tone is then played held at its own pitch, an octave up and an octave down, with
transpose "harmonics" (the recorded harmonics moved with the pitch) and "envelope"
(the spectral envelope kept in hertz); and each pair is played halfway between its two
pitches (in log pitch). Every figure is the centroid of the harmonic part
(spectral.harmonic_centroid_hz: harmonic amplitudes, noise mix 0), over the sustained
part (RENDER_FROM_S .. RENDER_TO_S of a note held HOLD_S), at the training rate; the
recording's over the same span of the recording.

Goals:
  - an octave up, with envelope, the centroid in hertz is within 10 % of the recorded
    tone's (with harmonics it doubles);
  - halfway between two trained tones, with envelope, the centroid lies between theirs.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from grower.synth import gm_tones
from grower.synth.bank import load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_centroid_hz, harmonic_levels_db
from grower.training.cli import main as train

SR = 22050  # recordings, training and renders: one band for every centroid
HOLD_S, TOTAL_S = 3.0, 4.0
RENDER_FROM_S, RENDER_TO_S = 0.5, 2.7  # the sustained part
INSTRUMENTS = ("clarinet", "trumpet", "flute")
FIFTH = 7  # semitones from each instrument's key to its second tone
GOAL_OCTAVE_UP = 0.10  # |envelope centroid / recorded centroid - 1| at most


def record_pairs(folder: Path) -> dict:
    """{tone name: recording [n] at SR}: each instrument at its key (its name) and a fifth up (name + '_up'), written as WAVs in folder."""
    recordings = {}
    for name in INSTRUMENTS:
        key = gm_tones.INSTRUMENTS[name][1]
        recordings[name] = gm_tones.render_note(name, HOLD_S, TOTAL_S, SR)
        recordings[f"{name}_up"] = gm_tones.render_note(name, HOLD_S, TOTAL_S, SR, key=key + FIFTH)
    for name, audio in recordings.items():
        soundfile.write(str(folder / f"{name}.wav"), audio, SR)
    return recordings


def sustained(audio: np.ndarray) -> np.ndarray:
    return audio[int(RENDER_FROM_S * SR):int(RENDER_TO_S * SR)]


def played(bank, tone: str, pitch_hz: float, transpose: str) -> np.ndarray:
    """[n] at SR: tone held at pitch_hz for HOLD_S, harmonic part only, levels as learned; its sustained part."""
    names = [t.entry.name for t in bank.tones]
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(transpose=transpose, level_mode="raw", noise_mix=0.0))
    renderer.note_on(names.index(tone), pitch_hz, 1.0)
    return sustained(renderer.render(int(HOLD_S * SR)))


def centroid(bank, tone: str, pitch_hz: float, transpose: str) -> float:
    return harmonic_centroid_hz(played(bank, tone, pitch_hz, transpose), pitch_hz, SR)


def measure(bank, recordings: dict) -> dict:
    """{instrument: figures}: the recording's centroid, the rendered ones, and the pair's."""
    f0 = {t.entry.name: t.entry.f0_hz for t in bank.tones}
    results = {}
    for name in INSTRUMENTS:
        up = f"{name}_up"
        figures = {"recorded": harmonic_centroid_hz(sustained(recordings[name]), f0[name], SR)}
        # two readings of the recording itself an octave up: its fundamental alone (the least any voice can have), and its
        # spectrum read exactly in hertz at 2 n f0 (its harmonics 2, 4, 6 ...: no fine structure kept by harmonic number)
        amplitudes = 10.0 ** (harmonic_levels_db(sustained(recordings[name]), f0[name], SR, 64) / 20.0)
        figures["fundamental alone"] = 2.0 * f0[name]
        figures["read in hertz"] = float(np.sum(f0[name] * np.arange(2, 65, 2) * amplitudes[1::2]) / np.sum(amplitudes[1::2]))
        for transpose in ("harmonics", "envelope"):
            for label, factor in (("own", 1.0), ("octave up", 2.0), ("octave down", 0.5)):
                figures[transpose, label] = centroid(bank, name, f0[name] * factor, transpose)
        halfway_hz = math.sqrt(f0[name] * f0[up])
        figures["low"] = centroid(bank, name, f0[name], "envelope")
        figures["high"] = centroid(bank, up, f0[up], "envelope")
        figures["halfway", "envelope"] = centroid(bank, name, halfway_hz, "envelope")
        figures["halfway", "harmonics"] = centroid(bank, name, halfway_hz, "harmonics")
        results[name] = figures
    return results


def report(results: dict) -> bool:
    """Print every figure and the goals; True when every goal is met."""
    print(f"{'instrument':<10s}{'recorded':>10s}{'mode':>11s}{'own':>9s}{'octave up':>11s}{'(ratio)':>9s}{'octave down':>13s}{'(ratio)':>9s}")
    for name, f in results.items():
        for transpose in ("harmonics", "envelope"):
            up, down = f[transpose, "octave up"], f[transpose, "octave down"]
            print(f"{name:<10s}{f['recorded']:9.0f} {transpose:>11s}{f[transpose, 'own']:8.0f} {up:10.0f} {up / f['recorded']:8.2f} "
                  f"{down:12.0f} {down / f['recorded']:8.2f}")
    print("(centroids of the harmonic part in Hz; ratio: to the recorded tone's)")
    print()
    met = True
    print(f"goal: an octave up with envelope, the centroid within {100 * GOAL_OCTAVE_UP:.0f} % of the recorded tone's")
    for name, f in results.items():
        error = f["envelope", "octave up"] / f["recorded"] - 1.0
        ok = abs(error) <= GOAL_OCTAVE_UP
        met &= ok
        print(f"  {name:<10s} {100 * error:+6.1f} % ({'met' if ok else 'NOT met'}; harmonics: "
              f"{100 * (f['harmonics', 'octave up'] / f['recorded'] - 1.0):+.0f} %; the recording's fundamental alone an octave up: "
              f"{100 * (f['fundamental alone'] / f['recorded'] - 1.0):+.1f} %, its spectrum read in hertz at 2 n f0: "
              f"{100 * (f['read in hertz'] / f['recorded'] - 1.0):+.1f} %)")
    print("goal: halfway (in log pitch) between two trained tones, with envelope, the centroid between theirs")
    for name, f in results.items():
        low, high, mid = f["low"], f["high"], f["halfway", "envelope"]
        ok = min(low, high) < mid < max(low, high)
        met &= ok
        print(f"  {name:<10s} {low:6.0f} < {mid:6.0f} < {high:6.0f} Hz: {'met' if ok else 'NOT met'} "
              f"(harmonics, the lower tone moved: {f['halfway', 'harmonics']:.0f} Hz)")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="grower-train --steps (default 100)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the recordings and the bank in this folder")
    args = parser.parse_args()
    reason = gm_tones.unavailable()
    if reason is not None:
        print(f"bench_transpose: {reason}", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp()) if args.keep is None else args.keep
    try:
        tones = folder / "tones"
        tones.mkdir(parents=True, exist_ok=True)
        if (folder / "bank" / "bank.json").is_file():
            recordings = {path.stem: soundfile.read(str(path), dtype="float32")[0] for path in tones.glob("*.wav")}
            print(f"measuring the bank kept in {folder} (delete it to train again)")
        else:
            recordings = record_pairs(tones)
            print(f"SoundFont: {gm_tones.soundfont()}; training {len(recordings)} tones at {SR} Hz, --steps {args.steps}")
            if train([str(tones), "--out", str(folder / "bank"), "--steps", str(args.steps), "--quiet", "--no-cache"]) != 0:
                return 1
        met = report(measure(load_bank(folder / "bank"), recordings))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
