"""Real sampled instruments for tests and benchmarks: General MIDI notes rendered by fluidsynth.

Debian ships free General MIDI SoundFonts (``timgm6mb-soundfont``,
``musescore-general-soundfont``) that the ``fluidsynth`` command renders to a
WAV without an audio device. :func:`render_note` writes a one-note MIDI file
with mido and renders it, dry (reverb and chorus off), mono. Like
``synthetic_bank``, this is test material, shared by the tests of every package
and by benchmarks/bench_envelopes.py.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import mido
import numpy as np
import soundfile

SOUNDFONTS = (
    "/usr/share/sounds/sf2/TimGM6mb.sf2",  # timgm6mb-soundfont
    "/usr/share/sounds/sf3/MuseScore_General.sf3",  # musescore-general-soundfont
    "/usr/share/sounds/sf2/MuseScore_General.sf2",
)

# name: (GM program, MIDI key, kind). Struck and plucked tones are one-shots, the rest sustain.
INSTRUMENTS = {
    "piano": (0, 60, "one-shot"),
    "guitar": (24, 52, "one-shot"),
    "marimba": (12, 72, "one-shot"),
    "clarinet": (71, 60, "sustain"),
    "flute": (73, 72, "sustain"),
    "trumpet": (56, 60, "sustain"),
}


def soundfont() -> Path | None:
    """The first General MIDI SoundFont of SOUNDFONTS that is installed, or None."""
    for path in SOUNDFONTS:
        if Path(path).is_file():
            return Path(path)
    return None


def unavailable() -> str | None:
    """Why notes cannot be rendered here (no fluidsynth, no SoundFont), or None when they can."""
    if shutil.which("fluidsynth") is None:
        return "fluidsynth is not installed (Debian: apt-get install fluidsynth)"
    if soundfont() is None:
        return "no General MIDI SoundFont is installed (Debian: apt-get install timgm6mb-soundfont)"
    return None


def note_file(path: Path, program: int, key: int, hold_s: float, total_s: float, lead_in_s: float = 0.0, velocity: int = 100) -> None:
    """A one-note standard MIDI file: program change, lead_in_s of nothing, key held hold_s, total_s in all."""
    ticks_per_s = 960  # 480 ticks a beat at 120 bpm
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    track.append(mido.Message("program_change", program=program, channel=0, time=0))
    track.append(mido.Message("note_on", note=key, velocity=velocity, channel=0, time=int(round(lead_in_s * ticks_per_s))))
    track.append(mido.Message("note_off", note=key, velocity=0, channel=0, time=int(round(hold_s * ticks_per_s))))
    track.append(mido.MetaMessage("end_of_track", time=int(round(max(total_s - lead_in_s - hold_s, 0.0) * ticks_per_s))))
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(str(path))


def render_note(name: str, hold_s: float = 3.0, total_s: float = 4.0, sample_rate: int = 22050, lead_in_s: float = 0.0,
                velocity: int = 100, key: int | None = None) -> np.ndarray:
    """[n_samples] float32 mono at sample_rate: instrument `name` of INSTRUMENTS, its key (or MIDI `key`) held hold_s.

    The render starts lead_in_s before the note-on and lasts total_s (plus the
    silence fluidsynth adds at the end). Raises RuntimeError saying why when
    fluidsynth or a SoundFont is missing, or fluidsynth fails.
    """
    reason = unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    program, own_key, _ = INSTRUMENTS[name]
    key = own_key if key is None else key
    with tempfile.TemporaryDirectory() as tmp:
        midi_path, wav_path = Path(tmp) / "note.mid", Path(tmp) / "note.wav"
        note_file(midi_path, program, key, hold_s, total_s, lead_in_s, velocity)
        command = ["fluidsynth", "-ni", "-g", "1.0", "-R", "0", "-C", "0", "-r", str(sample_rate), "-T", "wav", "-O", "float",
                   "-F", str(wav_path), str(soundfont()), str(midi_path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or not wav_path.exists():
            raise RuntimeError(f"fluidsynth failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:] or done.stdout.strip()[-200:]}")
        audio, rate = soundfile.read(str(wav_path), dtype="float32", always_2d=True)
    if rate != sample_rate:
        raise RuntimeError(f"fluidsynth rendered at {rate} Hz, not {sample_rate} Hz")
    return audio.mean(axis=1)
