"""Velocity timbre: the definition (grower.synth.velocity_timbre), its bank table, and the renderer playing it."""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from grower.synth.bank import VELOCITY_OFFSET_DB, VELOCITY_TIMBRE_DB, BankError, load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_centroid_hz
from grower.synth.synthetic_bank import make_bank
from grower.synth.velocity_timbre import (
    DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB,
    MAX_TIMBRE_DB,
    OFFSETS_DB,
    harmonic_centroid,
    harmonic_gain,
    harmonic_gains,
    loudness_offset_db,
    row_db,
    tilt_table,
)

from .test_bank import tiny_bank

SR = 48000


# -- the definition ---------------------------------------------------------------------


def test_velocity_is_a_loudness_offset_in_db_from_the_recording():
    np.testing.assert_allclose(loudness_offset_db([1.0, 0.5, 30 / 127]), [0.0, -6.0206, -12.5336], atol=1e-4)
    assert loudness_offset_db(0.0) == pytest.approx(-120.0)


def test_the_tilt_lowers_harmonic_k_by_the_tilt_times_its_octaves_per_10_db_softer():
    table = tilt_table(OFFSETS_DB, 16)
    softer = OFFSETS_DB.index(-12.0)
    np.testing.assert_allclose(table[softer, [0, 1, 3, 7, 15]], -DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB * 1.2 * np.array([0, 1, 2, 3, 4]))
    np.testing.assert_array_equal(table[OFFSETS_DB.index(0.0)], 0.0)
    assert np.abs(tilt_table([-60.0, 60.0], 64, 6.0)).max() == MAX_TIMBRE_DB  # clipped


def test_a_row_is_interpolated_between_levels_and_clamped_at_the_ends():
    table = np.array([[-6.0, 0.0], [0.0, 0.0], [6.0, 3.0]])
    offsets = np.array([-12.0, 0.0, 6.0])
    np.testing.assert_allclose(row_db(table, offsets, -3.0), [-1.5, 0.0])
    np.testing.assert_allclose(row_db(table, offsets, 3.0), [3.0, 1.5])
    np.testing.assert_allclose(row_db(table, offsets, -40.0), [-6.0, 0.0])
    np.testing.assert_allclose(row_db(table, offsets, 40.0), [6.0, 3.0])


def test_the_gain_row_keeps_the_tones_harmonic_power_and_brightens_with_velocity():
    reference = 1.0 / np.arange(1, 33)
    reference /= reference.sum()
    table = tilt_table(OFFSETS_DB, 32)
    centroids = []
    for velocity in (0.1, 0.25, 0.5, 0.75, 1.0):
        gain = harmonic_gain(table, OFFSETS_DB, velocity, 1.0, reference)
        assert gain.dtype == np.float32 and gain.shape == (32,)
        assert np.sum((reference * gain) ** 2) == pytest.approx(np.sum(reference**2), rel=1e-5)
        centroids.append(harmonic_centroid(reference * gain))
    assert np.all(np.diff(centroids) > 0), centroids
    twice = harmonic_gain(table, OFFSETS_DB, 0.25, 2.0, reference)
    once = harmonic_gain(table, OFFSETS_DB, 0.25, 1.0, reference)
    assert harmonic_centroid(reference * twice) < harmonic_centroid(reference * once)  # the amount scales the change


def test_amount_0_is_a_row_of_exact_ones():
    gain = harmonic_gain(tilt_table(OFFSETS_DB, 8), OFFSETS_DB, 0.2, 0.0, np.full(8, 1 / 8))
    assert gain.dtype == np.float32 and np.all(gain == 1.0)


# -- the bank table -------------------------------------------------------------------------


def timbre_arrays(table=None, offsets=OFFSETS_DB):
    return {VELOCITY_TIMBRE_DB: np.asarray(tilt_table(offsets, 4) if table is None else table, np.float32),
            VELOCITY_OFFSET_DB: np.asarray(offsets, np.float32)}


def test_a_velocity_timbre_table_round_trips_with_its_source(tmp_path):
    arrays = timbre_arrays()
    tiny_bank(tmp_path, extra_arrays=arrays, velocity_timbre="tilt")
    assert json.loads((tmp_path / "bank.json").read_text())["tones"][0]["velocity_timbre"] == "tilt"
    tone = load_bank(tmp_path).tones[0]
    assert tone.entry.velocity_timbre == "tilt"
    np.testing.assert_array_equal(tone.tensors[VELOCITY_TIMBRE_DB], arrays[VELOCITY_TIMBRE_DB])
    np.testing.assert_array_equal(tone.tensors[VELOCITY_OFFSET_DB], arrays[VELOCITY_OFFSET_DB])


def test_a_bank_without_a_table_loads_and_plays_velocity_as_gain_only(tmp_path):
    tiny_bank(tmp_path)
    assert "velocity_timbre" not in json.loads((tmp_path / "bank.json").read_text())["tones"][0]
    bank = load_bank(tmp_path)
    assert bank.tones[0].entry.velocity_timbre is None
    renderer = Renderer(bank, RenderConfig(sample_rate=SR))
    renderer.note_on(0, 220.0, 0.3)
    renderer.render(256)
    assert not renderer.voices.timbre_shaped.any() and np.all(renderer.voices.harmonic_gain == 1.0)


@pytest.mark.parametrize("source,arrays,message", [
    ("tilt", {VELOCITY_OFFSET_DB: np.asarray(OFFSETS_DB, np.float32)}, "velocity_timbre is 'tilt' but the tone file has no velocity.timbre_db"),
    (None, timbre_arrays(), "the tone file has velocity.timbre_db but its bank.json entry names no velocity_timbre source"),
    ("decoder", timbre_arrays(table=np.zeros((6, 3))), r"velocity.timbre_db has shape \(6, 3\), expected \(6, 4\)"),
    ("decoder", timbre_arrays(table=np.zeros((1, 4)), offsets=[0.0]), "velocity.offset_db must hold at least 2 levels, not 1"),
    ("decoder", timbre_arrays(offsets=[-24.0, -6.0, -12.0, 0.0, 3.0, 6.0]), "velocity.offset_db must be strictly increasing"),
    ("decoder", timbre_arrays(offsets=[-90.0, -18.0, -12.0, -6.0, 0.0, 6.0]), "velocity.offset_db must lie within"),
    ("decoder", timbre_arrays(table=np.full((6, 4), 31.0)), "velocity.timbre_db must lie within \\+-30 dB, not 31.0"),
    ("decoder", timbre_arrays(table=np.full((6, 4), np.nan)), "velocity.timbre_db holds NaN or infinite values"),
    ("decoder", {**timbre_arrays(), VELOCITY_TIMBRE_DB: np.zeros((6, 4), np.int32)}, "velocity.timbre_db must be floating point"),
])
def test_a_bad_velocity_timbre_table_is_a_one_line_bank_error_naming_the_tone_and_field(tmp_path, source, arrays, message):
    tiny_bank(tmp_path, extra_arrays=timbre_arrays(), velocity_timbre="tilt")
    path = tmp_path / "tones" / "t.safetensors"
    tensors = {k: v for k, v in load_file(str(path)).items() if not k.startswith("velocity.")}
    save_file({**tensors, **arrays}, str(path))
    document = json.loads((tmp_path / "bank.json").read_text())
    document["tones"][0].pop("velocity_timbre")
    if source is not None:
        document["tones"][0]["velocity_timbre"] = source
    (tmp_path / "bank.json").write_text(json.dumps(document))
    with pytest.raises(BankError, match=message) as error:
        load_bank(tmp_path)
    assert str(error.value).startswith(f"{tmp_path}: t: ") and "\n" not in str(error.value)


def test_an_unknown_velocity_timbre_source_is_a_bank_error(tmp_path):
    tiny_bank(tmp_path, extra_arrays=timbre_arrays(), velocity_timbre="tilt")
    document = json.loads((tmp_path / "bank.json").read_text())
    document["tones"][0]["velocity_timbre"] = "guess"
    (tmp_path / "bank.json").write_text(json.dumps(document))
    with pytest.raises(BankError, match="t: velocity_timbre must be one of decoder, tilt, not 'guess'"):
        load_bank(tmp_path)


# -- the renderer ---------------------------------------------------------------------------


@pytest.fixture
def banks(tmp_path):
    """(with tables, without): the same two tones of 64 harmonics at 1/k, with and without the default tilt table."""
    tones = [("low", 110.0, 1.5, 0.01), ("mid", 200.0, 1.5, 0.01)]
    return make_bank(tmp_path / "with", tones, velocity_timbre=True), make_bank(tmp_path / "without", tones)


def play(bank, amount, velocities=(0.2, 0.5, 0.9), seconds=0.5, block=100, change=None):
    """A chord at the velocities; change(renderer) between the blocks, half way. Returns [n] float32."""
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(velocity_timbre=amount))
    for i, velocity in enumerate(velocities):
        renderer.note_on(i % 2, 110.0 * (i + 1), velocity, at_sample=37 * i)
    blocks = []
    for b in range(int(seconds * SR) // block):
        if change is not None and b == int(seconds * SR) // block // 2:
            change(renderer)
        blocks.append(renderer.render(block))
    return np.concatenate(blocks)


def test_amount_0_plays_bit_for_bit_as_velocity_only_gain(banks):
    shaped, plain = banks
    np.testing.assert_array_equal(play(shaped, 0.0), play(plain, 1.0))
    assert not np.array_equal(play(shaped, 1.0), play(plain, 1.0))


def held_centroid(bank, velocity, amount, pitch_hz=200.0):
    """The harmonic centroid (Hz) and RMS of tone "mid" held 0.6 s at velocity, over its last 0.4 s."""
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(noise_mix=0.0, velocity_timbre=amount))
    renderer.note_on(1, pitch_hz, velocity)
    audio = renderer.render(int(0.6 * SR))[int(0.2 * SR):]
    return harmonic_centroid_hz(audio, pitch_hz, SR, 40), float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def test_softer_notes_are_darker_and_keep_the_level_law(banks):
    shaped, plain = banks
    centroids, levels_db = [], []
    for velocity in (30, 60, 90, 120):
        centroid, rms = held_centroid(shaped, velocity / 127, 1.0)
        _, plain_rms = held_centroid(plain, velocity / 127, 1.0)
        centroids.append(centroid)
        levels_db.append(20 * np.log10(rms / plain_rms))
    assert np.all(np.diff(centroids) > 0) and centroids[-1] / centroids[0] > 1.15, centroids
    assert np.abs(levels_db).max() < 0.5, levels_db  # the level still follows velocity alone


def test_a_new_amount_reaches_the_sounding_voices_at_the_next_boundary(banks):
    shaped, _ = banks
    changed = play(shaped, 1.0, velocities=(0.3,), seconds=0.6, change=lambda r: r.set_velocity_timbre(0.0))
    plain = play(shaped, 0.0, velocities=(0.3,), seconds=0.6)
    shaped_all_along = play(shaped, 1.0, velocities=(0.3,), seconds=0.6)
    half = int(0.3 * SR) // 100 * 100
    np.testing.assert_array_equal(changed[:half], shaped_all_along[:half])
    late = slice(half + 4 * 128, None)  # a period on, the old amplitudes have ramped out
    np.testing.assert_allclose(changed[late], plain[late], atol=1e-6)


def test_a_voices_row_stays_its_note_on_tones_when_it_moves_between_tones_and_the_amount_changes(tmp_path):
    tones = [("low", 110.0, 1.5, 0.01), ("mid", 200.0, 1.5, 0.01)]
    bank = make_bank(tmp_path / "bank", tones, velocity_timbre=True)
    renderer = Renderer(bank, RenderConfig(sample_rate=SR), RenderParams(velocity_timbre=1.0, transpose="envelope"))
    voices = [renderer.note_on(0, 110.0, v) for v in (0.2, 0.4, 0.6, 0.8)]
    renderer.render(256)
    for voice in voices:  # up onto "mid": envelope mode moves the voices onto it
        renderer.set_voice(voice, pitch_hz=200.0)
    renderer.set_velocity_timbre(1.5)
    renderer.set_velocity_timbre(2.0)  # two changes in one period: the rows are made once, at the last
    renderer.render(256)
    s = renderer.voices
    slots = [s.slot_of(voice) for voice in voices]
    assert all(s.tone[v] == 1 for v in slots)
    table = renderer.table.velocity_timbre[0]
    expected = harmonic_gains(*table, s.velocity[slots], 2.0, renderer.table.timbre_reference[0])
    np.testing.assert_array_equal(s.harmonic_gain[slots], expected)
    for row, velocity in zip(expected, (0.2, 0.4, 0.6, 0.8)):
        np.testing.assert_allclose(row, harmonic_gain(*table, velocity, 2.0, renderer.table.timbre_reference[0]), rtol=1e-6)


def test_a_bad_amount_is_refused_naming_it(banks):
    shaped, _ = banks
    renderer = Renderer(shaped, RenderConfig(sample_rate=SR))
    for amount in (-0.1, 4.5, float("nan")):
        with pytest.raises(ValueError, match="velocity_timbre must be within 0..4"):
            renderer.set_velocity_timbre(amount)
    with pytest.raises(ValueError, match="velocity_timbre must be within 0..4"):
        RenderParams(velocity_timbre=9.0)
