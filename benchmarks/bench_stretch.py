"""Stretched partials (inharmonicity), in numbers: a real piano against its reconstruction.

    .venv/bin/python benchmarks/bench_stretch.py [--steps 30] [--keep DIR]

Renders three keys of the General MIDI piano (C3, C4, G4) and the harmonic
clarinet, trumpet and flute with fluidsynth (key held 3 s, 22050 Hz, dry),
trains them twice with grower-train, once with ``--harmonic`` (every tone
B = 0: before) and once measuring B (after), plays each tone in the renderer
at 48 kHz at the bank's pitch, and prints per tone, before and after:

- B: the bank's inharmonicity;
- f0: the bank's f0_hz against the recording's fundamental, cents;
- fund: the rendered fundamental against the recording's, cents;
- p12: the rendered partial 12 against the recording's, cents (NaN: the render has no
  clear partial 12, as when a harmonic model cannot place it);
- p12 bank: where the bank puts partial 12, 12 f0 sqrt(1 + 144 B), against the recording's, cents;
- profile: the mean |level error| of partials 1-12, dB (each relative to its strongest).

Partials are measured from one long high-resolution spectrum, 1 s from 50 ms
after each onset (grower.synth.spectral.partial_comparison). Goals: pianos'
|f0|, |fund| and |p12| <= 3 cents; harmonic instruments B = 0 and unchanged.
Needs fluidsynth and a General MIDI SoundFont. Not part of the test suite;
tests/contract/test_stretched_partials.py holds the goals for two piano keys.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from grower.synth import gm_tones
from grower.synth.bank import load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import onset_sample, partial_comparison, partial_frequencies_hz
from grower.training.cli import main as train

SR = 22050
OUT_SR = 48000
TONES = {"piano_c3": ("piano", 48), "piano_c4": ("piano", 60), "piano_g4": ("piano", 67),
         "clarinet": ("clarinet", None), "trumpet": ("trumpet", None), "flute": ("flute", None)}
GOAL_CENTS = 3.0


def played(bank, name: str, seconds: float = 1.5) -> np.ndarray:
    names = [t.entry.name for t in bank.tones]
    renderer = Renderer(bank, RenderConfig(sample_rate=OUT_SR), RenderParams(level_mode="raw"))
    renderer.note_on(names.index(name), bank.tone(name).entry.f0_hz, 1.0)
    return renderer.render(int(seconds * OUT_SR))


def figures(bank, name: str, recording: np.ndarray) -> dict:
    """B, the pitch errors (cents), partial 12's error (cents) and the profile error (dB) of one tone."""
    entry = bank.tone(name).entry
    cents, level_db = partial_comparison(recording, SR, played(bank, name), OUT_SR, entry.f0_hz)
    start = onset_sample(recording) + int(0.05 * SR)
    recorded_hz = partial_frequencies_hz(recording[start:start + SR], entry.f0_hz, SR, 12, floor_db=-80.0)[0]
    model_p12_hz = 12 * entry.f0_hz * np.sqrt(1 + 144 * entry.inharmonicity)
    return {"B": entry.inharmonicity, "f0": 1200 * np.log2(entry.f0_hz / recorded_hz[0]), "fund": cents[0], "p12": cents[11],
            "p12 bank": 1200 * np.log2(model_p12_hz / recorded_hz[11]), "profile": float(np.nanmean(np.abs(level_db[:12])))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="grower-train --steps (default 30)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the tones and banks in this folder")
    args = parser.parse_args()
    reason = gm_tones.unavailable()
    if reason is not None:
        print(f"bench_stretch: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        tones = folder / "tones"
        tones.mkdir(parents=True, exist_ok=True)
        recordings = {name: gm_tones.render_note(instrument, 3.0, 4.0, SR, key=key) for name, (instrument, key) in TONES.items()}
        for name, audio in recordings.items():
            soundfile.write(str(tones / f"{name}.wav"), audio, SR)
        banks = {}
        for label, extra in (("before", ["--harmonic"]), ("after", [])):
            started = time.perf_counter()
            said = io.StringIO()
            with contextlib.redirect_stderr(said):
                code = train([str(tones), "--out", str(folder / label), "--steps", str(args.steps), "--quiet", "--no-cache", *extra])
            if code != 0:
                print(f"bench_stretch: grower-train failed: {said.getvalue()}", file=sys.stderr)
                return 1
            banks[label] = load_bank(folder / label)
            print(f"{label}: trained {len(TONES)} tones{' with --harmonic' if extra else ''}, --steps {args.steps}, in {time.perf_counter() - started:.0f} s")
        print(f"\nSoundFont: {gm_tones.soundfont()}. Goals: pianos |f0|, |fund|, |p12| <= {GOAL_CENTS:g} cents; harmonic tones B = 0, unchanged.")
        print(f"{'tone':10s}{'':8s}{'B':>10s}{'f0 c':>8s}{'fund c':>8s}{'p12 c':>8s}{'p12 bank c':>12s}{'profile dB':>12s}   goal")
        for name in TONES:
            piano = name.startswith("piano")
            for label, bank in banks.items():
                f = figures(bank, name, recordings[name])
                if piano:
                    met = all(abs(f[key]) <= GOAL_CENTS for key in ("f0", "fund", "p12"))
                    goal = f"|cents| <= {GOAL_CENTS:g}: {'met' if met else 'missed'}"
                else:
                    goal = f"B = 0: {'met' if f['B'] == 0 else 'missed'}"
                print(f"{name if label == 'before' else '':10s}{label:8s}{f['B']:10.3g}{f['f0']:8.2f}{f['fund']:8.2f}{f['p12']:8.2f}{f['p12 bank']:12.2f}{f['profile']:12.2f}   {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
