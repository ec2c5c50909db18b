"""The inharmonicity estimator on tones of known B and f0, stretched and harmonic."""

import numpy as np
import pytest

from grower.synth.spectral import partial_frequencies_hz
from grower.training.config import FeatureConfig
from grower.training.features import analyse
from grower.training.inharmonicity import estimate_inharmonicity, stretch_cents

from ..conftest import harmonic_tone, stretched_tone

SR = 22050


@pytest.mark.parametrize("f0_hz,b", [(110.0, 1e-4), (261.6, 3e-4), (440.0, 8e-4), (196.0, 5e-5)])
def test_b_and_f0_of_a_stretched_tone_are_recovered(f0_hz, b):
    fit = estimate_inharmonicity(stretched_tone(f0_hz, b), f0_hz * 2 ** (15 / 1200), SR)  # the tracker 15 cents off
    assert fit.inharmonicity == pytest.approx(b, rel=0.02)
    assert 1200 * np.log2(fit.f0_hz / f0_hz) == pytest.approx(0.0, abs=0.2)
    assert fit.n_partials >= 10


def test_a_decaying_stretched_tone_with_weak_upper_partials_is_recovered():
    fit = estimate_inharmonicity(stretched_tone(261.6, 3e-4, decay_s=3.0, noise=3e-3), 262.0, SR)
    assert fit.inharmonicity == pytest.approx(3e-4, rel=0.03)
    assert 1200 * np.log2(fit.f0_hz / 261.6) == pytest.approx(0.0, abs=0.3)


@pytest.mark.parametrize("f0_hz,vibrato_cents", [(110.0, 0.0), (261.6, 0.0), (523.0, 0.0), (330.0, 25.0), (196.0, 10.0)])
def test_a_harmonic_tone_comes_out_harmonic_with_its_tracked_f0_untouched(f0_hz, vibrato_cents):
    fit = estimate_inharmonicity(harmonic_tone(f0_hz, 1.5, SR, n_harmonics=30, noise_level=0.01, vibrato_cents=vibrato_cents), f0_hz + 0.3, SR)
    assert fit.inharmonicity == 0.0
    assert fit.f0_hz == f0_hz + 0.3


def test_a_stretch_too_small_to_hear_is_played_harmonic():
    b = 2e-5  # 2.5 cents at partial 12
    fit = estimate_inharmonicity(stretched_tone(220.0, b), 220.0, SR)
    assert fit.raw_inharmonicity == pytest.approx(b, rel=0.05) and stretch_cents(b) < 5.0
    assert fit.inharmonicity == 0.0


def test_partial_frequencies_follow_a_stretch_past_half_a_harmonic_spacing():
    b = 8e-4  # partial 24 sits 0.28 semitones sharp: 5.5 partials' worth of harmonic spacing from 24 f0 is 1.4 f0 away
    freqs, levels = partial_frequencies_hz(stretched_tone(110.0, b, n_partials=40), 110.0, SR, 30)
    k = np.arange(1, 31)
    np.testing.assert_allclose(freqs, k * 110.0 * np.sqrt(1 + b * k * k), rtol=2e-5)
    assert levels[0] == 0.0 and levels[9] == pytest.approx(-20.0, abs=0.5)


def test_analyse_measures_b_and_corrects_the_tracked_pitch():
    features = analyse(stretched_tone(261.6, 3e-4, duration_s=2.0, decay_s=4.0), FeatureConfig(), 64, 64)
    assert features.inharmonicity == pytest.approx(3e-4, rel=0.03)
    assert 1200 * np.log2(features.tone_f0_hz / 261.6) == pytest.approx(0.0, abs=1.0)
    assert features.harmonic_amplitudes[50, 11] > 0.3 * features.harmonic_amplitudes[50, 10]  # partial 12 found where it is


def test_analyse_leaves_a_harmonic_tone_and_its_pitch_as_they_were():
    audio = harmonic_tone(220.0, 1.5, SR, n_harmonics=30)
    stretched = analyse(audio, FeatureConfig(), 64, 64)
    plain = analyse(audio, FeatureConfig(stretch=False), 64, 64)
    assert stretched.inharmonicity == plain.inharmonicity == 0.0
    np.testing.assert_array_equal(stretched.f0_hz, plain.f0_hz)
    np.testing.assert_array_equal(stretched.harmonic_amplitudes, plain.harmonic_amplitudes)
