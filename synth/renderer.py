"""The streaming polyphonic renderer: a thin stateful shell over pure DSP.

Controls change in fixed control periods of ``RenderConfig.control_period``
output samples (128 by default): events (``events``), controls and growth
glides are evaluated at period boundaries (one ``voices.advance_voices`` call),
and the noise runs through ``controls.filtered_noise`` one period (one frame) at
a time with its tails carried. The oscillator, the bulk of the work, renders
only the samples asked for: ``render(n)`` serves any block size, a period's
oscillator in as many spans as the blocks cut it into, and every sample comes
out the same whatever the spans, so k blocks of n samples are exactly one block
of k * n samples. A note-on starts at its exact sample, inside a period if need
be; other events take effect at the next period boundary (at most 2.7 ms at
48 kHz), where every control glides or ramps anyway.

Why spans and not a FIFO of whole periods, nor a control period equal to the
block: an audio callback must finish within its own block, so what counts is
the dearest callback, not the average. With a FIFO, a 64-sample block renders
a whole 128-sample period every other callback: twice the work against half
the time, and the callbacks between idle. A control period equal to the block
evens that out but pays the per-period control work (positions, glides,
amplitudes, the noise filter's design: ~40 % of a period at 128 voices) twice
as often, and it changes the sound with the block size. Rendering the
oscillator per block and the controls per period gives the dearest callback
the same cost as the second (one period's controls plus 64 samples of
oscillator), the average less, and the same output at every block size.

Voices of a stretched tone (inharmonicity B > 0, partial k at k sqrt(1 + B k^2)
times the pitch) play through ``oscillator.render_stretched_partials``; every
other voice through ``render_partials``, as before, bit for bit.

A voice plays its tone's learned control trajectory (``tone_table``) at its own
pitch: the attack, then, while the note is held, the sustain region looped (a
crossfade or ping-pong loop, as the bank says) for a sustain tone, or the
recorded decay and its continuation for a one-shot; then the release, which
falls from wherever the voice was as the recording's release falls. Voices
live in ``voice_slots``; gain, mixes, level mode, glide, the global stage, the
transposition and the velocity timbre amount are ``render_params.RenderParams``,
changed only by scheduled events. A voice's velocity sets its level and, through
its tone's velocity timbre table (``velocity_timbre``), its brightness: a
per-harmonic gain row computed at note-on, and again for every voice when the
amount changes.

At another pitch than its tone's, a voice keeps the tone's spectral envelope in
hertz (``envelope``; transpose "envelope", the default): between its tone and
that tone's neighbour in pitch it blends both, each from its own place in time
since the note-on, with weights by log-pitch distance, and it ends once both
parts have. Transpose "harmonics" plays one tone's harmonics moved with the
pitch, formants and all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import controls as dsp
from .bank import Bank
from .envelope import morph_pair, morph_weight, nearer_tone
from .events import EventQueue
from .growth import MAX_EQUAL_BOOST, noise_gain
from .noise_filter import filter_period, impulse_response_basis
from .oscillator import render_partials, render_stretched_partials
from .render_params import RenderParams, checked
from .tone_table import FrameControls, ToneTable
from .velocity_timbre import harmonic_gain, harmonic_gains
from .voice_slots import SPARE_SLOTS, VoiceSlots
from .voices import advance_voices, scratch, stage_target, voice_controls

CONTROL_PERIOD = 128  # default output samples per control update (2.7 ms at 48 kHz)


@dataclass(frozen=True)
class RenderConfig:
    """What a renderer is built for, fixed for its life (what it plays with is RenderParams).

    sample_rate: output Hz. max_voices: voices sounding at once before stealing.
    seed: the noise generator's. control_period: output samples per control update.
    """

    sample_rate: int = 48000
    max_voices: int = 128
    seed: int = 0
    control_period: int = CONTROL_PERIOD  # offline renders may take longer periods: less overhead

    def __post_init__(self):
        if not 16 <= self.control_period <= 4096:
            raise ValueError(f"control_period must be within 16..4096 samples, not {self.control_period}")
        if not 8000 <= self.sample_rate <= 192000:
            raise ValueError(f"sample_rate must be within 8000..192000 Hz, not {self.sample_rate}")


class Renderer:
    """Polyphonic harmonic + noise renderer over a bank. Not thread-safe: one owner calls it.

    params: the parameters it starts with (default: RenderParams(), every harmonic).
    They and the per-tone stages survive ``reset()``; voices, phases, filter tails,
    queued events, buffered output and the noise generator's state are cleared by
    it, so a reset renderer renders as a new one does.
    """

    def __init__(self, bank: Bank, config: RenderConfig = RenderConfig(), params: RenderParams = RenderParams()):
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
        self._params = self._resolved(params)
        self._timbre_stale = False  # the velocity timbre amount changed: rows are recomputed at the next period
        self.tone_stage = np.full(len(self.table.names), np.nan)  # NaN: the tone follows the global stage
        self.envelope_work = scratch(self.n_harmonics)  # rows the envelope kernels work in, kept: no allocation a period
        self.reset()

    # -- state ---------------------------------------------------------------------

    def reset(self) -> None:
        """Silence every voice and clear phases, tails, queued events and buffered output; keep parameters."""
        self.voices = VoiceSlots(self.config.max_voices, self.n_harmonics, self.table.n_noise_bands)
        self.events = EventQueue()
        self.noise_tail = np.zeros(self.tail_size)  # the summed noise filter's tail
        # The period being played, as advance_voices left it for the oscillator; position:
        # its samples already handed out (the period is fresh at 0, used up at period).
        period, n_slots = self.config.control_period, self.config.max_voices + SPARE_SLOTS
        self.position = period
        self.period_noise = np.zeros(period, np.float32)  # the period's noise, whole
        self.period_voices = 0  # voices the oscillator plays this period: rows 0 .. period_voices - 1 below
        self.period_phase_rad = np.zeros(n_slots)
        self.period_omega_rad = np.zeros(n_slots)
        self.period_amp_start = np.zeros((n_slots, self.n_harmonics), np.float32)
        self.period_amp_end = np.zeros((n_slots, self.n_harmonics), np.float32)
        self.period_n_active = np.zeros(n_slots, np.int64)
        self.period_cycles = np.zeros(n_slots)
        # Voices of stretched tones (B > 0) play through render_stretched_partials: render_partials
        # sees them with no harmonics. A harmonic bank never needs either, and plays as it always did.
        self.period_harmonic_active = np.zeros(n_slots, np.int64) if self.table.inharmonicity.any() else self.period_n_active
        self.period_inharmonicity = np.zeros(n_slots)
        self.period_stretched = False  # any stretched voice this period
        self.period_onset = np.zeros(n_slots, np.int64)
        self.period_silent = np.zeros(n_slots, bool)
        self.period_power = np.zeros(self.n_out_bands)  # the summed noise filter's power response
        self.rng = np.random.default_rng(self.config.seed)
        self.next_id = 1
        self.sample_clock = 0  # samples handed out by render()
        self.rendered_samples = 0  # samples up to the end of the period begun last (its events are applied)

    @property
    def params(self) -> RenderParams:
        """The parameters in force at the last period boundary rendered."""
        return self._params

    @property
    def global_stage(self) -> float:
        return self._params.global_stage

    @property
    def n_voices(self) -> int:
        """Voices sounding now (events still queued are not counted)."""
        return int(self.voices.sounding.sum())

    @property
    def is_silent(self) -> bool:
        """Nothing sounding, queued or ringing: further output is zeros until the next event."""
        rest = self.period_noise[self.position:]
        return not (self.voices.active.any() or self.events or self.noise_tail.any() or rest.any()
                    or (self.period_voices and self.position < self.config.control_period))

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
        self._check_tone(tone)
        self._check_pitch(pitch_hz)
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
        if pitch_hz is not None:
            self._check_pitch(pitch_hz)
        if expression is not None and not (math.isfinite(expression) and 0 <= expression <= 4):
            raise ValueError(f"expression must be within 0..4, not {expression}")
        self._schedule(at_sample, self._update_voice, voice_id, pitch_hz, expression, None)

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
        Changes glide linearly over glide_s, which also becomes the default glide
        (None: the current default, params.glide_s).
        """
        stage = self._check_stage(stage)
        if glide_s is not None:
            checked("glide_s", glide_s)
        if tone is not None:
            self._check_tone(tone)
        if tone is None and voice_id is None:
            self._schedule(at_sample, self._change_params, {"global_stage": stage} if glide_s is None else {"global_stage": stage, "glide_s": glide_s})
        else:
            self._schedule(at_sample, self._apply_stage, stage, glide_s, tone, voice_id)

    def set_gain(self, gain: float, at_sample: int | None = None) -> None:
        """Set the gain on every voice: linear, at least 0."""
        self._schedule(at_sample, self._change_params, {"gain": checked("gain", gain)})

    def set_mix(self, harmonic: float | None = None, noise: float | None = None, at_sample: int | None = None) -> None:
        """Set the harmonic and/or noise level relative to the learned one: linear, at least 0; None keeps it."""
        changes = {name: checked(name, value) for name, value in (("harmonic_mix", harmonic), ("noise_mix", noise)) if value is not None}
        self._schedule(at_sample, self._change_params, changes)

    def set_level_mode(self, level_mode: str, at_sample: int | None = None) -> None:
        """Set the level mode, one of growth.LEVEL_MODES."""
        self._schedule(at_sample, self._change_params, {"level_mode": checked("level_mode", level_mode)})

    def set_transpose(self, transpose: str, at_sample: int | None = None) -> None:
        """Set the transposition, one of envelope.TRANSPOSE_MODES. Voices sounding keep their tones
        and follow the new mode from the next period; new voices choose their tones by it."""
        self._schedule(at_sample, self._change_params, {"transpose": checked("transpose", transpose)})
    def set_velocity_timbre(self, amount: float, at_sample: int | None = None) -> None:
        """Set how much velocity changes brightness: 0 not at all, 1 as learned, up to MAX_VELOCITY_TIMBRE.

        Sounding voices take the new amount at the period boundary (their amplitudes ramp across the period).
        """
        self._schedule(at_sample, self._change_params, {"velocity_timbre": checked("velocity_timbre", amount)})

    def set_params(self, params: RenderParams, at_sample: int | None = None) -> None:
        """Replace every parameter. params.global_stage None means every harmonic."""
        params = self._resolved(params)
        self._schedule(at_sample, self._apply_params, params)

    def carry_params_from(self, other: Renderer) -> None:
        """Take over another renderer's parameters, for a bank hot swap.

        Those in force in other apply here from the current position, and the
        parameter changes still queued there apply here at their times (both
        renderers' current positions are taken as the same moment). The global
        stage is capped at this bank's harmonic count.
        """
        def capped(params: RenderParams) -> RenderParams:
            return replace(params, global_stage=min(params.global_stage, float(self.n_harmonics)))

        self._schedule(None, self._apply_params, capped(other.params))
        shift = self.sample_clock - other.sample_clock
        for at_sample, apply, args in other.events.pending():
            at_sample = max(at_sample + shift, self.sample_clock)  # after the params in force
            if apply == other._change_params:
                changes = args[0]
                if "global_stage" in changes:
                    changes = {**changes, "global_stage": min(changes["global_stage"], float(self.n_harmonics))}
                self._schedule(at_sample, self._change_params, changes)
            elif apply == other._apply_params:
                self._schedule(at_sample, self._apply_params, capped(args[0]))

    def _schedule(self, at_sample: int | None, apply, *args, exact: bool = False) -> None:
        self.events.schedule(self.sample_clock if at_sample is None else at_sample, apply, *args, exact=exact)

    # -- applying events (at a period boundary) -------------------------------------

    def _start_voice(self, voice_id: int, tone: int, pitch_hz: float, velocity: float, stage: float | None, onset: int = 0) -> None:
        velocity = float(np.clip(velocity, 0.0, 1.0))
        target = stage_target(0, np.array([tone]), np.array([np.nan if stage is None else stage]), self.tone_stage, float(self._params.global_stage))
        tone, tone_b, weight_b = self._tones_for(tone, pitch_hz)
        first = self.table.lookup(np.array([tone, tone_b]), np.zeros(2)).noise
        noise_bands = first[0] * (1.0 - weight_b) + first[1] * weight_b
        # A voice starting mid-period joins the noise at the next boundary, never before its onset.
        noise_level = 0.0 if onset else self._noise_level(np.array([target]), np.array([velocity * self._params.gain]))[0]
        self.voices.start(voice_id, tone, pitch_hz, velocity, stage, target, onset, onset / self.config.sample_rate, noise_bands, noise_level,
                          tone_b, weight_b, self._harmonic_gain(tone, velocity), float(self.table.inharmonicity[tone]))

    def _tones_for(self, tone: int, pitch_hz: float) -> tuple[int, int, float]:
        """(tone, tone_b, weight_b) a new voice of tone at pitch_hz plays, by the transposition in force:
        with "envelope", tone and its neighbour toward pitch_hz when the pitch lies between them
        (envelope.morph_pair); with "harmonics", tone alone."""
        if self._params.transpose == "envelope":
            return morph_pair(self.table.f0_hz, pitch_hz, tone)
        return tone, tone, 0.0

    def _release_voice(self, voice_id: int, release: bool) -> None:
        v = self.voices.slot_of(voice_id)
        if v is None:
            return
        if not release:
            self.voices.fade(v)
        elif self.voices.held[v]:
            # Snapshot where the held voice is now: its release falls from there.
            slot = np.array([v])
            where, _ = self._controls(slot, self.voices.time_s[slot])
            where_b, _ = self._controls(slot, self.voices.time_s[slot], second=True)
            self.voices.release(v, where, where_b)

    def _release_all(self, release: bool) -> None:
        s = self.voices
        for voice_id in s.voice_id[s.active]:
            self._release_voice(int(voice_id), release)

    def _update_voice(self, voice_id: int, pitch_hz: float | None, expression: float | None, voice_stage: float | None) -> None:
        v = self.voices.slot_of(voice_id)
        if v is not None:
            self.voices.update(v, pitch_hz, expression, voice_stage)
            if pitch_hz is not None:
                self._retone(v, pitch_hz)

    def _retone(self, v: int, pitch_hz: float) -> None:
        """A voice moved to pitch_hz ("envelope") blends the tones around its new pitch. A held voice
        may change tones: the pair is its nearer tone and that one's neighbour, so a bend past a trained
        pitch goes through that tone alone and nothing jumps. A released one keeps its pair, whose
        release it plays, and moves its weight only."""
        if self._params.transpose != "envelope":
            return
        s = self.voices
        tone, tone_b = int(s.tone[v]), int(s.morph.tone_b[v])
        if s.held[v]:
            pair = morph_pair(self.table.f0_hz, pitch_hz, nearer_tone(self.table.f0_hz, pitch_hz, tone, tone_b))
        else:
            pair = tone, tone_b, morph_weight(self.table.f0_hz[tone], self.table.f0_hz[tone_b], pitch_hz)
        s.retone(v, *pair)

    def _apply_stage(self, stage: float, glide_s: float | None, tone: int | None, voice_id: int | None) -> None:
        """A voice's or a tone's stage (the global stage is a parameter)."""
        if glide_s is not None:
            self._params = replace(self._params, glide_s=glide_s)
        if voice_id is not None:
            self._update_voice(voice_id, None, None, stage)
        else:
            self.tone_stage[tone] = stage

    def _change_params(self, changes: dict) -> None:
        """Some parameters, checked when scheduled, on the params in force now."""
        self._apply_params(replace(self._params, **changes))

    def _apply_params(self, params: RenderParams) -> None:
        self._timbre_stale |= params.velocity_timbre != self._params.velocity_timbre
        self._params = params

    def _harmonic_gain(self, tone: int, velocity: float) -> np.ndarray | None:
        """A voice's velocity timbre row ([H] linear) for tone at velocity (0..1), at the amount in force; None: neutral."""
        table = self.table.velocity_timbre[tone]
        if table is None or self._params.velocity_timbre == 0.0:
            return None
        timbre_db, offsets_db = table
        return harmonic_gain(timbre_db, offsets_db, velocity, self._params.velocity_timbre, self.table.timbre_reference[tone])

    def _refresh_timbre(self) -> None:
        """Every sounding voice's velocity timbre row at the amount in force, once a period however many
        changes came (a CC71 sweep sends dozens a second): one vectorised call per tone sounding. Each row
        stays its note-on tone's (VoiceSlots.timbre_tone), so moving a voice between tones never changes it."""
        self._timbre_stale = False
        s = self.voices
        active = np.flatnonzero(s.active)
        for tone in np.unique(s.timbre_tone[active]):
            v = active[s.timbre_tone[active] == tone]
            table = self.table.velocity_timbre[tone]
            if table is None or self._params.velocity_timbre == 0.0:
                s.harmonic_gain[v] = 1.0
                s.timbre_shaped[v] = False
                continue
            rows = harmonic_gains(*table, s.velocity[v], self._params.velocity_timbre, self.table.timbre_reference[tone])
            s.harmonic_gain[v] = rows
            s.timbre_shaped[v] = np.any(rows != 1.0, axis=1)

    # -- rendering -----------------------------------------------------------------

    def render(self, n_samples: int) -> np.ndarray:
        """The next n_samples of output: [n_samples] float32 mono."""
        period = self.config.control_period
        # np.empty and fill, not np.zeros: NumPy lets go of the GIL to calloc 1 KiB or more,
        # and grower-serve's other threads keep off the GIL only while a block renders.
        out = np.empty(n_samples, np.float32)
        out.fill(0.0)
        done = 0
        while done < n_samples:
            if self.position == period:
                self._begin_period()
            take = min(n_samples - done, period - self.position)
            span = out[done:done + take]
            if self.period_voices:
                n = self.period_voices
                render_partials(span, self.period_phase_rad[:n], self.period_omega_rad[:n], self.period_amp_start[:n],
                                self.period_amp_end[:n], self.period_harmonic_active[:n], self.period_onset[:n], self.position, period)
                if self.period_stretched:
                    render_stretched_partials(span, self.period_phase_rad[:n], self.period_cycles[:n], self.period_omega_rad[:n],
                                              self.period_inharmonicity[:n], self.period_amp_start[:n], self.period_amp_end[:n],
                                              self.period_n_active[:n], self.period_onset[:n], self.position, period)
            span += self.period_noise[self.position:self.position + take]
            self.position += take
            done += take
        self.sample_clock += n_samples
        return out

    def _begin_period(self) -> None:
        """Apply the events due, advance every voice to the end of the next period, and
        filter its noise; the oscillator's inputs wait in the period_* arrays."""
        period, sr = self.config.control_period, self.config.sample_rate
        self.events.apply_due(self.rendered_samples, period)
        if self._timbre_stale:
            self._refresh_timbre()
        self.rendered_samples += period
        self.position = 0
        s, p = self.voices, self._params
        v = np.flatnonzero(s.active)
        self.period_voices = n = v.size
        if n == 0:  # silence, once the noise filter's tail has rung out
            if self.noise_tail.any():
                self.period_power.fill(0.0)
                self.period_noise = self._noise_period(self.period_power)
            elif self.period_noise.any():
                self.period_noise = np.zeros(period, np.float32)
            return
        # Harmonics: the learned distribution, grown, levelled, tapered at this rate's Nyquist.
        # Noise: each period is filtered with the bands at its start (frame m covers
        # samples m..m+1, as in the trainer); the bands at its end serve the next.
        # Independent white noises through each voice's filter sum to one white noise
        # through a filter whose power response is the sum of theirs: one filter for
        # all voices, so the filtering costs the same for 1 voice or 256.
        power = self.period_power
        power.fill(0.0)  # not np.zeros: see render
        silent = self.period_silent[:n]
        advance_voices(v, period, float(sr), self.table.arrays, self.table.f0_hz, self.n_harmonics,
                       s.tone, s.held, s.dying, s.off_time_s, s.release_from, s.pitch_hz, s.velocity, s.expression,
                       s.voice_stage, self.tone_stage, float(p.global_stage), float(p.glide_s), s.stage, s.glide_from, s.glide_to,
                       s.glide_elapsed_s, s.glide_time_s, s.onset, s.time_s, s.phase_rad, s.cycles, s.inharmonicity, s.prev_amps, s.prev_noise, s.prev_noise_level,
                       s.harmonic_gain, s.timbre_shaped,
                       float(p.gain), float(p.harmonic_mix), float(p.noise_mix), p.level_mode == "equal", float(self.noise_rate_gain),
                       dsp.TAPER_START_FRACTION, MAX_EQUAL_BOOST, self.out_band_hz, float(self.train_band_hz),
                       p.transpose == "envelope", s.morph, self.envelope_work,
                       self.period_phase_rad[:n], self.period_cycles[:n], self.period_omega_rad[:n], self.period_amp_start[:n], self.period_amp_end[:n],
                       self.period_n_active[:n], self.period_onset[:n], power, silent)
        if self.period_harmonic_active is not self.period_n_active:  # a bank with stretched tones
            stretch = self.period_inharmonicity[:n]
            np.take(s.inharmonicity, v, out=stretch)
            np.copyto(self.period_harmonic_active[:n], np.where(stretch > 0, 0, self.period_n_active[:n]))
            self.period_stretched = bool(stretch.any())
        self.period_noise = self._noise_period(np.sqrt(power))
        if silent.any():
            s.free(v[silent])

    def _noise_level(self, stage: np.ndarray, loudness: np.ndarray) -> np.ndarray:
        """Voices' noise gain: growth, loudness, this rate's level per hertz and the noise mix. [V]"""
        return noise_gain(stage, self.n_harmonics) * loudness * self.noise_rate_gain * self._params.noise_mix

    def _noise_period(self, magnitudes: np.ndarray) -> np.ndarray:
        """One period of white noise through the summed filter; the tail carries on.

        The same filter as dsp.noise_impulse_response + dsp.filtered_noise, in one kernel.
        """
        white = self.rng.uniform(-1.0, 1.0, self.config.control_period)
        audio = np.empty(self.config.control_period)
        filter_period(magnitudes, self.noise_basis, white, self.noise_tail, audio)
        return audio.astype(np.float32)

    # -- helpers -------------------------------------------------------------------

    def _controls(self, v: np.ndarray, t_s: np.ndarray, second: bool = False) -> tuple[FrameControls, np.ndarray]:
        """Slots v's controls at their times t_s [V] (attack, loop, one-shot decay or release), and whether each has ended:
        of their first tone as recorded (not resampled), or with second, of their second tone."""
        s = self.voices
        controls = FrameControls(np.empty(v.size), np.empty((v.size, self.n_harmonics)), np.empty((v.size, self.table.n_noise_bands)), np.empty(v.size))
        finished = np.empty(v.size, bool)
        tone, released_from = (s.morph.tone_b, s.morph.released_from_b) if second else (s.tone, s.release_from)
        voice_controls(v, np.asarray(t_s, float), tone, s.held, s.off_time_s, released_from, self.table.arrays, *controls, finished)
        return controls, finished

    def _resolved(self, params: RenderParams) -> RenderParams:
        """params with its global stage checked against this bank, None meaning every harmonic."""
        stage = self.n_harmonics if params.global_stage is None else self._check_stage(params.global_stage)
        return replace(params, global_stage=float(stage))

    def _check_stage(self, stage: float) -> float:
        if not (math.isfinite(stage) and 0 <= stage <= self.n_harmonics):
            raise ValueError(f"stage must be within 0..{self.n_harmonics}, not {stage}")
        return float(stage)

    def _check_tone(self, tone: int) -> None:
        if not 0 <= tone < len(self.table.names):
            raise ValueError(f"tone index {tone} is out of range 0..{len(self.table.names) - 1}")

    def _check_pitch(self, pitch_hz: float) -> None:
        if not (math.isfinite(pitch_hz) and 0 < pitch_hz < self.config.sample_rate / 2):
            raise ValueError(f"pitch_hz must be within 0..{self.config.sample_rate / 2:g} Hz, not {pitch_hz}")
