"""Pitch, loudness and the checks that decide whether a file holds one stable tone."""

import dataclasses

import numpy as np
import pytest

from grower.training.config import FeatureConfig
from grower.training.features import analyse, trim_notice
from grower.training.tone_file import ToneFileError

from ..conftest import harmonic_tone

CONFIG = FeatureConfig()


def cents(a_hz, b_hz):
    return 1200 * np.log2(a_hz / b_hz)


@pytest.mark.parametrize("f0_hz", [41.2, 98.0 * 2 ** (33 / 1200), 190.0, 446.3, 1234.5, 1800.0])
def test_f0_is_within_5_cents_on_clean_tones(f0_hz):
    features = analyse(harmonic_tone(f0_hz, 1.0), CONFIG, 64, 64)
    assert abs(cents(features.tone_f0_hz, f0_hz)) < 5.0


def test_f0_is_within_5_cents_under_vibrato():
    features = analyse(harmonic_tone(330.0, 1.5, vibrato_cents=20.0), CONFIG, 64, 64)
    assert abs(cents(features.tone_f0_hz, 330.0)) < 5.0
    # the trajectory follows the vibrato rather than flattening it
    sustain = features.f0_hz[30:-30]
    assert np.ptp(cents(sustain, 330.0)) > 25.0


def test_noise_has_no_stable_pitch():
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 22050).astype(np.float32)
    with pytest.raises(ToneFileError, match="no stable pitch"):
        analyse(noise, CONFIG, 64, 64)


def test_a_chord_has_no_stable_pitch():
    t = np.arange(22050) / 22050
    chord = sum(np.sin(2 * np.pi * 261.63 * 2 ** (s / 12) * k * t) / k for s in (0, 4, 7) for k in (1, 2, 3))
    with pytest.raises(ToneFileError, match="no stable pitch"):
        analyse((0.2 * chord).astype(np.float32), CONFIG, 64, 64)


def test_a_full_scale_1khz_sine_reads_about_minus_3_db():
    t = np.arange(22050) / 22050
    features = analyse(np.sin(2 * np.pi * 1000 * t).astype(np.float32), CONFIG, 64, 64)
    assert np.median(features.loudness_db) == pytest.approx(-3.0, abs=0.5)


def test_the_sustain_region_lies_between_attack_and_release():
    audio = harmonic_tone(220.0, 2.0)
    ramp = np.minimum(1.0, np.arange(audio.size) / (0.3 * 22050))  # a slow 300 ms attack
    features = analyse((audio * ramp).astype(np.float32), CONFIG, 64, 64)
    assert 0.2 < features.sustain_start_s < features.sustain_end_s <= 2.0
    assert features.sustain_end_s - features.sustain_start_s > 1.0


def test_harmonic_analysis_reads_the_partials_amplitudes():
    features = analyse(harmonic_tone(220.0, 1.0, n_harmonics=10), CONFIG, 64, 64)
    middle = features.harmonic_amplitudes[40:-40].mean(axis=0)
    ratios_db = 20 * np.log10(middle[:5] / middle[0])
    np.testing.assert_allclose(ratios_db, 20 * np.log10(1 / np.arange(1, 6)), atol=0.5)
    assert middle[12:].max() < 1e-3 * middle[0]


def test_a_failing_pitch_estimate_is_a_tone_file_error():
    # At 96 kHz a 30 Hz period no longer fits yin's 2048-sample frame: librosa refuses with its own error.
    config = dataclasses.replace(CONFIG, sample_rate=96000)
    with pytest.raises(ToneFileError, match=r"^no pitch estimate \(fmin=30\.000 is too small"):
        analyse(harmonic_tone(220.0, 1.0, 96000), config, 64, 64)


def test_leading_and_trailing_silence_are_trimmed_before_analysis():
    sr = CONFIG.sample_rate
    tone = harmonic_tone(220.0, 1.0)
    padded = np.concatenate([np.zeros(int(1.5 * sr), np.float32), tone, np.zeros(int(2.0 * sr), np.float32)])
    features = analyse(padded, CONFIG, 64, 64)
    assert features.trimmed_start_s == pytest.approx(1.5, abs=0.003)  # up to the onset, less 2 ms
    assert features.trimmed_end_s == pytest.approx(2.0, abs=0.06)  # the tone's own fade is kept, and 50 ms after it
    kept = features.trimmed(padded, sr)
    assert features.n_frames == 1 + kept.size // CONFIG.hop_size
    alone = analyse(tone, CONFIG, 64, 64)
    assert abs(cents(features.tone_f0_hz, alone.tone_f0_hz)) < 1.0
    assert trim_notice(features, "late.wav") == "trimmed 1.50 s of leading and 1.95 s of trailing silence from late.wav"
    assert trim_notice(alone, "tone.wav") is None


def test_a_note_too_short_after_its_leading_silence_is_a_tone_file_error():
    sr = CONFIG.sample_rate
    audio = np.concatenate([np.zeros(int(1.5 * sr), np.float32), harmonic_tone(220.0, 0.3)])
    with pytest.raises(ToneFileError, match=r"^too short: 0\.30 s of sound after 1\.50 s of leading silence"):
        analyse(audio, CONFIG, 64, 64)


def test_features_do_not_depend_on_the_blas_thread_count():
    # OpenBLAS splits the mel projection between its threads and rounds by the split: a tone's MFCCs, so
    # its training, depended on the machine's core count, OMP_NUM_THREADS and which process analysed it.
    from threadpoolctl import threadpool_limits

    config = FeatureConfig()
    audio = harmonic_tone(233.0, 1.5, config.sample_rate, noise_level=0.02)
    with threadpool_limits(limits=1, user_api="blas"):
        one = analyse(audio, config, 64, 64)
    with threadpool_limits(limits=2, user_api="blas"):
        two = analyse(audio, config, 64, 64)
    for name in ("f0_hz", "loudness_db", "mfcc", "harmonic_amplitudes", "noise_magnitudes"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
