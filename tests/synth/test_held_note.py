"""The held-note measures against signals whose answers are known."""

import numpy as np
import pytest

from grower.synth import held_note

SR = 22050


def tone(seconds, level_db=lambda t: 0.0 * t, f0_hz=220.0, lead_s=0.0):
    t = np.arange(int(seconds * SR)) / SR
    audio = np.sqrt(2) * 0.1 * 10 ** (level_db(t) / 20) * np.sin(2 * np.pi * f0_hz * t)  # RMS 0.1: -20 dBFS
    return np.concatenate([np.zeros(int(lead_s * SR)), audio])


def test_the_envelope_reads_a_sines_rms():
    times, level = held_note.envelope_db(tone(1.0), SR)
    np.testing.assert_allclose(level, -20.0, atol=0.05)
    assert times[0] == pytest.approx(0.025, abs=1e-3) and np.diff(times).mean() == pytest.approx(0.01, abs=1e-4)


def test_a_decay_reads_as_its_level_after_the_onset_and_never_rises():
    decaying = tone(5.0, lambda t: -12.0 * t, lead_s=0.5)
    # re the envelope's peak: the first 50 ms window, 25 ms into the decay
    assert held_note.level_after_onset_db(decaying, SR, 3.0) == pytest.approx(-36.0 + 12.0 * 0.025, abs=0.2)
    assert held_note.max_rise_after_peak_db(decaying, SR) < 0.01
    swelling = tone(5.0, lambda t: -12.0 * t + 4.0 * (t > 2.0))  # falls, then jumps back up 4 dB
    assert held_note.max_rise_after_peak_db(swelling, SR) == pytest.approx(4.0 - 12.0 * 0.06, abs=0.2)  # less the decay over a window


def test_onset_latency_is_the_time_from_note_on_to_sound():
    assert held_note.onset_latency_s(tone(1.0, lead_s=0.3), SR, 0.3) == pytest.approx(0.0, abs=0.002)
    assert held_note.onset_latency_s(tone(1.0, lead_s=0.3), SR, 0.25) == pytest.approx(0.05, abs=0.002)


def test_periodic_modulation_reads_a_loops_period_and_not_other_lags():
    modulated = tone(10.0, lambda t: 1.0 * np.sign(np.sin(2 * np.pi * t / 1.3)))  # +-1 dB, a 1.3 s square
    assert held_note.periodic_modulation_db(modulated, SR, 0.0, 10.0, 1.3) == pytest.approx(1.0, abs=0.1)
    assert held_note.periodic_modulation_db(modulated, SR, 0.0, 10.0, 0.65) == 0.0  # half a period: anti-correlated
    rng = np.random.default_rng(0)
    wobbling = tone(10.0) * 10 ** (np.repeat(rng.normal(0, 1.0, 100), int(0.1 * SR))[: int(10 * SR)] / 20)  # random 1 dB steps, 0.1 s each
    assert held_note.periodic_modulation_db(wobbling, SR, 0.0, 10.0, 1.3) < 0.3
    assert held_note.peak_to_peak_db(modulated, SR, 0.5, 9.5) == pytest.approx(2.0, abs=0.1)


def test_the_click_detector_finds_a_step_and_a_jump_and_nothing_in_a_clean_tone():
    clean = tone(2.0) + 0.001 * np.random.default_rng(1).standard_normal(int(2.0 * SR))
    assert held_note.click_count(clean, SR) == 0
    stepped = clean.copy()
    stepped[int(1.0 * SR):] += 0.05  # a DC step: one click
    assert held_note.click_count(stepped, SR) == 1
    jumped = clean.copy()
    jumped[int(0.7012 * SR):] *= 3.0  # a 10 dB jump between samples, off a zero crossing
    jumped[int(1.4012 * SR):] /= 3.0  # and back
    assert held_note.click_count(jumped, SR) == 2
