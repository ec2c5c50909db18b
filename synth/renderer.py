"""The streaming polyphonic renderer: a thin stateful shell over pure DSP.

All work happens in fixed control periods of ``RenderConfig.control_period``
output samples (128 by default): controls, growth glides and voice events are evaluated at period
boundaries, the oscillator kernel renders one period for every voice, and
the noise runs through ``controls.filtered_noise`` one period (one frame) at
a time with its tails carried. ``render(n)`` serves any block size from a
FIFO of rendered periods, so k blocks of n samples are exactly one block of
k * n samples. A note-on starts at its exact sample, inside a period if
need be; other events take effect at the next period boundary (at most 2.7
ms at 48 kHz), where every control glides or ramps anyway.

A voice plays its tone's learned control trajectory at its own pitch: the
attack, then the sustain region back and forth (a ping-pong loop, so the
controls never jump) while the note is held, then the release, blended in
from wherever the voice was over ``release_crossfade_s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import controls as dsp
from .bank import Bank
from .growth import LEVEL_MODES, MAX_EQUAL_BOOST, noise_gain
from .noise_filter import filter_period, impulse_response_basis
from .oscillator import noise_power, render_partials, voice_amplitudes
from .voices import advance_glides, interpolate_rows, stage_targets, trajectory_positions

CONTROL_PERIOD = 128  # default output samples per control update (2.7 ms at 48 kHz)
SPARE_SLOTS = 16  # room for stolen voices to fade out while new ones start


@dataclass(frozen=True)
class RenderConfig:
    sample_rate: int = 48000
    max_voices: int = 128
    glide_s: float = 0.02  # default stage glide
    level_mode: str = "equal"  # see grower.synth.growth
    release_crossfade_s: float = 0.02
    gain: float = 1.0
    seed: int = 0
    control_period: int = CONTROL_PERIOD  # offline renders may take longer periods: less overhead

    def __post_init__(self):
        if self.level_mode not in LEVEL_MODES:
            raise ValueError(f"level_mode must be one of {LEVEL_MODES}, not {self.level_mode!r}")
        if not 16 <= self.control_period <= 4096:
            raise ValueError(f"control_period must be within 16..4096 samples, not {self.control_period}")
        if not 8000 <= self.sample_rate <= 192000:
            raise ValueError(f"sample_rate must be within 8000..192000 Hz, not {self.sample_rate}")


class ToneTable:
    """Every tone's trajectory in one concatenated table, for per-voice gathers."""

    def __init__(self, bank: Bank):
        tones = bank.tones
        self.names = [t.entry.name for t in tones]
        self.frame_rate_hz = bank.header.frame_rate_hz
        self.n_frames = np.array([t.entry.n_frames for t in tones])
        self.offset = np.concatenate([[0], np.cumsum(self.n_frames)[:-1]])
        self.f0_hz = np.array([t.entry.f0_hz for t in tones])
        self.sustain = np.array([[t.entry.sustain_start_s, t.entry.sustain_end_s] for t in tones]) * self.frame_rate_hz
        self.sustain[:, 1] = np.maximum(self.sustain[:, 1], self.sustain[:, 0] + 2.0)
        self.sustain = np.minimum(self.sustain, (self.n_frames - 1)[:, None])
        c = [t.controls for t in tones]
        self.amplitude = np.concatenate([x["amplitude"] for x in c]).astype(np.float64)
        self.distribution = np.concatenate([x["harmonic_distribution"] for x in c]).astype(np.float64)
        self.noise = np.concatenate([x["noise_magnitudes"] for x in c]).astype(np.float64)
        self.f0_ratio = np.concatenate([x["f0_hz"] / t.entry.f0_hz for x, t in zip(c, tones)]).astype(np.float64)
        self.train_sample_rate = bank.header.sample_rate

    def lookup(self, tone: np.ndarray, position: np.ndarray):
        """Controls at fractional frame positions. tone, position: [V].

        Returns amplitude [V], distribution [V, H], noise [V, N], f0_ratio [V].
        """
        position = np.clip(position, 0.0, self.n_frames[tone] - 1.0)
        lo = np.floor(position).astype(np.int64)
        hi = np.minimum(lo + 1, self.n_frames[tone] - 1)
        w = position - lo
        a, b = self.offset[tone] + lo, self.offset[tone] + hi

        def mix(table):
            if table.ndim == 1:
                return table[a] * (1 - w) + table[b] * w
            out = np.empty((tone.size, table.shape[1]))
            interpolate_rows(table, a, b, w, out)
            return out

        return mix(self.amplitude), mix(self.distribution), mix(self.noise), mix(self.f0_ratio)


class Renderer:
    """Polyphonic harmonic + noise renderer over a bank. Not thread-safe: one owner calls it.

    Stage, glide, gain and level mode are parameters and survive ``reset()``;
    voices, phases, filter tails, buffered output and the noise generator's
    state are cleared by it, so a reset renderer renders as a new one does.
    """

    def __init__(self, bank: Bank, config: RenderConfig = RenderConfig()):
        self.config = config
        self.table = ToneTable(bank)
        self.n_harmonics = bank.header.n_harmonics
        sr = config.sample_rate
        band_hz = (self.table.train_sample_rate / 2) / (bank.header.n_noise_bands - 1)
        self.n_out_bands = int(round((sr / 2) / band_hz)) + 1
        self.out_band_hz = np.linspace(0.0, sr / 2, self.n_out_bands)
        self.train_band_hz = band_hz
        # Uniform noise spreads the same power over a wider band at a higher rate;
        # this keeps the learned noise level per hertz.
        self.noise_rate_gain = math.sqrt(sr / self.table.train_sample_rate)
        ir_size = dsp.noise_ir_size(self.n_out_bands)
        self.noise_basis = impulse_response_basis(self.n_out_bands)
        period = config.control_period
        self.tail_size = period * (-(-(period + ir_size - 1) // period) - 1)
        self.global_stage = float(self.n_harmonics)
        self.tone_stage = np.full(len(self.table.names), np.nan)
        self.glide_s = config.glide_s
        self.gain = config.gain
        self.level_mode = config.level_mode
        self.harmonic_mix = 1.0
        self.noise_mix = 1.0
        self.reset()

    # -- state ---------------------------------------------------------------------

    def reset(self) -> None:
        """Silence every voice and clear phases, tails and buffered output; keep parameters."""
        n = self.config.max_voices + SPARE_SLOTS
        h = self.n_harmonics
        self.active = np.zeros(n, bool)
        self.voice_id = np.zeros(n, np.int64)
        self.started = np.zeros(n, np.int64)  # order of note-on, for stealing the oldest
        self.tone = np.zeros(n, np.int64)
        self.pitch_hz = np.zeros(n)
        self.velocity = np.zeros(n)
        self.expression = np.ones(n)  # per-voice gain set while it sounds (MIDI pressure)
        self.onset = np.zeros(n, np.int64)  # samples into the next period before a new voice starts
        self.time_s = np.zeros(n)
        self.held = np.zeros(n, bool)
        self.off_time_s = np.zeros(n)
        self.off_controls = (np.zeros(n), np.zeros((n, h)), np.zeros((n, self.table.noise.shape[1])), np.ones(n))
        self.dying = np.zeros(n, bool)  # fades to silence over the next period, then frees its slot
        self.voice_stage = np.full(n, np.nan)
        self.stage = np.zeros(n)
        self.glide_from = np.zeros(n)
        self.glide_to = np.zeros(n)
        self.glide_elapsed_s = np.zeros(n)
        self.glide_time_s = np.zeros(n)
        self.phase_rad = np.zeros(n)
        self.prev_amps = np.zeros((n, h), np.float32)
        self.prev_noise = np.zeros((n, self.table.noise.shape[1]))  # learned bands at the period start
        self.prev_noise_level = np.zeros(n)
        self.noise_tail = np.zeros(self.tail_size)  # the summed noise filter's tail
        self.fifo = np.zeros(0, np.float32)
        self.rng = np.random.default_rng(self.config.seed)
        self.next_id = 1
        self.sample_clock = 0  # samples handed out by render()
        self.rendered_samples = 0  # samples rendered, including those waiting in the FIFO
        self.events = []  # (at_sample, exact, apply, args), in call order

    # -- events --------------------------------------------------------------------

    # Every event is checked when called and applied at the first period boundary
    # at or after its sample time (default: the current output position). That
    # boundary is never rendered yet, whatever block sizes the caller uses.

    def note_on(self, tone: int, pitch_hz: float, velocity: float = 1.0, stage: float | None = None, at_sample: int | None = None) -> int:
        """Start a voice of tone index ``tone`` at pitch_hz (any pitch). Returns its voice id.

        velocity: 0..1 linear gain. stage: this voice's own stage, or None to follow
        the tone's or the global stage. When max_voices are sounding, the released
        voice that started first is stolen, else the oldest; it fades out over one period.
        """
        if not 0 <= tone < len(self.table.names):
            raise ValueError(f"tone index {tone} is out of range 0..{len(self.table.names) - 1}")
        if not (math.isfinite(pitch_hz) and 0 < pitch_hz < self.config.sample_rate / 2):
            raise ValueError(f"pitch_hz must be within 0..{self.config.sample_rate / 2:g} Hz, not {pitch_hz}")
        stage = None if stage is None else self._check_stage(stage)
        voice_id = self.next_id
        self.next_id += 1
        self._schedule(at_sample, self._start_voice, voice_id, tone, pitch_hz, velocity, stage, exact=True)
        return voice_id

    def set_voice(self, voice_id: int, pitch_hz: float | None = None, expression: float | None = None, at_sample: int | None = None) -> None:
        """Move a sounding voice to pitch_hz, and/or set its expression gain (0..4, linear).

        Both take effect at a period boundary; the amplitudes ramp across the
        period, so gain changes never click. An unknown or finished voice is ignored.
        """
        if pitch_hz is not None and not (math.isfinite(pitch_hz) and 0 < pitch_hz < self.config.sample_rate / 2):
            raise ValueError(f"pitch_hz must be within 0..{self.config.sample_rate / 2:g} Hz, not {pitch_hz}")
        if expression is not None and not (math.isfinite(expression) and 0 <= expression <= 4):
            raise ValueError(f"expression must be within 0..4, not {expression}")
        self._schedule(at_sample, self._apply_voice, voice_id, pitch_hz, expression)

    def note_off(self, voice_id: int, release: bool = True, at_sample: int | None = None) -> None:
        """Release a voice: the tone's release follows. release=False fades it out in one period.

        An unknown or finished voice is ignored.
        """
        self._schedule(at_sample, self._release_voice, voice_id, release)

    def all_notes_off(self, release: bool = True, at_sample: int | None = None) -> None:
        self._schedule(at_sample, self._release_all, release)

    def set_stage(self, stage: float, glide_s: float | None = None, tone: int | None = None, voice_id: int | None = None, at_sample: int | None = None) -> None:
        """Set the growth stage globally, for one tone (index), or for one voice.

        A voice follows its own stage if set, else its tone's, else the global one.
        Changes glide linearly over glide_s (default: the renderer's glide_s).
        """
        stage = self._check_stage(stage)
        if glide_s is not None and not (math.isfinite(glide_s) and 0 <= glide_s <= 60):
            raise ValueError(f"glide_s must be within 0..60 s, not {glide_s}")
        if tone is not None and not 0 <= tone < len(self.table.names):
            raise ValueError(f"tone index {tone} is out of range 0..{len(self.table.names) - 1}")
        self._schedule(at_sample, self._apply_stage, stage, glide_s, tone, voice_id)

    @property
    def n_voices(self) -> int:
        """Voices sounding now (events still queued are not counted)."""
        return int((self.active & ~self.dying).sum())

    @property
    def is_silent(self) -> bool:
        """Nothing sounding, queued or ringing: further output is zeros until the next event."""
        return not (self.active.any() or self.events or self.noise_tail.any() or self.fifo.any())

    def _schedule(self, at_sample, apply, *args, exact: bool = False) -> None:
        at = self.sample_clock if at_sample is None else int(at_sample)
        self.events.append((at, exact, apply, args))

    def _apply_events(self, period_start: int, period: int) -> None:
        """Apply events due at this boundary; exact ones (note-ons) due within the period start there, offset."""
        def due(e):
            return e[0] <= period_start or (e[1] and e[0] < period_start + period)

        if self.events and any(due(e) for e in self.events):
            ready = [e for e in self.events if due(e)]
            self.events = [e for e in self.events if not due(e)]
            # The list is in call order and sort is stable: same-time events apply as called.
            for at, exact, apply, args in sorted(ready, key=lambda e: e[0]):
                if exact:
                    apply(*args, onset=max(at - period_start, 0))
                else:
                    apply(*args)

    def _start_voice(self, voice_id: int, tone: int, pitch_hz: float, velocity: float, stage: float | None, onset: int = 0) -> None:
        sounding = self.active & ~self.dying
        if sounding.sum() >= self.config.max_voices:
            self._steal()
        free = np.flatnonzero(~self.active)
        if free.size == 0:  # every spare slot is still fading: cut the oldest fade short
            free = np.array([np.flatnonzero(self.dying)[np.argmin(self.started[self.dying])]])
        v = int(free[0])
        self.active[v], self.dying[v], self.held[v] = True, False, True
        self.voice_id[v] = self.started[v] = voice_id
        self.tone[v], self.pitch_hz[v], self.velocity[v] = tone, pitch_hz, float(np.clip(velocity, 0.0, 1.0))
        self.time_s[v] = -onset / self.config.sample_rate
        self.onset[v] = onset
        self.expression[v] = 1.0
        self.voice_stage[v] = np.nan if stage is None else stage
        target = self._targets(np.array([v]))[0]
        self.stage[v] = self.glide_from[v] = self.glide_to[v] = target
        self.glide_elapsed_s[v] = self.glide_time_s[v] = 0.0
        self.phase_rad[v] = 0.0
        self.prev_amps[v] = 0.0  # every onset ramps up from silence over its first period
        slot = np.array([v])
        _, _, noise, _ = self.table.lookup(self.tone[slot], np.zeros(1))
        self.prev_noise[v] = noise[0]
        # A voice starting mid-period joins the noise at the next boundary, never before its onset.
        self.prev_noise_level[v] = 0.0 if onset else self._noise_level(self.stage[slot], self.velocity[slot] * self.gain)[0]

    def _release_voice(self, voice_id: int, release: bool) -> None:
        slot = np.flatnonzero(self.active & (self.voice_id == voice_id))
        if slot.size == 0:
            return
        v = slot[:1]
        if not release:
            self.dying[v] = True
        elif self.held[v[0]]:
            # Snapshot where the held voice is now, before it switches to the release.
            snapshot = self.table.lookup(self.tone[v], self._positions(v, self.time_s[v]))
            for store, value in zip(self.off_controls, snapshot):
                store[v] = value
            self.held[v] = False
            self.off_time_s[v] = self.time_s[v]

    def _apply_voice(self, voice_id: int, pitch_hz: float | None, expression: float | None) -> None:
        slot = np.flatnonzero(self.active & (self.voice_id == voice_id))
        if slot.size:
            if pitch_hz is not None:
                self.pitch_hz[slot[0]] = pitch_hz
            if expression is not None:
                self.expression[slot[0]] = expression

    def _release_all(self, release: bool) -> None:
        for voice_id in self.voice_id[self.active]:
            self._release_voice(int(voice_id), release)

    def _apply_stage(self, stage: float, glide_s: float | None, tone: int | None, voice_id: int | None) -> None:
        if glide_s is not None:
            self.glide_s = glide_s
        if voice_id is not None:
            self.voice_stage[self.active & (self.voice_id == voice_id)] = stage
        elif tone is not None:
            self.tone_stage[tone] = stage
        else:
            self.global_stage = stage

    # -- rendering -----------------------------------------------------------------

    def render(self, n_samples: int) -> np.ndarray:
        """The next n_samples of output: [n_samples] float32 mono."""
        while self.fifo.shape[0] < n_samples:
            self.fifo = np.concatenate([self.fifo, self._render_period()])
        out, self.fifo = self.fifo[:n_samples], self.fifo[n_samples:]
        self.sample_clock += n_samples
        return out

    def _render_period(self) -> np.ndarray:
        period, sr = self.config.control_period, self.config.sample_rate
        self._apply_events(self.rendered_samples, period)
        self.rendered_samples += period
        v = np.flatnonzero(self.active)
        if v.size == 0:  # silence, once the noise filter's tail has rung out
            if not self.noise_tail.any():
                return np.zeros(period, np.float32)
            return self._noise_period(np.zeros(self.n_out_bands))
        out = np.zeros(period, np.float32)
        period_s = period / sr
        t_end = self.time_s[v] + period_s
        position = self._positions(v, t_end)
        amplitude, distribution, noise, f0_ratio = self.table.lookup(self.tone[v], position)
        # Released voices blend from where they were into the release.
        released = ~self.held[v]
        if released.any():
            w = np.where(released, np.clip((t_end - self.off_time_s[v]) / self.config.release_crossfade_s, 0.0, 1.0), 1.0)
            snap = [x[v] for x in self.off_controls]
            amplitude = snap[0] + (amplitude - snap[0]) * w
            distribution = snap[1] + (distribution - snap[1]) * w[:, None]
            noise = snap[2] + (noise - snap[2]) * w[:, None]
            f0_ratio = snap[3] + (f0_ratio - snap[3]) * w
        finished = released & (position >= self.table.n_frames[self.tone[v]] - 1)
        silent = self.dying[v] | finished
        stage = self._advance_glides(v, period_s)

        # Harmonics: the learned distribution, grown, levelled, tapered at this rate's Nyquist.
        freq_hz = self.pitch_hz[v] * f0_ratio
        loudness = self.velocity[v] * self.expression[v] * self.gain * ~silent
        amps = np.empty((v.size, self.n_harmonics), np.float32)
        n_active = np.empty(v.size, np.int64)
        prev_amps = self.prev_amps[v]
        voice_amplitudes(amplitude, distribution, stage, freq_hz, loudness * self.harmonic_mix, self.level_mode == "equal", float(sr), dsp.TAPER_START_FRACTION, MAX_EQUAL_BOOST, prev_amps, amps, n_active)
        omega = 2 * math.pi * freq_hz / sr
        onset = self.onset[v]
        phase_rad = self.phase_rad[v] - omega * onset  # a new voice's phase is 0 at its onset sample
        render_partials(out, phase_rad, omega, prev_amps, amps, n_active, onset)
        self.phase_rad[v] = np.remainder(phase_rad + omega * period, 2 * math.pi)
        self.onset[v] = 0
        self.prev_amps[v] = amps

        # Noise: each period is filtered with the bands at its start (frame m covers
        # samples m..m+1, as in the trainer); the bands at its end serve the next.
        # Independent white noises through each voice's filter sum to one white noise
        # through a filter whose power response is the sum of theirs: one filter for
        # all voices, so the filtering costs the same for 1 voice or 256.
        power = np.zeros(self.n_out_bands)
        ratio = self.pitch_hz[v] / self.table.f0_hz[self.tone[v]]
        noise_power(self.prev_noise[v], ratio, self.prev_noise_level[v], self.out_band_hz, self.train_band_hz, power)
        self.prev_noise[v] = noise
        self.prev_noise_level[v] = self._noise_level(stage, loudness)
        out += self._noise_period(np.sqrt(power))

        self.time_s[v] = t_end
        ended = v[silent]
        self.active[ended] = False
        self.dying[ended] = False
        return out

    def _noise_level(self, stage: np.ndarray, loudness: np.ndarray) -> np.ndarray:
        """Voices' noise gain: growth, loudness, this rate's level per hertz and the noise mix. [V]"""
        return noise_gain(stage, self.n_harmonics) * loudness * self.noise_rate_gain * self.noise_mix

    def _noise_period(self, magnitudes: np.ndarray) -> np.ndarray:
        """One period of white noise through the summed filter; the tail carries on.

        The same filter as dsp.noise_impulse_response + dsp.filtered_noise, in one kernel.
        """
        white = self.rng.uniform(-1.0, 1.0, self.config.control_period)
        audio = np.empty(self.config.control_period)
        filter_period(magnitudes, self.noise_basis, white, self.noise_tail, audio)
        return audio.astype(np.float32)

    # -- helpers -------------------------------------------------------------------

    def _positions(self, v: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """Frame positions at times t_s for slots v: attack, ping-pong sustain, or release."""
        out = np.empty(v.size)
        trajectory_positions(v, np.asarray(t_s, float), self.tone, self.held, self.off_time_s, self.table.sustain, self.table.frame_rate_hz, out)
        return out

    def _targets(self, v: np.ndarray) -> np.ndarray:
        out = np.empty(v.size)
        stage_targets(v, self.tone, self.voice_stage, self.tone_stage, float(self.global_stage), out)
        return out

    def _advance_glides(self, v: np.ndarray, period_s: float) -> np.ndarray:
        """Move each voice's stage along its linear glide; a new target restarts the glide."""
        out = np.empty(v.size)
        advance_glides(v, self.tone, self.voice_stage, self.tone_stage, float(self.global_stage), float(self.glide_s), period_s,
                       self.stage, self.glide_from, self.glide_to, self.glide_elapsed_s, self.glide_time_s, out)
        return out

    def _steal(self) -> None:
        candidates = self.active & ~self.dying
        released = candidates & ~self.held
        pool = np.flatnonzero(released if released.any() else candidates)
        self.dying[pool[np.argmin(self.started[pool])]] = True

    def _check_stage(self, stage: float) -> float:
        if not (math.isfinite(stage) and 0 <= stage <= self.n_harmonics):
            raise ValueError(f"stage must be within 0..{self.n_harmonics}, not {stage}")
        return float(stage)
