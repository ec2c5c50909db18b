"""Cleaning the input: tones trained from noisy, humming and reverberant copies, against the clean ones.

usage: .venv/bin/python benchmarks/bench_clean.py [--steps N] [--hold S]

Real sampled tones (grower.synth.gm_tones: clarinet, flute, trumpet sustained,
piano struck) are degraded as a room and a preamp degrade them
(grower.synth.room): white noise at -45 dBFS plus 50 Hz hum at -40 dBFS with
three harmonics; and a room's reverb, RT60 0.8 s, 30 % wet. Each is trained
through grower-train once clean, and its degraded copies once with
``--clean off`` and once with ``--clean auto``. Each bank's tone is played by
the renderer (held for the recorded hold, then released) and compared with
the clean recording:

- noise + hum: the multi-resolution LSD (spectral.log_spectral_distance_db)
  against the clean recording; goal: within 1.5 dB of the clean-trained
  tone's LSD. Also the 50 Hz line's level in the render (dB re a full-scale
  sine), clean about -64 dB as the renderer's own harmonics leak there.
- reverb: the harmonic-profile error (spectral.harmonic_profile_error_db, the
  sustained part, harmonics within 60 dB of the strongest); goal: within
  0.5 dB of the clean-trained tone's. And the level 0.3 s after note-off, dB
  re the sustain's level; goal: no more than 10 dB above the clean-trained
  tone's (or below -60 dB). Beside them, the same profile errors of two
  references: the reverberant recording itself (what a model that learns it
  exactly scores), and a perfect dereverberation, the dry part as the room
  mixed it (70 % of the clean recording: the mix's level, 3.1 dB down, and
  none of the room's shape).

Prints what grower-train said it removed from each degraded copy (a breathy
tone's line says at how many frequencies its own noise was found above the
floor and kept), then one line per instrument and degradation: the figure
with cleaning off and on, the clean figure and the goal.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from grower.synth import gm_tones, room
from grower.synth.bank import load_bank
from grower.synth.held_note import envelope_db
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_levels_db, harmonic_profile_error_db, log_spectral_distance_db
from grower.training.cli import main as train

SR = 22050
INSTRUMENTS = ("clarinet", "flute", "trumpet", "piano")
ROOM_WET = 0.3  # room.add_reverb's: (1 - wet) x dry + wet x reverberated
DEGRADATIONS = {"noise_hum": room.add_hiss_and_hum, "reverb": lambda audio, sr: room.add_reverb(audio, sr, wet=ROOM_WET)}
LSD_GOAL_DB = 1.5
PROFILE_GOAL_DB = 0.5
TAIL_AFTER_OFF_S = 0.3
TAIL_GOAL_DB = 10.0
TAIL_QUIET_DB = -60.0
AFTER_OFF_S = 1.0  # rendered past the note-off


def train_folder(tones: Path, bank: Path, steps: int, clean: str) -> str:
    """grower-train tones -> bank with --clean clean; returns what it said on stderr."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
        status = train([str(tones), "--out", str(bank), "--steps", str(steps), "--clean", clean, "--quiet", "--no-cache"])
    if status != 0:
        raise SystemExit(f"bench_clean: grower-train failed ({status}): {said.getvalue()}")
    return said.getvalue()


def played(bank, name: str, hold_s: float) -> np.ndarray:
    """[n] at SR: the bank's tone held hold_s at its own pitch, then released for AFTER_OFF_S (raw levels)."""
    names = [t.entry.name for t in bank.tones]
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw"))
    voice = renderer.note_on(names.index(name), bank.tone(name).entry.f0_hz, 1.0)
    held = renderer.render(int(round(hold_s * SR)))
    renderer.note_off(voice)
    return np.concatenate([held, renderer.render(int(round(AFTER_OFF_S * SR)))])


def onset(audio: np.ndarray, below_peak_db: float = 40.0) -> int:
    """The first sample of audio [n] within below_peak_db of its peak (a bank's tone starts there)."""
    return int(np.argmax(np.abs(audio) >= np.abs(audio).max() * 10.0 ** (-below_peak_db / 20.0)))


def from_onset(audio: np.ndarray) -> np.ndarray:
    """audio [n] from its onset."""
    return audio[onset(audio) :]


def measures(reference: np.ndarray, render: np.ndarray, f0_hz: float, hold_s: float) -> dict:
    """The figures of one render against the clean recording (both [n] at SR, from the onset)."""
    n = min(reference.shape[0], render.shape[0])
    reference, render = reference[:n], render[:n]
    sustain = slice(int(0.3 * SR), int((hold_s - 0.1) * SR))
    times, level = envelope_db(render, SR, window_s=0.02, hop_s=0.005)
    sustain_db = np.median(level[(times > 0.3) & (times < hold_s - 0.1)])
    after = level[np.argmin(np.abs(times - (hold_s + TAIL_AFTER_OFF_S)))]
    return {
        "lsd_db": log_spectral_distance_db(reference, render),
        "hum_db": float(harmonic_levels_db(render[sustain], 50.0, SR, 1)[0]),
        "profile_db": harmonic_profile_error_db(reference[sustain], render[sustain], f0_hz, SR),
        "shape_db": harmonic_profile_error_db(reference[sustain], render[sustain], f0_hz, SR, match_level=True),
        "tail_db": float(after - sustain_db),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="spectral steps per training run")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each recorded note is held")
    args = parser.parse_args(argv)
    reason = gm_tones.unavailable()
    if reason:
        print(f"bench_clean: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        originals = {name: gm_tones.render_note(name, args.hold, args.hold + 1.0, SR) for name in INSTRUMENTS}
        degraded = {(name, label): degrade(audio, SR) for name, audio in originals.items() for label, degrade in DEGRADATIONS.items()}
        (tmp / "clean").mkdir()
        (tmp / "degraded").mkdir()
        for name, audio in originals.items():
            soundfile.write(str(tmp / "clean" / f"{name}.wav"), audio, SR, subtype="FLOAT")
        for (name, label), audio in degraded.items():
            soundfile.write(str(tmp / "degraded" / f"{name}_{label}.wav"), audio, SR, subtype="FLOAT")
        said = train_folder(tmp / "clean", tmp / "bank_clean", args.steps, "auto")
        untouched = not any(line.startswith("cleaned ") for line in said.splitlines())
        lines = train_folder(tmp / "degraded", tmp / "bank_off", args.steps, "off")
        lines += train_folder(tmp / "degraded", tmp / "bank_auto", args.steps, "auto")
        banks = {key: load_bank(tmp / f"bank_{key}") for key in ("clean", "off", "auto")}

    print(f"bench_clean: {len(INSTRUMENTS)} instruments, held {args.hold:.1f} s, {args.steps} steps, rendered by the renderer at {SR} Hz")
    print(f"clean recordings under --clean auto: {'untouched (no tone cleaned)' if untouched else 'CHANGED: ' + said.strip()}")
    for line in lines.splitlines():
        if line.startswith(("cleaned", "not cleaned", "skipped")):
            print(f"  {line}")
    met = untouched
    for name in INSTRUMENTS:
        reference = from_onset(originals[name])
        f0_hz = banks["clean"].tone(name).entry.f0_hz
        clean = measures(reference, played(banks["clean"], name, args.hold), f0_hz, args.hold)
        for label in DEGRADATIONS:
            tone = f"{name}_{label}"
            figures = {key: measures(reference, played(banks[key], tone, args.hold), f0_hz, args.hold)
                       for key in ("off", "auto") if tone in {t.entry.name for t in banks[key].tones}}
            if "auto" not in figures:
                print(f"{name:9s} {label:10s} skipped by grower-train --clean auto (see above)")
                met = False
                continue
            # off: grower-train may refuse the degraded file outright (its pitch drowned in noise): said as "skipped"
            off = figures.get("off", {key: float("nan") for key in figures["auto"]})
            auto = figures["auto"]
            if label == "noise_hum":
                ok = auto["lsd_db"] - clean["lsd_db"] <= LSD_GOAL_DB
                said_off = f"{off['lsd_db']:5.2f}" if "off" in figures else "skipped"
                print(f"{name:9s} {label:10s} LSD {said_off} off -> {auto['lsd_db']:5.2f} auto dB (clean-trained {clean['lsd_db']:5.2f}; "
                      f"goal <= {clean['lsd_db'] + LSD_GOAL_DB:5.2f}) {'met' if ok else 'MISSED'};  50 Hz line {off['hum_db']:6.1f} off -> "
                      f"{auto['hum_db']:6.1f} auto dB (clean-trained {clean['hum_db']:6.1f})")
            else:
                # Two references: the reverberant recording itself (the room's gain on each harmonic), and a perfect
                # dereverberation, the dry part as the room mixed it ((1 - wet) x the clean recording)
                given = measures(reference, degraded[(name, label)][onset(originals[name]) :], f0_hz, args.hold)
                dry = measures(reference, (1.0 - ROOM_WET) * reference, f0_hz, args.hold)
                ok_profile = auto["profile_db"] - clean["profile_db"] <= PROFILE_GOAL_DB
                tail_goal = max(clean["tail_db"] + TAIL_GOAL_DB, TAIL_QUIET_DB)
                ok_tail = auto["tail_db"] <= tail_goal
                ok = ok_profile and ok_tail
                print(f"{name:9s} {label:10s} harmonic profile {off['profile_db']:5.2f} off -> {auto['profile_db']:5.2f} auto dB (clean-trained "
                      f"{clean['profile_db']:5.2f}; goal <= {clean['profile_db'] + PROFILE_GOAL_DB:5.2f}) {'met' if ok_profile else 'MISSED'};  "
                      f"off+{TAIL_AFTER_OFF_S:.1f} s {off['tail_db']:6.1f} off -> {auto['tail_db']:6.1f} auto dB re sustain (clean-trained "
                      f"{clean['tail_db']:6.1f}; goal <= {tail_goal:6.1f}) {'met' if ok_tail else 'MISSED'};  LSD {off['lsd_db']:5.2f} -> {auto['lsd_db']:5.2f};  "
                      f"shape alone {off['shape_db']:5.2f} -> {auto['shape_db']:5.2f} (clean-trained {clean['shape_db']:5.2f});  "
                      f"the recording itself {given['profile_db']:5.2f}, shape {given['shape_db']:5.2f}; its dry part as mixed "
                      f"{dry['profile_db']:5.2f}, shape {dry['shape_db']:5.2f}")
            met &= ok
    print("all goals met" if met else "some goals missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
