"""The renderer's voices: one slot per voice, each field one array over the slots.

A slot holds a voice from its note-on until it has faded out. Fields are NumPy
arrays indexed by slot, so the period loop and the numba kernels in ``voices``
work on every sounding voice at once; ``start``, ``release``, ``fade``,
``update`` and ``free`` are the only ways a voice's life changes.

There are ``max_voices + SPARE_SLOTS`` slots: when ``max_voices`` are sounding, a
note-on steals one (it fades out over one control period, ``dying``) and starts
in a spare slot, so the stolen voice never cuts off.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .tone_table import FrameControls

SPARE_SLOTS = 16  # room for stolen voices to fade out while new ones start


class Morph(NamedTuple):
    """Each slot's second tone, as voices.envelope_controls takes it (render_params transpose "envelope").

    tone_b: [S] its index (the slot's own tone when it has none); weight_b: [S] 0..1, the
    second tone's share (envelope.morph_pair); released_from_b: FrameControls of [S] rows,
    the second tone's controls at note-off, which its release falls from.
    """

    tone_b: np.ndarray
    weight_b: np.ndarray
    released_from_b: FrameControls


class VoiceSlots:
    """Per-slot voice state; S = max_voices + SPARE_SLOTS slots, H harmonics, N learned noise bands.

    Identity and playing state, [S]:
      active (bool: the slot holds a voice, sounding or fading), voice_id, started (note-on
      order, for stealing the oldest), tone (index), pitch_hz, velocity (0..1 linear),
      expression (0..4 linear, set while the voice sounds), held (no note-off yet),
      dying (fades to silence over the next period, then frees its slot).
    Time, [S]: onset (samples into the next period before a new voice starts),
      time_s (the voice's time at the next period start, negative before its onset),
      off_time_s (its time at note-off).
    Release: release_from, a FrameControls of [S] rows: the controls where the voice was
      at note-off, which its release falls from (tone_table.ToneTable.controls_at).
    Morph: morph, a Morph of [S] rows: the second tone a voice between two trained tones
      blends in, its weight, and its controls at note-off.
    Growth, [S]: voice_stage (NaN: follow the tone's or the global stage), stage (now),
      glide_from, glide_to, glide_elapsed_s, glide_time_s (the linear glide under way).
    Velocity timbre: harmonic_gain [S, H] float32 (linear, multiplied into the distribution;
      velocity_timbre.harmonic_gain), timbre_shaped [S] bool (the row is not all 1.0: only
      those slots pay the multiply).
    Carried between periods: phase_rad [S] (the fundamental's, radians), cycles [S] (float64
      whole turns of the fundamental before phase_rad: stretched partials need the unwrapped
      phase), prev_amps [S, H]
      float32 (harmonic amplitudes at the period start), prev_noise [S, N] (learned bands at
      the period start), prev_noise_level [S] (the noise gain at the period start).
    """

    def __init__(self, max_voices: int, n_harmonics: int, n_noise_bands: int):
        self.max_voices = max_voices
        n = max_voices + SPARE_SLOTS
        self.active = np.zeros(n, bool)
        self.voice_id = np.zeros(n, np.int64)
        self.started = np.zeros(n, np.int64)
        self.tone = np.zeros(n, np.int64)
        self.pitch_hz = np.zeros(n)
        self.velocity = np.zeros(n)
        self.expression = np.ones(n)
        self.held = np.zeros(n, bool)
        self.dying = np.zeros(n, bool)
        self.onset = np.zeros(n, np.int64)
        self.time_s = np.zeros(n)
        self.off_time_s = np.zeros(n)
        self.release_from = FrameControls(np.zeros(n), np.zeros((n, n_harmonics)), np.zeros((n, n_noise_bands)), np.ones(n))
        self.morph = Morph(np.zeros(n, np.int64), np.zeros(n),
                           FrameControls(np.zeros(n), np.zeros((n, n_harmonics)), np.zeros((n, n_noise_bands)), np.ones(n)))
        self.voice_stage = np.full(n, np.nan)
        self.stage = np.zeros(n)
        self.glide_from = np.zeros(n)
        self.glide_to = np.zeros(n)
        self.glide_elapsed_s = np.zeros(n)
        self.glide_time_s = np.zeros(n)
        self.phase_rad = np.zeros(n)
        self.cycles = np.zeros(n)
        self.timbre_tone = np.zeros(n, np.int64)  # the tone whose velocity timbre table made harmonic_gain: its note-on tone
        self.inharmonicity = np.zeros(n)  # B of the tone the voice started on: fixed for the note (see start)
        self.prev_amps = np.zeros((n, n_harmonics), np.float32)
        self.prev_noise = np.zeros((n, n_noise_bands))
        self.prev_noise_level = np.zeros(n)
        self.harmonic_gain = np.ones((n, n_harmonics), np.float32)
        self.timbre_shaped = np.zeros(n, bool)

    @property
    def sounding(self) -> np.ndarray:
        """[S] bool: slots with a voice that is not fading out."""
        return self.active & ~self.dying

    def slot_of(self, voice_id: int) -> int | None:
        """The slot holding voice_id (sounding or fading), or None when it has ended."""
        slot = np.flatnonzero(self.active & (self.voice_id == voice_id))
        return int(slot[0]) if slot.size else None

    def start(self, voice_id: int, tone: int, pitch_hz: float, velocity: float, voice_stage: float | None, stage: float,
              onset: int, onset_s: float, noise_bands: np.ndarray, noise_level: float, tone_b: int | None = None, weight_b: float = 0.0,
              harmonic_gain: np.ndarray | None = None, inharmonicity: float = 0.0) -> int:
        """Start a voice in a free slot, stealing one if max_voices are sounding. Returns its slot.

        tone_b, weight_b: a second tone blended in with weight 0..1 (None: none). velocity: 0..1. voice_stage: the voice's own stage, or None. stage: where its
        growth starts (its target now). onset: samples into the next period; onset_s: the
        same in seconds. noise_bands: [N] its learned bands at frame 0; noise_level: its
        noise gain at the next period start. harmonic_gain: [H] its velocity timbre row
        (see set_harmonic_gain); None: neutral. inharmonicity: B of the voice's partials for the whole
        note: a voice that morphs or changes tones keeps it, so its stretched partials never jump in pitch
        or phase.
        """
        if self.sounding.sum() >= self.max_voices:
            self._steal()
        free = np.flatnonzero(~self.active)
        if free.size == 0:  # every spare slot is still fading: cut the oldest fade short
            free = np.array([np.flatnonzero(self.dying)[np.argmin(self.started[self.dying])]])
        v = int(free[0])
        self.active[v], self.dying[v], self.held[v] = True, False, True
        self.voice_id[v] = self.started[v] = voice_id
        self.tone[v], self.pitch_hz[v], self.velocity[v] = tone, pitch_hz, velocity
        self.morph.tone_b[v], self.morph.weight_b[v] = (tone, 0.0) if tone_b is None else (tone_b, weight_b)
        self.time_s[v] = -onset_s
        self.onset[v] = onset
        self.expression[v] = 1.0
        self.voice_stage[v] = np.nan if voice_stage is None else voice_stage
        self.stage[v] = self.glide_from[v] = self.glide_to[v] = stage
        self.glide_elapsed_s[v] = self.glide_time_s[v] = 0.0
        self.phase_rad[v] = 0.0
        self.cycles[v] = 0.0
        self.inharmonicity[v] = inharmonicity
        self.prev_amps[v] = 0.0  # every onset ramps up from silence over its first period
        self.prev_noise[v] = noise_bands
        self.prev_noise_level[v] = noise_level
        self.timbre_tone[v] = tone
        self.set_harmonic_gain(v, harmonic_gain)
        return v

    def set_harmonic_gain(self, v: int, harmonic_gain: np.ndarray | None) -> None:
        """Slot v's velocity timbre row: [H] linear gains multiplied into its distribution; None: all 1.0."""
        if harmonic_gain is None:
            self.harmonic_gain[v] = 1.0
            self.timbre_shaped[v] = False
        else:
            self.harmonic_gain[v] = harmonic_gain
            self.timbre_shaped[v] = bool(np.any(self.harmonic_gain[v] != 1.0))

    def release(self, v: int, where: FrameControls, where_b: FrameControls | None = None) -> None:
        """Note-off for the held voice in slot v; where: [1] rows, its controls now, which the release falls from;
        where_b: the same for its second tone (None: it has none)."""
        for store, value in zip(self.release_from, where):
            store[v] = value[0]
        if where_b is not None:
            for store, value in zip(self.morph.released_from_b, where_b):
                store[v] = value[0]
        self.held[v] = False
        self.off_time_s[v] = self.time_s[v]

    def fade(self, v: int) -> None:
        """Fade the voice in slot v to silence over the next period (a note-off without release)."""
        self.dying[v] = True

    def update(self, v: int, pitch_hz: float | None = None, expression: float | None = None, voice_stage: float | None = None) -> None:
        """Move the voice in slot v to pitch_hz, set its expression gain or its own stage; None keeps each."""
        if pitch_hz is not None:
            self.pitch_hz[v] = pitch_hz
        if expression is not None:
            self.expression[v] = expression
        if voice_stage is not None:
            self.voice_stage[v] = voice_stage

    def retone(self, v: int, tone: int, tone_b: int, weight_b: float) -> None:
        """The voice in slot v now blends tone and tone_b with weight_b (0..1) on tone_b: its pitch moved."""
        self.tone[v] = tone
        self.morph.tone_b[v], self.morph.weight_b[v] = tone_b, weight_b

    def free(self, slots: np.ndarray) -> None:
        """Slots whose voices have ended: [k] slot indices."""
        self.active[slots] = False
        self.dying[slots] = False

    def _steal(self) -> None:
        """Fade out the released voice that started first, else the oldest."""
        candidates = self.sounding
        released = candidates & ~self.held
        pool = np.flatnonzero(released if released.any() else candidates)
        self.dying[pool[np.argmin(self.started[pool])]] = True
