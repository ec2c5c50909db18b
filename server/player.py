"""The player: a renderer, a key map and the notes held on it.

One owner calls it (the audio thread in grower-serve, the file loop in
grower-play), so it needs no locks. Notes are held under handles: ("osc", key),
("id", voice id) or ("midi", channel, key). Sample times are the player's own
output clock; a swapped-out bank keeps rendering its releasing voices into the
same output until they are silent, so a bank swap has no gap and no click.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grower.synth.bank import Bank
from grower.synth.renderer import RenderConfig, Renderer

from .tuning import KeyMap, bank_keymap, nearest_tone, refit_keymap


class Player:
    def __init__(self, bank: Bank, bank_dir: Path, config: RenderConfig, root_key: int = 60):
        self.config = config
        self.root_key = root_key
        self.fading: list[Renderer] = []  # old banks' renderers ringing out
        self.clock = 0  # samples rendered by render()
        self._install(bank, bank_dir, Renderer(bank, config))
        self.keymap = bank_keymap(self.tone_f0_hz, root_key)

    def _install(self, bank: Bank, bank_dir: Path, renderer: Renderer) -> None:
        self.bank_dir = Path(bank_dir)
        self.renderer = renderer
        self.origin = self.clock  # renderer sample 0 is player sample origin
        self.tone_names = [t.entry.name for t in bank.tones]
        self.tone_f0_hz = np.array([t.entry.f0_hz for t in bank.tones])
        self.notes: dict[tuple, int] = {}  # handle -> renderer voice id

    # -- time ----------------------------------------------------------------------

    def _at(self, at_sample: int | None) -> int | None:
        return None if at_sample is None else max(int(at_sample) - self.origin, 0)

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
        """Play any pitch under handle; a handle already sounding is released first."""
        if handle in self.notes:
            self.off(handle, at_sample)
        if tone is None:
            tone = nearest_tone(self.tone_f0_hz, pitch_hz)
        self.notes[handle] = self.renderer.note_on(tone, self._below_nyquist(pitch_hz), velocity, at_sample=self._at(at_sample))

    def off(self, handle: tuple, at_sample: int | None = None, release: bool = True) -> bool:
        """Release a handle (release=False: fade out in one period). False when it was not sounding."""
        voice = self.notes.pop(handle, None)
        if voice is None:
            return False
        self.renderer.note_off(voice, release, at_sample=self._at(at_sample))
        return True

    def set_pitch(self, handle: tuple, pitch_hz: float, at_sample: int | None = None) -> bool:
        voice = self.notes.get(handle)
        if voice is not None:
            self.renderer.set_voice(voice, pitch_hz=self._below_nyquist(pitch_hz), at_sample=self._at(at_sample))
        return voice is not None

    def _below_nyquist(self, pitch_hz: float) -> float:
        """A bent or retuned pitch may pass Nyquist; the voice stays just under it (its partials taper to silence)."""
        return min(pitch_hz, 0.499 * self.config.sample_rate)

    def set_expression(self, handle: tuple, expression: float, at_sample: int | None = None) -> bool:
        voice = self.notes.get(handle)
        if voice is not None:
            self.renderer.set_voice(voice, expression=expression, at_sample=self._at(at_sample))
        return voice is not None

    def set_voice_stage(self, handle: tuple, stage: float, glide_s: float | None = None, at_sample: int | None = None) -> bool:
        voice = self.notes.get(handle)
        if voice is not None:
            self.renderer.set_stage(stage, glide_s, voice_id=voice, at_sample=self._at(at_sample))
        return voice is not None

    def handles(self, kind: str, *prefix) -> list[tuple]:
        return [h for h in self.notes if h[0] == kind and h[1:1 + len(prefix)] == prefix]

    def panic(self, at_sample: int | None = None) -> None:
        """Everything off now: a one-period fade, no release."""
        self.renderer.all_notes_off(release=False, at_sample=self._at(at_sample))
        for old in self.fading:
            old.all_notes_off(release=False)
        self.notes.clear()

    # -- parameters ----------------------------------------------------------------

    def set_stage(self, stage: float, glide_s: float | None = None, tone: int | None = None, at_sample: int | None = None) -> None:
        self.renderer.set_stage(stage, glide_s, tone=tone, at_sample=self._at(at_sample))

    def tone_index(self, name: str) -> int:
        try:
            return self.tone_names.index(name)
        except ValueError:
            raise ValueError(f"no tone named {name!r} in the bank (it has {', '.join(self.tone_names)})") from None

    def set_gain_db(self, gain_db: float) -> None:
        self.renderer.gain = 10 ** (gain_db / 20)

    def set_mix(self, harmonic: float | None = None, noise: float | None = None) -> None:
        if harmonic is not None:
            self.renderer.harmonic_mix = harmonic
        if noise is not None:
            self.renderer.noise_mix = noise

    @property
    def global_stage(self) -> float:
        return self.renderer.global_stage

    @property
    def n_voices(self) -> int:
        return self.renderer.n_voices + sum(old.n_voices for old in self.fading)

    # -- banks and tunings ---------------------------------------------------------

    def swap_bank(self, bank: Bank, bank_dir: Path, renderer: Renderer) -> None:
        """Hot swap: voices on the old bank release and ring out; new notes play the new bank.

        renderer: built for bank by the caller (off the audio thread). Stage, gain and
        mixes carry over, and so does the tuning (see set_keymap).
        """
        old = self.renderer
        old.all_notes_off(release=True)
        for name in ("global_stage", "glide_s", "gain", "harmonic_mix", "noise_mix", "level_mode"):
            setattr(renderer, name, getattr(old, name))
        self.fading.append(old)
        self._install(bank, bank_dir, renderer)
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
        """[n_samples] float32: the current bank plus any old ones ringing out."""
        out = self.renderer.render(n_samples)
        if self.fading:
            out = out.copy()
            for old in self.fading:
                out += old.render(n_samples)
            self.fading = [old for old in self.fading if not old.is_silent]
        self.clock += n_samples
        return out
