"""The streaming renderer: growth stages, Nyquist, streaming, clicks, sustain, determinism."""

import numpy as np
import pytest

from grower.synth.render_params import RenderParams
from grower.synth.renderer import CONTROL_PERIOD, RenderConfig, Renderer

SR = 48000


def render_in_blocks(renderer, total: int, block_size: int) -> np.ndarray:
    """[total] float32: renderer's next total samples, asked for block_size at a time (the last block shorter)."""
    out, done = [], 0
    while done < total:
        size = min(block_size, total - done)
        out.append(renderer.render(size))
        done += size
    return np.concatenate(out)


def spectrum_db(audio, sr=SR):
    window = np.hanning(audio.size)
    magnitude = np.abs(np.fft.rfft(audio * window))
    return np.fft.rfftfreq(audio.size, 1 / sr), 20 * np.log10(magnitude / magnitude.max() + 1e-12)


def level_at(freqs, db, hz, width_hz=15.0):
    return db[np.abs(freqs - hz) <= width_hz].max()


def render_stage(bank, stage, tone=1, pitch=200.0, seconds=0.6, level_mode="raw"):
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode=level_mode))
    r.note_on(tone, pitch, 1.0, stage=stage)
    return r.render(int(seconds * SR))[int(0.1 * SR):]


@pytest.mark.parametrize("stage", [1, 2, 5, 17, 40])
def test_stage_s_holds_harmonics_1_to_s(bank, stage):
    freqs, db = spectrum_db(render_stage(bank, stage))
    present = [level_at(freqs, db, 200.0 * k) for k in range(1, stage + 1)]
    absent = [level_at(freqs, db, 200.0 * k) for k in range(stage + 1, 56)]
    assert min(present) > -60.0  # 1/k partials: harmonic 40 sits at -32 dB
    assert max(absent, default=-200) < -90.0


def test_a_fractional_stage_fades_in_the_next_harmonic(bank):
    freqs, full = spectrum_db(render_stage(bank, 4.0))
    _, half = spectrum_db(render_stage(bank, 3.5))
    # harmonic 4 at gain 0.5 sits 6 dB below where it is at stage 4 (both relative to the fundamental)
    drop = (level_at(freqs, full, 800.0) - level_at(freqs, full, 200.0)) - (level_at(freqs, half, 800.0) - level_at(freqs, half, 200.0))
    assert drop == pytest.approx(6.02, abs=0.3)


def test_equal_level_mode_keeps_rms_across_stages(bank):
    rms = [np.sqrt(np.mean(render_stage(bank, s, level_mode="equal") ** 2)) for s in (1, 4, 16, 64)]
    assert max(rms) / min(rms) < 10 ** (0.5 / 20)
    raw = [np.sqrt(np.mean(render_stage(bank, s, level_mode="raw") ** 2)) for s in (1, 64)]
    assert raw[1] > raw[0] * 1.1  # raw mode: harmonics add energy as they appear


def test_nothing_appears_at_or_above_nyquist_at_high_pitch(bank):
    # transpose "harmonics": the tone's harmonics 2 and 3 move up to 14 and 21 kHz (kept in hertz, its
    # band-limited envelope would hold nothing there)
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(transpose="harmonics"))
    r.note_on(1, 7000.0, 1.0, stage=64)  # harmonics 2 and 3 sit below Nyquist, 4+ would alias
    audio = r.render(SR)[4800:]
    freqs, db = spectrum_db(audio)
    allowed = [7000.0, 14000.0, 21000.0]
    mask = np.ones_like(freqs, bool)
    for hz in allowed:
        mask &= np.abs(freqs - hz) > 60
    assert db[mask].max() < -90.0  # no alias anywhere
    assert level_at(freqs, db, 21000.0) < level_at(freqs, db, 14000.0) - 6  # 21 kHz is tapered


def play_timed(bank, block_size, total=30000):
    """The same timed events, rendered in blocks of block_size."""
    r = Renderer(bank, RenderConfig(sample_rate=SR, seed=3))
    a = r.note_on(2, 311.0, 0.8)
    r.set_stage(5.5, glide_s=0.05, at_sample=6000)
    r.note_on(0, 123.4, 0.6, at_sample=12000)
    r.note_off(a, at_sample=20000)
    return render_in_blocks(r, total, block_size)


@pytest.mark.parametrize("block", [1, 7, 64, 128, 1000])
def test_k_blocks_equal_one_long_render(bank, block):
    np.testing.assert_allclose(play_timed(bank, block), play_timed(bank, 30000), atol=1e-5)


def play_envelopes(bank, block_size, total=72000):
    """A one-shot held past its recorded decay, then released; a crossfade loop wrapping twice; in blocks of block_size."""
    r = Renderer(bank, RenderConfig(sample_rate=SR, seed=5))
    struck = r.note_on(2, 311.0, 0.8)
    r.note_on(0, 123.4, 0.6, at_sample=1000)
    r.note_off(struck, at_sample=50000)  # its recorded decay ended at 0.8 s = 38400
    return render_in_blocks(r, total, block_size)


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_k_blocks_equal_one_long_render_with_crossfade_loops_and_one_shots(tmp_path, block):
    from grower.synth.synthetic_bank import make_bank

    bank = make_bank(tmp_path / "b", [("low", 110.0, 1.0, 0.0), ("mid", 200.0, 1.0, 0.0), ("struck", 311.0, 1.0, 0.02)],
                     sustain_s=(0.2, 0.2), loop="crossfade", crossfade_s=0.1, one_shot={"struck": (-30.0, 0.2)})
    np.testing.assert_allclose(play_envelopes(bank, block), play_envelopes(bank, 72000), atol=1e-5)


def test_events_at_the_same_sample_apply_in_the_order_called(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.set_stage(10)
    r.set_stage(20)  # both due now; they leave the queue before the next events arrive
    later = CONTROL_PERIOD * 20
    voice = r.note_on(1, 200.0, at_sample=later)
    r.render(CONTROL_PERIOD)
    r.note_off(voice, at_sample=later)  # same sample, called after the note-on
    r.render(int(1.5 * SR))
    assert r.global_stage == 20
    assert r.n_voices == 0  # released: the note-on came first


def test_an_event_between_blocks_lands_where_a_timed_one_does(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR, seed=3))
    r.note_on(2, 311.0, 0.8)
    head = np.concatenate([r.render(1000) for _ in range(6)])  # 6000 samples out
    r.set_stage(5.5, glide_s=0.05)  # at the current position: sample 6000
    rest = r.render(24000)
    timed = Renderer(bank, RenderConfig(sample_rate=SR, seed=3))
    timed.note_on(2, 311.0, 0.8)
    timed.set_stage(5.5, glide_s=0.05, at_sample=6000)
    np.testing.assert_array_equal(np.concatenate([head, rest]), timed.render(30000))


def second_difference(audio):
    return np.abs(np.diff(audio, 2))


def click_ratio(audio, change_at, window=int(0.05 * SR)):
    """Largest second difference around a change, over the largest in steady stretches either side."""
    d = second_difference(audio)
    before = d[change_at - 3 * window : change_at - window].max()
    after = d[change_at + 2 * window : change_at + 4 * window].max()
    during = d[change_at - window : change_at + 2 * window].max()
    return during / max(before, after)


def test_stage_changes_do_not_click(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="equal"))
    r.note_on(0, 110.0, 1.0, stage=3)
    head = r.render(int(0.5 * SR))
    r.set_stage(30)
    tail = r.render(int(0.5 * SR))
    assert click_ratio(np.concatenate([head, tail]), head.size) < 1.3


def test_note_on_and_note_off_do_not_click(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    silence = r.render(CONTROL_PERIOD * 3)
    v = r.note_on(1, 200.0, 1.0, stage=64)
    onset = r.render(int(0.2 * SR))
    steady = second_difference(onset[-int(0.1 * SR):]).max()
    assert second_difference(np.concatenate([silence, onset[: CONTROL_PERIOD * 2]])).max() <= steady * 1.05
    r.note_off(v)
    release = r.render(int(0.6 * SR))
    assert second_difference(np.concatenate([onset[-100:], release])).max() <= steady * 1.05
    assert np.abs(release[-CONTROL_PERIOD:]).max() == 0.0 and r.n_voices == 0


def rms_db(x, window=240):
    """RMS per window (5 ms at 48 kHz: one cycle of a 200 Hz tone, so it does not ripple), dB."""
    return 20 * np.log10(np.sqrt(np.mean(x[: x.size // window * window].reshape(-1, window) ** 2, axis=1)))


def test_note_off_falls_from_where_the_voice_was_as_the_recorded_release_falls(tmp_path):
    from grower.synth.synthetic_bank import make_bank

    # amplitude 0.5 -> 0.05 over the 345 frames of 2 s; the release starts at 1.7 s and ends at 2 s
    bank = make_bank(tmp_path / "fading", [("fading", 200.0, 2.0, 0.0)], fading=True)
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    v = r.note_on(0, 200.0, 1.0, stage=4)
    before = r.render(CONTROL_PERIOD * 188)  # ~0.5 s, mid-sustain: far louder than the release
    r.note_off(v)  # applies at this period boundary
    after = r.render(int(0.5 * SR))
    last_before = rms_db(before[-240:])[0]
    envelope = rms_db(after[: int(0.25 * SR)])
    # No jump to the recorded release's level (8 dB below): the release starts where the voice was ...
    assert abs(envelope[0] - last_before) < 0.5
    assert np.max(np.abs(np.diff(envelope))) < 0.5
    # ... and falls as the recording's does: from 1.7 s to 1.9 s, after 0.2 s.
    amplitude = lambda t_s: 0.5 - 0.45 * t_s * (22050 / 128) / 344  # noqa: E731
    assert envelope[40] - envelope[0] == pytest.approx(20 * np.log10(amplitude(1.9) / amplitude(1.7)), abs=0.2)
    assert r.n_voices == 0 and not after[-CONTROL_PERIOD:].any()  # ends 0.1 s after the last frame


def test_a_crossfade_loop_holds_the_level_for_30_s_without_clicks(tmp_path):
    from grower.synth.held_note import click_count
    from grower.synth.synthetic_bank import make_bank

    bank = make_bank(tmp_path / "xfade", [("breathy", 300.0, 2.0, 0.02)], loop="crossfade", crossfade_s=0.15)
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.note_on(0, 300.0, 1.0)
    audio = r.render(31 * SR)[SR:]
    level = rms_db(audio, SR // 10)
    assert level.max() - level.min() < 1.5
    assert click_count(audio, SR) == 0


def test_a_held_one_shot_decays_at_its_rates_and_never_loops(tmp_path):
    from grower.synth.held_note import level_after_onset_db, max_rise_after_peak_db
    from grower.synth.synthetic_bank import make_bank

    # recorded: 2 s, the fundamental decaying 12 dB/s (harmonic k: 12 (1 + (k - 1) / 8) dB/s), a damper over the last 0.3 s
    bank = make_bank(tmp_path / "struck", [("struck", 220.0, 2.0, 0.001)], one_shot={"struck": (-12.0, 0.3)})
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw"))
    r.note_on(0, 220.0, 1.0, stage=1)  # the fundamental alone: one known rate
    audio = r.render(6 * SR)
    assert max_rise_after_peak_db(audio, SR) < 0.1
    # 1.7 s recorded, then 1.3 s of continued decay: 3 s at 12 dB/s
    assert level_after_onset_db(audio, SR, 3.0) == pytest.approx(-36.0, abs=0.5)
    assert level_after_onset_db(audio, SR, 5.0) == pytest.approx(-60.0, abs=0.5)


def test_a_one_shot_ends_by_itself_while_held_once_it_has_decayed(tmp_path):
    from grower.synth.synthetic_bank import make_bank

    bank = make_bank(tmp_path / "struck", [("struck", 220.0, 1.0, 0.0)], one_shot={"struck": (-60.0, 0.2)})
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.note_on(0, 220.0, 1.0)
    r.render(int(0.5 * SR))
    assert r.n_voices == 1
    r.render(int(2.0 * SR))  # 100 dB below the peak after 100 / 60 = 1.7 s
    assert r.n_voices == 0


def test_voice_stealing_is_click_free_and_takes_the_oldest_released_first(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR, max_voices=3))
    ids = [r.note_on(1, 200.0 * 2 ** (i / 12), 0.3, stage=8) for i in range(3)]
    r.render(int(0.3 * SR))
    r.note_off(ids[1])
    before = r.render(int(0.05 * SR))
    r.note_on(0, 110.0, 0.3, stage=8)  # a fourth: steals the released one, not the oldest held
    after = r.render(int(0.3 * SR))
    assert r.n_voices == 3
    assert set(r.voices.voice_id[r.voices.active].tolist()) == {ids[0], ids[2], ids[2] + 1}
    steady = second_difference(after[-int(0.1 * SR):]).max()
    assert second_difference(np.concatenate([before[-200:], after[: int(0.05 * SR)]])).max() <= steady * 1.5


def test_the_sustain_loop_holds_the_level_for_30_s(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.note_on(2, 300.0, 1.0)
    audio = r.render(31 * SR)[SR:]
    rms_db = 20 * np.log10([np.sqrt(np.mean(chunk**2)) for chunk in audio.reshape(-1, SR // 10)])
    assert rms_db.max() - rms_db.min() < 1.5


def test_output_is_deterministic_with_a_seed(bank):
    def play(seed):
        r = Renderer(bank, RenderConfig(sample_rate=SR, seed=seed))
        r.note_on(2, 300.0, 1.0)
        return r.render(SR // 2)

    assert np.array_equal(play(7), play(7))
    assert not np.array_equal(play(7), play(8))  # the breathy tone's noise differs


def test_reset_clears_voices_and_keeps_parameters(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR, seed=1))
    r.set_stage(7)
    r.note_on(2, 300.0)
    first = r.render(SR // 4)
    r.reset()
    assert r.n_voices == 0 and r.global_stage == 7
    r.note_on(2, 300.0)
    np.testing.assert_array_equal(r.render(SR // 4), first)


def test_bad_arguments_are_clear_errors(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    with pytest.raises(ValueError, match="stage must be within 0..64"):
        r.set_stage(65)
    with pytest.raises(ValueError, match="pitch_hz"):
        r.note_on(0, float("nan"))
    with pytest.raises(ValueError, match="tone index 9"):
        r.note_on(9, 100.0)


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_any_output_rate_plays_the_tone_at_its_pitch(bank, rate):
    r = Renderer(bank, RenderConfig(sample_rate=rate))
    r.note_on(1, 200.0 * 2 ** (37 / 1200), 1.0, stage=1)
    audio = r.render(rate)[rate // 10:]
    freqs, db = spectrum_db(audio, rate)
    peak_hz = freqs[np.argmax(db)]
    assert abs(1200 * np.log2(peak_hz / (200.0 * 2 ** (37 / 1200)))) < 3


def test_a_timed_note_on_starts_on_its_exact_sample(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.note_on(1, 200.0, 1.0, at_sample=1000)  # mid-period: 1000 = 7 * 128 + 104
    r.note_on(0, 110.0, 1.0, at_sample=1000 + 4800)
    out = r.render(8000)
    assert np.flatnonzero(out)[0] == 1001  # sin(0) is exactly 0 at the onset sample itself
    assert not out[:1001].any()
    solo = Renderer(bank, RenderConfig(sample_rate=SR))
    solo.note_on(1, 200.0, 1.0, at_sample=1000)
    difference = out - solo.render(8000)
    assert np.flatnonzero(np.abs(difference) > 1e-7)[0] == 5801


def test_set_voice_moves_pitch_and_expression(bank):
    # transpose "harmonics": the tone's own harmonic 1 at either pitch (with "envelope" its level at
    # stage 1 would follow the envelope and the neighbour tone it blends at 250 Hz)
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw", transpose="harmonics"))
    voice = r.note_on(1, 200.0, 1.0, stage=1)
    before = r.render(SR // 2)[SR // 4:]
    r.set_voice(voice, pitch_hz=250.0, expression=0.5)
    r.render(SR // 10)
    after = r.render(SR // 2)[SR // 4:]
    freqs, db = spectrum_db(after)
    assert abs(freqs[np.argmax(db)] - 250.0) < 5
    assert np.sqrt(np.mean(after**2)) / np.sqrt(np.mean(before**2)) == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="expression"):
        r.set_voice(voice, expression=float("nan"))


# -- Stretched partials -----------------------------------------------------------------


def stretched_bank(tmp_path, inharmonicity):
    from grower.synth.synthetic_bank import make_bank

    tones = [("low", 110.0, 2.0, 0.0), ("mid", 200.0, 2.0, 0.0), ("breathy", 300.0, 2.0, 0.02)]
    return make_bank(tmp_path / f"bank{len(inharmonicity)}", tones, inharmonicity=inharmonicity)


def measured_cents(audio, pitch_hz, b, n_partials=12, sr=SR):
    """[n_partials] cents of each measured partial from k pitch sqrt(1 + B k^2)."""
    from grower.synth.spectral import partial_frequencies_hz

    freqs, _ = partial_frequencies_hz(audio, pitch_hz, sr, n_partials)
    k = np.arange(1, n_partials + 1)
    return 1200 * np.log2(freqs / (k * pitch_hz * np.sqrt(1 + b * k * k)))


def test_a_stretched_tone_plays_partial_k_at_k_sqrt_1_plus_b_k2_and_keeps_b_when_bent(tmp_path):
    b = 5e-4
    bank = stretched_bank(tmp_path, {"mid": b})
    # harmonics: the voice stays on its tone when bent (envelope mode would move it onto "breathy" at 300 Hz)
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw", transpose="harmonics"))
    voice = r.note_on(1, 200.0, 1.0)
    held = r.render(SR)[int(0.2 * SR):]
    r.set_voice(voice, pitch_hz=300.0)
    bent = r.render(SR)[int(0.2 * SR):]
    assert np.nanmax(np.abs(measured_cents(held, 200.0, b))) < 0.3  # partial 12 sits 52 cents above 12 f0
    assert np.nanmax(np.abs(measured_cents(bent, 300.0, b))) < 0.3
    assert np.isfinite(measured_cents(held, 200.0, b)).all()


def test_a_stretched_voice_bent_across_tones_in_envelope_mode_keeps_its_b_without_a_click(tmp_path):
    from grower.synth.held_note import click_count
    from grower.synth.synthetic_bank import make_bank

    b = 3e-4
    bank = make_bank(tmp_path / "bank", [("string", 220.0, 3.0, 0.0), ("flute", 247.0, 3.0, 0.0)], inharmonicity={"string": b})
    r = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(level_mode="raw", transpose="envelope"))
    voice = r.note_on(0, 220.0, 1.0)
    pieces = [r.render(SR // 2)]
    for step in range(1, 101):  # up to the harmonic tone's pitch in 10 ms steps: the voice moves onto "flute" halfway
        r.set_voice(voice, pitch_hz=220.0 * (247.0 / 220.0) ** (step / 100))
        pieces.append(r.render(SR // 100))
    pieces.append(r.render(SR))
    audio = np.concatenate(pieces)
    assert click_count(audio, SR, 0.2) == 0
    assert np.nanmax(np.abs(measured_cents(audio[-SR:], 247.0, b))) < 0.3  # the note's B, though it now plays the harmonic tone


def test_harmonic_voices_play_bit_for_bit_as_before_beside_stretched_tones(tmp_path):
    def play(bank):
        r = Renderer(bank, RenderConfig(sample_rate=SR, seed=3))
        r.note_on(0, 123.0, 0.9)
        r.note_on(1, 410.0, 0.7, at_sample=333)
        return r.render(SR // 2)

    np.testing.assert_array_equal(play(stretched_bank(tmp_path, {"breathy": 8e-4})), play(stretched_bank(tmp_path, {})))


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_k_blocks_equal_one_long_render_with_stretched_tones(tmp_path, block):
    bank = stretched_bank(tmp_path, {"mid": 3e-4, "breathy": 1e-3})

    def play(block_size, total=30000):
        r = Renderer(bank, RenderConfig(sample_rate=SR, seed=2))
        r.note_on(1, 220.0, 0.8)
        r.note_on(0, 110.0, 0.8, at_sample=200)
        r.note_on(2, 333.0, 0.5, at_sample=7001)
        return render_in_blocks(r, total, block_size)

    np.testing.assert_array_equal(play(block), play(30000))


def test_a_stretched_tone_held_30_s_and_bent_has_no_clicks_and_keeps_its_partials(tmp_path):
    from grower.synth.held_note import click_count
    from grower.synth.synthetic_bank import make_bank

    b = 8e-4
    bank = make_bank(tmp_path / "stiff", [("mid", 200.0, 2.0, 0.0)], inharmonicity={"mid": b})
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    voice = r.note_on(0, 900.0, 1.0)
    first = r.render(20 * SR)
    r.set_voice(voice, pitch_hz=1000.0)
    audio = np.concatenate([first, r.render(11 * SR)])[SR:]
    level = rms_db(audio, SR // 10)
    assert level.max() - level.min() < 1.5
    assert click_count(audio, SR) == 0
    assert np.nanmax(np.abs(measured_cents(audio[-SR:], 1000.0, b, n_partials=8))) < 0.3  # 28,000 turns in
