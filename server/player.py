"""The player: a renderer, a key map and the notes held on it.

One owner calls it (the audio thread in grower-serve, the file loop in
grower-play), so it needs no locks. Notes are held under handles: ("osc", key),
("id", voice id) or ("midi", channel, key). Sample times are the player's own
output clock.

A bank swap has no gap and no click: new notes play the new bank, while a note
held on the old one sounds there until its note-off (which reaches the old
renderer: a handle is kept with the renderer it plays on), and then rings out.
The old renderer keeps rendering into the same output until it is silent, and
follows the global stage, gain and mixes meanwhile. Panic silences every bank.

Voices are followed from note-on to the end of their release (``listen``): each
renderer's voices are compared, once a block, with the slots its renderer still
holds, so the owner learns when a voice started and when it ended.

A renderer that raises, or renders a sample that is not finite, is dropped
(a fading one) or reset (the current one: its voices end, new notes play it
again), the others play on, and ``take_failures`` says so once per renderer.
``render`` always returns finite samples.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grower.synth.bank import Bank
from grower.synth.render_params import checked
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.velocity_timbre import MAX_AMOUNT as MAX_VELOCITY_TIMBRE

from .tuning import KeyMap, bank_keymap, nearest_tone, refit_keymap


@dataclass
class Playing:
    """A renderer and what it plays: its bank's folder, and where the bank came from.

    source: opaque to the player, handed back with a failure (grower-serve: the
    (address, reply destination) of the /grower/bank/load that loaded it; None for
    the bank it started with). failed: a failure was reported for it. origin: the
    player sample that is the renderer's sample 0. voices: renderer voice id ->
    Voice, every voice started on it and not yet ended. keymap: once swapped out,
    the key map its held notes were played with (a bend retunes them by it).
    """

    renderer: Renderer
    bank_dir: Path
    source: object = None
    failed: bool = False
    origin: int = 0
    voices: dict = field(default_factory=dict)
    keymap: KeyMap | None = None


@dataclass(frozen=True)
class Voice:
    """A voice as its listener hears of it. serial: the player's number for it, unique across banks.
    key: the MIDI key that played it, -1 for a pitch played under another handle (("id", n)). start: the
    renderer sample its note-on applies at."""

    serial: int
    key: int
    pitch_hz: float
    tone: str
    start: int


KEYED = ("osc", "midi")  # handle kinds whose last item is a MIDI key: ("osc", key), ("midi", channel, key)
VoiceListener = Callable[[bool, Voice], None]  # (started: True, ended: False; the voice); must not block


class Player:
    def __init__(self, bank: Bank, bank_dir: Path, config: RenderConfig, root_key: int = 60, renderer: Renderer | None = None):
        """renderer: built for bank by the caller (grower-serve builds and checks it with the bank); None: built here."""
        self.config = config
        self.root_key = root_key
        self.fading: list[Playing] = []  # old banks' renderers: held notes and releases
        self.held_old: dict[tuple, tuple[Playing, int]] = {}  # handle -> (old bank's Playing, voice id): held across a swap
        self.failures: list[tuple[object, str]] = []  # (source, message) not yet taken
        self.clock = 0  # samples rendered by render()
        self._on_voice: VoiceListener | None = None
        self._serials = itertools.count(1)
        self._install(bank, bank_dir, renderer or Renderer(bank, config))
        self.keymap = bank_keymap(self.tone_f0_hz, root_key)

    def _install(self, bank: Bank, bank_dir: Path, renderer: Renderer, source: object = None) -> None:
        self.bank_dir = Path(bank_dir)
        self.renderer = renderer
        self.playing = Playing(renderer, self.bank_dir, source, origin=self.clock)  # renderer sample 0 is player sample origin
        self.tone_names = [t.entry.name for t in bank.tones]
        self.tone_f0_hz = np.array([t.entry.f0_hz for t in bank.tones])
        self.notes: dict[tuple, int] = {}  # handle -> renderer voice id

    def listen(self, on_voice: VoiceListener | None) -> None:
        """Call on_voice(True, voice) when a note-on is applied and on_voice(False, voice) when that voice
        has ended (its slot freed after the release or fade), on the owner's thread; None: stop."""
        self._on_voice = on_voice

    # -- time ----------------------------------------------------------------------

    @property
    def origin(self) -> int:
        """The player sample that is the current renderer's sample 0."""
        return self.playing.origin

    def _at(self, at_sample: int | None, playing: Playing | None = None) -> int | None:
        origin = (playing or self.playing).origin
        return None if at_sample is None else max(int(at_sample) - origin, 0)

    # -- notes ---------------------------------------------------------------------

    def key_on(self, handle: tuple, key: int, velocity: float, at_sample: int | None = None, bend_semitones: float = 0.0) -> bool:
        """Play a key through the key map. False when the key is unmapped."""
        mapped = self.keymap.lookup(key)
        if mapped is None:
            return False
        pitch_hz, tone = mapped
        self.pitch_on(handle, pitch_hz * 2.0 ** (bend_semitones / 12.0), velocity, tone, at_sample)
        return True

    def pitch_on(self, handle: tuple, pitch_hz: float, velocity: float, tone: int | None = None, at_sample: int | None = None) -> None:
        """Play any pitch under handle; a handle already sounding (on this bank or an old one) is released first."""
        if handle in self.notes or handle in self.held_old:
            self.off(handle, at_sample)
        if tone is None:
            tone = nearest_tone(self.tone_f0_hz, pitch_hz)
        pitch_hz, at = self._below_nyquist(pitch_hz), self._at(at_sample)
        voice_id = self.renderer.note_on(tone, pitch_hz, velocity, at_sample=at)
        self.notes[handle] = voice_id
        voice = Voice(next(self._serials), int(handle[-1]) if handle[0] in KEYED else -1, float(pitch_hz), self.tone_names[tone],
                      self.renderer.sample_clock if at is None else at)
        self.playing.voices[voice_id] = voice
        if self._on_voice is not None:
            self._on_voice(True, voice)

    def off(self, handle: tuple, at_sample: int | None = None, release: bool = True) -> bool:
        """Release a handle (release=False: fade out in one period), on the bank it plays on.
        False when it was not sounding."""
        voice = self.notes.pop(handle, None)
        if voice is not None:
            self.renderer.note_off(voice, release, at_sample=self._at(at_sample))
            return True
        held = self.held_old.pop(handle, None)
        if held is None:
            return False
        playing, voice = held
        playing.renderer.note_off(voice, release, at_sample=self._at(at_sample, playing))
        return True

    def keymap_for(self, handle: tuple) -> KeyMap:
        """The key map handle's note was played with: an old bank's for a note held across a swap."""
        held = self.held_old.get(handle)
        return held[0].keymap if held is not None and held[0].keymap is not None else self.keymap

    def holds(self, handle: tuple) -> bool:
        """Is a note held under handle, on this bank or an old one?"""
        return handle in self.notes or handle in self.held_old

    def _voice(self, handle: tuple) -> tuple[Playing, int] | None:
        """(the Playing it sounds on, its voice id) for a held handle; None when it is not held."""
        voice = self.notes.get(handle)
        return (self.playing, voice) if voice is not None else self.held_old.get(handle)

    def set_pitch(self, handle: tuple, pitch_hz: float, at_sample: int | None = None) -> bool:
        found = self._voice(handle)
        if found is not None:
            playing, voice = found
            playing.renderer.set_voice(voice, pitch_hz=self._below_nyquist(pitch_hz), at_sample=self._at(at_sample, playing))
        return found is not None

    def _below_nyquist(self, pitch_hz: float) -> float:
        """A bent or retuned pitch may pass Nyquist; the voice stays just under it (its partials taper to silence)."""
        return min(pitch_hz, 0.499 * self.config.sample_rate)

    def set_expression(self, handle: tuple, expression: float, at_sample: int | None = None) -> bool:
        found = self._voice(handle)
        if found is not None:
            playing, voice = found
            playing.renderer.set_voice(voice, expression=expression, at_sample=self._at(at_sample, playing))
        return found is not None

    def set_voice_stage(self, handle: tuple, stage: float, glide_s: float | None = None, at_sample: int | None = None) -> bool:
        found = self._voice(handle)
        if found is not None:
            playing, voice = found
            stage = min(stage, float(playing.renderer.n_harmonics))  # an old bank may have fewer harmonics
            playing.renderer.set_stage(stage, glide_s, voice_id=voice, at_sample=self._at(at_sample, playing))
        return found is not None

    def handles(self, kind: str, *prefix) -> list[tuple]:
        """The handles held (on this bank or an old one) of a kind: handles("midi", channel)."""
        return [h for h in itertools.chain(self.notes, self.held_old) if h[0] == kind and h[1:1 + len(prefix)] == prefix]

    def panic(self, at_sample: int | None = None) -> None:
        """Everything off now, on every bank: a one-period fade, no release."""
        self.renderer.all_notes_off(release=False, at_sample=self._at(at_sample))
        for old in self.fading:
            old.renderer.all_notes_off(release=False, at_sample=self._at(at_sample, old))
        self.notes.clear()
        self.held_old.clear()

    # -- parameters ----------------------------------------------------------------

    def set_stage(self, stage: float, glide_s: float | None = None, tone: int | None = None, at_sample: int | None = None) -> None:
        """The global stage (tone None), which old banks' voices follow too (capped at their harmonic
        count); or one tone's stage, in this bank."""
        self.renderer.set_stage(stage, glide_s, tone=tone, at_sample=self._at(at_sample))
        if tone is None:
            for old in self.fading:
                old.renderer.set_stage(min(stage, float(old.renderer.n_harmonics)), glide_s, at_sample=self._at(at_sample, old))

    def tone_index(self, name: str) -> int:
        try:
            return self.tone_names.index(name)
        except ValueError:
            raise ValueError(f"no tone named {name!r} in the bank (it has {', '.join(self.tone_names)})") from None

    def set_gain_db(self, gain_db: float, at_sample: int | None = None) -> None:
        """Master gain in dB, scheduled like every other event, on every bank."""
        for playing in (self.playing, *self.fading):
            playing.renderer.set_gain(10 ** (gain_db / 20), at_sample=self._at(at_sample, playing))

    def set_mix(self, harmonic: float | None = None, noise: float | None = None, at_sample: int | None = None) -> None:
        """Harmonic and/or noise level relative to the learned one (linear; None keeps it), scheduled, on every bank."""
        for playing in (self.playing, *self.fading):
            playing.renderer.set_mix(harmonic, noise, at_sample=self._at(at_sample, playing))

    def set_transpose(self, transpose: str, at_sample: int | None = None) -> None:
        """How tones play away from their pitch (render_params transpose: "envelope" or "harmonics"),
        scheduled, on every bank. A ValueError names a bad value."""
        for playing in (self.playing, *self.fading):
            playing.renderer.set_transpose(transpose, at_sample=self._at(at_sample, playing))

    def set_velocity_timbre(self, amount: float, at_sample: int | None = None) -> None:
        """How much velocity changes brightness (0: not at all, 1: as learned; see RenderParams), scheduled, on every bank."""
        for playing in (self.playing, *self.fading):
            playing.renderer.set_velocity_timbre(amount, at_sample=self._at(at_sample, playing))

    @property
    def global_stage(self) -> float:
        return self.renderer.global_stage

    @property
    def n_harmonics(self) -> int:
        """The playing bank's harmonic count: the growth stage's ceiling."""
        return self.renderer.n_harmonics

    @property
    def n_voices(self) -> int:
        return self.renderer.n_voices + sum(old.renderer.n_voices for old in self.fading)

    # -- banks and tunings ---------------------------------------------------------

    def swap_bank(self, bank: Bank, bank_dir: Path, renderer: Renderer, source: object = None) -> None:
        """Hot swap: new notes play the new bank; notes held on the old one sound on there until
        their note-off, then ring out.

        renderer: built for bank by the caller (off the audio thread). source: handed
        back with a failure of this renderer (see Playing). The parameters
        (global stage, glide, gain, mixes, level mode, velocity timbre), and changes to them still
        scheduled, carry over to the new bank (see Renderer.carry_params_from); so does
        the tuning (see set_keymap).
        """
        old = self.playing
        old.keymap = self.keymap
        for handle, voice in self.notes.items():
            self.held_old[handle] = (old, voice)
        renderer.carry_params_from(old.renderer)
        self.fading.append(old)
        self._install(bank, bank_dir, renderer, source)
        self.set_keymap(self.keymap)

    def set_keymap(self, keymap: KeyMap) -> None:
        """Play keymap on this bank. A map made for these tones is used as it is (callers build it
        off the audio thread); after a bank swap the default map is rebuilt from the new tones and
        a Scala map keeps its pitches with tones re-chosen. MTS overrides carry over."""
        if np.array_equal(keymap.tone_f0_hz, self.tone_f0_hz):
            self.keymap = keymap
            return
        fitted = bank_keymap(self.tone_f0_hz, self.root_key) if keymap.from_bank else refit_keymap(keymap, self.tone_f0_hz)
        fitted.overrides.update(keymap.overrides)
        self.keymap = fitted

    # -- audio ---------------------------------------------------------------------

    def render(self, n_samples: int) -> np.ndarray:
        """[n_samples] float32, finite: the current bank plus any old ones ringing out.

        A renderer that fails (raises, or renders NaN or infinity) is left out of the
        block: a fading one is dropped, the current one reset (see take_failures).
        """
        out = self._render_one(self.playing, n_samples)
        if out is None:
            self.renderer.reset()
            self.playing.origin = self.clock + n_samples  # the reset renderer's sample 0 is the next block's first
            self.notes.clear()
            self._all_ended(self.playing)
            out = np.zeros(n_samples, np.float32)
        elif self.playing.voices:
            self._ended(self.playing)
        if self.fading:
            out = out.copy()
            ringing = []
            for old in self.fading:
                block = self._render_one(old, n_samples)
                if block is not None:
                    out += block
                    if old.voices:
                        self._ended(old)
                    if not old.renderer.is_silent:
                        ringing.append(old)
                        continue
                self._all_ended(old)
                self.held_old = {h: held for h, held in self.held_old.items() if held[0] is not old}
            self.fading = ringing
            if not np.isfinite(out).all():  # finite blocks whose sum overflows float32
                out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
        self.clock += n_samples
        return out

    def _ended(self, playing: Playing) -> None:
        """Forget, and tell the listener of, playing's voices that have ended: started (their note-on
        applied) and no longer in a slot. Cheap when none has: every voice of a renderer is one of
        playing.voices, so as many slots in use as voices followed means none ended."""
        slots = playing.renderer.voices  # VoiceSlots: active [S] bool, voice_id [S]
        if int(np.count_nonzero(slots.active)) == len(playing.voices):
            return
        in_slots = set(slots.voice_id[slots.active].tolist())
        applied = playing.renderer.rendered_samples  # note-ons before this sample have been applied
        for voice_id in [v for v, voice in playing.voices.items() if v not in in_slots and voice.start < applied]:
            self._end(playing, voice_id)

    def _all_ended(self, playing: Playing) -> None:
        """Every voice of playing has ended (its renderer was reset, dropped or has fallen silent)."""
        for voice_id in list(playing.voices):
            self._end(playing, voice_id)

    def _end(self, playing: Playing, voice_id: int) -> None:
        voice = playing.voices.pop(voice_id)
        if self._on_voice is not None:
            self._on_voice(False, voice)

    def _render_one(self, playing: Playing, n_samples: int) -> np.ndarray | None:
        """One renderer's block, or None when it failed (the failure is noted, once per renderer)."""
        try:
            block = playing.renderer.render(n_samples)
        except Exception as error:  # noqa: BLE001 - a broken renderer must never stop the others or the audio
            reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else f"{type(error).__name__} raised"
            self._failed(playing, f"rendering it raised an error ({reason})")
            return None
        if not np.isfinite(block).all():
            self._failed(playing, "it rendered samples that are not finite (NaN or infinite)")
            return None
        return block

    def _failed(self, playing: Playing, reason: str) -> None:
        if playing.failed:
            return
        playing.failed = True
        what = "its voices were silenced; new notes play it again" if playing is self.playing else "its releasing voices were dropped"
        self.failures.append((playing.source, f"bank {playing.bank_dir.name}: {reason}; {what}"))

    def take_failures(self) -> list[tuple[object, str]]:
        """The renderer failures since the last call, each once: [(source, one-line message)]."""
        if not self.failures:
            return []
        taken, self.failures = self.failures, []
        return taken


def add_velocity_timbre_argument(parser) -> None:
    """--velocity-timbre AMOUNT, which grower-serve, grower-play and grower-audition share (Player.set_velocity_timbre)."""

    def amount(text: str) -> float:
        try:
            return checked("velocity_timbre", float(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number within 0..{MAX_VELOCITY_TIMBRE:g}, not {text!r}") from None

    parser.add_argument("--velocity-timbre", type=amount, default=1.0, metavar="AMOUNT",
                        help="how much velocity changes brightness (softer is darker): 0 only the level, as before; 1 as each tone's table says; 2 twice that")
