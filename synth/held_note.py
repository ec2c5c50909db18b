"""How a held note behaves, in numbers: the measures the envelope tests and benchmarks share.

Every measure takes audio as [n_samples] float at sample_rate Hz and works on
its envelope (:func:`envelope_db`): the RMS level of 50 ms windows every 10 ms,
in dB re full scale, the smoothing at which level changes, not single
periods, show.

- :func:`level_after_onset_db`: the level some seconds after the onset, re the peak;
- :func:`max_rise_after_peak_db`: how far the envelope ever climbs back up after its peak
  (a struck tone's should not);
- :func:`peak_to_peak_db`: the envelope's range over a stretch;
- :func:`periodic_modulation_db`: the envelope's correlated fluctuation at a lag: the
  RMS, in dB, of the part of the envelope that repeats after that lag. At a loop's
  period it is the level modulation the loop adds; a recording's own sustain
  has its natural amount at the same lags;
- :func:`onset_latency_s`: how long after its note-on a note sounds;
- :func:`click_count`: broadband transients (clicks) by their second difference.
"""

from __future__ import annotations

import numpy as np

WINDOW_S = 0.05
HOP_S = 0.01
FLOOR_DB = -160.0  # envelope values are floored here (renders are float: their decays go on far below 16 bits)


def envelope_db(audio: np.ndarray, sample_rate: int, window_s: float = WINDOW_S, hop_s: float = HOP_S) -> tuple[np.ndarray, np.ndarray]:
    """(times_s [n], level_db [n]): RMS of window_s windows every hop_s, dB re full scale; a window's time is its centre."""
    window, hop = int(round(window_s * sample_rate)), int(round(hop_s * sample_rate))
    squares = np.concatenate([[0.0], np.cumsum(np.asarray(audio, np.float64) ** 2)])
    starts = np.arange(0, max(audio.shape[0] - window, 0) + 1, hop)
    mean_square = (squares[starts + window] - squares[starts]) / window
    return (starts + window / 2) / sample_rate, np.maximum(10.0 * np.log10(mean_square + 1e-30), FLOOR_DB)


def onset_time_s(audio: np.ndarray, sample_rate: int, below_peak_db: float = 20.0) -> float:
    """The first moment the envelope comes within below_peak_db of its peak (a window's centre, s)."""
    times, level = envelope_db(audio, sample_rate, window_s=0.002, hop_s=0.0005)
    return float(times[np.argmax(level >= level.max() - below_peak_db)])


def onset_latency_s(audio: np.ndarray, sample_rate: int, note_on_s: float, below_peak_db: float = 20.0) -> float:
    """Seconds from note_on_s until the note sounds: its 2 ms envelope first within below_peak_db of its peak."""
    return onset_time_s(audio, sample_rate, below_peak_db) - note_on_s


def level_after_onset_db(audio: np.ndarray, sample_rate: int, after_s: float) -> float:
    """The envelope after_s seconds after the onset (onset_time_s), dB re the envelope's peak."""
    times, level = envelope_db(audio, sample_rate)
    at = onset_time_s(audio, sample_rate) + after_s
    return float(np.interp(at, times, level) - level.max())


def max_rise_after_peak_db(audio: np.ndarray, sample_rate: int, until_s: float | None = None, floor_below_peak_db: float = 60.0) -> float:
    """The most the envelope rises above the lowest point it has reached since its peak, dB.

    Stops at until_s (None: the end) or where the envelope first falls
    floor_below_peak_db below its peak: there a tone has ended (grower-train trims
    recordings there), and what is left is a noise floor's random flicker.
    0 for an envelope that never rises after its peak.
    """
    times, level = envelope_db(audio, sample_rate)
    peak = int(np.argmax(level))
    after = level[peak:] if until_s is None else level[peak : max(peak + 1, int(np.searchsorted(times, until_s)))]
    quiet = np.flatnonzero(after < level[peak] - floor_below_peak_db)
    after = after[: quiet[0]] if quiet.size else after
    return float(np.max(after - np.minimum.accumulate(after)))


def peak_to_peak_db(audio: np.ndarray, sample_rate: int, start_s: float, end_s: float) -> float:
    """max - min of the envelope over windows lying within [start_s, end_s], dB."""
    times, level = envelope_db(audio, sample_rate)
    inside = (times - WINDOW_S / 2 >= start_s) & (times + WINDOW_S / 2 <= end_s)
    return float(np.ptp(level[inside]))


def periodic_modulation_db(audio: np.ndarray, sample_rate: int, start_s: float, end_s: float, lag_s: float) -> float:
    """The envelope's fluctuation that repeats after lag_s, over [start_s, end_s]: sqrt of its autocovariance, dB.

    The envelope (dB) within the stretch is detrended (a line removed), then
    c = mean(e(t) e(t + lag)) over every pair inside the stretch; returns
    sqrt(max(c, 0)): 0 when nothing repeats after lag_s, the modulation's RMS
    when the envelope is periodic with that period.
    """
    times, level = envelope_db(audio, sample_rate)
    inside = (times >= start_s) & (times <= end_s)
    t, e = times[inside], level[inside]
    e = e - np.polyval(np.polyfit(t, e, 1), t)
    lag = int(round(lag_s / HOP_S))
    if lag <= 0 or lag >= e.size:
        raise ValueError(f"lag {lag_s} s does not fit in a stretch of {end_s - start_s:.2f} s")
    return float(np.sqrt(max(np.mean(e[:-lag] * e[lag:]), 0.0)))


def periodic_modulation_range_db(audio: np.ndarray, sample_rate: int, start_s: float, end_s: float, lags_s: np.ndarray) -> float:
    """The largest periodic_modulation_db over lags_s: what a stretch has at lags like a loop's."""
    return max(periodic_modulation_db(audio, sample_rate, start_s, end_s, lag) for lag in lags_s)


def click_count(audio: np.ndarray, sample_rate: int, start_s: float = 0.0, end_s: float | None = None, threshold_db: float = 10.0) -> int:
    """Clicks: 2 ms windows whose second-difference energy stands threshold_db above the median of the 200 ms around them.

    A tone's second difference is steady from period to period; a step or kink in
    the waveform is a burst of it. Runs of such windows count as one click.
    Windows quieter than -90 dBFS, and the first and last 100 ms (no context on
    one side), are left out.
    """
    end_s = audio.shape[0] / sample_rate if end_s is None else end_s
    piece = np.asarray(audio[int(start_s * sample_rate) : int(end_s * sample_rate)], np.float64)
    times, level = envelope_db(np.diff(piece, 2), sample_rate, window_s=0.002, hop_s=0.001)
    _, loudness = envelope_db(piece, sample_rate, window_s=0.002, hop_s=0.001)
    half = 100  # windows: 100 ms either side
    if level.size <= 2 * half:
        return 0
    baseline = np.median(np.lib.stride_tricks.sliding_window_view(level, 2 * half + 1), axis=1)  # windows with 100 ms on both sides
    middle = level[half : level.size - half]
    loud = loudness[half : level.size - half] > -90.0
    flagged = (middle - baseline >= threshold_db) & loud
    return int(np.sum(flagged[1:] & ~flagged[:-1]) + (1 if flagged.size and flagged[0] else 0))
