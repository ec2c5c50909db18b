"""grower-train end to end: bad input, the bank it writes, re-runs, resume and Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile
from safetensors.numpy import load_file

from grower.synth.bank import load_bank, write_bank
from grower.training.cli import main

from ..conftest import harmonic_tone


def run(*args):
    return main([str(a) for a in args] + ["--quiet"])


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


# -- bad input ---------------------------------------------------------------------


def make_bad(kind, folder):
    path = folder / {"non_audio": "notes.txt", "corrupt": "corrupt.wav", "truncated": "truncated.wav", "silent": "silent.wav", "noise": "noise.wav", "chord": "chord.wav", "short": "short.wav"}[kind]
    if kind == "non_audio":
        path.write_text("this is not a recording\n")
    elif kind == "corrupt":
        path.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt " + os.urandom(2000))
    elif kind == "truncated":
        soundfile.write(str(path), harmonic_tone(300.0, 1.0), 22050, subtype="PCM_16")
        path.write_bytes(path.read_bytes()[:20000])
    elif kind == "silent":
        soundfile.write(str(path), np.zeros(22050, np.float32), 22050)
    elif kind == "noise":
        soundfile.write(str(path), np.random.default_rng(0).uniform(-0.3, 0.3, 22050).astype(np.float32), 22050)
    elif kind == "chord":
        t = np.arange(22050) / 22050
        soundfile.write(str(path), (0.1 * sum(np.sin(2 * np.pi * 261.63 * 2 ** (s / 12) * t) for s in (0, 4, 7))).astype(np.float32), 22050)
    elif kind == "short":
        soundfile.write(str(path), harmonic_tone(300.0, 0.3), 22050)
    return path


REASONS = {
    "non_audio": "not a readable audio file",
    "corrupt": "audio",
    "truncated": "truncated",
    "silent": "silent",
    "noise": "no stable pitch",
    "chord": "no stable pitch",
    "short": "too short",
}


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_bad_file_gets_one_line_and_the_good_tones_still_train(tmp_path, write_tone, capsys, kind):
    write_tone("good", 220.0)
    bad = make_bad(kind, tmp_path / "tones")
    code = run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2")
    err = capsys.readouterr().err
    assert code == 0
    assert lines(err) == [line for line in lines(err) if line.startswith(f"skipped {bad}: ")]
    assert len(lines(err)) == 1 and REASONS[kind] in err
    assert "Traceback" not in err
    assert [t.entry.name for t in load_bank(tmp_path / "bank").tones] == ["good"]


@pytest.mark.parametrize("case", ["missing", "empty", "only_bad"])
def test_nothing_usable_exits_non_zero_with_one_line(tmp_path, capsys, case):
    folder = tmp_path / "tones"
    if case != "missing":
        folder.mkdir()
    if case == "only_bad":
        make_bad("silent", folder)
    code = run(folder, "--out", tmp_path / "bank")
    err = capsys.readouterr().err
    assert code == 1
    expected = {"missing": "no such file or directory", "empty": "the folder is empty", "only_bad": "no usable tones"}[case]
    assert expected in lines(err)[-1] and str(folder) in lines(err)[-1]
    assert "Traceback" not in err
    assert not (tmp_path / "bank").exists()


# -- the bank ------------------------------------------------------------------------


def test_the_exported_bank_round_trips(tmp_path, write_tone):
    paths = [write_tone("low", 196.0 * 2 ** (31 / 1200)), write_tone("high", 466.0, duration_s=1.1, fmt="flac")]
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "3") == 0
    bank = load_bank(tmp_path / "bank")
    assert bank.header.sample_rate == 22050 and bank.header.n_harmonics == 64 and bank.header.n_noise_bands == 64
    document = json.loads((tmp_path / "bank" / "bank.json").read_text())
    assert document["format_version"] == 1 and document["frame_rate_hz"] == pytest.approx(22050 / 128)
    assert document["config"]["train"]["max_steps"] == 3
    low = bank.tone("low")
    assert low.entry.f0_hz == pytest.approx(196.0 * 2 ** (31 / 1200), rel=2 ** (5 / 1200) - 1)
    assert low.entry.midi_note == 55 and low.entry.cents_offset == pytest.approx(31.0, abs=5.0)
    assert low.entry.source_file == "low.wav"
    assert low.entry.sha256 == __import__("hashlib").sha256(paths[0].read_bytes()).hexdigest()
    assert 0 <= low.entry.sustain_start_s < low.entry.sustain_end_s <= low.entry.duration_s
    for tone in bank.tones:
        n = tone.entry.n_frames
        assert tone.controls["harmonic_distribution"].shape == (n, 64)
        assert tone.controls["noise_magnitudes"].shape == (n, 64)
        np.testing.assert_allclose(tone.controls["harmonic_distribution"].sum(axis=1), 1.0, atol=1e-4)
        assert any(k.startswith("weights.") for k in tone.tensors)
    # safetensors: plain tensors, loadable without running code
    assert load_file(str(tmp_path / "bank" / low.entry.file))["controls.f0_hz"].shape == (low.entry.n_frames,)
    # writing what was read gives the same bank again
    copy = tmp_path / "copy"
    write_bank(copy, bank.header, [(t.entry, t.tensors) for t in bank.tones])
    again = load_bank(copy)
    assert [t.entry for t in again.tones] == [t.entry for t in bank.tones]
    for a, b in zip(again.tones, bank.tones):
        assert a.tensors.keys() == b.tensors.keys()
        for key in a.tensors:
            np.testing.assert_array_equal(a.tensors[key], b.tensors[key])


def test_the_report_holds_audio_and_plots(tmp_path, write_tone):
    write_tone("a", 262.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0
    report = tmp_path / "bank" / "report"
    audio, rate = soundfile.read(str(report / "a_reconstruction.wav"))
    assert rate == 22050 and audio.shape[0] == pytest.approx(0.8 * 22050, abs=256) and np.abs(audio).max() > 0.01
    for png in ("a.png", "losses.png"):
        assert (report / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rerun_retrains_only_the_changed_tone(tmp_path, write_tone, capsys):
    for name, f0 in (("a", 200.0), ("b", 300.0), ("c", 400.0)):
        write_tone(name, f0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "bank" / "tones").iterdir()}
    write_tone("b", 310.0)  # re-recorded
    write_tone("d", 500.0)  # added
    capsys.readouterr()
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "training 2 tone(s), keeping 2 unchanged" in out
    after = {p.name: p.read_bytes() for p in (tmp_path / "bank" / "tones").iterdir()}
    assert after["a.safetensors"] == before["a.safetensors"] and after["c.safetensors"] == before["c.safetensors"]
    assert after["b.safetensors"] != before["b.safetensors"] and "d.safetensors" in after
    assert (tmp_path / "bank" / "report" / "a.png").exists()
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "2"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_resume_continues_from_the_checkpoint(tmp_path, write_tone):
    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "3") == 0
    first = json.loads((tmp_path / "bank" / "checkpoint" / "state.json").read_text())
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "6", "--resume") == 0
    second = json.loads((tmp_path / "bank" / "checkpoint" / "state.json").read_text())
    assert first["step"] == 3 and second["step"] == 6
    assert second["loss_history"][:3] == first["loss_history"]


def test_resume_without_a_checkpoint_is_a_one_line_error(tmp_path, write_tone, capsys):
    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--resume") == 1
    err = capsys.readouterr().err
    assert len(lines(err)) == 1 and "no checkpoint to resume from" in err


def start(*args, **kwargs):
    """grower-train in a child that takes Ctrl-C as a terminal user's process does.

    A job started in the background by a non-interactive shell (as CI may be)
    inherits SIGINT ignored, and Python keeps it so; restore the default so
    the child's KeyboardInterrupt handling is what is tested.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "grower.training.cli", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs,
    )


def interrupt(process, after_s: float):
    time.sleep(after_s)
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"grower-train did not stop within 90 s of Ctrl-C; stdout: {out[-1500:]!r} stderr: {err[-1500:]!r}")
    finally:
        process.kill()


def test_ctrl_c_saves_and_exports_what_it_has(tmp_path, write_tone):
    write_tone("a", 220.0, duration_s=1.0)
    process = start(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "100000", "--no-early-stop", env={**os.environ, "PYTHONUNBUFFERED": "1"})
    first_line = process.stdout.readline()
    if not first_line.startswith("training 1 tone(s)"):
        process.kill()
        pytest.fail(f"unexpected first line: {first_line!r}")
    out, err = interrupt(process, 3.0)  # inside the training loop by then: warm start takes well under a second
    out = first_line + out
    assert process.returncode == 130, err[-2000:]
    assert "interrupted after" in out
    assert "Traceback" not in err
    document = json.loads((tmp_path / "bank" / "bank.json").read_text())
    assert document["training"]["a"]["stop_reason"] == "interrupted"
    assert (tmp_path / "bank" / "checkpoint" / "state.json").exists()
    assert load_bank(tmp_path / "bank").tone("a").entry.n_frames > 0


def test_ctrl_c_during_analysis_stops_before_training_and_writes_nothing(tmp_path):
    folder = tmp_path / "tones"
    folder.mkdir()
    for i in range(40):  # enough files that analysis is still running when the signal comes
        soundfile.write(str(folder / f"t{i:02d}.wav"), harmonic_tone(200.0 + 7 * i, 2.0), 22050)
    process = start(folder, "--out", tmp_path / "bank", "--no-cache")
    out, err = interrupt(process, 4.0)
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "Exception ignored" not in err, err[-2000:]
    if "interrupted before training" in err:
        assert not (tmp_path / "bank").exists()
    else:  # a fast machine reached training: then what it had was exported
        assert "interrupted after" in out


def test_the_first_ctrl_c_is_a_request_and_the_second_is_immediate():
    from grower.training.interrupt import Interrupt

    with Interrupt() as interrupt:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)  # the handler runs between bytecodes: nothing raised yet
        assert interrupt.requested
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
