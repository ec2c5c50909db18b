"""Cleaning a recording before it is learned: mains hum, a stationary noise floor, a room's reverberant tail.

Musicians record in rooms, through preamps that hiss and hum; a model trained
on that learns the room and the noise. :func:`clean` finds each from the
recording itself and removes only what it finds, so a clean recording comes
back unchanged (bit for bit):

- **Mains hum**: lines at k * 50 or k * 60 Hz that stand above their
  neighbourhood and hold one level through the whole recording (a tone's
  own partial near one changes level with the tone, and is left alone). Each
  line found is subtracted: a sinusoid at its measured frequency, fitted block
  by block (:func:`remove_hum`).
- **Noise floor**: the quietest frames, when they last long enough and hold
  a steady level (a decay passing through is no floor), are the noise's
  profile; noisereduce's stationary spectral gate removes it, and the tone's
  harmonics that the floor buries are taken back where they measurably
  raise their bins (:func:`keep_harmonics`; a stretched tone's partials where
  its inharmonicity puts them). The gate takes a breathy tone's own noise
  with the floor; where that noise measurably stands above the floor over a
  broad share of the spectrum it is measured (:func:`own_noise_spectrum_db`)
  and put back into the learned noise at export, under the learned amplitude
  (:func:`with_own_noise`), in the control domain, where the floor is not.
- **Reverberant tail**: after the release, a room's decay is a straight,
  slower line in dB that follows the instrument's steeper release
  (segment.reverberant_tail finds the knee). The tail is cut there, with a
  short fade.

Library code where it fits (noisereduce's gate); by hand the detection, which
is the product's judgement of what to remove, and the hum's subtraction,
where scipy's notch filters were measured to leave too much (see remove_hum).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from grower.synth.spectral import stft_magnitude

from .blas import one_blas_thread
from .config import CLEAN_CHOICES
from .segment import reverberant_tail

# Noise floor
LEVEL_WINDOW = 1024  # samples per level frame (46 ms at 22050 Hz)
LEVEL_HOP = 256
FLOOR_PERCENTILE = 5.0  # the floor is the level of this percentile of frames ...
FLOOR_BAND_DB = 3.0  # ... and the frames within this of it are its profile
MIN_FLOOR_S = 0.25  # that much steady floor is needed to act on it
MAX_FLOOR_SLOPE_DB_PER_S = 4.0  # a floor holds its level; a decay through the quiet band does not
LOWEST_FLOOR_DBFS = -80.0  # a floor below this is left alone: nothing measurable to remove
NO_STRETCH, TOO_NEAR = "no stretch", "too near"  # why find_noise_floor found none: no quiet stretch of the floor alone; a tone too near it
FLOOR_PARTIAL_EXCESS_DB = 10.0  # a quiet frame with two neighbouring bins this far above the floor's spectrum holds a partial ...
FLOOR_SMOOTH_BINS = 9  # ... that spectrum being the quietest frames' mean, smoothed (a median) across this many bins ...
FLOOR_PARTIAL_WINDOW = 4096  # ... both read in windows this long (5.4 Hz bins at 22050 Hz) ...
FLOOR_PARTIAL_CHUNK = 256  # ... this many at a time
MIN_TONE_ABOVE_FLOOR_DB = 12.0  # the tone stands this far above its floor, or the "floor" is the tone
GATE_DEPTH = 0.99  # gated bins keep 1 % (-40 dB), not holes: gated to zero, a clarinet trained 3 dB quiet (and -60 dB measured worse)
KEEP_FFT = 2048  # the harmonics are taken back in frames this long ...
KEEP_BINS = 1  # ... this many bins either side of each harmonic (10.8 Hz bins at 22050 Hz) ...
KEEP_ABOVE_FLOOR_DB = 10.0  # ... in frames whose level stands this far above the floor (the tone sounds)
KEEP_MIN_EXCESS_DB = 1.3  # ... where, over the note, they hold this much more power than the noise alone would (at 1 dB one of
                          # forty partials' bins does by chance in a 2 s note: a clarinet's 23rd, 28 dB under the noise, was kept);
KEEP_LOCAL_S = 0.25  # and a partial is kept in any frame where, over this long around it, ...
KEEP_LOCAL_EXCESS_DB = 6.0  # ... it holds this much more (cleaned piano's LSD to the clean note 4.4 -> 3.8 dB; at 3 dB noise kept
                            # by chance cost a guitar 0.5 dB, at 10 dB the piano kept less)
TONE_STANDS_DB = 3.0  # the tone goes on while some partial stands this far above the noise over KEEP_LOCAL_S (a soft G5 under
                      # -60 dBFS stood 4-7 dB out for a second after its broadband level fell to the noise's) ...
GATE_PASSED_DB = 25.0  # ... or the gate lets through more than this far under the floor (its residue: 40 dB under)
DECAY_FIT_S = 0.3  # a partial that sinks into the noise goes on as the line fitted to its last this long ...
DECAY_MIN_DB_PER_S = 3.0  # ... when it falls at least this fast (a steady partial that flickers at the floor is no decay) ...
DECAY_MAX_SCATTER_DB = 1.5  # ... and lies this near the line (a struck partial's decay is one; a release's bend is not)
KEEP_F0_RANGE_HZ = (30.0, 2000.0)  # pitch search range, as FeatureConfig's
OWN_NOISE_POINTS = 129  # the tone's own noise is kept at this many frequencies, 0 Hz to Nyquist (86 Hz apart at 22050 Hz)
OWN_NOISE_SIGNIFICANCE = 1.0  # standard errors (of the frames' spread) it stands above zero, or it is not told from the floor ...
OWN_NOISE_MIN_SHARE = 0.25  # ... and it must be found over this share of the spectrum: breath is broadband. Measured (LSD of the
                            # trained render, 2 s notes under -45 dBFS): a flute 9.4 dB gated, 5.8 kept; a clarinet (17 scattered points
                            # found, where its clean-trained model learns 40 dB less noise) 3.7 gated, 8.4 if kept; at 1.5 standard errors
                            # and no share, the flute only reached 6.8
NO_OWN_NOISE_DB = -120.0  # what own_noise_db reads where none is found
STRETCH_FROM_S = 0.15  # a stretched tone's partials are measured from this long after the start, past a strike (as features.STRETCH_FROM_S)
GATE_THRESHOLD_STD = 2.5  # a bin passes the gate this many standard deviations (dB) above the floor's mean: LSD of a
                          # cleaned clarinet to the clean one 2.8 dB, against 11 at noisereduce's default 1.5 (3.9 at 3.5)

UNMEASURED_FLOOR_DBFS = -58.0  # with no floor measured, a take's floor read (unmeasured_floor_dbfs) this loud is said (white noise at -53)
LEFT_NAMES_SHOWN = 6  # takes left as they were are named in a shared line up to this many
UNMEASURED_SMOOTH_S = 0.2  # ... each bin's power smoothed over this long before its minimum is taken
DC_CUTOFF_HZ = 10.0  # what lies below is offset and drift, not sound
DC_NEGLIGIBLE = 0.1  # an offset with less power than this share of the quietest frames' is left alone

# Mains hum
MAINS_HZ = (50.0, 60.0)
MAX_HUM_HARMONICS = 8
LOWEST_HUM_DBFS = -80.0  # hum quieter than this is left alone: nothing measurable to remove
HUM_FFT = 16384  # 1.3 Hz bins at 22050 Hz: a hum line apart from a tone's partial
HUM_ABOVE_BACKGROUND_DB = 10.0  # a line stands this far above the bins around it (median over frames) ...
HUM_STEADY_DB = 6.0  # ... and its level varies less than this (10th to 90th percentile of frames)
HUM_SEARCH_HZ = 1.5  # mains drifts: the line is searched this far either side of k * mains (times k, at most 3 Hz) ...
# ... but a grid holds its frequency within 0.2 Hz (0.4 %; continental Europe's normal band, North America's is
# tighter), so a line found further than k times this from k * mains is a tone's partial (a G1 at 49 Hz, a
# slightly sharp G2 at 98.6 Hz, a 120.5 Hz tone as 60 Hz's second line), never hum.
HUM_DRIFT_HZ = 0.2
HUM_NEIGHBOURHOOD_HZ = 12.0  # the background: bins this far either side, less the line's own
HUM_BLOCK_S = 0.5  # each line is fitted in blocks this long

# Reverberant tail
ENVELOPE_WINDOW_S = 0.02
ENVELOPE_HOP_S = 0.005
TAIL_FADE_S = 0.02  # the tail is faded out over this from its knee: a cut, without a click


@dataclass(frozen=True)
class Cleaning:
    """What :func:`clean` removed from one recording. Levels in dB re full scale; times in s.

    noise_floor_dbfs: the stationary floor's RMS as found (None: no floor to
    remove); noise_reduction_db: how far cleaning lowered it. mains_hz: 50 or
    60 when hum was found (else None), hum_dbfs its strongest line's level
    (dB re a full-scale sine), hum_lines_hz every line removed. tail_cut_s: how
    long the reverberant tail sounded (above the floor) from the knee on, where
    it is cut; tail_decay_db_per_s the room's decay.
    """

    mode: str = "off"
    noise_floor_dbfs: float | None = None
    noise_reduction_db: float = 0.0
    mains_hz: float | None = None
    hum_dbfs: float | None = None
    hum_lines_hz: tuple = ()
    tail_cut_s: float = 0.0
    tail_decay_db_per_s: float | None = None
    own_noise_db: tuple = ()  # the tone's own noise found above the floor, re its amplitude (own_noise_spectrum_db); (): none
    unmeasured_floor_dbfs: float | None = None  # no floor could be measured, yet one this loud runs through the take (left in)
    near_floor_dbfs: float | None = None  # a floor at this level stood too near the tone to be removed (left in) ...
    tone_above_floor_db: float | None = None  # ... the tone's loudest frame this far above it

    @property
    def changed(self) -> bool:
        return self.noise_floor_dbfs is not None or self.mains_hz is not None or self.tail_cut_s > 0.0

    @property
    def noted(self) -> bool:
        """Something to say: what was removed, or a floor that could not be."""
        return self.changed or self.unmeasured_floor_dbfs is not None or self.near_floor_dbfs is not None

    def describe(self) -> str:
        """One line of what was removed ('' when nothing was)."""
        parts = []
        if self.noise_floor_dbfs is not None:
            kept = sum(x > NO_OWN_NOISE_DB for x in self.own_noise_db)
            parts.append(f"noise floor {self.noise_floor_dbfs:.1f} dBFS reduced by {self.noise_reduction_db:.1f} dB"
                         + (f" (the tone's own noise above it kept at {kept} of {len(self.own_noise_db)} frequencies)" if kept else ""))
        if self.mains_hz is not None:
            level = "" if self.hum_dbfs is None else f" at {self.hum_dbfs:.1f} dBFS"
            parts.append(f"{self.mains_hz:.0f} Hz hum{level} ({len(self.hum_lines_hz)} line(s) removed)")
        if self.tail_cut_s > 0.0:
            decay = "" if self.tail_decay_db_per_s is None else f" (decaying {-self.tail_decay_db_per_s:.0f} dB/s)"
            parts.append(f"reverberant tail of {self.tail_cut_s:.2f} s cut{decay}")
        if self.near_floor_dbfs is not None:
            above = "" if self.tone_above_floor_db is None else f" only {self.tone_above_floor_db:.0f} dB"
            parts.append(f"a noise floor at {self.near_floor_dbfs:.0f} dBFS with the tone{above} above it ({MIN_TONE_ABOVE_FLOOR_DB:g} dB "
                         "are needed to tell them apart), so it is learned as it is")
        if self.unmeasured_floor_dbfs is not None:
            parts.append(f"a broadband floor of at least {self.unmeasured_floor_dbfs:.0f} dBFS (noise, or the tone's own breath) runs through "
                         f"the whole take, with no quiet stretch of {MIN_FLOOR_S:g} s to measure it from, so it is learned as it is: leave "
                         "half a second of the room's silence before or after the note to have it removed")
        return "; ".join(parts)

    @staticmethod
    def describe_left(takes: list) -> list[str]:
        """The takes left as they were, a line per reason, for a folder's run: takes [(name, Cleaning)] whose records are noted
        but not changed. One take keeps its own line; many share one (the shipped example tones, breathy and trimmed, are
        twelve), with their names and the range of their levels."""
        lines = []
        for field in ("unmeasured_floor_dbfs", "near_floor_dbfs"):
            group = [(name, cleaning) for name, cleaning in takes if getattr(cleaning, field) is not None]
            if len(group) == 1:
                lines.append(f"not cleaned {group[0][0]}: {group[0][1].describe()}")
            elif group:
                levels = [getattr(cleaning, field) for _, cleaning in group]
                names = ", ".join(str(name) for name, _ in group[:LEFT_NAMES_SHOWN]) + (
                    f" and {len(group) - LEFT_NAMES_SHOWN} more" if len(group) > LEFT_NAMES_SHOWN else "")
                floor = f"{min(levels):.0f} to {max(levels):.0f} dBFS"
                if field == "unmeasured_floor_dbfs":
                    why = (f"a broadband floor of at least {floor} (noise, or the tones' own breath) runs through each whole take, with no "
                           f"quiet stretch of {MIN_FLOOR_S:g} s to measure it from, so it is learned as it is: leave half a second of the "
                           "room's silence before or after a note to have it removed")
                else:
                    above = [cleaning.tone_above_floor_db for _, cleaning in group if cleaning.tone_above_floor_db is not None]
                    margin = f" only {min(above):.0f} to {max(above):.0f} dB" if above else ""
                    why = (f"a noise floor at {floor} with the tone{margin} above it ({MIN_TONE_ABOVE_FLOOR_DB:g} dB are needed to tell "
                           "them apart), so it is learned as it is")
                lines.append(f"not cleaned {len(group)} takes ({names}): {why}")
        return lines

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "noise_floor_dbfs": _rounded(self.noise_floor_dbfs),
            "noise_reduction_db": round(self.noise_reduction_db, 2),
            "mains_hz": self.mains_hz,
            "hum_dbfs": _rounded(self.hum_dbfs),
            "hum_lines_hz": [round(f, 2) for f in self.hum_lines_hz],
            "tail_cut_s": round(self.tail_cut_s, 3),
            "tail_decay_db_per_s": _rounded(self.tail_decay_db_per_s),
            "own_noise_db": list(self.own_noise_db),
            "unmeasured_floor_dbfs": _rounded(self.unmeasured_floor_dbfs),
            "near_floor_dbfs": _rounded(self.near_floor_dbfs),
            "tone_above_floor_db": _rounded(self.tone_above_floor_db),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Cleaning":
        """From to_dict's form (a bank's training record); fields it does not know, or null, keep their defaults
        (a hand-edited or newer bank's record must not fail the report that describes it)."""
        kinds = {f.name: type(f.default) for f in fields(cls)}
        sequences = ("hum_lines_hz", "own_noise_db")
        known = {k: data[k] for k in kinds.keys() & set(data) if data[k] is not None and k not in sequences}
        known = {k: v for k, v in known.items() if isinstance(v, (int, float)) and not isinstance(v, bool) or kinds[k] is str}
        for key in sequences:
            values = data.get(key) or ()
            known[key] = tuple(x for x in values if isinstance(x, (int, float))) if isinstance(values, (list, tuple)) else ()
        return cls(**known)


def clean(audio: np.ndarray, sample_rate: int, mode: str = "auto") -> tuple[np.ndarray, Cleaning]:
    """(cleaned audio [n_samples] float32, what was removed). audio: [n_samples] float32 at sample_rate Hz.

    mode "off" returns audio as it is; "auto" removes hum, then the noise
    floor, then the reverberant tail, each only where it is found. Nothing
    found: audio itself comes back, untouched. On one BLAS thread (training.blas).
    """
    if mode not in CLEAN_CHOICES:
        raise ValueError(f"clean must be one of {', '.join(CLEAN_CHOICES)}, not {mode!r}")
    if mode == "off":
        return audio, Cleaning(mode="off")
    with one_blas_thread():
        return _clean(audio, sample_rate, mode)


def _clean(audio: np.ndarray, sample_rate: int, mode: str) -> tuple[np.ndarray, Cleaning]:
    out = remove_dc(np.asarray(audio, np.float64), sample_rate)
    mains_hz, lines_hz, hum_dbfs = find_hum(out, sample_rate)
    if lines_hz:
        out = remove_hum(out, sample_rate, lines_hz)
    found = find_noise_floor(out, sample_rate)
    floor_dbfs, floor_mask = (None if found.refused else found.dbfs), found.frames
    reduction_db, own_noise_db = 0.0, ()
    if floor_dbfs is not None:
        clip = noise_clip(out, floor_mask)
        noisy = out
        out, tone_end = keep_harmonics(noisy, reduce_noise(noisy, sample_rate, clip), sample_rate, floor_dbfs, clip)
        reduction_db = floor_dbfs - _power_mean_db(_frame_levels_db(out)[1][floor_mask])
        own_noise_db = tuple(float(x) for x in np.round(own_noise_spectrum_db(noisy, out, sample_rate, floor_dbfs, clip), 1))
        out = _faded_out(out, tone_end, sample_rate)  # after the tone, the gate's residue of the floor is all there is
    unmeasured = near = above = None
    if found.refused == TOO_NEAR:
        near, above = found.dbfs, found.tone_above_db
    elif found.refused == NO_STRETCH and (reading := unmeasured_floor_dbfs(out, sample_rate)) >= UNMEASURED_FLOOR_DBFS:
        unmeasured = reading
    out, tail_cut_s, tail_slope = cut_reverberant_tail(out, sample_rate, floor_dbfs)
    cleaning = Cleaning(mode=mode, noise_floor_dbfs=floor_dbfs, noise_reduction_db=reduction_db, mains_hz=mains_hz, hum_dbfs=hum_dbfs,
                        hum_lines_hz=tuple(lines_hz), tail_cut_s=tail_cut_s, tail_decay_db_per_s=tail_slope,
                        own_noise_db=own_noise_db, unmeasured_floor_dbfs=_rounded(unmeasured, 1), near_floor_dbfs=_rounded(near, 1),
                        tone_above_floor_db=_rounded(above, 1))
    if not cleaning.changed:
        return audio, cleaning
    return out.astype(np.float32), cleaning


def remove_dc(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """audio [n_samples] without its DC offset and sub-audio drift: [n_samples] float64.

    An interface's offset is no noise: counted as power, 0.001 read as a -60 dBFS
    "floor" in a clean recording, and 0.02 hid a -45 dBFS hiss under a floor too
    near the tone to act on. A whole-file mean is not enough: the silence keeps
    the offset less the tone's own mean. Where the frames' median offset is under
    LOWEST_FLOOR_DBFS, or its power under DC_NEGLIGIBLE of the quietest frames'
    (0.4 dB), or the take is shorter than four level frames, audio comes back as
    it is. Otherwise a zero-phase high-pass, DC_CUTOFF_HZ, order 2, run forth
    and back: an A0 (27.5 Hz) loses 0.15 dB. The cleaned
    audio leaves the offset out; a recording with nothing else to remove comes
    back as it was, offset and all.
    """
    from scipy.signal import butter, sosfiltfilt

    if audio.shape[0] < 4 * LEVEL_WINDOW:
        return audio
    frames = np.lib.stride_tricks.sliding_window_view(audio, LEVEL_WINDOW)[::LEVEL_HOP]
    offset, variance = np.median(frames.mean(axis=1)), frames.var(axis=1)
    quietest = np.mean(variance[variance <= np.percentile(variance, FLOOR_PERCENTILE)])
    if offset**2 <= max(10 ** (LOWEST_FLOOR_DBFS / 10), DC_NEGLIGIBLE * quietest):
        return audio  # it moves no level the floor is judged by (a high-pass would smear a tone's onset into its silence)
    return sosfiltfilt(butter(2, DC_CUTOFF_HZ, "highpass", fs=sample_rate, output="sos"), audio)


# -- Mains hum -------------------------------------------------------------------------


def find_hum(audio: np.ndarray, sample_rate: int) -> tuple[float | None, list, float | None]:
    """(mains Hz or None, [line Hz] to remove, strongest line's level in dB re a full-scale sine).

    audio: [n_samples] at sample_rate Hz. For each of 50 and 60 Hz, the lines at
    k * mains (k = 1..MAX_HUM_HARMONICS, below Nyquist) that stand
    HUM_ABOVE_BACKGROUND_DB above the bins around them in the median frame,
    hold their level within HUM_STEADY_DB through the recording and lie within
    k * HUM_DRIFT_HZ of k * mains. The mains whose
    lines carry more power wins; it needs its fundamental or its second line,
    and a line at LOWEST_HUM_DBFS or louder.
    """
    n_fft = min(HUM_FFT, 1 << int(np.floor(np.log2(max(audio.shape[0] // 4, 2)))))  # at least 13 frames to judge steadiness by
    hop = n_fft // 4
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(audio, (0, max(0, n_fft - audio.shape[0]))), n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2  # [n_frames, n_bins]
    bin_hz = sample_rate / n_fft
    gain = (np.sum(window) / 2) ** 2  # a unit sine's peak-bin power
    best = (None, [], None, 0.0)
    median = np.median(power, axis=0)  # [n_bins] once: per line it was 70 % of the search's time
    for mains_hz in MAINS_HZ:
        lines, levels = [], []
        for k in range(1, MAX_HUM_HARMONICS + 1):
            line = _hum_line(power, median, k * mains_hz, min(k * HUM_SEARCH_HZ, 3.0), bin_hz)
            if line is not None and abs(line[0] - k * mains_hz) <= k * HUM_DRIFT_HZ:
                lines.append(line[0])
                levels.append(10 * np.log10(line[1] / gain))
        if not lines or min(lines) > 2.5 * mains_hz or max(levels) < LOWEST_HUM_DBFS:  # its fundamental or second line, and audible
            continue
        total = float(np.sum(10.0 ** (np.array(levels) / 10)))
        if total > best[3]:
            best = (mains_hz, lines, float(max(levels)), total)
    return best[0], best[1], best[2]


def _hum_line(power: np.ndarray, median: np.ndarray, centre_hz: float, search_hz: float, bin_hz: float) -> tuple[float, float] | None:
    """(frequency Hz, median peak-bin power) of a steady line near centre_hz in power [n_frames, n_bins]
    (median: [n_bins] its median over frames), or None."""
    lo, hi = int(np.floor((centre_hz - search_hz) / bin_hz)), int(np.ceil((centre_hz + search_hz) / bin_hz))
    reach = int(np.ceil(HUM_NEIGHBOURHOOD_HZ / bin_hz))
    if lo - reach < 1 or hi + reach >= power.shape[1]:
        return None
    peak = lo + int(np.argmax(median[lo : hi + 1]))
    around = np.r_[median[peak - reach : peak - 2], median[peak + 3 : peak + reach + 1]]
    if 10 * np.log10(median[peak] / (np.median(around) + 1e-30) + 1e-30) < HUM_ABOVE_BACKGROUND_DB:
        return None
    per_frame_db = 10 * np.log10(np.max(power[:, peak - 1 : peak + 2], axis=1) + 1e-30)
    if np.percentile(per_frame_db, 90) - np.percentile(per_frame_db, 10) > HUM_STEADY_DB:
        return None  # changes with the tone: a partial, not the mains
    # parabolic interpolation of the peak on log power: the line's own frequency, for the fit
    a, b, c = np.log(median[peak - 1 : peak + 2] + 1e-30)
    offset = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) < 0 else 0.0
    return (peak + offset) * bin_hz, float(median[peak])


def remove_hum(audio: np.ndarray, sample_rate: int, lines_hz: list) -> np.ndarray:
    """audio [n_samples] less a sinusoid at each of lines_hz, fitted block by block: [n_samples] float64.

    In Hann-windowed blocks of HUM_BLOCK_S, half overlapping (the windows sum
    to one), each line's amplitude and phase are fitted by weighted least
    squares and the windowed fit subtracted: the mains' slow drift is
    followed, and only about 1 / HUM_BLOCK_S Hz around each line is touched.
    By hand, not scipy's iirnotch: filtfilt's start and end transients
    (a 2 Hz notch rings for 0.2 s) left a -40 dB hum at -57 dB in the last
    half second, where the fit leaves it below -70 dB.
    """
    out = np.asarray(audio, np.float64).copy()
    n = out.shape[0]
    block = int(round(HUM_BLOCK_S * sample_rate))
    hop = block // 2
    window = np.hanning(block + 1)[:-1]  # periodic: at half overlap the windows sum to one
    t_s = np.arange(n) / sample_rate
    for f_hz in lines_hz:
        basis = np.stack([np.cos(2 * np.pi * f_hz * t_s), np.sin(2 * np.pi * f_hz * t_s)])  # [2, n_samples]
        hum = np.zeros(n)
        for start in range(-hop, n, hop):
            lo, hi = max(start, 0), min(start + block, n)
            w = window[lo - start : hi - start]
            b = basis[:, lo:hi]
            gram = (b * w) @ b.T
            if np.linalg.cond(gram) > 1e6:  # a sliver of a block at an end: too short to fit a line in
                continue
            coefficients = np.linalg.solve(gram, (b * w) @ audio[lo:hi])
            hum[lo:hi] += w * (coefficients @ b)
        out -= hum
    return out


# -- Noise floor -----------------------------------------------------------------------


class Floor(NamedTuple):
    """What :func:`find_noise_floor` found: dbfs (the floor's RMS: to remove when refused is '', the one judged too near the
    tone for TOO_NEAR, else None), frames ([n_frames] bool: the level frames that are floor), refused ('' | NO_STRETCH |
    TOO_NEAR: why there is none to remove), tone_above_db (for TOO_NEAR: how far the tone's loudest frame stands above it)."""

    dbfs: float | None
    frames: np.ndarray
    refused: str = ""
    tone_above_db: float | None = None


def find_noise_floor(audio: np.ndarray, sample_rate: int) -> Floor:
    """The stationary noise floor under a recording, or why there is none (:class:`Floor`).

    audio: [n_samples] at sample_rate Hz; level frames are LEVEL_WINDOW samples,
    LEVEL_HOP apart. A floor is the frames within FLOOR_BAND_DB of the
    FLOOR_PERCENTILE-th percentile level that hold no partial
    (:func:`_holding_a_partial`), when they add up to MIN_FLOOR_S,
    their longest run holds its level (slope within MAX_FLOOR_SLOPE_DB_PER_S),
    it lies above LOWEST_FLOOR_DBFS and the tone stands
    MIN_TONE_ABOVE_FLOOR_DB above it. Refused: NO_STRETCH where no such
    stretch lasts (what is quiet holds the tone's partials, or a decay
    passes through, or the whole take is one level: a steady tone, or noise
    alone), TOO_NEAR where a tone stands above its floor, but nearer than
    MIN_TONE_ABOVE_FLOOR_DB.
    """
    starts, level = _frame_levels_db(audio)
    none = np.zeros(level.shape[0], bool)
    if level.size < 4:
        return Floor(None, none, NO_STRETCH)
    floor_db = np.percentile(level, FLOOR_PERCENTILE)
    if floor_db + FLOOR_BAND_DB < LOWEST_FLOOR_DBFS:
        return Floor(None, none)  # (cheaply: the floor's mean lies in its band) a clean recording's silence
    quiet = level <= floor_db + FLOOR_BAND_DB
    quiet &= ~_holding_a_partial(audio, starts, quiet, level <= floor_db)
    if not quiet.any():
        return Floor(None, none, NO_STRETCH)
    floor_dbfs = _power_mean_db(level[quiet])
    if floor_dbfs < LOWEST_FLOOR_DBFS:
        return Floor(None, none)
    above_db = float(level.max() - floor_dbfs)
    if above_db <= FLOOR_BAND_DB:
        return Floor(None, none, NO_STRETCH)  # nothing stands above the "floor": it is the take itself
    if above_db < MIN_TONE_ABOVE_FLOOR_DB:
        return Floor(float(floor_dbfs), none, TOO_NEAR, above_db)
    if quiet.sum() * LEVEL_HOP / sample_rate < MIN_FLOOR_S:
        return Floor(None, none, NO_STRETCH)
    run = _longest_run(quiet)
    t_s = np.arange(run.start, run.stop) * LEVEL_HOP / sample_rate
    if t_s.size >= 3 and abs(np.polyfit(t_s, level[run], 1)[0]) > MAX_FLOOR_SLOPE_DB_PER_S:
        return Floor(None, none, NO_STRETCH)  # the level moves: a decay passing through the quiet band, not a floor
    return Floor(float(floor_dbfs), quiet)


def _holding_a_partial(audio: np.ndarray, starts: np.ndarray, quiet: np.ndarray, quietest: np.ndarray) -> np.ndarray:
    """[n_frames] bool: the quiet level frames (quiet, [n_frames] bool) in which a partial stands out of the noise.

    A decaying tone (a piano's, a guitar's) passes through the floor's level
    band while its partials still stand 20 dB above the noise in their own
    bins: its broadband level is the noise's, its spectrum is not. Taken for
    floor, those frames put the partials into the gate's noise profile, and
    the gate then cut a piano's fundamental 37 dB down for the last 0.7 s of
    its note. The quietest frames (quietest: at or below the floor's
    percentile; a partial only adds power) give the floor's spectrum, smoothed
    across FLOOR_SMOOTH_BINS (a floor's spectrum is smooth); a frame holds a
    partial where two neighbouring bins stand FLOOR_PARTIAL_EXCESS_DB above it
    (a window's main lobe; one bin of pure noise does so now and then), in a
    FLOOR_PARTIAL_WINDOW around the frame: longer than a level frame, so a
    partial stands further out of the noise in its bin (a soft piano G5 that
    stood 13 dB out in 4096 samples read 7 in 1024, and was taken for floor).
    starts: [n_frames] each level frame's first sample in audio.
    """
    from scipy.ndimage import median_filter

    window = np.hanning(FLOOR_PARTIAL_WINDOW + 1)[:-1]
    reach = (FLOOR_PARTIAL_WINDOW - LEVEL_WINDOW) // 2  # each window centred on its level frame
    views = np.lib.stride_tricks.sliding_window_view(np.pad(np.asarray(audio, np.float64), (reach, FLOOR_PARTIAL_WINDOW)), FLOOR_PARTIAL_WINDOW)

    def power(frames: np.ndarray):
        """[len(frames), n_bins] each level frame's power spectrum, a chunk at a time (120 s of hiss took 0.9 GB at once)."""
        for first in range(0, frames.size, FLOOR_PARTIAL_CHUNK):
            yield np.abs(np.fft.rfft(views[starts[frames[first : first + FLOOR_PARTIAL_CHUNK]]] * window, axis=1)) ** 2

    quietest_frames = np.flatnonzero(quiet & quietest)
    profile = median_filter(sum(p.sum(axis=0) for p in power(quietest_frames)) / quietest_frames.size, size=FLOOR_SMOOTH_BINS, mode="nearest")
    holding = np.zeros_like(quiet)
    index = np.flatnonzero(quiet)
    for first, p in zip(range(0, index.size, FLOOR_PARTIAL_CHUNK), power(index)):
        above = p[:, 1:-1] > profile[1:-1] * 10 ** (FLOOR_PARTIAL_EXCESS_DB / 10)  # DC and Nyquist left out
        holding[index[first : first + FLOOR_PARTIAL_CHUNK]] = np.any(above[:, :-1] & above[:, 1:], axis=1)
    return holding


def unmeasured_floor_dbfs(audio: np.ndarray, sample_rate: int) -> float:
    """A broadband floor under the whole take, dBFS (as white noise's RMS), read without a quiet stretch.

    audio: [n_samples] at sample_rate Hz. Minimum statistics (as speech
    enhancement tracks noise without pauses): each bin's power, smoothed over
    UNMEASURED_SMOOTH_S, at its quietest moment; the median over bins, which
    a tone's partials (a few bins in ten) do not move. It reads white noise
    about 5 dB low (-50 for -45 dBFS), a clean clarinet, piano or guitar under
    -100, a General MIDI flute's breath -61 and a trumpet's -69. Only said, never
    removed: a floor can only be told from a tone's own breath in a stretch
    without the tone. By hand: a few lines of NumPy, no library's noise tracker
    takes a tone's partials into account.
    """
    from scipy.ndimage import uniform_filter1d

    n_fft, hop = KEEP_FFT, KEEP_FFT // 4
    if audio.shape[0] < 2 * n_fft:
        return -np.inf
    window = np.hanning(n_fft + 1)[:-1]  # stft_magnitude's
    power = stft_magnitude(np.asarray(audio, np.float64), n_fft, hop) ** 2  # [n_frames, n_bins]
    smoothed = uniform_filter1d(power, max(1, int(round(UNMEASURED_SMOOTH_S * sample_rate / hop))), axis=0, mode="nearest")
    quietest = np.maximum(np.median(smoothed.min(axis=0)[1:-1]), 0.0)  # a running mean over digital silence can round below 0
    return float(10 * np.log10(quietest / np.sum(window**2) + 1e-30))


def noise_clip(audio: np.ndarray, floor_frames: np.ndarray) -> np.ndarray:
    """[n_clip] the floor's own samples: audio's [n_samples] runs of floor_frames ([n_frames] bool, level frames), each whole."""
    return np.concatenate([audio[span] for span in _runs_to_spans(floor_frames)])


def reduce_noise(audio: np.ndarray, sample_rate: int, clip: np.ndarray) -> np.ndarray:
    """audio [n_samples] less the stationary noise of clip [n_clip] (the floor's own samples): [n_samples] float64.

    noisereduce's stationary spectral gate. Its mask is not smoothed
    across frequency: its default 500 Hz smoothing spreads the gaps between a
    tone's harmonics over the harmonics, and took 13 dB off a clarinet's sustain.
    """
    import noisereduce  # imported here: only a recording with a floor pays for it

    return noisereduce.reduce_noise(y=audio, sr=sample_rate, stationary=True, y_noise=clip, n_fft=2048, prop_decrease=GATE_DEPTH,
                                  n_std_thresh_stationary=GATE_THRESHOLD_STD, freq_mask_smooth_hz=None, n_jobs=1).astype(np.float64)


def keep_harmonics(noisy: np.ndarray, gated: np.ndarray, sample_rate: int, floor_dbfs: float, noise_clip: np.ndarray) -> tuple[np.ndarray, int]:
    """(gated [n_samples] with the tone's partials taken back from noisy [n_samples], float64; the sample where the tone ends).

    The gate removes what lies below the floor, and a tone's weak upper
    harmonics lie there too; without them the model learns a duller tone than
    was played (a clarinet lost 20 dB at 3-6 kHz under a -45 dBFS floor).
    Where the tone sounds (frames KEEP_ABOVE_FLOOR_DB above floor_dbfs), the
    bins within KEEP_BINS of each harmonic of its pitch (librosa.yin) hold the
    harmonic plus noise; averaged over the note, a harmonic that is there
    raises them KEEP_MIN_EXCESS_DB above the noise's mean power there
    (noise_clip [n_samples]: the floor's own samples). In quieter frames a
    partial is kept where it stands KEEP_LOCAL_EXCESS_DB above that noise
    over KEEP_LOCAL_S around the frame, at the tone's pitch: a piano's decay
    falls under the noise's broadband level while its partials stand 15 dB
    above the noise in their bins, and the gate (whose threshold lies 11 dB
    above the noise's mean power) took its second and third partials 30 dB
    down for the last half of a 2 s note. (In the loud frames the note's
    verdict stands: frame by frame, a clarinet's weak upper partials came and
    went, 0.6 dB of LSD.) Those harmonics are taken back, less the noise's
    mean power (spectral subtraction, the recording's phase); the others stay
    gated. Where a partial sinks into the noise, its decay goes on under it
    (:func:`continued_decays`). The tone ends where, after its last loud
    frame, no partial stands out of the noise any more, and the one that stood
    out most at the end no longer stands TONE_STANDS_DB out (over
    KEEP_LOCAL_S; one of forty partials' bins does, in pure noise, at any
    moment, and so did one of a trumpet's twenty), nor does the
    gate let through more than its residue of the floor (GATE_PASSED_DB under
    it). Past it nothing is kept: not the residue, nor what stands out by
    chance, nor the gate's burst at a file's end. By hand:
    noisereduce's gate takes no mask of bins to spare.
    """
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    from .features import librosa  # imported there once numba's cache is locked

    n_fft, hop = KEEP_FFT, KEEP_FFT // 4
    f0_hz = _pitch_track(noisy, sample_rate, n_fft, hop)  # [n_frames]
    noisy_spectrum = librosa.stft(noisy, n_fft=n_fft, hop_length=hop)  # [n_bins, n_frames]
    gated_spectrum = librosa.stft(gated, n_fft=n_fft, hop_length=hop)
    # [n_bins]; a floor's spectrum is smooth, and its mean over a few hundred frames scatters by 10 % a bin: unsmoothed, which
    # of a clarinet's weak partials stood 1 dB out flipped with the frames that made the clip (its sustain's LSD 4.4 to 5.4 dB)
    noise_power = uniform_filter1d(np.mean(np.abs(librosa.stft(noise_clip, n_fft=n_fft, hop_length=hop)) ** 2, axis=1), FLOOR_SMOOTH_BINS,
                                   mode="nearest")
    n_bins, n_frames = noisy_spectrum.shape
    power = np.abs(noisy_spectrum) ** 2

    def level_db(spectrum: np.ndarray) -> np.ndarray:
        """[n_frames] dBFS, each frame's mean square, of spectrum [n_bins, n_frames] (n_fft-point Hann frames)."""
        return 10 * np.log10(np.mean(np.abs(spectrum) ** 2, axis=0) / (np.sum(np.hanning(n_fft) ** 2) / 2) + 1e-20)

    frames = np.flatnonzero(level_db(noisy_spectrum)[: f0_hz.shape[0]] >= floor_dbfs + KEEP_ABOVE_FLOOR_DB)
    if frames.size == 0:
        return gated, gated.shape[0]
    bin_hz = sample_rate / n_fft
    n_harmonics = int(sample_rate / 2 / np.min(f0_hz[frames]))
    f0_hz, ratios = _partials(noisy, sample_rate, f0_hz, frames, n_harmonics)
    pitch_hz = np.full(n_frames, float(np.median(f0_hz[frames])))  # [n_frames]: where the tone is quiet, it holds its pitch
    pitch_hz[frames] = f0_hz[frames]
    offsets = np.arange(-KEEP_BINS, KEEP_BINS + 1)
    bins = np.round(ratios[None, :, None] * pitch_hz[:, None, None] / bin_hz).astype(int) + offsets  # [n_frames, n_harmonics, n_offsets]
    inside = (bins >= 0) & (bins < n_bins)
    bins = np.clip(bins, 0, n_bins - 1)
    heard = np.where(inside, power[bins, np.arange(n_frames)[:, None, None]], 0.0).sum(axis=2)  # [n_frames, n_harmonics]
    expected = np.where(inside, noise_power[bins], 0.0).sum(axis=2)
    present = (heard[frames].sum(axis=0) >= expected[frames].sum(axis=0) * 10 ** (KEEP_MIN_EXCESS_DB / 10)) & (expected[frames].sum(axis=0) > 0)
    span = max(1, int(round(KEEP_LOCAL_S * sample_rate / hop)))
    heard_around = uniform_filter1d(heard, span, axis=0, mode="nearest")  # both [n_frames, n_harmonics], over KEEP_LOCAL_S
    around = uniform_filter1d(expected, span, axis=0, mode="nearest")
    local = (heard_around >= around * 10 ** (KEEP_LOCAL_EXCESS_DB / 10)) & (around > 0.0)
    # [n_frames, n_harmonics]; a partial past Nyquist (a stretched tone's) has no bins: 0 >= 0 is no partial standing out
    local[: frames[0]] = False  # before the note: averaged over KEEP_LOCAL_S, the onset's power stood out 0.12 s early
    passed = level_db(gated_spectrum) >= floor_dbfs - GATE_PASSED_DB
    passed = maximum_filter1d(passed.astype(np.uint8), span).astype(bool)  # [n_frames]; what the gate lets through dips for a frame
    last = _last_frame(local.any(axis=1) | passed, int(frames[-1]))
    recent = slice(max(0, last - span + 1), last + 1)
    if local[recent].any():  # the partial that stood out most at the end: while it stands out at all, the tone goes on
        ratio = heard_around / np.maximum(around, 1e-30)  # [n_frames, n_harmonics]
        fading = int(np.argmax(np.where(local[recent], ratio[recent], 0.0).max(axis=0)))
        last = _last_frame((ratio[:, fading] >= 10 ** (TONE_STANDS_DB / 10)) | passed, last)
    local[last + 1 :] = False
    sounding = np.zeros(n_frames, bool)
    sounding[frames] = True
    chosen = np.where(sounding[:, None], present[None, :], local)  # [n_frames, n_harmonics]
    frame, harmonic = np.nonzero(chosen)
    keep = np.zeros((n_bins, n_frames), bool)
    keep[bins[frame, harmonic][inside[frame, harmonic]], np.repeat(frame, offsets.size)[inside[frame, harmonic].ravel()]] = True
    magnitude = np.sqrt(np.maximum(power - noise_power[:, None], 0.0))
    taken = magnitude * np.exp(1j * np.angle(noisy_spectrum))
    partial_hz = ratios[None, :] * pitch_hz[:, None]  # [n_frames, n_harmonics]
    continued, where = continued_decays(noisy_spectrum, heard_around - around, local, chosen, bins, inside, partial_hz, last, hop, sample_rate)
    restored = librosa.istft(np.where(keep, taken, np.where(where, continued, gated_spectrum)), hop_length=hop, length=noisy.shape[0])
    return np.asarray(restored, np.float64), min(last * hop + n_fft // 2, noisy.shape[0])  # frame `last` is centred on last * hop


def _last_frame(standing: np.ndarray, loud_until: int) -> int:
    """The tone's last frame: from its last loud frame (loud_until), on while something of it stands out of the noise (standing,
    [n_frames] bool); after the first frame where nothing does, a partial's bins standing out are the noise's own chance."""
    after = np.flatnonzero(~standing[loud_until + 1 :])
    return loud_until + (int(after[0]) if after.size else standing.shape[0] - 1 - loud_until)


def continued_decays(spectrum: np.ndarray, excess: np.ndarray, local: np.ndarray, chosen: np.ndarray, bins: np.ndarray,
                     inside: np.ndarray, partial_hz: np.ndarray, last: int, hop: int, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Partials' decays continued under the noise: (values [n_bins, n_frames] complex STFT, where [n_bins, n_frames] bool).

    A struck string's upper partials, and every partial in a release, sink into
    the noise while the tone goes on; gated there, they stopped dead 30-40 dB
    above where they truly were (a piano's fourth partial at 1.5 s), and the
    model learnt a cliff. For each partial that stood out of the noise (local:
    [n_frames, n_harmonics]) over at least half of the DECAY_FIT_S before it sank, the
    line fitted to its power over the noise's (excess: [n_frames, n_harmonics],
    over KEEP_LOCAL_S around each frame, as local judges it) over that
    stretch goes on, when it falls DECAY_MIN_DB_PER_S or faster, and never
    slower than the tone as a whole (all partials' power over the noise's: a
    release takes every partial down), to the tone's last frame (last), where
    chosen ([n_frames, n_harmonics]) does not keep the partial already. It
    sounds as at its last frame: that frame's bins (bins, inside:
    [n_frames, n_harmonics, n_offsets], spectrum: [n_bins, n_frames] the noisy
    recording's) turned by 2 pi partial_hz ([n_frames, n_harmonics] Hz) hop /
    sample_rate a frame, as a steady sinusoid's are. A partial falls from a
    piano's first stage of decay into its slower second one, so the line errs
    low late in a long note: a guess under the noise, where none was measured.
    """
    n_bins, n_frames = spectrum.shape
    values, where = np.zeros((n_bins, n_frames), complex), np.zeros((n_bins, n_frames), bool)
    fit = max(3, int(round(DECAY_FIT_S * sample_rate / hop)))
    tone_db = 10 * np.log10(np.maximum(excess.sum(axis=1), 1e-30))  # [n_frames]
    for h in range(excess.shape[1]):
        stood = np.flatnonzero(local[: last + 1, h])
        if stood.size == 0 or not fit <= stood[-1] < last:
            continue
        end = int(stood[-1])
        if local[end - fit + 1 : end + 1, h].sum() < fit // 2:
            continue  # it flickered at the floor: nothing to fit a decay to
        recent = np.arange(end - fit + 1, end + 1)
        level = 10 * np.log10(np.maximum(excess[recent, h], 1e-30))
        slope, at_end = np.polyfit(recent - end, level, 1)  # dB a frame, dB
        if slope * sample_rate / hop > -DECAY_MIN_DB_PER_S or np.std(level - (at_end + slope * (recent - end))) > DECAY_MAX_SCATTER_DB:
            continue
        later = np.arange(end + 1, last + 1)
        level_db = at_end + np.minimum(slope * (later - end), tone_db[later] - tone_db[end])
        later, level_db = later[~chosen[later, h]], level_db[~chosen[later, h]]
        b = bins[end, h][inside[end, h]]
        if later.size == 0 or b.size == 0:
            continue
        shape = spectrum[b, end] / np.sqrt(np.sum(np.abs(spectrum[b, end]) ** 2) + 1e-30)  # the partial's main lobe, unit power
        turn = np.exp(2j * np.pi * partial_hz[end, h] * hop / sample_rate * (later - end))
        values[np.ix_(b, later)] = shape[:, None] * (10 ** (level_db / 20) * turn)[None, :]
        where[np.ix_(b, later)] = True
    return values, where


def _faded_out(audio: np.ndarray, end: int, sample_rate: int) -> np.ndarray:
    """audio [n_samples] faded to silence over TAIL_FADE_S from sample end on (a raised cosine: no click)."""
    if end >= audio.shape[0]:
        return audio
    fade = int(round(TAIL_FADE_S * sample_rate))
    gain = np.ones(audio.shape[0])
    gain[end : end + fade] = 0.5 + 0.5 * np.cos(np.pi * np.arange(min(fade, audio.shape[0] - end)) / fade)
    gain[end + fade :] = 0.0
    return audio * gain


def own_noise_spectrum_db(noisy: np.ndarray, gated: np.ndarray, sample_rate: int, floor_dbfs: float, noise_clip: np.ndarray) -> np.ndarray:
    """The tone's own noise (breath, bow, lip, hammer) that stands above the floor: [OWN_NOISE_POINTS] dB re its amplitude.

    noisy: [n_samples] the recording with its floor; gated: [n_samples] the same
    gated (what the model learns); noise_clip: [n_clip] the floor's own samples.
    The gate takes the tone's own noise with the floor; here it is measured
    from what lies between the partials, as training measures noise
    (features.noise_floor_analysis: a noise filter's gain squared, at
    OWN_NOISE_POINTS frequencies from 0 Hz to Nyquist), averaged over the frames
    where the tone sounds (KEEP_ABOVE_FLOOR_DB above the floor), less the floor's
    own, measured the same way from noise_clip. Over the gated tone's squared
    amplitude (its partials summed) it is a level that follows the tone:
    :func:`with_own_noise` puts it back under the learned amplitude. Where it does
    not stand OWN_NOISE_SIGNIFICANCE standard errors above zero it is not told
    from the floor, and reads NO_OWN_NOISE_DB.
    """
    from .features import librosa  # imported there once numba's cache is locked

    from .features import analysis_window, harmonic_analysis, noise_floor_analysis

    n_fft, hop = KEEP_FFT, KEEP_FFT // 4
    window = analysis_window(n_fft)
    f0_hz = _pitch_track(noisy, sample_rate, n_fft, hop)
    spectra = [np.abs(librosa.stft(np.asarray(x, np.float32), n_fft=n_fft, hop_length=hop, window=window)).T for x in (noisy, gated, noise_clip)]
    n_frames = min(f0_hz.shape[0], spectra[0].shape[0])
    level_db = 10 * np.log10(np.mean(spectra[0][:n_frames] ** 2, axis=1) / (np.sum(window**2) / 2) + 1e-20)
    frames = np.flatnonzero(level_db >= floor_dbfs + KEEP_ABOVE_FLOOR_DB)
    none = np.full(OWN_NOISE_POINTS, NO_OWN_NOISE_DB)
    if frames.size < 2:
        return none
    n_harmonics = int(sample_rate / 2 / np.min(f0_hz[frames]))
    f0_hz, ratios = _partials(noisy, sample_rate, f0_hz, frames, n_harmonics)
    f0_hz = f0_hz[frames]
    noise = noise_floor_analysis(spectra[0][frames], f0_hz, sample_rate, n_fft, window, OWN_NOISE_POINTS, ratios) ** 2  # [n_sounding, n_points]
    floor = np.mean(noise_floor_analysis(spectra[2], np.full(spectra[2].shape[0], float(np.median(f0_hz))), sample_rate, n_fft, window,
                                         OWN_NOISE_POINTS, ratios) ** 2, axis=0)  # [n_points]
    amplitude = harmonic_analysis(spectra[1][frames], f0_hz, sample_rate, n_fft, window, n_harmonics, ratios)[0].sum(axis=1)  # [n_sounding]
    own = np.mean(noise, axis=0) - floor
    standard_error = np.std(noise, axis=0) / np.sqrt(frames.size * hop / n_fft)  # frames overlap: about n_fft / hop to an independent one
    kept = own > OWN_NOISE_SIGNIFICANCE * standard_error
    if np.mean(kept) < OWN_NOISE_MIN_SHARE:
        return none  # a few scattered points are the partials' own spread, which the model learns as partials, not noise
    ratio_db = 10 * np.log10(np.maximum(own, 1e-30) / np.mean(amplitude**2))
    return np.where(kept, np.maximum(ratio_db, NO_OWN_NOISE_DB), NO_OWN_NOISE_DB)


def with_own_noise(noise_magnitudes: np.ndarray, amplitude: np.ndarray, cleaning: "Cleaning") -> np.ndarray:
    """A tone's learned noise with its own noise, which the gate took, put back: [n_frames, n_noise_bands] linear.

    noise_magnitudes: [n_frames, n_noise_bands] the model's noise-filter gains;
    amplitude: [n_frames] or [n_frames, 1] its learned amplitude (linear, partials
    summed); cleaning.own_noise_db: the tone's own noise re its squared amplitude
    at frequencies from 0 Hz to Nyquist (own_noise_spectrum_db). Each band keeps
    the more powerful of what was learned and that noise under the amplitude
    (each point goes to the noise band nearest it, as features.noise_floor_analysis
    maps bins to bands). No record: the magnitudes come back as they are.
    """
    points = np.asarray(cleaning.own_noise_db, np.float64)
    if points.size == 0 or not np.any(points > NO_OWN_NOISE_DB):
        return noise_magnitudes
    n_bands = noise_magnitudes.shape[-1]
    power = np.where(points > NO_OWN_NOISE_DB, 10.0 ** (points / 10.0), 0.0)
    band_of_point = np.clip(np.round(np.arange(points.size) * (n_bands - 1) / (points.size - 1)).astype(int), 0, n_bands - 1)
    count = np.bincount(band_of_point, minlength=n_bands)
    ratio = np.bincount(band_of_point, power, minlength=n_bands) / np.maximum(count, 1)  # [n_bands]
    own = ratio[None, :] * np.reshape(np.asarray(amplitude, np.float64), (-1, 1)) ** 2
    return np.sqrt(np.maximum(np.asarray(noise_magnitudes, np.float64) ** 2, own)).astype(np.asarray(noise_magnitudes).dtype)


def _partials(noisy: np.ndarray, sample_rate: int, f0_hz: np.ndarray, frames: np.ndarray, n_harmonics: int) -> tuple[np.ndarray, np.ndarray]:
    """(f0_hz [n_frames] Hz, ratios [n_harmonics]: partial k's frequency over f0) of the tone in noisy [n_samples].

    f0_hz: [n_frames] the tracker's pitch; frames: the sounding frames' indices.
    A stiff string's partials sit sharp of k * f0 (a piano's 20th by 40 %
    of f0 at B = 1e-4), where harmonic bins would miss them all; the tone's
    inharmonicity is measured as training measures it (training.inharmonicity,
    from STRETCH_FROM_S on), and where one is found the partials are looked for
    where it puts them, on its fitted f0. A harmonic tone keeps the tracker's f0.
    """
    from grower.synth.controls import partial_ratios

    from .inharmonicity import estimate_inharmonicity

    harmonic = np.arange(1, n_harmonics + 1, dtype=np.float64)
    start = int(STRETCH_FROM_S * sample_rate) if noisy.shape[0] > 4 * int(STRETCH_FROM_S * sample_rate) else 0
    fit = estimate_inharmonicity(noisy[start:], float(np.median(f0_hz[frames])), sample_rate)
    if fit.inharmonicity == 0.0:
        return f0_hz, harmonic
    return np.full_like(f0_hz, fit.f0_hz), partial_ratios(n_harmonics, fit.inharmonicity, harmonic)


def _runs_to_spans(mask: np.ndarray):
    """Each run of True frames in mask ([n_frames] bool) as a slice of samples, its frames whole."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    for first, stop in zip(edges[::2], edges[1::2]):
        yield slice(first * LEVEL_HOP, (stop - 1) * LEVEL_HOP + LEVEL_WINDOW)


def _longest_run(mask: np.ndarray) -> slice:
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    lengths = edges[1::2] - edges[::2]
    i = int(np.argmax(lengths))
    return slice(int(edges[2 * i]), int(edges[2 * i + 1]))


def _frame_levels_db(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frame starts [n_frames] samples, RMS [n_frames] dBFS) of LEVEL_WINDOW-sample frames LEVEL_HOP apart."""
    n = audio.shape[0]
    if n < LEVEL_WINDOW:
        return np.zeros(1, int), np.array([10 * np.log10(np.mean(np.asarray(audio, np.float64) ** 2) + 1e-20)])
    squares = np.concatenate([[0.0], np.cumsum(np.asarray(audio, np.float64) ** 2)])
    starts = np.arange(0, n - LEVEL_WINDOW + 1, LEVEL_HOP)
    return starts, 10 * np.log10((squares[starts + LEVEL_WINDOW] - squares[starts]) / LEVEL_WINDOW + 1e-20)


def _power_mean_db(levels_db: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(10.0 ** (np.asarray(levels_db) / 10)) + 1e-20))


# -- Reverberant tail ------------------------------------------------------------------


def cut_reverberant_tail(audio: np.ndarray, sample_rate: int, floor_dbfs: float | None = None) -> tuple[np.ndarray, float, float | None]:
    """(audio, tail cut s, the room's decay dB/s or None): audio [n_samples] with its reverberant tail faded.

    From the knee that segment.reverberant_tail finds, the recording fades out
    over TAIL_FADE_S (a raised cosine: no click) and is silent after it; past
    the knee the dry release lies under the room's decay already, so the cut
    loses nothing of the tone. The cut is how long the tail sounded from the
    knee on. floor_dbfs: the noise floor removed before, if one was: a tail is
    judged only above it, where it was measured (under it, a release's partials
    taken back from the noise ripple as a room's tail does, and a dry flute's
    release was cut).
    """
    window, hop = int(round(ENVELOPE_WINDOW_S * sample_rate)), int(round(ENVELOPE_HOP_S * sample_rate))
    if audio.shape[0] < 4 * window:
        return audio, 0.0, None
    squares = np.concatenate([[0.0], np.cumsum(np.asarray(audio, np.float64) ** 2)])
    starts = np.arange(0, audio.shape[0] - window + 1, hop)
    level = 10 * np.log10((squares[starts + window] - squares[starts]) / window + 1e-20)
    tail = reverberant_tail(level, sample_rate / hop, floor_dbfs)
    if tail is None:
        return audio, 0.0, None
    knee, end, _, room_db_per_s = tail
    return _faded_out(audio, int(starts[knee] + window // 2), sample_rate), (end - knee) * hop / sample_rate, float(room_db_per_s)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _pitch_track(audio: np.ndarray, sample_rate: int, n_fft: int, hop: int) -> np.ndarray:
    """[n_frames] Hz: librosa.yin over KEEP_F0_RANGE_HZ, its lowest pitch raised to two periods a frame
    (at 44.1 kHz and up a 2048-sample frame holds less than two of 30 Hz, and yin warns for every tone)."""
    from .features import librosa  # imported there once numba's cache is locked

    fmin_hz = max(KEEP_F0_RANGE_HZ[0], 2.01 * sample_rate / n_fft)
    return librosa.yin(audio, fmin=fmin_hz, fmax=KEEP_F0_RANGE_HZ[1], sr=sample_rate, frame_length=n_fft, hop_length=hop)

