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


def test_partial_ratios_are_k_sqrt_1_plus_b_k2_and_whole_numbers_at_b_0():
    like = np.zeros(1)
    np.testing.assert_array_equal(dsp.partial_ratios(8, 0.0, like), np.arange(1, 9))
    k = np.arange(1, 65)
    np.testing.assert_allclose(dsp.partial_ratios(64, 3e-4, like), k * np.sqrt(1 + 3e-4 * k * k), rtol=1e-15)
    per_tone = dsp.partial_ratios(4, np.array([0.0, 1e-3])[:, None, None], like)  # [tones, 1, 1] -> [tones, 1, H]
    assert per_tone.shape == (2, 1, 4)
    assert 1200 * np.log2(dsp.partial_ratios(12, 3.1e-4, like)[11] / 12) == pytest.approx(38.0, abs=0.5)  # a piano's partial 12


def test_stretched_harmonic_signal_is_sines_at_the_partial_ratios_of_the_unwrapped_phase():
    rng = np.random.default_rng(6)
    phase = 1e5 + np.cumsum(rng.uniform(0.01, 0.2, 300))  # unwrapped, far into a note
    amps = rng.uniform(0, 1, (300, 6))
    ratios = dsp.partial_ratios(6, 5e-4, phase)[None, :]
    expected = sum(amps[:, k] * np.sin(ratios[0, k] * phase) for k in range(6))
    np.testing.assert_allclose(dsp.harmonic_signal(phase, amps, ratios), expected, atol=1e-9)


def test_stretched_framewise_signal_equals_the_sample_rate_form_in_float32_far_into_a_note():
    rng = np.random.default_rng(7)
    frames = rng.uniform(0, 1, (2, 6, 8)).astype(np.float32)
    phase = 3e5 + np.cumsum(rng.uniform(0.01, 0.3, (2, 5 * 16)), axis=-1)  # float64, unwrapped
    ratios = dsp.partial_ratios(8, np.array([2e-4, 9e-4])[:, None, None], phase)
    expected = dsp.harmonic_signal(phase, dsp.upsample_frames(frames.astype(np.float64), 16), ratios)
    got = dsp.harmonic_signal_framewise(phase, frames, 16, ratios)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_the_taper_acts_at_the_stretched_partials_real_frequencies():
    distribution = np.full((1, 1, 64), 1 / 64)
    f0 = np.full((1, 1, 1), 150.0)
    harmonic = dsp.harmonic_amplitudes(np.ones((1, 1, 1)), distribution, f0, 22050.0, normalize=False)
    stretched = dsp.harmonic_amplitudes(np.ones((1, 1, 1)), distribution, f0, 22050.0, normalize=False, inharmonicity=5e-4)
    ratios = dsp.partial_ratios(64, 5e-4, f0)
    np.testing.assert_allclose(stretched[0, 0], distribution[0, 0] * dsp.nyquist_taper(150.0 * ratios, 22050.0))
    assert (stretched[0, 0] > 0).sum() < (harmonic[0, 0] > 0).sum() == 64


def test_torch_and_numpy_share_the_stretched_definition():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    frames = rng.uniform(0, 1, (2, 4, 8)).astype(np.float32)
    phase = 1e4 + np.cumsum(rng.uniform(0.01, 0.3, (2, 3 * 16)), axis=-1)
    b = np.array([3e-4, 0.0])[:, None, None]
    expected = dsp.harmonic_signal_framewise(phase, frames, 16, dsp.partial_ratios(8, b, phase))
    got = dsp.harmonic_signal_framewise(torch.from_numpy(phase), torch.from_numpy(frames), 16, dsp.partial_ratios(8, torch.from_numpy(b), torch.from_numpy(phase)))
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-5)


def test_the_unwrapped_fundamental_phase_wraps_to_the_wrapped_one():
    f0 = np.full(1000, 440.0)
    wrapped, out_wrapped = dsp.fundamental_phase(f0, 8000.0, 0.5)
    unwrapped, out_unwrapped = dsp.fundamental_phase(f0, 8000.0, 0.5, wrap=False)
    assert unwrapped[-1] > 2 * np.pi * 50
    np.testing.assert_allclose(np.remainder(unwrapped, 2 * np.pi), wrapped, atol=1e-9)
    assert np.remainder(out_unwrapped, 2 * np.pi) == pytest.approx(out_wrapped)
