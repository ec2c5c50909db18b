"""Keys to pitches: the bank's own scale by default, Scala files through tuning-library."""

import numpy as np
import pytest

from grower.server.tuning import TuningLoadError, bank_keymap, mts_frequency_hz, scala_keymap

F0 = np.array([300.0, 110.0, 200.0])  # bank order need not be pitch order


def test_the_default_map_puts_the_tones_in_pitch_order_from_the_root_and_repeats_at_the_octave():
    keymap = bank_keymap(F0, root_key=48)
    assert [keymap.lookup(k) for k in (48, 49, 50)] == [(110.0, 1), (200.0, 2), (300.0, 0)]
    assert keymap.lookup(51) == (220.0, 1)
    assert keymap.lookup(47) == (150.0, 0)
    assert keymap.lookup(0)[0] == pytest.approx(110.0 / 2**16)


def test_a_scala_scale_retunes_keys_and_picks_the_nearest_tone(tmp_path):
    scl = tmp_path / "7edo.scl"
    scl.write_text("! 7edo.scl\n7-EDO\n 7\n!\n" + "".join(f" {1200 * i / 7:.5f}\n" for i in range(1, 7)) + " 2/1\n")
    kbm = tmp_path / "a.kbm"
    kbm.write_text("! a.kbm\n0\n0\n127\n60\n60\n110.0\n1\n")  # key 60 is degree 0 at 110 Hz
    keymap = scala_keymap(F0, scl, kbm)
    assert keymap.lookup(60) == (pytest.approx(110.0), 1)
    hz, tone = keymap.lookup(61)
    assert hz == pytest.approx(110.0 * 2 ** (1 / 7))
    assert keymap.lookup(67)[0] == pytest.approx(220.0)
    assert keymap.lookup(65) == (pytest.approx(110.0 * 2 ** (5 / 7)), 2)  # 179 Hz: nearest is 200
    assert "7-EDO" in keymap.description


def test_a_scala_scale_without_a_mapping_is_12_tet_positioned(tmp_path):
    scl = tmp_path / "12.scl"
    scl.write_text("! 12.scl\n12\n 12\n!\n" + "".join(f" {100.0 * i:.1f}\n" for i in range(1, 12)) + " 2/1\n")
    keymap = scala_keymap(F0, scl)
    assert keymap.lookup(69)[0] == pytest.approx(440.0)


@pytest.mark.parametrize("text", ["", "! only a comment\n", "! x\nname\n 3\n!\n 100.0\n"])
def test_broken_scala_files_are_one_line_errors_naming_the_file(tmp_path, text):
    scl = tmp_path / "broken.scl"
    scl.write_text(text)
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, scl)
    assert str(error.value).startswith(str(scl)) and "\n" not in str(error.value)


def test_mts_frequency_words():
    assert mts_frequency_hz(69, 0, 0) == pytest.approx(440.0)
    assert mts_frequency_hz(60, 64, 0) == pytest.approx(261.6256 * 2 ** (0.5 / 12), rel=1e-6)
    assert mts_frequency_hz(0x7F, 0x7F, 0x7F) is None
