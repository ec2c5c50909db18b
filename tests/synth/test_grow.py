"""grower-grow: file lengths, the stage layout, the other renders and the archive."""

import zipfile

import numpy as np
import pytest
import soundfile

from grower.synth.grow import main

from grower.synth.synthetic_bank import make_bank


def test_the_grown_file_is_64_stages_of_half_a_second_then_silence(tmp_path):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    audio, rate = soundfile.read(str(tmp_path / "out" / "grown_mid.wav"))
    assert rate == 48000 and audio.shape[0] == int(44.8 * 48000)
    stages = audio.reshape(64, int(0.7 * 48000))
    assert np.all(stages[:, int(0.5 * 48000):] == 0)  # every gap is silent
    assert np.all(np.abs(stages[:, 1000 : int(0.45 * 48000)]).max(axis=1) > 0.01)  # every stage sounds
    for s in (1, 3, 10):
        segment = stages[s - 1, int(0.1 * 48000) : int(0.45 * 48000)]
        magnitude = np.abs(np.fft.rfft(segment * np.hanning(segment.size)))
        freqs = np.fft.rfftfreq(segment.size, 1 / 48000)
        level = lambda hz: 20 * np.log10(magnitude[np.abs(freqs - hz) < 15].max() / magnitude.max())  # noqa: E731
        assert level(200.0 * s) > -40 and level(200.0 * (s + 1)) < -80


def test_flags_set_stage_count_length_gap_and_rate(tmp_path):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--stages", "5", "--stage-s", "0.3", "--gap-s", "0.1", "--sample-rate", "44100", "--quiet"]) == 0
    audio, rate = soundfile.read(str(tmp_path / "out" / "grown_mid.wav"))
    assert rate == 44100 and audio.shape[0] == 5 * (int(0.3 * 44100) + int(0.1 * 44100))


def test_every_output_is_written_and_zipped(tmp_path):
    make_bank(tmp_path / "bank", [("low", 110.0, 1.0, 0.02), ("mid", 200.0, 1.2, 0.0)])
    (tmp_path / "bank" / "checkpoint").mkdir()
    (tmp_path / "bank" / "checkpoint" / "state.json").write_text("{}")
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--stages", "2", "--quiet"]) == 0
    expected = {f"{kind}_{name}.wav" for kind in ("grown", "reconstruction", "harmonic", "noise") for name in ("low", "mid")}
    expected |= {"low.safetensors", "mid.safetensors", "checkpoint/state.json"}
    with zipfile.ZipFile(tmp_path / "out" / "outputs.zip") as archive:
        assert set(archive.namelist()) == expected
    for name, seconds in (("low", 1.0), ("mid", 1.2)):
        audio, rate = soundfile.read(str(tmp_path / "out" / f"reconstruction_{name}.wav"))
        assert audio.shape[0] == pytest.approx(seconds * rate, abs=rate * 0.01)
    noise, _ = soundfile.read(str(tmp_path / "out" / "noise_mid.wav"))
    assert np.abs(noise).max() == 0  # the "mid" tone has no noise
    harmonic, _ = soundfile.read(str(tmp_path / "out" / "harmonic_low.wav"))
    noise, _ = soundfile.read(str(tmp_path / "out" / "noise_low.wav"))
    full, _ = soundfile.read(str(tmp_path / "out" / "reconstruction_low.wav"))
    np.testing.assert_allclose(harmonic + noise, full, atol=3 / 32768)  # the parts sum to the whole


def test_a_missing_bank_or_tone_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "nothing"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bank.json is missing" in err[0]
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--tone", "nope"]) == 1
    assert "no tone named nope" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
