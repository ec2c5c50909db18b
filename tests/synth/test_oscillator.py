"""The realtime oscillator kernel against the shared NumPy definition."""

import numpy as np
import pytest

from grower.synth import controls as dsp
from grower.synth.growth import equal_level_scale, harmonic_gains, noise_gain
from grower.synth.oscillator import render_partials


def test_the_kernel_equals_the_framewise_definition():
    rng = np.random.default_rng(0)
    n, k = 128, 16
    phase0, omega = np.array([0.3, 2.0]), np.array([0.05, 0.011])
    a0 = rng.uniform(0, 0.1, (2, k)).astype(np.float32)
    a1 = rng.uniform(0, 0.1, (2, k)).astype(np.float32)
    out = np.zeros(n, np.float32)
    render_partials(out, phase0, omega, a0, a1, np.array([k, k]), np.array([0, 0]), 0, n)
    expected = 0
    for v in range(2):
        phase = phase0[v] + omega[v] * np.arange(n)
        frames = np.stack([a0[v], a1[v]]).astype(np.float64)
        expected = expected + dsp.harmonic_signal_framewise(phase, frames, n)
    np.testing.assert_allclose(out, expected, atol=2e-5)


@pytest.mark.parametrize("n_active", [64, 63, 62, 61, 5, 1])
def test_the_kernel_equals_the_framewise_definition_for_every_harmonic_count(n_active):
    rng = np.random.default_rng(3)
    n, k = 128, 64
    phase0, omega = np.array([5.9, 0.1, 1.0]), np.array([0.0079, 0.043, 0.2])
    a0 = (rng.uniform(0, 0.1, (3, k)) / np.arange(1, k + 1)).astype(np.float32)
    a1 = (rng.uniform(0, 0.1, (3, k)) / np.arange(1, k + 1)).astype(np.float32)
    out = np.zeros(n, np.float32)
    render_partials(out, phase0, omega, a0, a1, np.full(3, n_active), np.zeros(3, np.int64), 0, n)
    expected = 0
    for v in range(3):
        phase = phase0[v] + omega[v] * np.arange(n)
        frames = np.stack([a0[v, :n_active], a1[v, :n_active]]).astype(np.float64)
        expected = expected + dsp.harmonic_signal_framewise(phase, frames, n)
    np.testing.assert_allclose(out, expected, atol=2e-6)


@pytest.mark.parametrize("cuts", [[64], [1, 2, 3], [7, 50, 51, 100], list(range(1, 128))])
def test_a_period_rendered_in_spans_equals_it_rendered_whole(cuts):
    rng = np.random.default_rng(4)
    n, k, v = 128, 64, 5
    phase0, omega = rng.uniform(0, 2 * np.pi, v), rng.uniform(0.005, 0.3, v)
    a0, a1 = rng.uniform(0, 0.05, (2, v, k)).astype(np.float32)
    n_active, onset = np.array([64, 33, 10, 64, 3]), np.array([0, 0, 40, 99, 0])
    whole = np.zeros(n, np.float32)
    render_partials(whole, phase0, omega, a0, a1, n_active, onset, 0, n)
    pieces = np.zeros(n, np.float32)
    for start, stop in zip([0] + cuts, cuts + [n]):
        render_partials(pieces[start:stop], phase0, omega, a0, a1, n_active, onset, start, n)
    np.testing.assert_array_equal(pieces, whole)


def test_harmonics_above_n_active_are_silent():
    out = np.zeros(64, np.float32)
    amps = np.ones((1, 8), np.float32)
    render_partials(out, np.array([0.0]), np.array([0.1]), amps, amps, np.array([3]), np.array([0]), 0, 64)
    expected = sum(np.sin(k * 0.1 * np.arange(64)) for k in (1, 2, 3))
    np.testing.assert_allclose(out, expected, atol=2e-5)


def test_a_voice_is_silent_before_its_onset_and_ramps_from_there():
    n, onset = 128, 50
    out = np.zeros(n, np.float32)
    a0, a1 = np.zeros((1, 40), np.float32), np.full((1, 40), 0.01, np.float32)
    render_partials(out, np.array([-0.07 * onset]), np.array([0.07]), a0, a1, np.array([40]), np.array([onset]), 0, n)
    assert not out[:onset].any()
    t = np.arange(n - onset)
    ramp = t / (n - onset)
    expected = sum(0.01 * ramp * np.sin(k * 0.07 * t) for k in range(1, 41))
    np.testing.assert_allclose(out[onset:], expected, atol=2e-5)


def test_stage_s_gains_hold_harmonics_1_to_s_and_fade_the_next():
    gains = harmonic_gains(np.array([0.0, 1.0, 5.0, 5.25, 64.0]), 64)
    assert gains[0].sum() == 0
    assert gains[1].tolist() == [1.0] + [0.0] * 63
    assert gains[2, :5].tolist() == [1.0] * 5 and gains[2, 5:].sum() == 0
    assert gains[3, 5] == 0.25 and gains[3, 6:].sum() == 0
    assert gains[4].sum() == 64
    assert noise_gain(np.array([0.0, 32.0, 64.0]), 64).tolist() == [0.0, 0.5, 1.0]


def test_equal_level_keeps_the_grown_power_at_the_full_tones():
    distribution = np.array([0.5, 0.3, 0.2])
    for stage in (1.0, 2.0, 2.5):
        gains = harmonic_gains(np.array(stage), 3)
        scale = equal_level_scale(distribution, gains)
        assert np.sum((distribution * gains * scale) ** 2) == pytest.approx(np.sum(distribution**2))
    assert equal_level_scale(distribution, harmonic_gains(np.array(0.0), 3)) == 0


def test_the_fused_voice_kernel_equals_growth_level_and_taper():
    from grower.synth.controls import TAPER_START_FRACTION, nyquist_taper
    from grower.synth.growth import MAX_EQUAL_BOOST
    from grower.synth.oscillator import voice_amplitudes

    rng = np.random.default_rng(1)
    v, h, sr = 9, 64, 44100.0
    amplitude = rng.uniform(0, 1, v)
    distribution = rng.dirichlet(np.ones(h), v)
    stage = np.array([0.0, 0.5, 1.0, 3.7, 10.0, 30.2, 63.9, 64.0, 12.0])
    freq = rng.uniform(50, 3000, v)
    loudness = rng.uniform(0, 1, v)
    prev = np.zeros((v, h), np.float32)
    for equal in (True, False):
        amps = np.empty((v, h), np.float32)
        n_active = np.empty(v, np.int64)
        voice_amplitudes(amplitude, distribution, stage, freq, loudness, equal, sr, TAPER_START_FRACTION, MAX_EQUAL_BOOST, prev, amps, n_active, np.zeros(v))
        gains = harmonic_gains(stage, h)
        level = equal_level_scale(distribution, gains) if equal else np.ones(v)
        taper = nyquist_taper(freq[:, None] * np.arange(1, h + 1), sr)
        expected = (amplitude * level * loudness)[:, None] * distribution * gains * taper
        np.testing.assert_allclose(amps, expected, rtol=1e-5, atol=1e-9)
        sounding = expected > 0
        np.testing.assert_array_equal(n_active, np.where(sounding.any(1), h - np.argmax(sounding[:, ::-1], 1), 0))
    # Harmonics that sounded at the period's start count as active until they have ramped to 0.
    prev[:, 60] = 0.01
    voice_amplitudes(amplitude, distribution, stage, freq, loudness, True, sr, TAPER_START_FRACTION, MAX_EQUAL_BOOST, prev, amps, n_active, np.zeros(v))
    sounding = (amps > 0) | (prev > 0)
    np.testing.assert_array_equal(n_active, h - np.argmax(sounding[:, ::-1], 1))


def test_the_noise_power_kernel_equals_interpolating_each_voices_bands():
    from grower.synth.oscillator import noise_power

    rng = np.random.default_rng(2)
    noise = rng.uniform(0, 0.1, (6, 64))
    band_hz = 11025 / 63
    # the last: output band 137 (24 kHz) lands on the last learned band
    ratio = np.array([0.5, 1.0, 1.3, 2.0, 4.0, 24000 / (63 * band_hz)])
    level = np.array([1.0, 0.5, 0.0, 2.0, 1.0, 1.0])
    out_hz = np.linspace(0, 24000, 138)
    power = np.zeros(138)
    rows = np.array([3, 0, 6, 4, 1, 2])  # voice i's bands sit in row rows[i] of the slot array
    slots = np.zeros((7, 64))
    slots[rows] = noise
    noise_power(slots, rows, ratio, level, out_hz, band_hz, power)
    expected = np.zeros(138)
    for i in range(6):
        position = out_hz / (ratio[i] * band_hz)
        inside = position <= 63
        magnitude = np.interp(np.where(inside, position, 0), np.arange(64), noise[i]) * inside * level[i]
        expected += magnitude**2
    np.testing.assert_allclose(power, expected, rtol=1e-9, atol=1e-15)


# -- Stretched partials ---------------------------------------------------------------


def play_stretched_periods(phase0_rad, cycles0, omega_rad, inharmonicity, amps, n_periods, period, spans=None):
    """The kernel over n_periods periods, the phase anchored each period as advance_voices does it.

    amps: [n_periods + 1, V, H] float32 amplitudes at the period boundaries. spans: sample cuts within a period.
    Returns [n_periods * period] float32.
    """
    from grower.synth.oscillator import render_stretched_partials

    v, h = amps.shape[1:]
    phase, cycles = phase0_rad.copy(), cycles0.copy()
    out = np.zeros(n_periods * period, np.float32)
    cuts = [0] + (spans or []) + [period]
    for p in range(n_periods):
        for start, stop in zip(cuts[:-1], cuts[1:]):
            render_stretched_partials(out[p * period + start:p * period + stop], phase, cycles, omega_rad, inharmonicity, amps[p], amps[p + 1],
                                      np.full(v, h), np.zeros(v, np.int64), start, period)
        reached = phase + omega_rad * period
        wrapped = np.remainder(reached, 2 * np.pi)
        cycles += np.round((reached - wrapped) / (2 * np.pi))
        phase = wrapped
    return out


def test_the_stretched_kernel_equals_the_framewise_definition_with_partial_ratios():
    """Partial k at k sqrt(1 + B k^2) times the fundamental, its phase that multiple of the unwrapped phase,
    over periods re-anchored from the wrapped phase and whole turns, 10^6 turns into a note."""
    rng = np.random.default_rng(5)
    period, n_periods, h = 128, 6, 32
    inharmonicity = np.array([3e-4, 1e-3])
    phase0, cycles0, omega = np.array([0.4, 5.0]), np.array([1e6, 12345.0]), np.array([0.0371, 0.011])
    amps = (rng.uniform(0, 0.1, (n_periods + 1, 2, h)) / np.arange(1, h + 1)).astype(np.float32)
    out = play_stretched_periods(phase0, cycles0, omega, inharmonicity, amps, n_periods, period)
    expected = 0
    for v in range(2):
        unwrapped = phase0[v] + 2 * np.pi * cycles0[v] + omega[v] * np.arange(n_periods * period)  # float64
        ratios = dsp.partial_ratios(h, inharmonicity[v], unwrapped)[None, :]
        expected = expected + dsp.harmonic_signal_framewise(unwrapped, amps[:, v].astype(np.float64), period, ratios)
    np.testing.assert_allclose(out, expected, atol=2e-6)


def test_stretched_partials_play_at_k_sqrt_1_plus_b_k2_times_the_fundamental():
    period, n_periods, h, sr = 128, 400, 12, 48000
    b = 4e-4
    f0_hz = 220.0
    amps = np.zeros((n_periods + 1, 1, h), np.float32)
    amps[:, 0, [0, 11]] = 0.3  # partials 1 and 12
    out = play_stretched_periods(np.zeros(1), np.zeros(1), np.array([2 * np.pi * f0_hz / sr]), np.array([b]), amps, n_periods, period)
    spectrum = np.abs(np.fft.rfft(out * np.blackman(out.size), 16 * out.size))
    freqs = np.fft.rfftfreq(16 * out.size, 1 / sr)
    lower, upper = freqs < 1000, freqs > 1000
    assert freqs[lower][np.argmax(spectrum[lower])] == pytest.approx(f0_hz * np.sqrt(1 + b), abs=0.2)
    assert freqs[upper][np.argmax(spectrum[upper])] == pytest.approx(12 * f0_hz * np.sqrt(1 + 144 * b), abs=0.2)


@pytest.mark.parametrize("cuts", [[64], [1, 2, 3], [7, 50, 51, 100], list(range(1, 128))])
def test_a_stretched_period_rendered_in_spans_equals_it_rendered_whole(cuts):
    rng = np.random.default_rng(6)
    amps = rng.uniform(0, 0.05, (3, 3, 40)).astype(np.float32)
    args = (rng.uniform(0, 2 * np.pi, 3), np.array([0.0, 77.0, 5e5]), rng.uniform(0.005, 0.1, 3), np.array([2e-4, 0.0, 8e-4]), amps, 2, 128)
    np.testing.assert_array_equal(play_stretched_periods(*args, spans=cuts), play_stretched_periods(*args))


def test_the_stretched_kernel_skips_harmonic_voices_and_the_harmonic_kernel_is_unchanged_by_them():
    from grower.synth.oscillator import render_stretched_partials

    rng = np.random.default_rng(7)
    amps = rng.uniform(0, 0.05, (2, 4, 16)).astype(np.float32)
    phase, omega = rng.uniform(0, 6, 4), rng.uniform(0.01, 0.1, 4)
    out = np.zeros(128, np.float32)
    render_stretched_partials(out, phase, np.zeros(4), omega, np.zeros(4), amps[0], amps[1], np.full(4, 16), np.zeros(4, np.int64), 0, 128)
    assert not out.any()


def test_the_fused_voice_kernel_tapers_a_stretched_voice_at_its_real_partials():
    from grower.synth.controls import TAPER_START_FRACTION, nyquist_taper
    from grower.synth.growth import MAX_EQUAL_BOOST
    from grower.synth.oscillator import voice_amplitudes

    rng = np.random.default_rng(8)
    v, h, sr = 4, 64, 22050.0
    amplitude, distribution = rng.uniform(0, 1, v), rng.dirichlet(np.ones(h), v)
    stage, freq, loudness = np.full(v, 64.0), np.array([150.0, 300.0, 500.0, 900.0]), np.ones(v)
    inharmonicity = np.array([0.0, 3e-4, 1e-3, 5e-4])
    amps, n_active = np.empty((v, h), np.float32), np.empty(v, np.int64)
    voice_amplitudes(amplitude, distribution, stage, freq, loudness, False, sr, TAPER_START_FRACTION, MAX_EQUAL_BOOST,
                     np.zeros((v, h), np.float32), amps, n_active, inharmonicity)
    ratios = np.stack([dsp.partial_ratios(h, b, freq) for b in inharmonicity])
    expected = amplitude[:, None] * distribution * nyquist_taper(freq[:, None] * ratios, sr)
    np.testing.assert_allclose(amps, expected, rtol=1e-5, atol=1e-9)
    assert n_active[2] < n_active[0]  # stretched partials reach Nyquist sooner
