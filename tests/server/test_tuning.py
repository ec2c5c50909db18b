"""Keys to pitches: the bank's own scale by default, Scala files through tuning-library."""

import numpy as np
import pytest

from grower.server.tuning import TuningLoadError, bank_keymap, mts_frequency_hz, scala_keymap

F0 = np.array([300.0, 110.0, 200.0])  # bank order need not be pitch order


def test_the_default_map_puts_the_tones_in_pitch_order_from_the_root_and_repeats_above_the_highest():
    keymap = bank_keymap(F0, root_key=48)
    assert [keymap.lookup(k) for k in (48, 49, 50)] == [(110.0, 1), (200.0, 2), (300.0, 0)]
    # 110..300 Hz spans 1.45 octaves: the scale repeats two octaves up, so key 51 is above key 50.
    assert keymap.lookup(51) == (440.0, 1)
    assert keymap.lookup(47) == (75.0, 0)
    assert keymap.lookup(0)[0] == pytest.approx(110.0 / 4**16)


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


TWELVE = "! 12.scl\n12\n 12\n!\n" + "".join(f" {100.0 * i:.1f}\n" for i in range(1, 12)) + " 2/1\n"


def one_line_naming(error, path) -> str:
    text = str(error.value)
    assert text.startswith(str(path)) and "\n" not in text, text
    assert "Errno" not in text and "Error" not in text.split(":", 1)[0] and "(b'" not in text, text
    return text


@pytest.mark.parametrize("degree", ["-3/2", "-2/1"])
def test_a_negative_scala_ratio_is_refused_naming_the_degree(tmp_path, degree):
    scl = tmp_path / "negative.scl"
    scl.write_text(f"! negative.scl\nnegative\n 2\n!\n {degree}\n 2/1\n")
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, scl)
    assert f"degree 1 ({degree}) is not a positive interval" in one_line_naming(error, scl)


@pytest.mark.parametrize("line", ["0/1", "1/0"])
def test_a_zero_scala_ratio_is_refused(tmp_path, line):
    scl = tmp_path / "zero.scl"
    scl.write_text(f"! zero.scl\nzero\n 2\n!\n {line}\n 2/1\n")
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, scl)
    assert "not a usable .scl file" in one_line_naming(error, scl)


def test_a_directory_given_as_scl_is_refused(tmp_path):
    (tmp_path / "dir.scl").mkdir()
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, tmp_path / "dir.scl")
    assert one_line_naming(error, tmp_path / "dir.scl").endswith("is a directory, not a .scl file")


def test_a_fifo_given_as_scl_or_kbm_is_refused_without_blocking(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo.scl")
    os.mkfifo(tmp_path / "fifo.kbm")
    (tmp_path / "12.scl").write_text(TWELVE)
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, tmp_path / "fifo.scl")  # a blocking open would never return: nothing writes to the FIFO
    assert one_line_naming(error, tmp_path / "fifo.scl").endswith("is a FIFO, not a .scl file")
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, tmp_path / "12.scl", tmp_path / "fifo.kbm")
    assert one_line_naming(error, tmp_path / "fifo.kbm").endswith("is a FIFO, not a .kbm file")


@pytest.mark.parametrize("kind", ["scl", "kbm"])
def test_files_that_are_not_utf8_are_refused(tmp_path, kind):
    (tmp_path / "12.scl").write_text(TWELVE)
    bad = tmp_path / f"bad.{kind}"
    bad.write_bytes(b"! bad\n\xff\xfe\n 1\n!\n 2/1\n")
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, bad) if kind == "scl" else scala_keymap(F0, tmp_path / "12.scl", bad)
    assert one_line_naming(error, bad).endswith("is not UTF-8 text (byte 6 is 0xff)")


def test_a_huge_scl_file_is_refused_unread(tmp_path):
    from grower.server.tuning import MAX_TUNING_FILE_BYTES

    huge = tmp_path / "huge.scl"
    with open(huge, "wb") as f:
        f.truncate(MAX_TUNING_FILE_BYTES + 1)  # sparse: nothing to read
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, huge)
    assert "more than a .scl file may be" in one_line_naming(error, huge)


def test_a_mapping_that_gives_keys_no_frequency_is_refused(tmp_path):
    (tmp_path / "12.scl").write_text(TWELVE)
    kbm = tmp_path / "zero.kbm"
    kbm.write_text("! zero.kbm\n0\n0\n127\n60\n69\n0\n1\n")  # reference frequency 0 Hz
    with pytest.raises(TuningLoadError) as error:
        scala_keymap(F0, tmp_path / "12.scl", kbm)
    assert "gives key 0 no usable frequency (0 Hz)" in one_line_naming(error, kbm)
