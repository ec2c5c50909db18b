"""Held notes of real sampled instruments, in numbers.

    .venv/bin/python -m benchmarks.bench_envelopes [--steps 100] [--keep DIR]

Renders each General MIDI instrument of grower.synth.gm_tones with fluidsynth
(key held 3 s, 22050 Hz, dry), and the piano again after 1.5 s of leading
silence; trains them all with grower-train; then holds every tone in the
renderer at 48 kHz (struck and plucked ones 10 s, sustained ones 30 s) and
prints, with grower.synth.held_note's measures:

- the envelope grower-train chose and the sustain loop;
- struck/plucked: the level 3 s after the onset held, and 2.95 s after it in
  the recording (its note-off is at 3 s), dB re the peak; the most the held
  envelope rises after its peak (down to 60 dB below it); the level at 6 s;
- sustained: the envelope's peak-to-peak over the held part (0.5-30 s) against
  the recording's sustain (0.5-2.9 s); the modulation that repeats at the loop's
  period against the most the recording's sustain has at lags of 0.1-1.4 s;
- clicks in the held note (click detector);
- the late piano: how long after its note-on it sounds in a grower-play render.

Needs fluidsynth and a General MIDI SoundFont (Debian: fluidsynth,
timgm6mb-soundfont). Not part of the test suite; tests/contract/test_held_notes.py
holds the same figures to their limits.
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

from grower.server.play import main as play
from grower.synth import gm_tones, held_note
from grower.synth.bank import load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.training.cli import main as train

SR = 22050
OUT_SR = 48000
HOLD_S, TOTAL_S = 3.0, 4.0
SUSTAIN_FROM_S = 0.5


def held(bank, name: str, seconds: float) -> np.ndarray:
    names = [t.entry.name for t in bank.tones]
    renderer = Renderer(bank, RenderConfig(sample_rate=OUT_SR), RenderParams(level_mode="raw"))
    renderer.note_on(names.index(name), bank.tone(name).entry.f0_hz, 1.0)
    return renderer.render(int(seconds * OUT_SR))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="grower-train --steps (default 100)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the tones, bank and renders in this folder")
    args = parser.parse_args()
    reason = gm_tones.unavailable()
    if reason is not None:
        print(f"bench_envelopes: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        tones = folder / "tones"
        tones.mkdir(parents=True, exist_ok=True)
        recordings = {name: gm_tones.render_note(name, HOLD_S, TOTAL_S, SR) for name in gm_tones.INSTRUMENTS}
        for name, audio in recordings.items():
            soundfile.write(str(tones / f"{name}.wav"), audio, SR)
        late = folder / "late"
        late.mkdir(exist_ok=True)
        soundfile.write(str(late / "late_piano.wav"), gm_tones.render_note("piano", 2.0, 3.5, SR, lead_in_s=1.5), SR)
        print(f"SoundFont: {gm_tones.soundfont()}; training {len(recordings)} tones, --steps {args.steps}")
        started = time.perf_counter()
        for source, bank_dir in ((tones, folder / "bank"), (late, folder / "late_bank")):
            said = io.StringIO()
            with contextlib.redirect_stderr(said):
                code = train([str(source), "--out", str(bank_dir), "--steps", str(args.steps), "--quiet", "--no-cache"])
            if code != 0:
                print(f"bench_envelopes: grower-train failed: {said.getvalue()}", file=sys.stderr)
                return 1
            for line in said.getvalue().splitlines():
                print(f"  grower-train: {line}")
        print(f"trained in {time.perf_counter() - started:.1f} s\n")
        bank = load_bank(folder / "bank")

        print("struck and plucked, held 10 s (dB re the peak)")
        print(f"{'tone':10s}{'envelope':>10s}{'held@3s':>9s}{'rec@2.95s':>11s}{'held@6s':>9s}{'max rise':>10s}{'clicks':>8s}")
        for name, (_, _, kind) in gm_tones.INSTRUMENTS.items():
            if kind != "one-shot":
                continue
            audio = held(bank, name, 10.0)
            recording = recordings[name]
            print(f"{name:10s}{bank.tone(name).entry.envelope:>10s}{held_note.level_after_onset_db(audio, OUT_SR, 3.0):9.1f}"
                  f"{held_note.level_after_onset_db(recording, SR, 2.95):11.1f}{held_note.level_after_onset_db(audio, OUT_SR, 6.0):9.1f}"
                  f"{held_note.max_rise_after_peak_db(audio, OUT_SR):10.2f}{held_note.click_count(audio, OUT_SR):8d}")
            if args.keep:
                soundfile.write(str(folder / f"held_{name}.wav"), audio, OUT_SR)

        print("\nsustained, held 30 s (dB)")
        print(f"{'tone':10s}{'envelope':>10s}{'loop':>22s}{'p2p held':>10s}{'p2p rec':>9s}{'mod@loop':>10s}{'rec max':>9s}{'clicks':>8s}")
        for name, (_, _, kind) in gm_tones.INSTRUMENTS.items():
            if kind != "sustain":
                continue
            entry = bank.tone(name).entry
            audio = held(bank, name, 30.0)
            recording = recordings[name]
            period_s = (entry.sustain_end_s - entry.sustain_start_s) * (2 if entry.loop == "ping-pong" else 1)
            loop = f"{entry.loop} {period_s:.2f} s"
            recorded = (SUSTAIN_FROM_S, HOLD_S - 0.1)
            print(f"{name:10s}{entry.envelope:>10s}{loop:>22s}{held_note.peak_to_peak_db(audio, OUT_SR, SUSTAIN_FROM_S, 30.0):10.2f}"
                  f"{held_note.peak_to_peak_db(recording, SR, *recorded):9.2f}"
                  f"{held_note.periodic_modulation_db(audio, OUT_SR, SUSTAIN_FROM_S, 30.0, period_s):10.3f}"
                  f"{held_note.periodic_modulation_range_db(recording, SR, *recorded, np.arange(0.1, 1.4, 0.01)):9.3f}"
                  f"{held_note.click_count(audio, OUT_SR, SUSTAIN_FROM_S):8d}")
            if args.keep:
                soundfile.write(str(folder / f"held_{name}.wav"), audio, OUT_SR)

        gm_tones.note_file(folder / "note.mid", program=0, key=60, hold_s=1.0, total_s=2.0, lead_in_s=0.5)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            play([str(folder / "note.mid"), str(folder / "late_bank"), "--out", str(folder / "late.wav"), "--quiet"])
        audio, rate = soundfile.read(str(folder / "late.wav"))
        entry = load_bank(folder / "late_bank").tones[0].entry
        print(f"\nleading silence: late_piano (1.50 s of silence before the note) trained to {entry.duration_s:.2f} s, onset at {entry.onset_s * 1000:.1f} ms;"
              f" in grower-play it sounds {1000 * held_note.onset_latency_s(audio, rate, 0.5):.2f} ms after its note-on")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
