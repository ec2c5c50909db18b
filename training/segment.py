"""Where a tone is at each moment: onset, attack, sustain or decay, release.

Pure functions of a tone's audio (:func:`sound_span`, used to trim silence
before analysis) and of its per-frame controls (:func:`segment`, run on the
analysis in ``features`` and again on the learned controls at export):

- **Onset**: the first frame within ``ONSET_BELOW_PEAK_DB`` of the peak.
- **Body and release**: two lines fitted by least squares to the smoothed
  level in dB, from the first frame within 6 dB of the peak to where the tone
  has faded by ``TAIL_BELOW_PEAK_DB``; their breakpoint is the release's start.
  Two more, fitted up to there, put the attack's end (its settling) where the
  body's line takes over.
- **Sustain or one-shot**: a tone whose body loses ``ONE_SHOT_BODY_DROP_DB``
  at ``ONE_SHOT_SLOPE_DB_PER_S`` or faster, or that is ``ONE_SHOT_DROP_DB``
  below its peak by its release, never reaches a steady level (piano, guitar,
  marimba, bells): a one-shot. Held, it follows its recorded decay, then each
  harmonic decays on at the rate fitted to the end of its recorded decay.
- **Sustain region** (the loop), for sustained tones: inside
  [attack end, release start), the region whose joins are least audible.
  Compared per frame are the level, the spectral shape (harmonics 1-16), the
  noise level and the pitch; a crossfade loop is scored by the mismatch across
  its crossfade, a ping-pong loop by the mismatch of each join with its
  mirror image plus the level and spectrum drift between its ends. The
  longest loop whose score is within ``LOOP_TOLERANCE`` (or a quarter) of the
  best is kept, crossfade or ping-pong, whichever scores better.

Frame m of the controls is at m / frame_rate_hz seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grower.synth.bank import ENVELOPES

ONSET_BELOW_PEAK_DB = 40.0  # the onset: where the level first comes this close to the peak
TAIL_BELOW_PEAK_DB = 60.0  # a tone has ended once it stays this far below its peak
PREROLL_S = 0.002  # kept before the onset when trimming, so the attack's first rise is whole
TAIL_MARGIN_S = 0.05  # kept after the tone has ended
SMOOTHING_S = 0.025  # level smoothing for the segment fit
ONE_SHOT_DROP_DB = 20.0  # below the peak by the release start: it decayed
ONE_SHOT_SLOPE_DB_PER_S = -3.0  # a body falling at least this fast ...
ONE_SHOT_BODY_DROP_DB = 6.0  # ... by at least this much, decays
DECAY_LIMITS_DB_PER_S = (-240.0, -1.0)  # fitted decay rates are clamped to this range
DECAY_FLOOR_BELOW_PEAK_DB = 60.0  # harmonic levels this far below the strongest peak are not fitted
MIN_LOOP_S = 0.1
PREFERRED_LOOP_S = 0.5  # the best score is taken over loops at least this long, where they fit
MAX_CROSSFADE_S = 0.3
CROSSFADE_FRACTION = 0.25  # of the loop
LOOP_TOLERANCE = 0.3  # score units (~dB) a longer loop may lose against the best (or a quarter of the best's score)
RELEASE_MARGIN_S = 0.02  # a sustain loop ends this long before the release starts
SETTLE_S = 0.05  # the attack has settled once this long stays near the body:
SETTLE_UNITS = (1.0, 2.0, 3.0, 4.0)  # level (dB), shape, noise (6 dB) and pitch (20 cents), in feature units
SHAPE_HARMONICS = 16
RELEASE_DROP_DB = 6.0  # a release falls at least this far ...
RELEASE_STEEPER_DB_PER_S = 20.0  # ... and this much faster than the body


@dataclass(frozen=True)
class Segments:
    """A tone's segments, in seconds from its first frame.

    onset_s <= attack_end_s <= sustain_start_s < sustain_end_s <= release_start_s.
    For a one-shot, sustain_start_s..sustain_end_s is its decaying body (never
    looped) and release_start_s is where its recorded decay ends: held, it
    decays on from there at decay_db_per_s. loop: how a sustained tone's
    sustain region repeats; crossfade_s: the crossfade length of a crossfade
    loop (0 for ping-pong). detected: what the level said, before any override.
    decay_db_per_s: [n_harmonics] dB/s, < 0; noise_decay_db_per_s: [n_noise_bands] dB/s, < 0.
    loop_score: the chosen loop's mismatch score (about dB; 0 is seamless).
    """

    onset_s: float
    attack_end_s: float
    sustain_start_s: float
    sustain_end_s: float
    release_start_s: float
    envelope: str
    detected: str
    loop: str
    crossfade_s: float
    decay_db_per_s: np.ndarray
    noise_decay_db_per_s: np.ndarray
    body_slope_db_per_s: float
    loop_score: float

    def entry_fields(self) -> dict:
        """The timing fields of the tone's bank entry (grower.synth.bank.ToneEntry), rounded as the bank keeps times."""
        crossfade = self.envelope == "sustain" and self.loop == "crossfade"
        return dict(
            envelope=self.envelope,
            loop=self.loop if crossfade else "ping-pong",
            loop_crossfade_s=round(self.crossfade_s, 4) if crossfade else 0.0,
            onset_s=round(self.onset_s, 4),
            attack_end_s=round(self.attack_end_s, 4),
            sustain_start_s=round(self.sustain_start_s, 4),
            sustain_end_s=round(self.sustain_end_s, 4),
            release_start_s=round(self.release_start_s, 4),
        )


# -- Trimming the recording ------------------------------------------------------------


def sound_span(audio: np.ndarray, sample_rate: int, onset_below_peak_db: float = ONSET_BELOW_PEAK_DB,
               tail_below_peak_db: float = TAIL_BELOW_PEAK_DB) -> tuple[int, int]:
    """[start, end) samples of audio that hold the tone: leading and trailing silence left out.

    audio: [n_samples]. The level is the RMS of 64-sample windows every 16
    samples; the tone starts PREROLL_S before the first window within
    onset_below_peak_db of the loudest (or 12 dB above the quietest tenth of
    windows, if that is higher), and ends TAIL_MARGIN_S after the last window
    within tail_below_peak_db of it (or 6 dB above the quiet floor).
    """
    n = audio.shape[0]
    window, hop = 64, 16
    if n < window:
        return 0, n
    squares = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    starts = np.arange(0, n - window + 1, hop)
    level_db = 10.0 * np.log10((squares[starts + window] - squares[starts]) / window + 1e-20)
    peak_db = level_db.max()
    floor_db = np.percentile(level_db, 10)
    onset_db = min(max(peak_db - onset_below_peak_db, floor_db + 12.0), peak_db - 6.0)
    tail_db = min(max(peak_db - tail_below_peak_db, floor_db + 6.0), peak_db - 6.0)
    first = starts[np.argmax(level_db >= onset_db)]
    # the first sample of that window that reaches the onset level itself
    threshold = 10.0 ** (onset_db / 20.0)
    hits = np.flatnonzero(np.abs(audio[first : first + window]) >= threshold)
    onset = first + (int(hits[0]) if hits.size else 0)
    last = starts[len(level_db) - 1 - np.argmax(level_db[::-1] >= tail_db)] + window
    start = max(onset - int(round(PREROLL_S * sample_rate)), 0)
    end = min(last + int(round(TAIL_MARGIN_S * sample_rate)), n)
    return start, max(end, start + 1)


# -- Segmenting the controls -----------------------------------------------------------


def segment(harmonic_amplitudes: np.ndarray, noise_magnitudes: np.ndarray, f0_hz: np.ndarray, frame_rate_hz: float,
            envelope: str = "auto") -> Segments:
    """Segment one tone from its per-frame controls.

    harmonic_amplitudes: [n_frames, n_harmonics] linear (amplitude * distribution);
    noise_magnitudes: [n_frames, n_noise_bands] linear; f0_hz: [n_frames] Hz;
    frame_rate_hz: frames per second. envelope: "auto" (detect), "sustain" or
    "one-shot" (override the detection).
    """
    if envelope not in ("auto",) + ENVELOPES:
        raise ValueError(f"envelope must be auto or one of {', '.join(ENVELOPES)}, not {envelope!r}")
    amps = np.asarray(harmonic_amplitudes, np.float64)
    noise = np.asarray(noise_magnitudes, np.float64)
    n = amps.shape[0]
    fr = float(frame_rate_hz)
    level = level_db(amps, noise)
    smooth = _smoothed_db(level, max(1, int(round(SMOOTHING_S * fr))))
    peak = int(np.argmax(smooth))
    peak_db = smooth[peak]
    onset = int(np.argmax(smooth >= peak_db - ONSET_BELOW_PEAK_DB))
    sounding = np.flatnonzero(smooth >= peak_db - TAIL_BELOW_PEAK_DB)
    end = int(sounding[-1]) + 1 if sounding.size else n
    reached = int(np.argmax(smooth >= peak_db - 6.0))
    min_body = max(2, int(round(MIN_LOOP_S * fr)))
    # The release: where a second, steeper and shorter line fits the fall to the end
    # better. Without one (a decay that slows, or a recording that stops while
    # sounding) the tone releases where it has faded by TAIL_BELOW_PEAK_DB, or at its last frame.
    release = _two_lines(smooth[reached:end], min_body, 2, steeper_by=RELEASE_STEEPER_DB_PER_S / fr)
    release = end - 1 if release is None else reached + release
    if smooth[release] - smooth[end - 1] < RELEASE_DROP_DB:
        release = end - 1
    # The body's line: from where a line fits better than one through the attack too.
    attack = _two_lines(smooth[reached:release], 0, min(min_body, release - reached))
    attack = reached if attack is None else reached + attack
    if release - attack < 2:  # too short to fit: the whole tone is the body
        attack, release = onset, max(end - 1, onset + 2)
    t = np.arange(n) / fr
    slope, intercept = _line(t[attack:release], smooth[attack:release])
    # The release starts where the level leaves the body's line for good.
    on_line = np.flatnonzero(smooth[attack:release] >= slope * t[attack:release] + intercept - 1.0)
    release = attack + int(on_line[-1]) + 1 if on_line.size else release
    release = min(max(release, attack + 2), n - 1)
    body_drop_db = -slope * (release - attack) / fr
    decays = (peak_db - smooth[release - 1] >= ONE_SHOT_DROP_DB) or (slope <= ONE_SHOT_SLOPE_DB_PER_S and body_drop_db >= ONE_SHOT_BODY_DROP_DB)
    detected = "one-shot" if decays else "sustain"
    chosen = detected if envelope == "auto" else envelope

    features = _frame_features(amps, noise, f0_hz, level)
    decay, noise_decay = decay_rates(amps, noise, smooth, attack, release, fr)
    if chosen == "one-shot":
        attack_end = max(peak, onset)
        start, stop = attack_end, max(release, attack_end + 2)
        loop, crossfade, score = "ping-pong", 0, 0.0
        release_start = stop
    else:
        attack_end = _settled(features, reached, release, max(1, int(round(SETTLE_S * fr))))
        attack_end = max(attack_end, onset)
        usable_end = max(release - int(round(RELEASE_MARGIN_S * fr)), attack_end + 2)
        start, stop, loop, crossfade, score = choose_loop(features, attack_end, min(usable_end, n - 1), fr)
        release_start = max(release, stop)
    stop = min(stop, n - 1)
    start = min(start, stop - 2)
    return Segments(
        onset_s=onset / fr,
        attack_end_s=min(attack_end, start) / fr,
        sustain_start_s=start / fr,
        sustain_end_s=stop / fr,
        release_start_s=min(release_start, n - 1) / fr,
        envelope=chosen,
        detected=detected,
        loop=loop,
        crossfade_s=crossfade / fr,
        decay_db_per_s=decay.astype(np.float32),
        noise_decay_db_per_s=noise_decay.astype(np.float32),
        body_slope_db_per_s=float(slope),
        loop_score=float(score),
    )


def level_db(harmonic_amplitudes: np.ndarray, noise_magnitudes: np.ndarray) -> np.ndarray:
    """[n_frames] dB: the power of the harmonics (A^2 / 2 each) plus the noise's (uniform noise
    through the band gains: mean gain^2 / 3), re a full-scale sine's 0.5."""
    power = 0.5 * np.sum(harmonic_amplitudes**2, axis=1) + np.mean(noise_magnitudes**2, axis=1) / 3.0
    return 10.0 * np.log10(power / 0.5 + 1e-14)


def decay_rates(harmonic_amplitudes: np.ndarray, noise_magnitudes: np.ndarray, level: np.ndarray, body_start: int, body_end: int,
                frame_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-harmonic and per-band decay rates, dB/s, fitted to the end of the body.

    The fit covers the last 40 % of [body_start, body_end) frames (0.3 to 1.5 s,
    within the body). A harmonic is fitted where it lies within
    DECAY_FLOOR_BELOW_PEAK_DB of the strongest harmonic's peak over at least
    half the window; others take the rate of the nearest fitted harmonic below
    (higher harmonics decay at least as fast), else the level's. Every rate is
    clamped to DECAY_LIMITS_DB_PER_S, and no noise band decays slower than the
    level. Returns ([n_harmonics], [n_noise_bands]).
    """
    fr = frame_rate_hz
    length = body_end - body_start
    window = int(np.clip(0.4 * length, 0.3 * fr, 1.5 * fr))
    first = max(body_start, body_end - window)
    t = np.arange(first, body_end) / fr
    overall, _ = _line(t, level[first:body_end])
    low, high = DECAY_LIMITS_DB_PER_S

    def fit(values: np.ndarray) -> np.ndarray:
        values = values[first:body_end]
        floor = values.max() * 10.0 ** (-DECAY_FLOOR_BELOW_PEAK_DB / 20.0) if values.size else 0.0
        rates = np.full(values.shape[1], np.nan)
        for k in range(values.shape[1]):
            ok = values[:, k] > max(floor, 1e-9)
            if ok.sum() >= max(5, 0.5 * len(t)):
                rates[k], _ = _line(t[ok], 20.0 * np.log10(values[ok, k]))
        fallback = overall
        for k in range(rates.size):  # unreliable: the nearest fitted one below
            if np.isnan(rates[k]):
                rates[k] = fallback
            else:
                fallback = rates[k]
        return np.clip(rates, low, high)

    # Noise never outlasts the tone: a struck tone's noise (the strike) dies with it or sooner, and a learned
    # noise floor that holds still where the harmonics fade would otherwise be left standing.
    return fit(harmonic_amplitudes), np.minimum(fit(noise_magnitudes), min(overall, high))


# -- Loops -----------------------------------------------------------------------------


def choose_loop(features: np.ndarray, first: int, last: int, frame_rate_hz: float) -> tuple[int, int, str, int, float]:
    """The least audible loop within frames [first, last]: (start, end, kind, crossfade frames, score).

    features: [n_frames, n_dims] weighted frame features (a unit is about 1 dB).
    A crossfade loop [s, e) blends the X frames before e with the X frames before
    s, so it needs s - X >= first; a ping-pong loop reflects at s and e, judged
    against the J frames on either side of each. Regions too short to choose in
    are ping-ponged whole.
    """
    fr = frame_rate_hz
    span = last - first
    min_loop = max(2, int(round(MIN_LOOP_S * fr)))
    if span < 2 * min_loop:
        return first, max(last, first + 2), "ping-pong", 0, 0.0
    stride = max(1, -(-span // 600))  # keep the search near 600 points
    f = features[first : last + 1 : stride]
    fr_s = fr / stride
    best_xf = _best_crossfade(f, max(2, min_loop // stride), fr_s)
    best_pp = _best_ping_pong(f, max(2, min_loop // stride), fr_s)
    candidates = [c for c in (best_xf, best_pp) if c is not None]
    if not candidates:
        return first, last, "ping-pong", 0, 0.0
    score, s, e, kind, crossfade = min(candidates, key=lambda c: c[0])
    return first + s * stride, first + e * stride, kind, crossfade * stride, score


def _pick_longest(lengths: np.ndarray, scores: np.ndarray, frame_rate_hz: float) -> int:
    """Index of the longest candidate whose score is within LOOP_TOLERANCE (or a quarter of it, if more)
    of the best one that is long enough."""
    preferred = lengths >= min(PREFERRED_LOOP_S * frame_rate_hz, lengths.max())
    floor = scores[preferred].min()
    ok = np.flatnonzero(scores <= floor + max(LOOP_TOLERANCE, 0.25 * floor))
    return int(ok[np.argmax(lengths[ok])])


def _crossfade_frames(length: int, frame_rate_hz: float) -> int:
    return max(2, int(round(min(CROSSFADE_FRACTION * length, MAX_CROSSFADE_S * frame_rate_hz))))


def _best_crossfade(f: np.ndarray, min_loop: int, frame_rate_hz: float):
    """(score, s, e, "crossfade", X) for the best crossfade loop in f's frames, or None."""
    n = f.shape[0]
    lengths, scores, spans = [], [], []
    for length in range(min_loop, n):
        x = _crossfade_frames(length, frame_rate_hz)
        if x + length >= n:  # needs s - x >= 0 and e = s + length <= n - 1
            break
        d2 = np.sum((f[length:] - f[:-length]) ** 2, axis=1)  # d2[i]: frame i + length against frame i
        sums = np.concatenate([[0.0], np.cumsum(d2)])
        # zone [e - x, e) with e = s + length, s from x to n - 1 - length: d2 indices [s - x, s)
        s = np.arange(x, n - length)
        zone = (sums[s] - sums[s - x]) / x
        i = int(np.argmin(zone))
        lengths.append(length)
        scores.append(np.sqrt(zone[i]))
        spans.append((int(s[i]), int(s[i]) + length, x))
    if not lengths:
        return None
    k = _pick_longest(np.array(lengths), np.array(scores), frame_rate_hz)
    s, e, x = spans[k]
    return float(scores[k]), s, e, "crossfade", x


def _best_ping_pong(f: np.ndarray, min_loop: int, frame_rate_hz: float):
    """(score, s, e, "ping-pong", 0) for the best ping-pong loop in f's frames, or None."""
    n = f.shape[0]
    j = max(2, int(round(0.05 * frame_rate_hz)))
    if n < 2 * j + min_loop + 1:
        return None
    centres = np.arange(j, n - j)
    offsets = np.arange(1, j + 1)
    mirror = np.mean(np.sum((f[centres[:, None] + offsets] - f[centres[:, None] - offsets]) ** 2, axis=2), axis=1)  # [n_centres]
    kernel = np.ones(2 * j + 1) / (2 * j + 1)
    smooth = np.stack([np.convolve(f[:, d], kernel, mode="same") for d in range(f.shape[1])], axis=1)
    lengths, scores, spans = [], [], []
    for length in range(min_loop, n - 2 * j):
        s = centres[centres + length <= n - 1 - j]
        if s.size == 0:
            break
        drift = np.sum((smooth[s + length] - smooth[s]) ** 2, axis=1)
        score2 = 0.5 * (mirror[s - j] + mirror[s + length - j]) + drift
        i = int(np.argmin(score2))
        lengths.append(length)
        scores.append(np.sqrt(score2[i]))
        spans.append((int(s[i]), int(s[i]) + length))
    if not lengths:
        return None
    k = _pick_longest(np.array(lengths), np.array(scores), frame_rate_hz)
    s, e = spans[k]
    return float(scores[k]), s, e, "ping-pong", 0


# -- Helpers ---------------------------------------------------------------------------


def _frame_features(amps: np.ndarray, noise: np.ndarray, f0_hz: np.ndarray, level: np.ndarray) -> np.ndarray:
    """[n_frames, 3 + K] what a loop join is judged on, weighted so a unit is about 1 dB:
    the level (dB), the shape of harmonics 1..K (dB re the total, floored at -40, K =
    SHAPE_HARMONICS, together weighing as two levels), the noise level (dB, half
    weight, floored 40 dB below the level) and the pitch (cents / 5)."""
    k = min(SHAPE_HARMONICS, amps.shape[1])
    total = np.sqrt(np.sum(amps**2, axis=1, keepdims=True)) + 1e-12
    shape = np.maximum(20.0 * np.log10(amps[:, :k] / total + 1e-12), -40.0) * np.sqrt(2.0 / k)
    noise_db = 10.0 * np.log10(np.mean(noise**2, axis=1) + 1e-14)
    cents = 1200.0 * np.log2(np.asarray(f0_hz, np.float64) / np.median(f0_hz))
    return np.column_stack([level, shape, 0.5 * np.maximum(noise_db, level - 40.0), cents / 5.0])


def _settled(features: np.ndarray, attack: int, release: int, hold: int) -> int:
    """The first frame from attack on after which `hold` frames all lie near the body.

    Near: the level, the spectral shape, the noise and the pitch (the column groups of
    _frame_features) each within its SETTLE_UNITS of the median of the body's middle
    half, or twice the body's own median distance there, whichever is larger.
    """
    middle = features[attack + (release - attack) // 4 : release - (release - attack) // 4 + 1]
    if middle.shape[0] == 0:
        return attack
    centre = np.median(middle, axis=0)
    k = features.shape[1] - 3
    groups = (slice(0, 1), slice(1, 1 + k), slice(1 + k, 2 + k), slice(2 + k, 3 + k))
    near = np.ones(release - attack, bool)
    for group, floor in zip(groups, SETTLE_UNITS):
        distance = np.sqrt(np.sum((features[attack:release, group] - centre[group]) ** 2, axis=1))
        spread = np.median(np.sqrt(np.sum((middle[:, group] - centre[group]) ** 2, axis=1)))
        near &= distance <= max(floor, 2.0 * spread)
    run = 0
    for i, ok in enumerate(near):
        run = run + 1 if ok else 0
        if run >= hold:
            return attack + i - hold + 1
    return attack


def _smoothed_db(level: np.ndarray, width: int) -> np.ndarray:
    """Moving average of the power over `width` frames (centred), in dB."""
    if width <= 1:
        return level.copy()
    power = 10.0 ** (level / 10.0)
    kernel = np.ones(width) / width
    padded = np.pad(power, (width // 2, width - 1 - width // 2), mode="edge")
    return 10.0 * np.log10(np.convolve(padded, kernel, mode="valid") + 1e-14)


def _line(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares (slope, intercept) of y against t; (0, mean) for fewer than two points."""
    if t.size < 2 or np.ptp(t) == 0:
        return 0.0, float(np.mean(y)) if y.size else 0.0
    slope, intercept = np.polyfit(t, y, 1)
    return float(slope), float(intercept)


def _two_lines(y: np.ndarray, min_first: int, min_second: int, steeper_by: float | None = None) -> int | None:
    """The breakpoint b splitting y into [0, b) and [b, n) with a least-squares line each.

    The first part is at least min_first points (it may be empty), the second at least
    min_second. steeper_by: only breakpoints whose second line falls faster than the
    first by this much per point, and whose second part is no longer than the first,
    count (a release). Returns None when no breakpoint qualifies.
    """
    n = y.shape[0]
    if steeper_by is not None:
        min_first = max(min_first, (n + 1) // 2)
    if n < min_first + min_second:
        return None
    b = np.arange(min_first, n - min_second + 1)
    cost = _SegmentCost(y)
    total = cost(0, b) + cost(b, n)
    if steeper_by is not None:
        total = np.where(cost.slope(b, n) <= cost.slope(0, b) - steeper_by, total, np.inf)
    if not np.isfinite(total).any():
        return None
    return int(b[np.argmin(total)])


class _SegmentCost:
    """sse(i, j): squared error of the least-squares line through y[i:j], from cumulative sums."""

    def __init__(self, y: np.ndarray):
        x = np.arange(y.shape[0], dtype=np.float64)
        self.sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones_like(x), x, x * x, y, x * y, y * y)]

    def slope(self, i, j):
        """Slope of the line through y[i:j] per point; 0 for fewer than two points."""
        n, sx, sxx, sy, sxy, _ = (s[j] - s[i] for s in self.sums)
        n_safe = np.maximum(n, 1)
        vxx = sxx - sx * sx / n_safe
        return np.where(vxx > 1e-9, (sxy - sx * sy / n_safe) / np.where(vxx > 1e-9, vxx, 1.0), 0.0)

    def __call__(self, i, j):
        n, sx, sxx, sy, sxy, syy = (s[j] - s[i] for s in self.sums)
        n_safe = np.maximum(n, 1)
        vxx = sxx - sx * sx / n_safe
        vxy = sxy - sx * sy / n_safe
        vyy = syy - sy * sy / n_safe
        out = vyy - np.where(vxx > 1e-9, vxy * vxy / np.where(vxx > 1e-9, vxx, 1.0), 0.0)
        return np.where(n >= 3, np.maximum(out, 0.0), 0.0)


# -- A room's tail ---------------------------------------------------------------------

ROOM_DECAY_DB_PER_S = (-200.0, -8.0)  # a room's tail falls this fast: RT60 from 0.3 to 7.5 s
ROOM_TAIL_MIN_S = 0.1  # a tail that straight for less is no room's
ROOM_TAIL_MIN_DROP_DB = 10.0  # ... and it falls at least this far
RELEASE_STEEPER_THAN_ROOM = 1.5  # the release before the knee falls this many times faster than the tail ...
RELEASE_MIN_DROP_DB = 6.0  # ... and at least this far
ROOM_MIN_RIPPLE_DB = 0.05  # a room's tail is many modes beating: its level ripples this much frame to frame (5 ms frames of 20 ms)
SMOOTH_TAIL_STEEPER_THAN_ROOM = 2.0  # ... unless the release fell this many times faster. A dry General MIDI flute at C6 and C7
                                     # released at -234 then -153 dB/s, ripple 0.04 dB, and was cut as a room; of 53 rooms
                                     # (RT60 0.4-1.5 s; clarinet, flute, trumpet over three octaves) one is left uncut
RELEASE_SLOPE_S = 0.03  # local slopes are lines over this long
RELEASE_SEARCH_S = 0.15  # the release is the steepest slope this soon after the body's end (later, a room's tail fluctuates as steeply)
TAIL_ABOVE_FLOOR_DB = 10.0  # the tail is fitted down to this far above the recording's floor ...
TAIL_WITHIN_PEAK_DB = 90.0  # ... or this far below its peak
DIGITAL_SILENCE_DB = -150.0  # frames this quiet are digital zeros, no floor (a 16-bit file's floor is near -100 dB)
BODY_RANGE_DB = 20.0  # the body's level is the median of the frames this close to the peak ...
BODY_WITHIN_DB = 6.0  # ... and the release is looked for from the last frame this close to it (the body's end)
# A room's tail is looked for only after a held sustain: the body lasts this long ...
SUSTAIN_MIN_S = 0.3
# ... at a level this steady (its line's slope). A struck string decays in two stages, fast then slow, which
# looks just like a release into a room: a dry GM piano's high notes were cut 0.5-1.1 s after their onset.
SUSTAIN_MAX_SLOPE_DB_PER_S = 6.0


def reverberant_tail(level_db: np.ndarray, frame_rate_hz: float, floor_db: float | None = None) -> tuple[int, int, float, float] | None:
    """Where a room's decay takes over from the tone's release: (knee, end, release dB/s, room dB/s), or None.

    level_db: [n_frames] a recording's level envelope in dB, frame_rate_hz
    frames per second. Looked at from the body's end (the last frame within
    BODY_WITHIN_DB of the median level of frames BODY_RANGE_DB from the peak) to where the level last
    stands TAIL_ABOVE_FLOOR_DB above the floor (the 5th percentile of the
    frames above DIGITAL_SILENCE_DB, or floor_db, dB, the noise floor cleaning
    removed, where higher: under it nothing was measured): the
    release is the steepest local slope (lines over RELEASE_SLOPE_S) in its
    first RELEASE_SEARCH_S,
    and the knee the first frame after it where the local slope has eased to
    less than 1 / RELEASE_STEEPER_THAN_ROOM of the release's. What follows the
    knee is a room's tail, after a held sustain (the body lasts SUSTAIN_MIN_S with
    a line within SUSTAIN_MAX_SLOPE_DB_PER_S of level), when its line falls as a room does
    (ROOM_DECAY_DB_PER_S), for at least ROOM_TAIL_MIN_S and
    ROOM_TAIL_MIN_DROP_DB, after a release that fell RELEASE_MIN_DROP_DB, and
    either ripples as a room's modes do (ROOM_MIN_RIPPLE_DB) or follows a release
    SMOOTH_TAIL_STEEPER_THAN_ROOM times steeper. A dry tone's release runs on
    to the floor, and a one-shot's decay ends in it: neither has such a knee
    (None); an envelope's two stages are smooth.
    """
    level = np.asarray(level_db, np.float64)
    fr = float(frame_rate_hz)
    peak_db = level.max()
    sounding = level[level > DIGITAL_SILENCE_DB]
    recorded_floor_db = np.percentile(sounding, 5) if sounding.size else peak_db
    floor_db = recorded_floor_db if floor_db is None else max(floor_db, recorded_floor_db)
    limit = max(floor_db + TAIL_ABOVE_FLOOR_DB, peak_db - TAIL_WITHIN_PEAK_DB)
    if limit >= peak_db:  # no quiet end: the recording stops while the tone sounds
        return None
    end = int(np.flatnonzero(level >= limit)[-1]) + 1
    body_db = np.median(level[level >= peak_db - BODY_RANGE_DB])
    near_body = np.flatnonzero(level[:end] >= body_db - BODY_WITHIN_DB)
    first, start = int(near_body[0]), int(near_body[-1])
    if start - first < SUSTAIN_MIN_S * fr:
        return None  # no held sustain: a decay from the onset (a struck or plucked note) is the tone's own
    t_s = np.arange(first, start + 1) / fr
    if abs(np.polyfit(t_s, level[first:start + 1], 1)[0]) > SUSTAIN_MAX_SLOPE_DB_PER_S:
        return None
    y = level[start:end]
    n = y.shape[0]
    width, min_tail = max(3, int(round(RELEASE_SLOPE_S * fr))), max(3, int(round(ROOM_TAIL_MIN_S * fr)))
    if n < width + min_tail:
        return None
    cost = _SegmentCost(y)
    first = np.arange(0, n - width + 1)
    local = cost.slope(first, first + width) * fr  # [n - width + 1] dB/s, the line over frames [i, i + width)
    steepest = int(np.argmin(local[: max(1, int(round(RELEASE_SEARCH_S * fr)))]))
    release = float(local[steepest])
    eased = np.flatnonzero(local[steepest:] > release / RELEASE_STEEPER_THAN_ROOM)
    if eased.size == 0:
        return None
    knee = steepest + int(eased[0]) + width // 2
    if n - knee < min_tail:
        return None
    room = float(cost.slope(knee, n) * fr)
    low, high = ROOM_DECAY_DB_PER_S
    if not (low <= room <= high and release <= RELEASE_STEEPER_THAN_ROOM * room):
        return None
    if y[0] - y[knee] < RELEASE_MIN_DROP_DB or -room * (n - knee) / fr < ROOM_TAIL_MIN_DROP_DB:
        return None
    ripple_db = float(np.std(np.diff(y[knee:], 2)) / np.sqrt(6.0))  # frame to frame, a line's slope and bend left out
    if release > SMOOTH_TAIL_STEEPER_THAN_ROOM * room and ripple_db < ROOM_MIN_RIPPLE_DB:
        return None  # barely shallower than the release, and smooth as an envelope: the instrument's own two-stage release
    return start + knee, end, release, room
