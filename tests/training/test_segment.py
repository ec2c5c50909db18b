"""Segmenting a tone: onset, attack, sustain loop or one-shot decay, release; trimming silence."""

import dataclasses
import json

import numpy as np
import pytest

from grower.synth.bank import ENVELOPES
from grower.training import report
from grower.training.config import ENVELOPE_CHOICES, EnvelopeConfig, GrowerConfig
from grower.training.segment import PREROLL_S, segment, sound_span

FRAME_RATE_HZ = 22050 / 128
N_HARMONICS = 16


def controls(duration_s, level_db, rates_db_per_s=None, vibrato_cents=0.0, vibrato_hz=5.5, noise_below_db=40.0):
    """Per-frame controls: harmonic k at level_db(t) - 20 log10 k (+ rate_k * t), f0 220 Hz with vibrato.

    Returns (amps [n, 16], noise [n, 8], f0_hz [n], t_s [n]).
    """
    t = np.arange(int(duration_s * FRAME_RATE_HZ)) / FRAME_RATE_HZ
    k = np.arange(1, N_HARMONICS + 1)
    db = level_db(t)[:, None] - 20 * np.log10(k)[None, :] - 10.0
    if rates_db_per_s is not None:
        db = db + t[:, None] * rates_db_per_s[None, :]
    amps = 10 ** (db / 20)
    noise = np.repeat(10 ** ((level_db(t) - 10.0 - noise_below_db) / 20)[:, None], 8, axis=1)
    f0 = 220.0 * 2 ** (vibrato_cents * np.sin(2 * np.pi * vibrato_hz * t) / 1200)
    return amps, noise, f0, t


def sustained_level(t):
    """A 30 ms rise to a +4 dB overshoot, settled by 0.25 s, held to 2.5 s, then released at 100 dB/s."""
    attack = np.where(t < 0.03, -40 + 44 * t / 0.03, 4.0 * np.exp(-(t - 0.03) / 0.05))
    return np.where(t < 2.5, attack, -100.0 * (t - 2.5))


def struck_level(t):
    """A 5 ms rise, then the harmonics' own decay (rates below); a damper from 2.0 s at 150 dB/s."""
    return np.where(t < 0.005, -40 + 40 * t / 0.005, 0.0) - 150.0 * np.maximum(t - 2.0, 0.0)


STRUCK_RATES = -10.0 * (1 + 0.1 * np.arange(N_HARMONICS))  # harmonic k decays 10 (1 + (k - 1) / 10) dB/s


def test_a_sustained_tone_loops_between_its_settled_attack_and_its_release():
    amps, noise, f0, _ = controls(3.0, sustained_level, vibrato_cents=15.0)
    s = segment(amps, noise, f0, FRAME_RATE_HZ)
    assert s.envelope == s.detected == "sustain"
    assert s.onset_s < 0.03
    assert 0.1 <= s.attack_end_s <= 0.35  # the overshoot (4 dB, 50 ms time constant) has settled
    assert s.attack_end_s <= s.sustain_start_s < s.sustain_end_s <= s.release_start_s
    assert s.release_start_s == pytest.approx(2.5, abs=0.03)
    assert s.sustain_end_s <= 2.5 and s.sustain_end_s - s.sustain_start_s > 1.2  # a long loop, clear of the release
    assert s.loop in ("crossfade", "ping-pong")
    if s.loop == "crossfade":
        assert 0 < s.crossfade_s <= s.sustain_start_s - s.attack_end_s + 1 / FRAME_RATE_HZ


def test_a_crossfade_loop_joins_vibrato_in_phase():
    amps, noise, f0, t = controls(3.0, sustained_level, vibrato_cents=30.0, vibrato_hz=5.0)
    s = segment(amps, noise, f0, FRAME_RATE_HZ)
    cents = 1200 * np.log2(f0 / 220.0)
    start, end = round(s.sustain_start_s * FRAME_RATE_HZ), round(s.sustain_end_s * FRAME_RATE_HZ)
    assert s.loop_score < 1.0
    if s.loop == "crossfade":
        # the loop is a whole number of vibrato cycles: its joins agree in pitch and direction
        cycles = (s.sustain_end_s - s.sustain_start_s) * 5.0
        assert abs(cycles - round(cycles)) < 0.1
    else:
        # a ping-pong loop turns at the vibrato's extremes, where the pitch stands still
        assert abs(np.abs(cents[start]) - 30) < 6 and abs(np.abs(cents[end]) - 30) < 6


def test_a_struck_tone_is_a_one_shot_with_each_harmonics_decay_rate():
    amps, noise, f0, _ = controls(2.6, struck_level, rates_db_per_s=STRUCK_RATES)
    s = segment(amps, noise, f0, FRAME_RATE_HZ)
    assert s.envelope == s.detected == "one-shot"
    assert s.release_start_s == pytest.approx(2.0, abs=0.03)  # the damper
    assert s.attack_end_s < 0.03
    np.testing.assert_allclose(s.decay_db_per_s, STRUCK_RATES, atol=0.5)
    assert np.all(np.diff(s.decay_db_per_s) < 0)  # here the data says higher harmonics die faster
    assert s.noise_decay_db_per_s.shape == (8,) and np.all(s.noise_decay_db_per_s < 0)


def test_a_decay_that_runs_to_silence_is_a_one_shot_released_where_it_has_faded():
    marimba = lambda t: np.where(t < 0.005, -40 + 40 * t / 0.005, -30.0 * t)  # noqa: E731  (60 dB by 2 s, no damper)
    amps, noise, f0, _ = controls(3.0, marimba)
    s = segment(amps, noise, f0, FRAME_RATE_HZ)
    assert s.envelope == "one-shot"
    assert s.release_start_s == pytest.approx(2.0, abs=0.1)
    np.testing.assert_allclose(s.decay_db_per_s, -30.0, atol=1.0)


def test_decay_rates_are_clamped_and_inherited_where_a_harmonic_is_too_quiet_to_fit():
    rates = STRUCK_RATES.copy()
    amps, noise, f0, _ = controls(2.6, struck_level, rates_db_per_s=rates)
    amps[:, 10:] = 0.0  # harmonics 11-16 silent: nothing to fit
    s = segment(amps, noise, f0, FRAME_RATE_HZ)
    np.testing.assert_allclose(s.decay_db_per_s[10:], s.decay_db_per_s[9])  # from the nearest fitted one below
    steady = segment(*controls(2.6, sustained_level)[:3], FRAME_RATE_HZ)
    assert np.all(steady.decay_db_per_s == -1.0)  # a flat body still decays, slowly, if forced to one-shot


def test_the_envelope_can_be_forced_either_way():
    sustained = controls(3.0, sustained_level)[:3]
    struck = controls(2.6, struck_level, rates_db_per_s=STRUCK_RATES)[:3]
    forced = segment(*sustained, FRAME_RATE_HZ, envelope="one-shot")
    assert (forced.envelope, forced.detected) == ("one-shot", "sustain")
    looped = segment(*struck, FRAME_RATE_HZ, envelope="sustain")
    assert (looped.envelope, looped.detected) == ("sustain", "one-shot")
    assert looped.sustain_end_s <= looped.release_start_s <= 2.05
    with pytest.raises(ValueError, match="envelope must be auto or one of sustain, one-shot"):
        segment(*sustained, FRAME_RATE_HZ, envelope="loop")


def test_entry_fields_satisfy_the_banks_order():
    for level, rates in ((sustained_level, None), (struck_level, STRUCK_RATES)):
        fields = segment(*controls(2.6, level, rates_db_per_s=rates)[:3], FRAME_RATE_HZ).entry_fields()
        assert fields["onset_s"] <= fields["attack_end_s"] <= fields["sustain_start_s"] < fields["sustain_end_s"] <= fields["release_start_s"]
        assert fields["envelope"] in ENVELOPES


def tone_with_silence(lead_s, tail_s, sample_rate=22050, floor=0.0):
    rng = np.random.default_rng(1)
    t = np.arange(int(1.0 * sample_rate)) / sample_rate
    note = 0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-3 * t)
    audio = np.concatenate([np.zeros(int(lead_s * sample_rate)), note, np.zeros(int(tail_s * sample_rate))])
    return (audio + floor * rng.standard_normal(audio.size)).astype(np.float32)


@pytest.mark.parametrize("floor", [0.0, 1e-4])
def test_sound_span_trims_leading_and_trailing_silence(floor):
    sr = 22050
    audio = tone_with_silence(1.5, 2.0, sr, floor)
    start, end = sound_span(audio, sr)
    assert start / sr == pytest.approx(1.5 - PREROLL_S, abs=0.001)
    assert 2.5 - 0.01 < end / sr < 2.7  # the note ends at 2.5 s (-26 dB by then, well above the floor)


def test_a_tone_without_silence_is_kept_whole():
    sr = 22050
    t = np.arange(sr) / sr
    audio = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    assert sound_span(audio, sr) == (0, sr)


def test_the_envelope_choices_are_the_banks_plus_auto():
    assert ENVELOPE_CHOICES == ("auto",) + ENVELOPES
    with pytest.raises(ValueError, match="envelope must be one of auto, sustain, one-shot, not 'loop'"):
        EnvelopeConfig("loop")
    old = GrowerConfig().to_dict()
    del old["envelope"]  # a bank or checkpoint from before --envelope
    assert GrowerConfig.from_dict(json.loads(json.dumps(old))).envelope == EnvelopeConfig("auto")
    assert GrowerConfig(envelope=EnvelopeConfig("one-shot")).tone_key() != GrowerConfig().tone_key()


def test_the_report_figure_marks_the_segments(tmp_path):
    sr, hop = 22050, 128
    amps, noise, f0, t = controls(1.5, sustained_level)
    segments = segment(amps, noise, f0, FRAME_RATE_HZ)
    audio = (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(1.5 * sr)) / sr)).astype(np.float32)
    distribution = np.full((t.size, 16), 1 / 16)
    report.plot_tone(tmp_path / "a.png", "a", audio, audio, distribution, sr, hop, 1.0, segments=segments)
    report.plot_tone(tmp_path / "b.png", "b", audio, audio, distribution, sr, hop, 1.0, f0_hz=220.0,
                     segments=dataclasses.replace(segments, envelope="one-shot"))
    assert (tmp_path / "a.png").stat().st_size > 10_000 and (tmp_path / "b.png").stat().st_size > 10_000


# -- a room's tail ----------------------------------------------------------------------


def _level_db(pieces, frame_rate_hz=200.0, floor_db=-110.0, ripple_db=0.3):
    """[n_frames] dB: straight segments (seconds, dB/s) from 0 dB, then the floor; ripple_db of ripple (a room's modes beating)."""
    rng = np.random.default_rng(0)
    levels, db = [], 0.0
    for seconds, db_per_s in pieces:
        n = int(seconds * frame_rate_hz)
        levels.append(db + db_per_s * np.arange(n) / frame_rate_hz)
        db += db_per_s * seconds
    levels.append(np.full(int(0.5 * frame_rate_hz), floor_db))
    level = np.maximum(np.concatenate(levels), floor_db)
    return level + rng.normal(0.0, ripple_db, level.shape)


def test_a_rooms_tail_after_a_held_sustain_is_found_at_its_knee():
    from grower.training.segment import reverberant_tail

    level = _level_db([(1.5, 0.0), (0.2, -150.0), (0.8, -75.0)])  # held, released, then the room rings on
    tail = reverberant_tail(level, 200.0)
    assert tail is not None
    knee, _, release, room = tail
    assert knee / 200.0 == pytest.approx(1.7, abs=0.05)
    assert room == pytest.approx(-75.0, abs=8.0) and release < -110.0


def test_a_smooth_two_stage_release_is_the_tones_own_and_a_rippling_one_a_rooms():
    """A release barely steeper than what follows it is a room's only where the level ripples as a room's modes make it."""
    from grower.training.segment import reverberant_tail

    pieces = [(1.5, 0.0), (0.06, -230.0), (0.4, -150.0)]  # a dry General MIDI flute at C6
    assert reverberant_tail(_level_db(pieces, ripple_db=0.005), 200.0) is None
    assert reverberant_tail(_level_db(pieces, ripple_db=0.3), 200.0) is not None
    assert reverberant_tail(_level_db([(1.5, 0.0), (0.1, -230.0), (0.4, -75.0)], ripple_db=0.005), 200.0) is not None  # 3x: a room


def test_a_two_stage_decay_from_the_onset_is_the_tones_own_not_a_rooms():
    """A struck string falls fast, then slowly, straight from its peak: no held sustain, so no tail is cut."""
    from grower.training.segment import reverberant_tail

    assert reverberant_tail(_level_db([(0.5, -60.0), (2.5, -15.0)]), 200.0) is None
    assert reverberant_tail(_level_db([(0.05, 0.0), (0.4, -40.0), (2.0, -12.0)]), 200.0) is None
