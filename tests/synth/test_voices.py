"""The per-voice numba kernels against the NumPy definitions they reproduce."""

import numpy as np
import pytest

from grower.synth import growth
from grower.synth.bank import BankHeader, ToneEntry, load_bank, write_bank
from grower.synth.tone_table import RELEASE_TAIL_S, FrameControls, ToneTable
from grower.synth.voice_slots import Morph
from grower.synth.voices import advance_glides, exp_negative, interpolate_rows, scratch, stage_target, voice_controls


def random_bank(directory, n_harmonics=8, n_bands=5):
    """Three tones with random controls (so every interpolation and blend shows): a crossfade loop,
    a ping-pong loop and a one-shot, at 22050 Hz, hop 128."""
    rng = np.random.default_rng(4)
    items = []
    specs = [
        dict(name="xfade", duration_s=2.0, sustain_start_s=0.5, sustain_end_s=1.5, loop="crossfade", loop_crossfade_s=0.2, release_start_s=1.6),
        dict(name="pingpong", duration_s=1.0, sustain_start_s=0.2, sustain_end_s=0.7, release_start_s=0.8),
        dict(name="struck", duration_s=1.5, sustain_start_s=0.05, sustain_end_s=1.2, envelope="one-shot", release_start_s=1.2),
    ]
    for i, spec in enumerate(specs):
        n = int(spec["duration_s"] * 22050 / 128) + 1
        name = spec.pop("name")
        entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=200.0 + 100 * i, midi_note=60, cents_offset=0.0,
                          n_frames=n, file=f"tones/{name}.safetensors", **spec)
        distribution = rng.uniform(0.0, 1.0, (n, n_harmonics))
        arrays = {
            "controls.f0_hz": (entry.f0_hz * rng.uniform(0.98, 1.02, n)).astype(np.float32),
            "controls.amplitude": rng.uniform(0.05, 0.5, n).astype(np.float32),
            "controls.harmonic_distribution": (distribution / distribution.sum(axis=1, keepdims=True)).astype(np.float32),
            "controls.noise_magnitudes": rng.uniform(0.0, 0.02, (n, n_bands)).astype(np.float32),
            "controls.loudness_db": np.zeros(n, np.float32),
            "controls.decay_db_per_s": -rng.uniform(5, 60, n_harmonics).astype(np.float32),
            "controls.noise_decay_db_per_s": -rng.uniform(5, 60, n_bands).astype(np.float32),
        }
        items.append((entry, arrays))
    write_bank(directory, BankHeader(sample_rate=22050, hop_size=128, n_harmonics=n_harmonics, n_noise_bands=n_bands), items)
    return load_bank(directory)


def no_morph(n_slots, n_harmonics, n_bands, tone=None):
    """A Morph in which no slot has a second tone (transpose "harmonics" ignores it anyway)."""
    tone = np.zeros(n_slots, np.int64) if tone is None else tone
    return Morph(tone.copy(), np.zeros(n_slots), FrameControls(np.zeros(n_slots), np.zeros((n_slots, n_harmonics)), np.zeros((n_slots, n_bands)), np.ones(n_slots)))


def test_voice_controls_equal_the_attack_loop_decay_and_release_definition(tmp_path):
    table = ToneTable(random_bank(tmp_path))
    rng = np.random.default_rng(5)
    n_slots, n_tones = 60, len(table.names)
    tone = rng.integers(0, n_tones, n_slots)
    held = rng.random(n_slots) < 0.6
    off_time_s = rng.uniform(0, 3, n_slots)
    fr = table.frame_rate_hz
    # times in every region: the attack, loops and crossfade zones, a one-shot's decay and end, releases and their tails
    t_s = rng.uniform(-0.01, 6, n_slots)
    t_s[:8] = [0.0, table.sustain[tone[1], 0] / fr, (table.sustain[tone[2], 1] - 1e-3) / fr, 30.0, 1e-9, 100.0, 1.2, 1.21]
    t_s[~held] = off_time_s[~held] + rng.uniform(0, 0.8, (~held).sum())
    snapshot = FrameControls(rng.uniform(0, 0.5, n_slots), rng.uniform(0, 0.3, (n_slots, 8)), rng.uniform(0, 0.02, (n_slots, 5)), rng.uniform(0.98, 1.02, n_slots))
    slots = rng.permutation(n_slots)[:45]
    out = FrameControls(np.empty(45), np.empty((45, 8)), np.empty((45, 5)), np.empty(45))
    finished = np.empty(45, bool)
    voice_controls(slots, t_s[slots], tone, held, off_time_s, snapshot, table.arrays, *out, finished)
    expected, expected_finished = table.controls_at(tone[slots], t_s[slots], held[slots], off_time_s[slots], FrameControls(*(x[slots] for x in snapshot)))
    for got, want, rtol in zip(out, expected, (1e-9, 5e-5, 5e-5, 1e-9)):  # a one-shot's decay: exp_negative's 3e-5
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)
    np.testing.assert_array_equal(finished, expected_finished)
    assert expected_finished.any() and not expected_finished.all()


def test_exp_negative_is_exp_to_3e_5():
    x = np.concatenate([-np.geomspace(1e-9, 80.0, 2000), [0.0]])
    got = np.array([exp_negative(v) for v in x])
    np.testing.assert_allclose(got, np.exp(x), rtol=3e-5)
    assert exp_negative(0.0) == 1.0 and exp_negative(-1000.0) == pytest.approx(np.exp(-80.0), rel=3e-5)


def held_controls(table, tone, t_s):
    n = np.size(t_s)
    zeros = FrameControls(np.zeros(n), np.zeros((n, table.distribution.shape[1])), np.zeros((n, table.n_noise_bands)), np.ones(n))
    return table.controls_at(np.full(n, tone), np.asarray(t_s, float), np.ones(n, bool), np.zeros(n), zeros)


def test_a_crossfade_loop_reaches_the_loop_start_before_it_wraps(tmp_path):
    table = ToneTable(random_bank(tmp_path))
    s, e = table.sustain[0]
    x, fr = table.crossfade[0], table.frame_rate_hz
    controls, _ = held_controls(table, 0, np.array([s - 1, e - x, e - 1e-9, e, e + 3.5 * (e - s) - 1e-9]) / fr)
    at_start = table.lookup(np.zeros(1, int), np.array([s]))
    amps = controls.amplitude[:, None] * controls.distribution
    np.testing.assert_allclose(amps[2], (at_start.amplitude[:, None] * at_start.distribution)[0], rtol=1e-6)  # just before the wrap ...
    np.testing.assert_allclose(amps[3], amps[2], rtol=1e-6)  # ... and just after: no jump
    plain = table.lookup(np.zeros(2, int), np.array([s - 1, e - x]))
    np.testing.assert_allclose(controls.amplitude[:2], plain.amplitude)  # outside the crossfade, the trajectory itself


def test_a_ping_pong_loop_plays_its_region_back_and_forth(tmp_path):
    table = ToneTable(random_bank(tmp_path))
    s, e = table.sustain[1]
    fr = table.frame_rate_hz
    t_s = np.array([0.5 * s, s + 0.25 * (e - s), e + 0.25 * (e - s), 2 * e - s + 0.25 * (e - s)]) / fr
    controls, _ = held_controls(table, 1, t_s)
    expected = table.lookup(np.ones(4, int), np.array([0.5 * s, s + 0.25 * (e - s), e - 0.25 * (e - s), s + 0.25 * (e - s)]))
    np.testing.assert_allclose(controls.amplitude, expected.amplitude)


def test_a_held_one_shot_decays_each_harmonic_at_its_rate_then_ends(tmp_path):
    bank = random_bank(tmp_path)
    table = ToneTable(bank)
    rates_db = bank.tones[2].controls["decay_db_per_s"]
    r, fr = table.release_start[2], table.frame_rate_hz
    controls, finished = held_controls(table, 2, np.array([r / fr, r / fr + 1.0, r / fr + table.silent_after_s[2] + 0.01]))
    amps = controls.amplitude[:, None] * controls.distribution
    np.testing.assert_allclose(20 * np.log10(amps[1] / amps[0]), rates_db, rtol=1e-5)
    assert finished.tolist() == [False, False, True]
    # at its quietest part's rate, the loudest part has fallen 100 dB below the tone's peak by then
    rows = slice(table.offset[2], table.offset[2] + table.n_frames[2])
    peak = np.max(table.amplitude[rows, None] * table.distribution[rows])
    assert 20 * np.log10(amps[2].max() / peak) < -100.0 + 1.0


def test_a_release_falls_from_where_the_voice_was_as_the_recording_falls(tmp_path):
    table = ToneTable(random_bank(tmp_path))
    tone, fr = 0, table.frame_rate_hz
    where, _ = held_controls(table, tone, np.array([0.3]))  # released mid-attack
    t_s = np.array([0.3, 0.4, 0.3 + (table.n_frames[tone] - 1 - table.release_start[tone]) / fr + RELEASE_TAIL_S + 1e-6])
    n = t_s.size
    controls, finished = table.controls_at(np.full(n, tone), t_s, np.zeros(n, bool), np.full(n, 0.3), FrameControls(*(np.repeat(x, n, axis=0) for x in where)))
    np.testing.assert_allclose(controls.amplitude[0] * controls.distribution[0], where.amplitude[0] * where.distribution[0])  # no jump
    gains = (controls.amplitude[1] * controls.distribution[1]) / (where.amplitude[0] * where.distribution[0])
    assert np.all(gains <= 1.0 + 1e-12)  # a release never rises
    assert finished.tolist() == [False, False, True]


def test_the_stage_target_is_the_voices_own_else_its_tones_else_the_global_one():
    voice_stage = np.array([np.nan, np.nan, 3.0, 0.0, np.nan])
    tone = np.array([0, 1, 1, 0, 2])
    tone_stage = np.array([np.nan, 7.5, 12.0])
    expected = growth.stage_target(voice_stage, tone_stage[tone], 40.0)
    assert expected.tolist() == [40.0, 7.5, 3.0, 0.0, 12.0]
    got = [stage_target(v, tone, voice_stage, tone_stage, 40.0) for v in range(5)]
    assert got == expected.tolist()


def test_glides_equal_the_linear_glide_definition_and_restart_on_a_new_target():
    rng = np.random.default_rng(1)
    n_slots, period_s = 6, 128 / 48000
    slots, tone = np.arange(n_slots), np.array([0, 1, 0, 1, 0, 1])
    voice_stage, tone_stage = np.full(n_slots, np.nan), np.full(2, np.nan)
    stage = rng.uniform(0, 64, n_slots)  # the kernel's state, as a voice starts: no glide under way
    glide_from, glide_to, elapsed_s, glide_time_s = stage.copy(), stage.copy(), np.zeros(n_slots), np.zeros(n_slots)
    # The reference: each glide's start, target, first period and length; a new target
    # restarts it from the stage reached at the end of the period before.
    ref_from, ref_to, ref_first, ref_glide_s = stage.copy(), stage.copy(), np.zeros(n_slots, int), np.zeros(n_slots)
    global_stage, glide_s = 10.0, 0.05
    for step in range(200):  # the last glide, 75 periods long, ends by period 165
        if step == 40:
            voice_stage[2], tone_stage[1] = 30.0, 5.0
        if step == 70:
            global_stage, glide_s = 60.0, 0.0  # a jump
        if step == 90:
            global_stage, glide_s = 20.0, 0.2
        target = growth.stage_target(voice_stage, tone_stage[tone], global_stage)
        restart = target != ref_to
        ref_from = np.where(restart, growth.glide_stage(ref_from, ref_to, (step - ref_first) * period_s, ref_glide_s), ref_from)
        ref_first = np.where(restart, step, ref_first)
        ref_glide_s = np.where(restart, glide_s, ref_glide_s)
        ref_to = target
        expected = growth.glide_stage(ref_from, ref_to, (step - ref_first + 1) * period_s, ref_glide_s)
        out = np.empty(n_slots)
        advance_glides(slots, tone, voice_stage, tone_stage, global_stage, glide_s, period_s, stage, glide_from, glide_to, elapsed_s, glide_time_s, out)
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)
    assert out[2] == 30.0 and out[1] == 5.0 and out[0] == pytest.approx(20.0)


def test_interpolate_rows_equals_numpys_gather():
    rng = np.random.default_rng(2)
    table = rng.normal(size=(50, 7))
    lo = rng.integers(0, 49, 12)
    hi = np.minimum(lo + 1, 49)
    w = rng.random(12)
    out = np.empty((12, 7))
    interpolate_rows(table, lo, hi, w, out)
    np.testing.assert_allclose(out, table[lo] * (1 - w[:, None]) + table[hi] * w[:, None], rtol=1e-12)


def test_advance_voices_equals_its_kernels_glued_by_numpy(tmp_path):
    """One period's control work in one kernel against what the renderer did before:
    each kernel in turn, with NumPy between them, on gathered copies of the slots."""
    from grower.synth.controls import TAPER_START_FRACTION
    from grower.synth.growth import MAX_EQUAL_BOOST, noise_gain
    from grower.synth.oscillator import noise_power, voice_amplitudes
    from grower.synth.voices import advance_voices

    table = ToneTable(random_bank(tmp_path))
    rng = np.random.default_rng(7)
    n_slots, h, n_bands, period, sr = 20, 8, 5, 128, 48000.0
    out_band_hz, train_band_hz = np.linspace(0, sr / 2, 40), 11025 / 4
    state = dict(
        tone=rng.integers(0, 3, n_slots), held=rng.random(n_slots) < 0.7, dying=rng.random(n_slots) < 0.15,
        off_time_s=rng.uniform(0, 1, n_slots), pitch_hz=rng.uniform(50, 9000, n_slots), velocity=rng.uniform(0, 1, n_slots),
        expression=rng.uniform(0, 2, n_slots), voice_stage=np.where(rng.random(n_slots) < 0.3, rng.uniform(0, 8, n_slots), np.nan),
        stage=rng.uniform(0, 8, n_slots), glide_from=rng.uniform(0, 8, n_slots), glide_to=rng.uniform(0, 8, n_slots),
        glide_elapsed_s=rng.uniform(0, 0.05, n_slots), glide_time_s=rng.uniform(0, 0.1, n_slots),
        onset=np.where(rng.random(n_slots) < 0.3, rng.integers(0, period, n_slots), 0), time_s=rng.uniform(0, 3, n_slots),
        phase_rad=rng.uniform(0, 2 * np.pi, n_slots), cycles=rng.integers(0, 10**6, n_slots).astype(np.float64), inharmonicity=None, prev_amps=rng.uniform(0, 0.1, (n_slots, h)).astype(np.float32),
        prev_noise=rng.uniform(0, 0.02, (n_slots, n_bands)), prev_noise_level=rng.uniform(0, 1, n_slots),
        harmonic_gain=rng.uniform(0.2, 2.0, (n_slots, h)).astype(np.float32), timbre_shaped=rng.random(n_slots) < 0.5,
    )
    state["time_s"][~state["held"]] = state["off_time_s"][~state["held"]] + 0.1
    state["prev_amps"][::2, 3:] = 0.0  # high voices' upper harmonics fell silent: fewer active
    released_from = FrameControls(rng.uniform(0, 0.5, n_slots), rng.uniform(0, 0.3, (n_slots, h)), rng.uniform(0, 0.02, (n_slots, n_bands)), rng.uniform(0.98, 1.02, n_slots))
    tone_stage = np.array([np.nan, 3.5, np.nan])
    gain, harmonic_mix, noise_mix, noise_rate_gain, global_stage, glide_s = 0.8, 1.3, 0.7, 1.5, 6.0, 0.02
    slots = np.sort(rng.permutation(n_slots)[:14])
    n = slots.size
    tab = table.arrays._replace(inharmonicity=np.array([0.0, 3e-4, 0.0]))  # tone 1 stretched: its voices taper at their real partials
    state["inharmonicity"] = tab.inharmonicity[state["tone"]]  # each voice's B, as its note-on set it

    # The reference: the kernels one after another, NumPy between them.
    ref = {key: value.copy() for key, value in state.items()}
    t_end = ref["time_s"][slots] + period / sr
    controls = FrameControls(np.empty(n), np.empty((n, h)), np.empty((n, n_bands)), np.empty(n))
    finished = np.empty(n, bool)
    voice_controls(slots, t_end, ref["tone"], ref["held"], ref["off_time_s"], released_from, table.arrays, *controls, finished)
    silent = ref["dying"][slots] | finished
    # The velocity timbre row, multiplied into the distribution of the slots that have one.
    shaped = ref["timbre_shaped"][slots]
    controls = controls._replace(distribution=np.where(shaped[:, None], controls.distribution * ref["harmonic_gain"][slots], controls.distribution))
    stage_now = np.empty(n)
    advance_glides(slots, ref["tone"], ref["voice_stage"], tone_stage, global_stage, glide_s, period / sr, ref["stage"],
                   ref["glide_from"], ref["glide_to"], ref["glide_elapsed_s"], ref["glide_time_s"], stage_now)
    freq_hz = ref["pitch_hz"][slots] * controls.f0_ratio
    loudness = ref["velocity"][slots] * ref["expression"][slots] * gain * ~silent
    amps, n_active, amp_start = np.empty((n, h), np.float32), np.empty(n, np.int64), ref["prev_amps"][slots]
    voice_amplitudes(controls.amplitude, controls.distribution, stage_now, freq_hz, loudness * harmonic_mix, True, sr,
                     TAPER_START_FRACTION, MAX_EQUAL_BOOST, amp_start, amps, n_active, tab.inharmonicity[ref["tone"][slots]])
    omega = 2 * np.pi * freq_hz / sr
    phase = ref["phase_rad"][slots] - omega * ref["onset"][slots]
    power = np.zeros(out_band_hz.size)
    noise_power(ref["prev_noise"], slots, ref["pitch_hz"][slots] / table.f0_hz[ref["tone"][slots]], ref["prev_noise_level"][slots],
                out_band_hz, train_band_hz, power)
    expected_state = dict(ref, onset=np.where(np.isin(np.arange(n_slots), slots), 0, ref["onset"]))
    expected_state["phase_rad"][slots] = np.remainder(phase + omega * period, 2 * np.pi)
    expected_state["cycles"][slots] += np.floor((phase + omega * period) / (2 * np.pi))
    expected_state["prev_amps"][slots] = amps
    expected_state["prev_noise"][slots] = controls.noise
    expected_state["prev_noise_level"][slots] = noise_gain(stage_now, h) * loudness * noise_rate_gain * noise_mix
    expected_state["time_s"][slots] = t_end

    got = {key: value.copy() for key, value in state.items()}
    out = dict(phase=np.empty(n), cycles=np.empty(n), omega=np.empty(n), amp_start=np.empty((n, h), np.float32), amp_end=np.empty((n, h), np.float32),
               n_active=np.empty(n, np.int64), onset=np.empty(n, np.int64), power=np.zeros(out_band_hz.size), silent=np.empty(n, bool))
    advance_voices(slots, period, sr, tab, table.f0_hz, h,
                   got["tone"], got["held"], got["dying"], got["off_time_s"], released_from, got["pitch_hz"], got["velocity"], got["expression"],
                   got["voice_stage"], tone_stage, global_stage, glide_s, got["stage"], got["glide_from"], got["glide_to"],
                   got["glide_elapsed_s"], got["glide_time_s"], got["onset"], got["time_s"], got["phase_rad"], got["cycles"], got["inharmonicity"], got["prev_amps"],
                   got["prev_noise"], got["prev_noise_level"], got["harmonic_gain"], got["timbre_shaped"], gain, harmonic_mix, noise_mix, True, noise_rate_gain,
                   TAPER_START_FRACTION, MAX_EQUAL_BOOST, out_band_hz, train_band_hz, False, no_morph(n_slots, h, n_bands), scratch(h), *out.values())
    assert 0 < silent.sum() < n and 0 < (out["onset"] > 0).sum() and (out["n_active"] < h).any() and 0 < shaped.sum() < n  # every case shows
    np.testing.assert_array_equal(out["silent"], silent)
    np.testing.assert_array_equal(out["onset"], state["onset"][slots])
    np.testing.assert_array_equal(out["n_active"], n_active)
    np.testing.assert_allclose(out["phase"], phase, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out["cycles"], state["cycles"][slots])
    np.testing.assert_allclose(out["omega"], omega, rtol=1e-12)
    np.testing.assert_array_equal(out["amp_start"], amp_start)
    np.testing.assert_allclose(out["amp_end"], amps, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(out["power"], power, rtol=1e-9, atol=1e-15)
    for key in state:
        np.testing.assert_allclose(got[key], expected_state[key], rtol=1e-9, atol=1e-9, err_msg=key)
