"""The velocity timbre table grower-train exports: the decoder's where it is monotonic, stable and
large enough, a tilt otherwise; bounded either way."""

import contextlib
import io
import json

import numpy as np
import pytest
import soundfile

from grower.synth.bank import VELOCITY_OFFSET_DB, VELOCITY_TIMBRE_DB, load_bank
from grower.synth.velocity_timbre import DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB, MAX_TIMBRE_DB, OFFSETS_DB, harmonic_centroid, tilt_table
from grower.training.cli import main as train
from grower.training.velocity_timbre import MIN_RISE, judge, recorded_tilt, table_from_distributions

from ..conftest import harmonic_tone

SR = 22050
OFFSETS = np.asarray(OFFSETS_DB)
REFERENCE = (1.0 / np.arange(1, 33)) / np.sum(1.0 / np.arange(1, 33))


def swell(f0_hz: float, tilt_db_per_octave_per_10db: float = 4.0, n_harmonics: int = 20) -> np.ndarray:
    """[3 s] a tone swelling from -30 dB to 0 dB, held, and fading back: harmonic k at level L dB (L <= 0) is
    (1/k) * 10^((L + tilt * log2(k) * L / 10) / 20), so it is darker the softer it is, as a wind or brass player's."""
    t = np.arange(int(3.0 * SR)) / SR
    level_db = np.interp(t, [0.0, 1.2, 2.2, 3.0], [-30.0, 0.0, 0.0, -30.0])
    audio = np.zeros_like(t)
    for k in range(1, n_harmonics + 1):
        if k * f0_hz < 0.45 * SR:
            audio += 10 ** ((level_db + tilt_db_per_octave_per_10db * np.log2(k) * level_db / 10.0) / 20.0) * np.sin(2 * np.pi * k * f0_hz * t) / k
    return (0.3 * audio / np.abs(audio).max()).astype(np.float32)


def test_a_table_whose_brightness_rises_smoothly_with_loudness_is_kept():
    why, rise = judge(tilt_table(OFFSETS, 32), OFFSETS, REFERENCE)
    assert why == "" and rise > MIN_RISE


def test_a_table_that_barely_changes_brightness_is_not_kept():
    why, rise = judge(tilt_table(OFFSETS, 32, 0.05), OFFSETS, REFERENCE)
    assert 0 < rise < MIN_RISE and why.startswith("its brightness rises only")


def test_a_table_that_darkens_with_loudness_somewhere_is_not_kept():
    table = tilt_table(OFFSETS, 32)
    table[-1] = table[-3]  # the loudest row is darker than the one before it
    why, _ = judge(table, OFFSETS, REFERENCE)
    assert why.startswith("its brightness does not rise with loudness at every step")


def test_a_table_with_wild_swings_between_harmonics_is_not_kept():
    table = tilt_table(OFFSETS, 32)
    table[:, 1::2] += OFFSETS[:, None] * 0.8  # odd harmonics swing 19 dB apart from their neighbours at -24 dB
    why, _ = judge(table, OFFSETS, REFERENCE)
    assert why.startswith("adjacent harmonics' changes differ by")


def test_the_table_is_relative_to_the_unshifted_decode_and_quiet_harmonics_take_their_neighbours_change():
    distributions = np.repeat(REFERENCE[None, None], 6, axis=0).repeat(10, axis=1)  # [L, F, H]
    distributions[:, :, -1] = 1e-9  # the top harmonic: far below the floor
    distributions[0, :, 5] *= 10 ** (-6 / 20)  # at -24 dB, harmonic 6 is 6 dB lower
    distributions[0, :, -1] *= 1e6  # the quiet one's own ratio is noise ...
    table = table_from_distributions(distributions, slice(2, 8), unshifted=4)
    np.testing.assert_allclose(table[4], 0.0, atol=1e-9)
    assert table[0, 5] == pytest.approx(-6.0)
    assert table[0, -1] == table[0, -2]  # ... so it takes its neighbour's
    assert np.abs(table).max() <= MAX_TIMBRE_DB


def test_the_recordings_own_tilt_is_measured_from_frames_of_different_loudness():
    loudness_db = np.linspace(-30.0, 0.0, 40)
    octaves = np.log2(np.arange(1, 17))
    amplitudes = REFERENCE[None, :16] * 10 ** ((loudness_db[:, None] + 4.0 * octaves[None] * loudness_db[:, None] / 10.0) / 20.0)
    assert recorded_tilt(amplitudes, loudness_db, np.arange(40)) == pytest.approx(4.0, rel=1e-6)
    assert recorded_tilt(amplitudes, loudness_db, np.arange(4)) is None  # too few frames to tell
    flat = np.repeat(REFERENCE[None, :16], 40, axis=0) * 10 ** (loudness_db[:, None] / 20.0)
    assert recorded_tilt(flat, loudness_db, np.arange(40)) is None  # no tilt to measure


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A bank of a swell (brighter when louder) and a steady tone (one loudness only), trained by grower-train."""
    import torch

    folder = tmp_path_factory.mktemp("dynamics")
    tones = folder / "tones"
    tones.mkdir()
    soundfile.write(str(tones / "swell.wav"), swell(220.0), SR)
    soundfile.write(str(tones / "steady.wav"), harmonic_tone(330.0, 2.0, SR), SR)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            assert train([str(tones), "--out", str(folder / "bank"), "--steps", "30", "--quiet", "--no-cache"]) == 0
    finally:
        torch.set_num_threads(threads)
    return folder / "bank"


def test_grower_train_keeps_the_decoders_table_where_the_recording_shows_brightness_following_loudness(trained):
    bank = load_bank(trained)
    tone = bank.tone("swell")
    assert tone.entry.velocity_timbre == "decoder"
    table, offsets = tone.tensors[VELOCITY_TIMBRE_DB], tone.tensors[VELOCITY_OFFSET_DB]
    np.testing.assert_array_equal(offsets, np.asarray(OFFSETS_DB, np.float32))
    assert table.shape == (len(OFFSETS_DB), bank.header.n_harmonics) and np.abs(table).max() <= MAX_TIMBRE_DB
    np.testing.assert_array_equal(table[OFFSETS_DB.index(0.0)], 0.0)
    centroids = harmonic_centroid(tone.controls["harmonic_distribution"].mean(axis=0)[None] * 10 ** (table / 20))
    assert np.all(np.diff(centroids) > 0) and centroids[-1] / centroids[0] - 1 >= MIN_RISE, centroids


def test_grower_train_writes_a_tilt_where_the_recording_has_one_loudness(trained):
    document = json.loads((trained / "bank.json").read_text())
    assert {t["name"]: t["velocity_timbre"] for t in document["tones"]}["steady"] == "tilt"
    tone = load_bank(trained).tone("steady")
    table = tone.tensors[VELOCITY_TIMBRE_DB]
    # A steady tone's attack and release say nothing of its dynamics: the default tilt, no steeper.
    np.testing.assert_allclose(table, tilt_table(OFFSETS_DB, table.shape[1], DEFAULT_TILT_DB_PER_OCTAVE_PER_10DB), atol=1e-5)
