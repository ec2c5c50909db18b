"""Envelope transposition and morphing: the kernels against envelope.py's NumPy definitions,
and what the definitions promise, measured."""

import math

import numpy as np
import pytest

from grower.synth.bank import load_bank, write_bank
from grower.synth.envelope import FALL_OFF_POWER, blend_controls, morph_pair, morph_weight, nearer_tone, resample_envelope
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_levels_db, stft_magnitude
from grower.synth.synthetic_bank import SAMPLE_RATE, formant_bank, make_bank
from grower.synth.tone_table import FrameControls, ToneTable
from grower.synth.voice_slots import Morph
from grower.synth.voices import _exp_row, _log_floor_row, _resample_row, envelope_controls, scratch, voice_controls

from .test_voices import random_bank

RATIOS = (1.0, 0.5, 2.0, 0.731, 1.37, 3.1, 0.26, 1.0 + 1e-9, 7.9)


def resampled_by_kernel(distribution, ratio, voice_b=0.0, tone_b=0.0):
    n = distribution.shape[-1]
    out = np.empty(n)
    _resample_row(np.ascontiguousarray(distribution, np.float64), float(ratio), out, scratch(n), float(voice_b), float(tone_b))
    return out


def test_the_kernels_log_is_ln_to_3e_9_and_its_exp_is_exp_to_2e_7():
    x = np.concatenate([np.geomspace(1e-15, 1e3, 3001), [1.0, 2.0, 0.5, math.sqrt(2.0), 0.0, 1.0 - 1e-16]])
    out = np.empty(x.size)
    _log_floor_row(x, out, scratch(x.size))
    np.testing.assert_allclose(out, np.log(np.maximum(x, 1e-12)), rtol=0, atol=3e-9)
    y = np.linspace(-60.0, 5.0, 3001)
    out = np.empty(y.size)
    _exp_row(y, y.size, out, scratch(y.size))
    np.testing.assert_allclose(out, np.exp(y), rtol=2e-7)


@pytest.mark.parametrize("ratio", RATIOS)
def test_the_resampling_kernel_equals_the_envelope_definition(ratio):
    rng = np.random.default_rng(3)
    distribution = rng.uniform(0, 1, (4, 64)) ** 3
    distribution[1, 20:] = 0.0  # silent harmonics: the log floor
    distribution[2] *= 0.01  # a decayed one-shot: rows need not sum to 1
    distribution /= distribution.sum(axis=1, keepdims=True)
    expected = resample_envelope(distribution, np.full(4, ratio))
    got = np.stack([resampled_by_kernel(row, ratio) for row in distribution])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), distribution.sum(axis=1), rtol=1e-12)  # the level stays the tone's
    if ratio == 1.0:
        np.testing.assert_array_equal(got, distribution)


@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("voice_b, tone_b", [(2.5e-4, 2.5e-4), (1e-3, 0.0), (0.0, 5e-4), (3e-4, 1e-4)])
def test_the_resampling_kernel_equals_the_definition_for_stretched_partials(ratio, voice_b, tone_b):
    rng = np.random.default_rng(5)
    distribution = rng.uniform(0, 1, (3, 64)) ** 3
    distribution[1, 30:] = 0.0
    distribution /= distribution.sum(axis=1, keepdims=True)
    expected = resample_envelope(distribution, np.full(3, ratio), np.full(3, voice_b), np.full(3, tone_b))
    got = np.stack([resampled_by_kernel(row, ratio, voice_b, tone_b) for row in distribution])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), distribution.sum(axis=1), rtol=1e-12)
    if ratio == 1.0 and voice_b == tone_b:
        np.testing.assert_array_equal(got, distribution)


def test_a_stretched_tones_formant_stays_at_its_frequency_in_hertz():
    # A piano-like B: the tone's partial 30 sounds at 30 sqrt(1 + 30^2 B) = 41.35 f0. An octave up, the voice's
    # partial 18 sounds there (2 x 18 sqrt(1 + 18^2 B) = 41.4 f0); read as harmonics, partial 15 (2 x 15 = 30) would
    # have taken the formant, 13 % below it in hertz.
    b = 1e-3
    d = formant(64, 30.0)
    moved = resample_envelope(d, np.array([2.0]), np.array([b]), np.array([b]))[0]
    assert np.argmax(moved) + 1 == 18
    assert resampled_by_kernel(d[0], 2.0, b, b).argmax() + 1 == 18
    assert np.argmax(resample_envelope(d, np.array([2.0]))[0]) + 1 == 15  # as harmonics


def test_a_harmonic_row_resamples_as_before_bit_for_bit_with_zero_b():
    rng = np.random.default_rng(8)
    d = rng.uniform(0, 1, (2, 32))
    for ratio in RATIOS:
        np.testing.assert_array_equal(resample_envelope(d, np.full(2, ratio), np.zeros(2), np.zeros(2)), resample_envelope(d, np.full(2, ratio)))


def formant(n_harmonics, centre, width=1.5):
    """[1, H] a distribution with one formant peak at fractional harmonic centre (1-based)."""
    k = np.arange(1, n_harmonics + 1)
    shape = np.exp(-0.5 * ((k - centre) / width) ** 2) + 1e-3
    return (shape / shape.sum())[None, :]


@pytest.mark.parametrize("ratio, expected_peak", [(2.0, 6), (0.5, 24), (1.5, 8)])
def test_a_formant_stays_at_its_frequency_in_hertz(ratio, expected_peak):
    d = formant(32, 12.0)  # formant at 12 f0
    moved = resample_envelope(d, np.array([ratio]))[0]
    assert np.argmax(moved) + 1 == expected_peak  # 12 f0 = expected_peak * (ratio f0)
    assert resampled_by_kernel(d[0], ratio).argmax() + 1 == expected_peak


def test_a_comb_of_odd_harmonics_stays_with_the_harmonic_numbers_under_a_smooth_envelope():
    """A clarinet-like row: odd harmonics 30 dB above the even ones, under a slope. An octave up the
    voice's odd harmonics stay the strong ones (the fine structure goes with the harmonic number), and
    each sits at the level the slope has at its frequency in hertz."""
    k = np.arange(1, 33)
    slope_db = -1.0 * (k - 1)  # the envelope: -1 dB per harmonic of the tone, i.e. per f0 in hertz
    row = 10 ** ((slope_db - 30.0 * (k % 2 == 0)) / 20)
    moved_db = 20 * np.log10(resample_envelope(row[None], np.array([2.0]))[0])
    odd, even = moved_db[0:12:2], moved_db[1:12:2]
    assert np.all(odd > even + 25.0)
    # from harmonic 3 to 11 of the voice (6 f0 .. 22 f0 in hertz) the odd ones fall 4 dB per step: the slope in hertz
    # (harmonic 1's fine structure is measured against the mean of the two harmonics at the row's end)
    np.testing.assert_allclose(np.diff(odd)[1:], -4.0, atol=0.01)


def test_harmonic_1_holds_below_and_the_envelope_falls_off_above_the_last_harmonic():
    d = np.full((1, 16), 1.0 / 16)
    down = resample_envelope(d, np.array([0.25]))[0]  # harmonics 1..3 read below harmonic 1
    assert down[0] == pytest.approx(down[3])
    up = resample_envelope(d, np.array([2.0]))[0]  # harmonics 9..16 read beyond harmonic 16
    fall_db = 20 * np.log10(up[15] / up[7])  # harmonic 16 (32 f0) against harmonic 8 (16 f0): one octave past the last
    assert fall_db == pytest.approx(-20 * FALL_OFF_POWER * math.log10(2), abs=1e-9)
    assert np.all(np.diff(up[7:]) < 0)


def test_morph_pair_weights_by_log_pitch_and_is_exact_at_a_trained_pitch():
    f0 = np.array([220.0, 110.0, 440.0, 440.0])
    assert morph_pair(f0, 110.0, 1) == (1, 1, 0.0)  # its own pitch: that tone alone
    assert morph_pair(f0, 220.0, 1) == (0, 0, 0.0)  # its neighbour's pitch: the neighbour alone
    assert morph_pair(f0, 440.0, 0) == (2, 2, 0.0)  # two tones at one pitch: the first
    a, b, w = morph_pair(f0, math.sqrt(110.0 * 220.0), 1)  # halfway in log pitch
    assert (a, b) == (1, 0) and w == pytest.approx(0.5)
    a, b, w = morph_pair(f0, math.sqrt(110.0 * 220.0), 0)  # the same pitch from the other side
    assert (a, b) == (0, 1) and w == pytest.approx(0.5)
    a, b, w = morph_pair(f0, 330.0, 0)
    assert (a, b) == (0, 2) and w == pytest.approx(math.log2(1.5))
    assert morph_pair(f0, 50.0, 1) == (1, 1, 0.0) and morph_pair(f0, 2000.0, 3) == (3, 3, 0.0)  # beyond the ends: the tone alone
    assert morph_pair(f0, 500.0, 1) == (1, 1, 0.0)  # past its neighbour: the tone asked for, alone
    assert nearer_tone(f0, 200.0, 1, 0) == 0 and nearer_tone(f0, 120.0, 1, 0) == 1
    assert morph_weight(110.0, 220.0, 500.0) == 1.0 and morph_weight(110.0, 220.0, 50.0) == 0.0


@pytest.mark.parametrize("stretched", [False, True], ids=["harmonic", "stretched"])
def test_envelope_controls_equal_both_tones_resampled_and_blended(tmp_path, stretched):
    """Held, one-shot and released voices, with and without a second tone, against
    controls_at of each tone and envelope.blend_controls; stretched: tones and voices with their own B."""
    table = ToneTable(random_bank(tmp_path))  # 8 harmonics, 5 bands; tones at 200, 300, 400 Hz
    tone_stretch = np.array([4e-4, 0.0, 1e-3]) if stretched else np.zeros(3)
    arrays = table.arrays._replace(inharmonicity=tone_stretch)
    rng = np.random.default_rng(11)
    n_slots, h, n_bands = 40, 8, 5
    tone = rng.integers(0, 3, n_slots)
    tone_b = rng.integers(0, 3, n_slots)
    weight_b = np.where(rng.random(n_slots) < 0.8, rng.uniform(0, 1, n_slots), 0.0)
    weight_b[:3] = [1.0, 0.0, 0.5]
    pitch_hz = rng.uniform(100, 900, n_slots)
    pitch_hz[3] = table.f0_hz[tone[3]]  # ratio 1, one tone: untouched
    tone_b[3], weight_b[3] = tone[3], 0.0
    held = rng.random(n_slots) < 0.6
    off_time_s = rng.uniform(0, 2, n_slots)
    t_s = rng.uniform(0, 5, n_slots)
    t_s[~held] = off_time_s[~held] + rng.uniform(0, 1.5, (~held).sum())

    def snapshot():
        return FrameControls(rng.uniform(0, 0.5, n_slots), rng.uniform(0, 0.3, (n_slots, h)), rng.uniform(0, 0.02, (n_slots, n_bands)),
                             rng.uniform(0.98, 1.02, n_slots))

    released_a, released_b = snapshot(), snapshot()
    slots = np.sort(rng.permutation(n_slots)[:32])
    n = slots.size
    out = FrameControls(np.empty(n), np.empty((n, h)), np.empty((n, n_bands)), np.empty(n))
    finished = np.empty(n, bool)
    voice_stretch = tone_stretch[tone]  # each voice plays with its first tone's B
    if stretched:
        voice_stretch[[0, 1, 2, 4]] = [0.0, 2e-4, 1e-3, 0.0]  # a bend that moved a voice onto another tone keeps the B it started with
    voice_controls(slots, t_s[slots], tone, held, off_time_s, released_a, arrays, *out, finished)
    envelope_controls(slots, t_s[slots], tone, held, off_time_s, pitch_hz, table.f0_hz, voice_stretch, Morph(tone_b, weight_b, released_b), arrays,
                      scratch(h), *out, finished)

    def rows(x):
        return FrameControls(*(y[slots] for y in x))

    a, finished_a = table.controls_at(tone[slots], t_s[slots], held[slots], off_time_s[slots], rows(released_a))
    b, finished_b = table.controls_at(tone_b[slots], t_s[slots], held[slots], off_time_s[slots], rows(released_b))
    two = (weight_b[slots] > 0) & (tone_b[slots] != tone[slots])
    w = np.where(two, weight_b[slots], 0.0)
    expected = blend_controls(a.amplitude, a.distribution, a.noise, a.f0_ratio, pitch_hz[slots] / table.f0_hz[tone[slots]],
                              b.amplitude, b.distribution, b.noise, b.f0_ratio, pitch_hz[slots] / table.f0_hz[tone_b[slots]], w,
                              voice_stretch[slots], tone_stretch[tone[slots]], tone_stretch[tone_b[slots]])
    for got, want in zip(out, expected):
        np.testing.assert_allclose(got, want, rtol=5e-5, atol=1e-12)  # the one-shot decay: exp_negative's 3e-5
    np.testing.assert_array_equal(finished, np.where(two, (finished_a | (w >= 1)) & finished_b, finished_a))
    assert two.sum() > 10 and (~two).sum() > 3 and (~held[slots] & two).any()  # every case shows
    untouched = np.flatnonzero(slots == 3)
    if untouched.size:
        np.testing.assert_array_equal(out.distribution[untouched[0]], a.distribution[untouched[0]])


# -- Through the renderer -----------------------------------------------------------

SR = 48000


def played(bank, tone, pitch_hz, transpose, seconds=1.0, **params):
    """[n] at SR: the held part of tone played at pitch_hz (the first 0.3 s cut)."""
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(transpose=transpose, level_mode="raw", **params))
    r.note_on(tone, pitch_hz, 1.0)
    return r.render(int(seconds * SR))[int(0.3 * SR):]


def loudest_harmonic_hz(audio, pitch_hz):
    levels = harmonic_levels_db(audio, pitch_hz, SR, 40)
    return pitch_hz * (1 + int(np.argmax(levels)))


def centroid_hz(audio, pitch_hz, n_harmonics=60):
    """Amplitude-weighted mean frequency of the harmonics: Hz."""
    amps = 10 ** (harmonic_levels_db(audio, pitch_hz, SR, n_harmonics) / 20)
    return float(np.sum(pitch_hz * np.arange(1, n_harmonics + 1) * amps) / np.sum(amps))


def test_envelope_transposition_keeps_a_formant_where_harmonics_transposition_moves_it(tmp_path):
    bank = formant_bank(tmp_path / "bank", [("vowel", 200.0, 1200.0)])
    assert loudest_harmonic_hz(played(bank, 0, 200.0, "envelope"), 200.0) == 1200.0
    for pitch_hz in (400.0, 300.0, 100.0):  # the formant in hertz, at the harmonic nearest 1200 Hz
        assert abs(loudest_harmonic_hz(played(bank, 0, pitch_hz, "envelope"), pitch_hz) - 1200.0) <= pitch_hz / 2
    assert loudest_harmonic_hz(played(bank, 0, 400.0, "harmonics"), 400.0) == 2400.0  # harmonic 6, moved with the pitch


def test_a_stretched_tone_transposed_keeps_its_formant_in_hertz_through_the_renderer(tmp_path):
    # B = 1e-3 at 100 Hz: the formant at 4135 Hz is the tone's partial 30. At 200 Hz the voice's partial 18 sounds
    # there; read as harmonics the formant would land on partial 15, at 3320 Hz.
    b = 1e-3
    formant_hz = 100.0 * 30 * math.sqrt(1 + b * 30**2)
    bank = formant_bank(tmp_path / "bank", [("string", 100.0, formant_hz)], inharmonicity=b)
    audio = played(bank, 0, 200.0, "envelope")
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    loudest_hz = np.fft.rfftfreq(audio.size, 1 / SR)[np.argmax(spectrum)]
    partial_18_hz = 200.0 * 18 * math.sqrt(1 + b * 18**2)
    assert abs(loudest_hz - partial_18_hz) < 10.0, (loudest_hz, partial_18_hz, formant_hz)


def test_harmonics_mode_plays_the_voices_tone_alone(tmp_path):
    two = formant_bank(tmp_path / "two", [("a", 200.0, 1200.0), ("b", 300.0, 2400.0)])
    one = formant_bank(tmp_path / "one", [("a", 200.0, 1200.0)])
    np.testing.assert_array_equal(played(two, 0, 250.0, "harmonics"), played(one, 0, 250.0, "harmonics"))
    assert not np.array_equal(played(two, 0, 250.0, "envelope"), played(one, 0, 250.0, "envelope"))  # the neighbour blends in


def test_a_pitch_between_two_tones_blends_them_and_a_trained_pitch_plays_its_tone_exactly(tmp_path):
    bank = formant_bank(tmp_path / "bank", [("low", 200.0, 1000.0), ("high", 400.0, 2500.0)])
    low = centroid_hz(played(bank, 0, 200.0, "envelope"), 200.0)
    high = centroid_hz(played(bank, 1, 400.0, "envelope"), 400.0)
    mid_hz = math.sqrt(200.0 * 400.0)
    middle = centroid_hz(played(bank, 0, mid_hz, "envelope"), mid_hz)
    assert 1.05 * low < middle < 0.95 * high, (low, middle, high)
    np.testing.assert_array_equal(played(bank, 0, 400.0, "envelope"), played(bank, 1, 400.0, "envelope"))


def test_a_voice_between_two_one_shots_ends_when_both_have_decayed(tmp_path):
    bank = make_bank(tmp_path / "bank", [("fast", 200.0, 1.0, 0.0), ("slow", 400.0, 1.0, 0.0)], one_shot={"fast": (-200.0, 0.2), "slow": (-40.0, 0.2)})
    table = ToneTable(bank)
    ends_s = table.release_start / table.frame_rate_hz + table.silent_after_s  # each tone alone ends here (held)
    assert ends_s[1] > ends_s[0] + 1.0
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.note_on(0, math.sqrt(200.0 * 400.0), 1.0)
    sounding = []
    for _ in range(int((ends_s[1] + 0.5) * SR / 4800)):
        r.render(4800)
        sounding.append(r.n_voices)
    last_s = 0.1 * (np.flatnonzero(sounding)[-1] + 1)
    assert ends_s[1] - 0.1 <= last_s <= ends_s[1] + 0.1, (last_s, ends_s)


def test_the_noise_stays_in_hertz_with_envelope_and_moves_with_harmonics(tmp_path):
    bank = make_bank(tmp_path / "bank", [("hiss", 200.0, 2.0, 0.0)])
    # A noise band only below 2 kHz: at 4x the pitch, harmonics mode moves it up to 8 kHz, envelope keeps it.
    arrays = {f"controls.{k}": v for k, v in bank.tones[0].controls.items()}
    bands_hz = np.linspace(0, SAMPLE_RATE / 2, arrays["controls.noise_magnitudes"].shape[1])
    arrays["controls.noise_magnitudes"][:] = np.where(bands_hz < 2000.0, 0.05, 0.0).astype(np.float32)
    write_bank(tmp_path / "hiss", bank.header, [(bank.tones[0].entry, arrays)])
    hiss = load_bank(tmp_path / "hiss")
    for transpose, expected_hz in (("envelope", 2000.0), ("harmonics", 8000.0)):
        audio = played(hiss, 0, 800.0, transpose, harmonic_mix=0.0)
        power = np.mean(stft_magnitude(audio, 2048, 512) ** 2, axis=0)
        freqs = np.fft.rfftfreq(2048, 1 / SR)
        edge_hz = freqs[np.flatnonzero(np.cumsum(power) >= 0.99 * power.sum())[0]]  # 99 % of the power lies below
        assert 0.8 * expected_hz < edge_hz < 1.2 * expected_hz, (transpose, edge_hz)


def test_a_bad_transpose_is_a_one_line_error_naming_the_choices(tmp_path):
    bank = formant_bank(tmp_path / "bank", [("vowel", 200.0, 1200.0)])
    with pytest.raises(ValueError, match="transpose must be one of envelope, harmonics, not 'sideways'"):
        RenderParams(transpose="sideways")
    with pytest.raises(ValueError, match="transpose must be one of envelope, harmonics, not 'formant'"):
        Renderer(bank).set_transpose("formant")


def test_set_transpose_switches_a_sounding_voice_at_the_next_boundary(tmp_path):
    bank = formant_bank(tmp_path / "bank", [("vowel", 200.0, 1200.0)])
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw"))
    r.note_on(0, 400.0, 1.0)
    r.set_transpose("harmonics", at_sample=SR)
    audio = r.render(2 * SR)
    assert r.params.transpose == "harmonics" and r.n_voices == 1
    assert loudest_harmonic_hz(audio[int(0.3 * SR):int(0.9 * SR)], 400.0) == 1200.0
    assert loudest_harmonic_hz(audio[int(1.1 * SR):int(1.7 * SR)], 400.0) == 2400.0
