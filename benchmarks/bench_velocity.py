"""Velocity changes brightness: the centroid of the harmonic part at MIDI velocities 30, 60, 90 and 120.

    .venv/bin/python -m benchmarks.bench_velocity [--steps 60] [--bank BANK_DIR]

Renders the sustained General MIDI instruments of grower.synth.gm_tones
(clarinet, flute, trumpet; 2.5 s held, at 22050 Hz), trains them with
grower-train (or plays --bank, a bank of them), and holds each in the renderer
at its own pitch at each velocity (velocity / 127, noise off: the harmonic
part). Measured over the sustained part (0.5 .. 1.8 s): the spectral centroid
of the harmonic part, sum(k f0 a_k) / sum(a_k) over the harmonic peaks of
grower.synth.spectral.harmonic_levels_db, in Hz. Printed per instrument, with
the source of its velocity timbre table (decoder or tilt) and the same measure
at --velocity-timbre 0 (velocity only gain, as before) and of the SoundFont's
own notes at those velocities, beside the goal:

  the centroid rises with velocity at every step, and by at least 15 % from
  velocity 30 to 120.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from grower.synth import gm_tones
from grower.synth.bank import BANK_JSON, load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_levels_db

INSTRUMENTS = ("clarinet", "flute", "trumpet")
VELOCITIES = (30, 60, 90, 120)
SR = 22050  # recordings and training
OUT_SR = 48000  # renders
HOLD_S, TOTAL_S = 2.5, 3.0
SUSTAIN_S = (0.5, 1.8)  # the part measured, of a note held 2 s
N_HARMONICS_MEASURED = 40
GOAL_RISE = 0.15


def harmonic_centroid_hz(audio: np.ndarray, f0_hz: float, sample_rate: int) -> float:
    """Spectral centroid of the harmonic part of audio [n] (linear): sum(k f0 a_k) / sum(a_k) over harmonic peaks, Hz."""
    levels_db = harmonic_levels_db(audio, f0_hz, sample_rate, N_HARMONICS_MEASURED)
    amplitudes = 10.0 ** (levels_db / 20.0)
    k = np.arange(1, N_HARMONICS_MEASURED + 1)
    return float(np.sum(k * f0_hz * amplitudes) / np.sum(amplitudes))


def rendered_centroids(bank, name: str, amount: float) -> list[float]:
    """The tone `name` held 2 s at each of VELOCITIES: [centroid Hz] over SUSTAIN_S."""
    tone = [t.entry.name for t in bank.tones].index(name)
    f0_hz = bank.tones[tone].entry.f0_hz
    out = []
    for velocity in VELOCITIES:
        renderer = Renderer(bank, RenderConfig(sample_rate=OUT_SR), RenderParams(noise_mix=0.0, velocity_timbre=amount))
        renderer.note_on(tone, f0_hz, velocity / 127.0)
        audio = renderer.render(int(2.0 * OUT_SR))
        out.append(harmonic_centroid_hz(audio[int(SUSTAIN_S[0] * OUT_SR):int(SUSTAIN_S[1] * OUT_SR)], f0_hz, OUT_SR))
    return out


def soundfont_centroids(name: str, f0_hz: float) -> list[float]:
    """The SoundFont's own note at each of VELOCITIES: [centroid Hz] over SUSTAIN_S."""
    out = []
    for velocity in VELOCITIES:
        audio = gm_tones.render_note(name, HOLD_S, TOTAL_S, SR, velocity=velocity)
        out.append(harmonic_centroid_hz(audio[int(SUSTAIN_S[0] * SR):int(SUSTAIN_S[1] * SR)], f0_hz, SR))
    return out


def train(folder: Path, steps: int) -> Path:
    """The instruments recorded and trained into folder/bank; returns the bank folder."""
    from grower.training.cli import main as grower_train  # torch only when training

    tones = folder / "tones"
    tones.mkdir(parents=True)
    for name in INSTRUMENTS:
        soundfile.write(str(tones / f"{name}.wav"), gm_tones.render_note(name, HOLD_S, TOTAL_S, SR), SR)
    with contextlib.redirect_stderr(io.StringIO()):
        if grower_train([str(tones), "--out", str(folder / "bank"), "--steps", str(steps), "--quiet", "--no-cache"]) != 0:
            raise SystemExit("bench_velocity: grower-train failed")
    return folder / "bank"


def row(label: str, centroids: list[float]) -> tuple[str, float, bool]:
    rise = centroids[-1] / centroids[0] - 1.0
    monotonic = bool(np.all(np.diff(centroids) > 0))
    text = f"  {label:<22s}" + "".join(f"{c:9.0f}" for c in centroids) + f"{100 * rise:+9.1f} %  {'rising' if monotonic else 'not rising'}"
    return text, rise, monotonic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="grower-train's --steps")
    parser.add_argument("--bank", type=Path, default=None, help="a bank of the instruments, trained already")
    args = parser.parse_args()
    reason = gm_tones.unavailable()
    if reason is not None:
        print(f"bench_velocity: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        bank_dir = args.bank or train(Path(tmp), args.steps)
        bank = load_bank(bank_dir)
        sources = {t["name"]: t.get("velocity_timbre", "none") for t in json.loads((Path(bank_dir) / BANK_JSON).read_text())["tones"]}
        print(f"centroid of the harmonic part (Hz) over {SUSTAIN_S[0]}..{SUSTAIN_S[1]} s of a held note, at MIDI velocity")
        print(f"  {'':<22s}" + "".join(f"{v:9d}" for v in VELOCITIES) + "     rise")
        met = []
        for name in INSTRUMENTS:
            f0_hz = bank.tone(name).entry.f0_hz
            print(f"{name} ({f0_hz:.1f} Hz), table from: {sources[name]}")
            text, rise, monotonic = row("rendered, amount 1", rendered_centroids(bank, name, 1.0))
            print(text)
            print(row("rendered, amount 0", rendered_centroids(bank, name, 0.0))[0])
            print(row("SoundFont (fluidsynth)", soundfont_centroids(name, f0_hz))[0])
            ok = monotonic and rise >= GOAL_RISE
            met.append(ok)
            print(f"  goal: rising at every step and >= {100 * GOAL_RISE:.0f} % from 30 to 120: {100 * rise:.1f} %, "
                  f"{'rising' if monotonic else 'not rising'}: {'met' if ok else 'not met'}")
        print(f"goal met for {sum(met)} of {len(met)} instruments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
