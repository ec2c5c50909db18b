"""Reading recordings: formats, channels, rates, and one-line reasons for bad files."""

import numpy as np
import pytest
import soundfile

from grower.training.config import FeatureConfig
from grower.training.tone_file import NoTonesError, ToneFileError, find_tone_files, read_tone

from ..conftest import harmonic_tone

CONFIG = FeatureConfig()


@pytest.mark.parametrize("fmt,rate", [("wav", 44100), ("flac", 48000), ("aiff", 96000), ("ogg", 32000), ("wav", 22050)])
def test_any_format_and_rate_is_read_downmixed_and_resampled(tmp_path, fmt, rate):
    stereo = np.stack([harmonic_tone(300.0, 0.8, rate), 0.5 * harmonic_tone(300.0, 0.8, rate)], axis=1)
    path = tmp_path / f"tone.{fmt}"
    soundfile.write(str(path), stereo, rate)
    tone = read_tone(path, CONFIG)
    assert tone.audio.ndim == 1 and tone.audio.dtype == np.float32
    assert tone.duration_s == pytest.approx(0.8, abs=0.01)
    assert tone.source_sample_rate == rate


def test_a_text_file_is_not_audio(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("C D E")
    with pytest.raises(ToneFileError, match="not a readable audio file"):
        read_tone(path, CONFIG)


def test_a_truncated_wav_is_named_truncated(tmp_path):
    path = tmp_path / "cut.wav"
    soundfile.write(str(path), harmonic_tone(300.0, 1.0), 22050, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ToneFileError, match="truncated"):
        read_tone(path, CONFIG)


def test_a_wav_with_a_garbage_body_is_rejected(tmp_path):
    path = tmp_path / "garbage.wav"
    path.write_bytes(b"RIFF\x00\x10\x00\x00WAVEjunk" + bytes(range(256)) * 8)
    with pytest.raises(ToneFileError):
        read_tone(path, CONFIG)


def test_silence_and_short_files_are_rejected(tmp_path):
    silent, short = tmp_path / "silent.wav", tmp_path / "short.wav"
    soundfile.write(str(silent), np.zeros(22050, np.float32), 22050)
    soundfile.write(str(short), harmonic_tone(300.0, 0.3), 22050)
    with pytest.raises(ToneFileError, match="silent"):
        read_tone(silent, CONFIG)
    with pytest.raises(ToneFileError, match="too short: 0.30 s"):
        read_tone(short, CONFIG)


def test_missing_and_empty_folders_are_reported(tmp_path):
    with pytest.raises(NoTonesError, match="no such file or directory"):
        find_tone_files(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoTonesError, match="the folder is empty"):
        find_tone_files(tmp_path / "empty")
