"""A tone's inharmonicity B and its true f0, measured from its partials' peaks.

A stiff string's partial k sounds at ``k * f0 * sqrt(1 + B k^2)``
(``grower.synth.controls.partial_ratios``). B is not learned by the spectral
loss: gradients through sinusoid frequencies are notoriously poor (the loss is
flat once a partial misses its peak by more than a bin). It is measured here,
once per tone, before training: the partials' frequencies from one long
high-resolution spectrum (``grower.synth.spectral.partial_frequencies_hz``),
then the model fitted by weighted least squares through the fundamental (or, where
that is weak, as ``(f_k / k)^2 = f0^2 + f0^2 B k^2``, a straight line in k^2); a few
lines of NumPy, as no library fits this model.

B is kept only where it is clearly measured: at least three standard errors
above 0, stretching the partials audibly (MIN_STRETCH_CENTS at partial 12),
and far more than the partials scatter about the fit, and only on a steady
pitch (features.stretched_f0: vibrato smears a partial's peak by as many
cents as it swings, enough to fake a stretch); otherwise the tone is harmonic (B = 0) and its f0 is left as the pitch
tracker read it, so harmonic instruments train and play exactly as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grower.synth.controls import MAX_INHARMONICITY
from grower.synth.spectral import partial_frequencies_hz

MAX_PARTIALS = 32  # partials measured; enough to pin B, few enough to stay clear of the noise
MIN_PARTIALS = 5  # fewer clear partials than this say nothing about B
ANCHOR_LEVEL_DB = -20.0  # a fundamental this close to the strongest partial anchors the fit
MIN_STRETCH_CENTS = 5.0  # a B that moves partial 12 less than this (B < 4e-5) is too close to harmonic to tell from a wobbling pitch
SIGNIFICANCE = 3.0  # standard errors B must stand above 0
MIN_STRETCH_OVER_SCATTER = 5.0  # the stretch at the highest partial fitted, over the partials' scatter about the fit (a flute's vibrato scatters them)
MAX_PITCH_WOBBLE_CENTS = 1.5  # median |frame pitch - median| above this (vibrato) is not measured. Measured: GM pianos 0.2-1.0, guitar 0.0, clarinet 1.8, flute 2.4, bowed example 5.4
WINDOW_S = 1.0  # the longest stretch of audio measured (finer peaks, but a one-shot decays)


@dataclass(frozen=True)
class InharmonicityFit:
    """What the partials say. f0_hz: Hz, the fitted fundamental (the tracker's when B is 0);
    inharmonicity: B, 0 when not clearly measured; raw_inharmonicity, raw_stderr: the fit's B
    and its standard error before that decision; n_partials: partials the fit used."""

    f0_hz: float
    inharmonicity: float
    raw_inharmonicity: float
    raw_stderr: float
    n_partials: int


def stretch_cents(inharmonicity: float, partial: int = 12) -> float:
    """Cents partial `partial` sits above partial * f0 for inharmonicity B."""
    return 1200.0 * math.log2(math.sqrt(1.0 + inharmonicity * partial * partial))


def fit_partials(freqs_hz: np.ndarray, levels_db: np.ndarray) -> tuple[float, float, float, float, np.ndarray]:
    """Weighted least squares of the stiff string's f_k = k f0 sqrt(1 + B k^2) over the partials found.

    freqs_hz, levels_db: [n_partials] (NaN where none was found), partial k at index k - 1.
    Returns (f0_hz, B, B's standard error, the partials' robust deviation from the fit in
    cents, used [n_partials] bool).

    The fundamental is the pitch we hear and tune to, so where it is strong (within
    ANCHOR_LEVEL_DB of the strongest partial) the fit goes through it: f0 = f_1 / sqrt(1 + B),
    and with r_k = (f_k / (k f_1))^2 the model is r_k - 1 = B (k^2 - r_k), one parameter.
    Left free, a sampled piano's partials 2-5 sitting 3 cents flat of the model pulled
    f0 3.4 cents flat of its fundamental (GM piano, C3). Where the fundamental is weak,
    (f_k / k)^2 = f0^2 + f0^2 B k^2 is fitted as a line in k^2.
    Residuals in either form are relative pitch errors, counting each partial's cents
    alike; weak partials are measured worst, so each is weighted by the square root of
    its linear level. Refitted twice without partials more than 3 robust deviations
    (median |cents| x 1.48, at least 1 cent) off the fit before.
    """
    k = np.arange(1, freqs_hz.shape[0] + 1, dtype=np.float64)
    used = np.isfinite(freqs_hz) & np.isfinite(levels_db)
    anchored = bool(used[0]) and levels_db[0] >= ANCHOR_LEVEL_DB
    if anchored:
        used[0] = False  # the anchor, not a point of the fit
    f0_hz = b = stderr = deviation = math.nan
    for _ in range(3):
        if used.sum() < MIN_PARTIALS - anchored:
            return math.nan, math.nan, math.nan, math.nan, used
        w = 10.0 ** (levels_db[used] / 40.0)
        if anchored:
            r = (freqs_hz[used] / (k[used] * freqs_hz[0])) ** 2
            x, y = k[used] ** 2 - r, r - 1.0
            b = float(np.sum(w * x * y) / np.sum(w * x * x))
            residual = np.sqrt(w) * (y - b * x)
            stderr = math.sqrt(float(residual @ residual) / max(x.shape[0] - 1, 1) / float(np.sum(w * x * x)))
            f0_hz = freqs_hz[0] / math.sqrt(1.0 + b)
        else:
            x, y = k[used] ** 2, (freqs_hz[used] / k[used]) ** 2
            design = np.stack([np.ones_like(x), x], axis=1) * np.sqrt(w)[:, None]
            (a, slope), *_ = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)
            residual = y * np.sqrt(w) - design @ np.array([a, slope])
            covariance = np.linalg.inv(design.T @ design) * (residual @ residual / max(x.shape[0] - 2, 1))
            f0_hz, b, stderr = math.sqrt(max(a, 1e-12)), slope / a, math.sqrt(max(covariance[1, 1], 0.0)) / a
        cents = 1200.0 * np.log2(freqs_hz / (k * f0_hz * np.sqrt(np.maximum(1.0 + b * k * k, 1e-12))))
        deviation = 1.4826 * float(np.median(np.abs(cents[used])))
        used = used & (np.abs(cents) <= max(3.0 * deviation, 1.0))
    if anchored:
        used[0] = True
    return f0_hz, b, stderr, deviation, used


def estimate_inharmonicity(audio: np.ndarray, f0_hz: float, sample_rate: int, n_partials: int = MAX_PARTIALS) -> InharmonicityFit:
    """B and the true f0 of a steady (or early, for a one-shot) stretch of a tone.

    audio: [n_samples] linear at sample_rate Hz, at most WINDOW_S of it is used (from the
    start); f0_hz: the pitch tracker's f0 over it, Hz (within a quarter semitone).
    n_partials: at most this many partials, and none above 95 % of Nyquist.
    """
    audio = np.asarray(audio[: int(WINDOW_S * sample_rate)], np.float64)
    n = int(min(n_partials, MAX_PARTIALS, 0.95 * 0.5 * sample_rate / f0_hz))
    harmonic = InharmonicityFit(f0_hz, 0.0, 0.0, math.inf, 0)
    if n < MIN_PARTIALS or audio.shape[0] < 8 * sample_rate / f0_hz:
        return harmonic
    freqs_hz, levels_db = partial_frequencies_hz(audio, f0_hz, sample_rate, n)
    fitted_f0_hz, b, stderr, deviation, used = fit_partials(freqs_hz, levels_db)
    if not math.isfinite(b):
        return harmonic
    highest = int(np.flatnonzero(used)[-1]) + 1
    clear = (b > SIGNIFICANCE * stderr and stretch_cents(b) >= MIN_STRETCH_CENTS
             and stretch_cents(b, highest) >= MIN_STRETCH_OVER_SCATTER * deviation)
    if not clear:
        return InharmonicityFit(f0_hz, 0.0, b, stderr, int(used.sum()))
    return InharmonicityFit(fitted_f0_hz, float(min(b, MAX_INHARMONICITY)), b, stderr, int(used.sum()))
