"""The one WAV writer: whole renders scaled rather than clipped, streams renamed into place only when complete."""

import numpy as np
import pytest
import soundfile

from grower.synth.wav import PEAK, WavStream, write_wav


def test_a_render_that_would_clip_is_scaled_to_the_peak_not_clipped(tmp_path):
    t = np.arange(4800) / 48000
    audio = 2.0 * np.sin(2 * np.pi * 440 * t)
    gain_db = write_wav(tmp_path / "loud.wav", audio, 48000)
    back, sr = soundfile.read(tmp_path / "loud.wav")
    assert sr == 48000 and soundfile.info(tmp_path / "loud.wav").subtype == "PCM_24"
    assert gain_db == pytest.approx(20 * np.log10(PEAK / 2.0), abs=1e-4)
    np.testing.assert_allclose(back, audio * PEAK / 2.0, atol=1e-5)  # the shape is kept: a sine, not a square


def test_a_quiet_render_is_written_as_it_is(tmp_path):
    audio = 0.25 * np.ones(100)
    assert write_wav(tmp_path / "q.wav", audio, 22050) == 0.0
    np.testing.assert_allclose(soundfile.read(tmp_path / "q.wav")[0], audio, atol=1e-6)


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path):
    target = tmp_path / "keep.wav"
    write_wav(target, 0.1 * np.ones(10), 8000)
    with pytest.raises(Exception):
        write_wav(target, 0.1 * np.ones(10), 0)  # soundfile refuses a zero rate
    np.testing.assert_allclose(soundfile.read(target)[0], 0.1, atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]


def test_a_stream_appears_only_when_closed_and_an_aborted_one_leaves_nothing(tmp_path):
    target = tmp_path / "rec.wav"
    with WavStream(target, 48000) as stream:
        stream.write(np.full(64, 1.5, np.float32))  # float: overs are kept, never clipped
        assert not target.exists() and stream.part.exists()
    back, _ = soundfile.read(target, dtype="float32")
    assert back.shape == (64,) and np.all(back == 1.5)
    with pytest.raises(RuntimeError):
        with WavStream(tmp_path / "gone.wav", 48000) as stream:
            stream.write(np.zeros(8, np.float32))
            raise RuntimeError("stopped")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.wav"]


def test_written_files_and_folders_get_the_permissions_a_plain_open_would_give(tmp_path):
    import os

    from grower.synth.atomic import atomic_directory

    mask = os.umask(0o022)
    try:
        write_wav(tmp_path / "shared.wav", np.zeros(10), 8000)
        with atomic_directory(tmp_path / "folder") as folder:
            (folder / "x").write_text("x")
    finally:
        os.umask(mask)
    assert (tmp_path / "shared.wav").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "folder").stat().st_mode & 0o777 == 0o755
