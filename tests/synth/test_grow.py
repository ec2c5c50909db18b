"""grower-grow: file lengths, the stage layout, the other renders, the archive, and the outputs it refuses."""

import errno
import os
import zipfile

import numpy as np
import pytest
import soundfile

from grower.synth import grow_cli
from grower.synth.bank import CHECKPOINT_DIR, load_bank
from grower.synth.grow_cli import main
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
    expected |= {"bank.json", "low.safetensors", "mid.safetensors", "checkpoint/state.json"}
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


def test_the_stage_count_defaults_to_the_banks_harmonics_and_more_is_refused(tmp_path, capsys):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)], n_harmonics=16)
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--stage-s", "0.1", "--gap-s", "0.05", "--quiet"]) == 0
    audio, rate = soundfile.read(str(tmp_path / "out" / "grown_mid.wav"))
    assert audio.shape[0] == 16 * (int(0.1 * rate) + int(0.05 * rate))
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "more"), "--stages", "17", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--stages 17 is more than the 16 harmonics" in err[0]
    assert not (tmp_path / "more").exists()


def test_the_zip_unpacks_to_a_loadable_bank_with_its_renders(tmp_path):
    source = make_bank(tmp_path / "bank", [("low", 110.0, 1.0, 0.02), ("mid", 200.0, 1.2, 0.0), ("high", 300.0, 1.0, 0.0)])
    (tmp_path / "bank" / CHECKPOINT_DIR).mkdir()
    (tmp_path / "bank" / CHECKPOINT_DIR / "state.json").write_text('{"step": 3}')
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--stages", "1", "--stage-s", "0.1", "--tone", "mid", "--tone", "low", "--quiet"]) == 0
    with zipfile.ZipFile(tmp_path / "out" / "outputs.zip") as archive:
        archive.extractall(tmp_path / "unzipped")
    for folder in (tmp_path / "unzipped", tmp_path / "out"):  # the zip, and the folder it came from, are banks of the grown tones
        bank = load_bank(folder)
        assert [t.entry.name for t in bank.tones] == ["low", "mid"] and bank.header == source.header
        for tone in bank.tones:
            original = source.tone(tone.entry.name)
            assert tone.entry.file == f"{tone.entry.name}.safetensors" and (folder / f"grown_{tone.entry.name}.wav").is_file()
            assert tone.tensors.keys() == original.tensors.keys()
            for key, value in tone.tensors.items():
                np.testing.assert_array_equal(value, original.tensors[key])
        assert (folder / CHECKPOINT_DIR / "state.json").read_text() == '{"step": 3}'


@pytest.mark.parametrize("case", ["file", "other_folder", "the_bank"])
def test_an_out_that_is_not_a_grown_folder_is_refused_and_left_alone(tmp_path, capsys, case):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    out = {"file": tmp_path / "notes.txt", "other_folder": tmp_path / "photos", "the_bank": tmp_path / "bank"}[case]
    if case == "file":
        out.write_text("keep me")
    elif case == "other_folder":
        out.mkdir()
        (out / "cat.jpg").write_bytes(b"keep me")
    before = {p: p.read_bytes() for p in ([out] if out.is_file() else sorted(out.rglob("*"))) if p.is_file()}
    assert main([str(tmp_path / "bank"), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"grower-grow: {out}: ") and "Traceback" not in err[0]
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # nothing renamed aside


def test_an_earlier_output_is_replaced_whole(tmp_path):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    args = [str(tmp_path / "bank"), "--out", str(tmp_path / "out"), "--stages", "1", "--stage-s", "0.1", "--quiet"]
    assert main(args) == 0
    (tmp_path / "out" / "stale.wav").write_bytes(b"old")
    assert main(args) == 0
    assert not (tmp_path / "out" / "stale.wav").exists() and load_bank(tmp_path / "out").tones[0].entry.name == "mid"


def test_a_full_disk_or_an_unwritable_place_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    make_bank(tmp_path / "bank", [("mid", 200.0, 1.0, 0.0)])
    args = ["--stages", "1", "--stage-s", "0.1", "--quiet"]
    (tmp_path / "a_file").write_text("x")
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "a_file" / "out"), *args]) == 1  # its parent is a file: fails for root too
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write it" in err[0]

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(grow_cli, "write_grown_bank", full)
    assert main([str(tmp_path / "bank"), "--out", str(tmp_path / "out"), *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0] == f"grower-grow: {tmp_path / 'out'}: cannot write it (No space left on device); nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "bank"]


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        grow_cli.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: grown)", "(default: 0.5)", "(default: 0.2)", "(default: 48000)", "(default: equal)"):
        assert default in text, default
