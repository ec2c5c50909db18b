"""Every tone's control trajectory in one table, and where a voice is in its tone.

The renderer looks up each sounding voice's controls once a control period, at
its own time in its own tone's trajectory; with every tone's frames
concatenated, that is one pass over all voices at once. What that lookup
means is defined here in NumPy (:meth:`ToneTable.controls_at`); the kernel
``voices.voice_controls`` reproduces it, held there by tests/synth/test_voices.py.

Where a voice is, t seconds after its note-on (frame = t * frame_rate_hz):

- **Held, a sustain tone**: the trajectory up to the sustain region's start s,
  then the region [s, e) repeated. A crossfade loop plays s .. e and wraps to
  s; over its last X frames (the crossfade) the controls blend linearly from
  frame q into frame q - (e - s), so at the wrap they are already frame s's. A
  ping-pong loop plays the region back and forth, so the controls never jump.
  Crossfades blend per-harmonic amplitudes, not audio: no phase cancels.
- **Held, a one-shot**: the trajectory up to its release start r, then frame
  r's controls with harmonic k decaying at decay_db_per_s[k] (and noise band b
  at noise_decay_db_per_s[b]): the recorded decay goes on, never looping. The
  voice ends once every part is 100 dB below the tone's peak.
- **Released** at t_off: the recorded release from r on, relative to where the
  voice was: each harmonic starts at its level at note-off and follows its
  own fall in the recording from frame r (never rising, and never falling
  slower than the recording's whole level); noise bands likewise, and the
  pitch moves as the recording's does. So a release blends on from any point
  of the attack, loop or decay without a jump. Past the last frame it fades
  RELEASE_TAIL_DB over RELEASE_TAIL_S, then the voice ends.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .bank import VELOCITY_OFFSET_DB, VELOCITY_TIMBRE_DB, Bank, BankTone
from .voices import interpolate_rows

RELEASE_TAIL_S = 0.1  # past a release's last frame, the voice fades out over this long ...
RELEASE_TAIL_DB = 60.0  # ... by this much, then ends
ONE_SHOT_FLOOR_DB = 100.0  # a held one-shot ends once all of it is this far below the tone's peak
_TINY = 1e-12


class FrameControls(NamedTuple):
    """A tone's controls at one frame position per row (a voice, or a voice slot).

    amplitude: [V] linear; distribution: [V, n_harmonics] (harmonic k's amplitude is
    amplitude * distribution[:, k]; rows sum to 1 in the table, not always once a
    one-shot decays or a release scales them); noise: [V, n_noise_bands] learned band
    magnitudes; f0_ratio: [V] the frame's f0 over the tone's f0.
    """

    amplitude: np.ndarray
    distribution: np.ndarray
    noise: np.ndarray
    f0_ratio: np.ndarray


class ToneArrays(NamedTuple):
    """The table as the kernels take it. T tones, F frames in all, H harmonics, N noise bands.

    Per frame: amplitude [F], distribution [F, H], noise [F, N], f0_ratio [F], level [F]
    (linear RMS of harmonics and noise). Per tone: offset, n_frames [T] int (tone t's
    frames are rows offset[t] ..); sustain [T, 2] frames (s, e); crossfade [T] frames
    (0: ping-pong); one_shot [T] bool; release_start [T] frames; silent_after_s [T]
    (a held one-shot's life past its release start); decay [T, H] and noise_decay [T, N]
    in nepers per second (ln gain / s, <= 0); the controls at the release start:
    ref_amps [T, H] (amplitude * distribution), ref_amplitude, ref_level, ref_f0_ratio [T],
    ref_distribution [T, H], ref_noise [T, N]. frame_rate_hz: frames per second;
    release_tail_s, release_tail_nepers_per_s: RELEASE_TAIL_S and its fade rate.
    inharmonicity: [T] each tone's B (partial k at k sqrt(1 + B k^2) times the pitch; 0: harmonic).
    """

    amplitude: np.ndarray
    distribution: np.ndarray
    noise: np.ndarray
    f0_ratio: np.ndarray
    level: np.ndarray
    offset: np.ndarray
    n_frames: np.ndarray
    sustain: np.ndarray
    crossfade: np.ndarray
    one_shot: np.ndarray
    release_start: np.ndarray
    silent_after_s: np.ndarray
    decay: np.ndarray
    noise_decay: np.ndarray
    ref_amps: np.ndarray
    ref_amplitude: np.ndarray
    ref_distribution: np.ndarray
    ref_noise: np.ndarray
    ref_f0_ratio: np.ndarray
    ref_level: np.ndarray
    frame_rate_hz: float
    release_tail_s: float
    release_tail_nepers_per_s: float
    inharmonicity: np.ndarray


def velocity_timbre_table(tone: BankTone) -> tuple[np.ndarray, np.ndarray] | None:
    """A tone's velocity timbre table as float64 (timbre_db [L, H] dB, offsets_db [L] dB), or None when it has none."""
    if tone.entry.velocity_timbre is None:
        return None
    return np.asarray(tone.tensors[VELOCITY_TIMBRE_DB], np.float64), np.asarray(tone.tensors[VELOCITY_OFFSET_DB], np.float64)


def frame_level(amplitude: np.ndarray, distribution: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """[V] linear RMS of a frame's harmonics (A_k^2 / 2 each) and noise (uniform noise through the
    band gains: mean gain^2 / 3). amplitude: [V]; distribution: [V, H]; noise: [V, N]."""
    amps = amplitude[:, None] * distribution
    return np.sqrt(0.5 * np.sum(amps**2, axis=1) + np.mean(noise**2, axis=1) / 3.0)


class ToneTable:
    """A bank's tones as concatenated float64 control tables, with each tone's segments.

    names: [n_tones]; f0_hz: [n_tones] Hz; inharmonicity: [n_tones] B; n_frames, offset: [n_tones] the frames of
    tone t are rows offset[t] .. offset[t] + n_frames[t] - 1; sustain: [n_tones, 2] the
    sustain region in frames (at least 2 frames long, within the tone);
    frame_rate_hz: frames per second; train_sample_rate: Hz, the rate the bank was trained
    at; arrays: the ToneArrays the kernels take. velocity_timbre: per tone, its velocity
    timbre table (timbre_db [L, H] dB, offsets_db [L] dB) or None (no table: velocity is
    only gain); timbre_reference: [n_tones, H] the mean distribution over the sustain
    region, whose power a voice's timbre row keeps (velocity_timbre.harmonic_gain).
    """

    def __init__(self, bank: Bank):
        tones = bank.tones
        fr = bank.header.frame_rate_hz
        self.names = [t.entry.name for t in tones]
        self.frame_rate_hz = fr
        self.n_frames = np.array([t.entry.n_frames for t in tones])
        self.offset = np.concatenate([[0], np.cumsum(self.n_frames)[:-1]])
        self.f0_hz = np.array([t.entry.f0_hz for t in tones])
        self.inharmonicity = np.array([t.entry.inharmonicity for t in tones], np.float64)
        last = (self.n_frames - 1).astype(np.float64)
        self.sustain = np.array([[t.entry.sustain_start_s, t.entry.sustain_end_s] for t in tones]) * fr
        self.sustain[:, 1] = np.maximum(self.sustain[:, 1], self.sustain[:, 0] + 2.0)
        self.sustain = np.minimum(self.sustain, last[:, None])
        length = self.sustain[:, 1] - self.sustain[:, 0]
        crossfade = np.array([t.entry.loop_crossfade_s if t.entry.loop == "crossfade" else 0.0 for t in tones]) * fr
        self.crossfade = np.minimum(crossfade, np.minimum(length, self.sustain[:, 0]))
        self.crossfade[self.crossfade < 1.0] = 0.0  # under a frame: nothing to blend, ping-pong instead
        self.one_shot = np.array([t.entry.envelope == "one-shot" for t in tones])
        self.release_start = np.clip(np.array([t.entry.release_start_s for t in tones]) * fr, self.sustain[:, 1], last)
        c = [t.controls for t in tones]
        self.amplitude = np.concatenate([x["amplitude"] for x in c]).astype(np.float64)
        self.distribution = np.concatenate([x["harmonic_distribution"] for x in c]).astype(np.float64)
        self.noise = np.concatenate([x["noise_magnitudes"] for x in c]).astype(np.float64)
        self.f0_ratio = np.concatenate([x["f0_hz"] / t.entry.f0_hz for x, t in zip(c, tones)]).astype(np.float64)
        self.level = frame_level(self.amplitude, self.distribution, self.noise)
        self.train_sample_rate = bank.header.sample_rate
        n_harmonics, n_bands = self.distribution.shape[1], self.noise.shape[1]
        to_nepers = math.log(10.0) / 20.0
        self.decay = np.stack([x.get("decay_db_per_s", np.zeros(n_harmonics)) for x in c]).astype(np.float64) * to_nepers
        self.noise_decay = np.stack([x.get("noise_decay_db_per_s", np.zeros(n_bands)) for x in c]).astype(np.float64) * to_nepers
        tone_index = np.arange(len(tones))
        ref = self.lookup(tone_index, self.release_start)
        self.ref = ref
        self.ref_amps = ref.amplitude[:, None] * ref.distribution
        self.ref_level = frame_level(ref.amplitude, ref.distribution, ref.noise)
        self.silent_after_s = self._silent_after_s()
        self.velocity_timbre = [velocity_timbre_table(t) for t in tones]
        self.timbre_reference = np.stack([
            self.distribution[o + int(a):o + max(int(b), int(a) + 1)].mean(axis=0) for o, (a, b) in zip(self.offset, self.sustain)])
        self.arrays = ToneArrays(
            self.amplitude, self.distribution, self.noise, self.f0_ratio, self.level, self.offset.astype(np.int64), self.n_frames.astype(np.int64),
            self.sustain, self.crossfade, self.one_shot, self.release_start, self.silent_after_s, self.decay, self.noise_decay,
            self.ref_amps, ref.amplitude, ref.distribution, ref.noise, ref.f0_ratio, self.ref_level, float(fr),
            RELEASE_TAIL_S, RELEASE_TAIL_DB * to_nepers / RELEASE_TAIL_S, self.inharmonicity,
        )

    def _silent_after_s(self) -> np.ndarray:
        """[n_tones] seconds past the release start after which a held one-shot is ONE_SHOT_FLOOR_DB below
        its tone's peak harmonic amplitude, every harmonic and noise band decaying at its rate (0 for sustain tones)."""
        out = np.zeros(len(self.names))
        for t in np.flatnonzero(self.one_shot):
            rows = slice(self.offset[t], self.offset[t] + self.n_frames[t])
            peak = max(float(np.max(self.amplitude[rows, None] * self.distribution[rows])), _TINY)
            parts = np.concatenate([self.ref_amps[t], self.ref.noise[t]])
            rates = np.concatenate([self.decay[t], self.noise_decay[t]])
            with np.errstate(divide="ignore"):
                above_db = 20.0 * np.log10(parts / peak) + ONE_SHOT_FLOOR_DB
            fading = (above_db > 0) & (rates < 0)
            out[t] = float(np.max(above_db[fading] * math.log(10.0) / 20.0 / -rates[fading], initial=0.0))
            if np.any((above_db > 0) & (rates >= 0)):
                out[t] = math.inf  # a part that never decays (a bank without decay rates): the voice lives until note-off
        return out

    @property
    def n_noise_bands(self) -> int:
        return self.noise.shape[1]

    def lookup(self, tone: np.ndarray, position: np.ndarray) -> FrameControls:
        """Controls at fractional frame positions, interpolated linearly between frames.

        tone: [V] int tone indices; position: [V] frames, clipped to the tone's frames.
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

        return FrameControls(mix(self.amplitude), mix(self.distribution), mix(self.noise), mix(self.f0_ratio))

    def level_at(self, tone: np.ndarray, position: np.ndarray) -> np.ndarray:
        """[V] the level table (linear RMS) at fractional frame positions, as lookup interpolates."""
        position = np.clip(position, 0.0, self.n_frames[tone] - 1.0)
        lo = np.floor(position).astype(np.int64)
        hi = np.minimum(lo + 1, self.n_frames[tone] - 1)
        w = position - lo
        return self.level[self.offset[tone] + lo] * (1 - w) + self.level[self.offset[tone] + hi] * w

    def controls_at(self, tone: np.ndarray, t_s: np.ndarray, held: np.ndarray, off_time_s: np.ndarray,
                    released_from: FrameControls) -> tuple[FrameControls, np.ndarray]:
        """Where voices are in their tones, as the module docstring defines it: the NumPy reference.

        tone: [V] int; t_s: [V] seconds since each voice's note-on; held: [V] bool;
        off_time_s: [V] its time at note-off (released voices); released_from: [V] rows, its
        controls at note-off. Returns (FrameControls [V], finished [V] bool: the voice has ended).
        """
        fr = self.frame_rate_hz
        t_s = np.asarray(t_s, np.float64)
        frame = t_s * fr
        s, e = self.sustain[tone, 0], self.sustain[tone, 1]
        x = self.crossfade[tone]
        length = e - s
        # Held sustain: attack, then the loop.
        u = np.mod(frame - s, 2.0 * length)
        ping_pong = np.where(frame < s, frame, s + np.where(u < length, u, 2.0 * length - u))
        q = np.where(frame < s, frame, s + np.mod(frame - s, length))
        blend = (x > 0) & (frame >= s) & (q >= e - x)
        w = np.where(blend, (q - (e - x)) / np.maximum(x, _TINY), 0.0)
        a = self.lookup(tone, np.where(x > 0, q, ping_pong))
        b = self.lookup(tone, q - length)
        amplitude = (1 - w) * a.amplitude + w * b.amplitude
        amps = (1 - w)[:, None] * a.amplitude[:, None] * a.distribution + w[:, None] * b.amplitude[:, None] * b.distribution
        distribution = np.where(blend[:, None], amps / np.maximum(amplitude, _TINY)[:, None], a.distribution)
        noise = (1 - w)[:, None] * a.noise + w[:, None] * b.noise
        f0_ratio = (1 - w) * a.f0_ratio + w * b.f0_ratio
        finished = np.zeros(tone.size, bool)
        # Held one-shot: the trajectory, then its decay goes on from the release start.
        r = self.release_start[tone]
        straight = self.one_shot[tone] & (frame < r)
        if straight.any():
            c = self.lookup(tone, frame)
            amplitude = np.where(straight, c.amplitude, amplitude)
            distribution = np.where(straight[:, None], c.distribution, distribution)
            noise = np.where(straight[:, None], c.noise, noise)
            f0_ratio = np.where(straight, c.f0_ratio, f0_ratio)
        decaying = self.one_shot[tone] & (frame >= r)
        dt_s = np.maximum(frame - r, 0.0) / fr
        amplitude = np.where(decaying, self.ref.amplitude[tone], amplitude)
        distribution = np.where(decaying[:, None], self.ref.distribution[tone] * np.exp(self.decay[tone] * dt_s[:, None]), distribution)
        noise = np.where(decaying[:, None], self.ref.noise[tone] * np.exp(self.noise_decay[tone] * dt_s[:, None]), noise)
        f0_ratio = np.where(decaying, self.ref.f0_ratio[tone], f0_ratio)
        finished |= decaying & (dt_s >= self.silent_after_s[tone])
        # Released: the recorded release from r, relative to where the voice was.
        position = r + np.maximum(t_s - off_time_s, 0.0) * fr
        c = self.lookup(tone, position)
        beyond_s = np.maximum(position - (self.n_frames[tone] - 1), 0.0) / fr
        tail = 10.0 ** (-RELEASE_TAIL_DB / 20.0 * beyond_s / RELEASE_TAIL_S)
        rho = np.minimum(self.level_at(tone, position) / np.maximum(self.ref_level[tone], _TINY), 1.0) * tail
        ref_amps, ref_noise = self.ref_amps[tone], self.ref.noise[tone]
        with np.errstate(divide="ignore", invalid="ignore"):
            gains = np.where(ref_amps > _TINY, c.amplitude[:, None] * c.distribution / ref_amps, np.inf)
            noise_gains = np.where(ref_noise > _TINY, c.noise / ref_noise, np.inf)
        gains = np.minimum(gains, rho[:, None])
        noise_gains = np.minimum(noise_gains, rho[:, None])
        released = ~held
        amplitude = np.where(released, released_from.amplitude, amplitude)
        distribution = np.where(released[:, None], released_from.distribution * gains, distribution)
        noise = np.where(released[:, None], released_from.noise * noise_gains, noise)
        f0_ratio = np.where(released, released_from.f0_ratio * c.f0_ratio / self.ref.f0_ratio[tone], f0_ratio)
        finished = np.where(released, beyond_s >= RELEASE_TAIL_S, finished)
        return FrameControls(amplitude, distribution, noise, f0_ratio), finished
