"""The shared control definitions, checked against plain NumPy oracles and across torch/NumPy."""

import numpy as np
import pytest

from grower.synth import controls as dsp


def test_upsample_frames_matches_linear_interpolation():
    rng = np.random.default_rng(0)
    frames = rng.standard_normal((2, 5, 3))
    hop = 7
    samples = dsp.upsample_frames(frames, hop)
    assert samples.shape == (2, 4 * hop, 3)
    positions = np.arange(4 * hop) / hop
    for b in range(2):
        for c in range(3):
            np.testing.assert_allclose(samples[b, :, c], np.interp(positions, np.arange(5), frames[b, :, c]), atol=1e-12)


def test_harmonic_signal_matches_a_loop_over_harmonics():
    rng = np.random.default_rng(1)
    phase = rng.uniform(0, 2 * np.pi, 50)
    amplitudes = rng.uniform(0, 1, (50, 6))
    expected = sum(amplitudes[:, k] * np.sin((k + 1) * phase) for k in range(6))
    np.testing.assert_allclose(dsp.harmonic_signal(phase, amplitudes), expected, atol=1e-12)


def test_fundamental_phase_carries_state_between_calls():
    f0 = np.linspace(100, 300, 1000)
    whole, end = dsp.fundamental_phase(f0, 8000.0)
    first, middle = dsp.fundamental_phase(f0[:300], 8000.0)
    second, end2 = dsp.fundamental_phase(f0[300:], 8000.0, middle)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, atol=1e-9)
    assert end == pytest.approx(end2, abs=1e-9)


def test_nyquist_taper_fades_partials_smoothly_to_zero_at_nyquist():
    sr = 20000.0
    freqs = np.linspace(0, 12000, 2401)
    gain = dsp.nyquist_taper(freqs, sr)
    assert np.all(gain[freqs <= 0.8 * sr / 2] == 1.0)
    assert np.all(gain[freqs >= sr / 2] == 0.0)
    assert np.all(np.diff(gain) <= 0)
    assert np.max(np.abs(np.diff(gain))) < 0.01  # no step anywhere


def test_harmonic_amplitudes_renormalise_after_the_taper():
    f0 = np.array([[[3000.0]]])
    distribution = np.full((1, 1, 8), 1 / 8)
    amps = dsp.harmonic_amplitudes(np.array([[[0.5]]]), distribution, f0, 16000.0)
    assert amps[0, 0, 3:].max() == 0.0  # 4 x 3 kHz = 12 kHz is above 8 kHz Nyquist
    assert amps.sum() == pytest.approx(0.5, rel=1e-6)


def test_noise_impulse_response_has_the_requested_magnitudes():
    magnitudes = np.linspace(1.0, 0.1, 33)
    ir = dsp.noise_impulse_response(magnitudes)
    assert ir.shape == (64,)
    response = np.abs(np.fft.rfft(ir, 4096))
    centres = np.round(np.linspace(0, 2048, 33)).astype(int)
    # Windowing smooths the response; interior bands hold their level within 10 %.
    np.testing.assert_allclose(response[centres[2:-2]], magnitudes[2:-2], rtol=0.1)


def test_filtered_noise_in_pieces_equals_all_at_once():
    rng = np.random.default_rng(2)
    noise = rng.uniform(-1, 1, (6, 32))
    irs = dsp.noise_impulse_response(rng.uniform(0, 1, (6, 17)))
    whole, whole_tail = dsp.filtered_noise(noise, irs)
    a, tail = dsp.filtered_noise(noise[:2], irs[:2])
    b, tail = dsp.filtered_noise(noise[2:5], irs[2:5], tail)
    c, tail = dsp.filtered_noise(noise[5:], irs[5:], tail)
    np.testing.assert_allclose(np.concatenate([a, b, c]), whole, atol=1e-12)
    np.testing.assert_allclose(tail, whole_tail, atol=1e-12)


def test_filtered_noise_equals_direct_convolution():
    rng = np.random.default_rng(3)
    noise = rng.uniform(-1, 1, (4, 16))
    irs = rng.standard_normal((4, 9))
    audio, tail = dsp.filtered_noise(noise, irs)
    expected = np.zeros(4 * 16 + 8)
    for m in range(4):
        expected[m * 16 : m * 16 + 16 + 8] += np.convolve(noise[m], irs[m])
    np.testing.assert_allclose(np.concatenate([audio, tail])[: expected.size], expected, atol=1e-12)


def test_torch_and_numpy_share_one_definition():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    amplitude = rng.uniform(0, 1, (2, 5, 1))
    distribution = rng.dirichlet(np.ones(16), (2, 5))
    f0 = rng.uniform(100, 900, (2, 5, 1))
    magnitudes = rng.uniform(0, 1, (2, 5, 16))
    np_amps = dsp.harmonic_amplitudes(amplitude, distribution, f0, 16000.0)
    t_amps = dsp.harmonic_amplitudes(*(torch.from_numpy(x) for x in (amplitude, distribution, f0)), 16000.0)
    np.testing.assert_allclose(t_amps.numpy(), np_amps, atol=1e-12)
    np.testing.assert_allclose(dsp.noise_impulse_response(torch.from_numpy(magnitudes)).numpy(), dsp.noise_impulse_response(magnitudes), atol=1e-12)


def test_framewise_harmonic_signal_equals_the_sample_rate_form():
    rng = np.random.default_rng(5)
    frames = rng.uniform(0, 1, (2, 6, 8))
    phase = rng.uniform(0, 2 * np.pi, (2, 5 * 16))
    expected = dsp.harmonic_signal(phase, dsp.upsample_frames(frames, 16))
    np.testing.assert_allclose(dsp.harmonic_signal_framewise(phase, frames, 16), expected, atol=1e-12)
