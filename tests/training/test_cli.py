"""grower-train end to end: bad input, the bank it writes, re-runs, resume and Ctrl-C."""

import errno
import fcntl
import json
from pathlib import Path
import os
import re
import signal
import threading
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from grower.synth.bank import load_bank
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


def test_a_sample_rate_too_high_for_pitch_tracking_is_refused_before_reading(tmp_path, write_tone, capsys):
    write_tone("a", 220.0)
    with pytest.raises(SystemExit) as exit_:
        run(tmp_path / "tones", "--out", tmp_path / "bank", "--sample-rate", "64000")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--sample-rate must be below 61410 Hz" in lines(err)[-1]
    assert not (tmp_path / "bank").exists()


# -- the bank ------------------------------------------------------------------------


def test_the_report_holds_audio_and_plots(tmp_path, write_tone):
    write_tone("a", 262.0)
    write_tone("b", 330.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0
    report = tmp_path / "bank" / "report"
    audio, rate = soundfile.read(str(report / "a_reconstruction.wav"))
    # 0.8 s, less the silence trimmed from the 30 ms fades at each end and the last part-frame
    assert rate == 22050 and audio.shape[0] == pytest.approx(0.8 * 22050, abs=512) and np.abs(audio).max() > 0.01
    for png in ("a.png", "losses.png"):
        assert (report / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the training target, as the trainer heard it: the recording at the training rate, as long as the reconstruction
    target, rate = soundfile.read(str(report / "a_target.wav"), dtype="float32")
    recording, _ = soundfile.read(str(tmp_path / "tones" / "a.wav"), dtype="float32")
    assert rate == 22050 and target.shape == audio.shape
    level_db = lambda x: 10 * np.log10(np.mean(np.square(x)))  # noqa: E731
    assert level_db(target) == pytest.approx(level_db(recording), abs=0.5)
    # the figure has the per-harmonic chart: four panels, taller than three
    assert PIL_size(report / "a.png")[1] > PIL_size(report / "losses.png")[1]
    # index.html lists every tone with players for both WAVs, and the loss plot
    page = (report / "index.html").read_text()
    assert re.findall(r'<section id="([^"]+)">', page) == ["a", "b"]
    assert re.findall(r'<audio controls preload="none" src="([^"]+)"', page) == ["a_target.wav", "a_reconstruction.wav", "b_target.wav", "b_reconstruction.wav"]
    assert re.findall(r'<img src="([^"]+)"', page) == ["a.png", "b.png", "losses.png"]
    # a carried tone keeps every report file
    write_tone("c", 400.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0
    for name in ("a_target.wav", "a_reconstruction.wav", "a.png", "c_target.wav"):
        assert (report / name).is_file(), name
    assert re.findall(r'<section id="([^"]+)">', (report / "index.html").read_text()) == ["a", "b", "c"]


def PIL_size(png) -> tuple:
    """(width, height) of a PNG, from its IHDR chunk."""
    data = png.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


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


@pytest.mark.parametrize("state_json", ["{}", "[]", '{"config": 5, "tones": []}'])
def test_resume_from_a_malformed_checkpoint_is_a_one_line_error(tmp_path, write_tone, capsys, state_json):
    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0
    (tmp_path / "bank" / "checkpoint" / "state.json").write_text(state_json)
    capsys.readouterr()
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "4", "--resume") == 1
    err = capsys.readouterr().err
    assert len(lines(err)) == 1 and "unreadable checkpoint (state.json is malformed)" in err


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


class Child:
    """grower-train in a child process (see start), its output read line by line as it comes, each line timed."""

    def __init__(self, *args):
        self.process = start(*args, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines = {"out": [], "err": []}
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name, stream):
        for line in iter(stream.readline, ""):
            self.lines[name].append((time.monotonic(), line))

    def text(self, name: str) -> str:
        return "".join(line for _, line in list(self.lines[name]))

    def wait_for(self, name: str, needle: str, timeout_s: float = 120.0) -> float:
        """When needle first appeared in the stream (monotonic time); fails the test after timeout_s or once the child has exited without it."""
        deadline = time.monotonic() + timeout_s
        exited_at = None
        while time.monotonic() < deadline:
            for at, line in list(self.lines[name]):
                if needle in line:
                    return at
            if self.process.poll() is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at > 1.0:  # the readers have drained the pipes by now
                    break
            time.sleep(0.02)
        self.process.kill()
        pytest.fail(f"{needle!r} never came; stdout: {self.text('out')[-1500:]!r} stderr: {self.text('err')[-1500:]!r}")

    def send(self, signum) -> float:
        self.process.send_signal(signum)
        return time.monotonic()

    def wait(self, timeout_s: float = 90.0) -> float:
        """Wait for the exit; returns when it came."""
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"grower-train did not exit within {timeout_s} s; stdout: {self.text('out')[-1500:]!r} stderr: {self.text('err')[-1500:]!r}")
        exited = time.monotonic()
        time.sleep(0.3)  # let the readers drain the pipes
        return exited


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


NOTICE = "grower-train: stopping after this step; saving what is trained... (Ctrl-C again to quit now)"


def test_ctrl_c_says_at_once_what_it_does_then_saves_and_exports_what_it_has(tmp_path, write_tone):
    write_tone("a", 220.0, duration_s=1.0)
    child = Child(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "100000", "--no-early-stop")
    child.wait_for("out", "training 1 tone(s)")
    time.sleep(3.0)  # inside the training loop by then: warm start takes well under a second
    sent = child.send(signal.SIGINT)
    said = child.wait_for("err", NOTICE)
    exited = child.wait()
    out, err = child.text("out"), child.text("err")
    assert child.process.returncode == 130, err[-2000:]
    assert sent < said <= exited  # said before it stopped, not at the end of training
    assert "interrupted after" in out
    assert "Traceback" not in err
    document = json.loads((tmp_path / "bank" / "bank.json").read_text())
    assert document["training"]["a"]["stop_reason"] == "interrupted" and document["training"]["a"]["steps"] < 100000
    assert (tmp_path / "bank" / "checkpoint" / "state.json").exists()
    assert load_bank(tmp_path / "bank").tone("a").entry.n_frames > 0
    assert siblings(tmp_path) == []  # no lock, no run folder, no half-swapped bank left


def test_ctrl_c_during_the_warm_start_stops_it_within_seconds(tmp_path, write_tone):
    for i in range(6):  # six tones: a warm start of several seconds on a laptop CPU
        write_tone(f"t{i}", 200.0 * 2 ** (i / 6), duration_s=1.0)
    child = Child(tmp_path / "tones", "--out", tmp_path / "bank", "--no-cache")
    child.wait_for("out", "training 6 tone(s)")
    sent = child.send(signal.SIGINT)
    said = child.wait_for("err", NOTICE)
    exited = child.wait()
    assert child.process.returncode == 130, child.text("err")[-2000:]
    assert sent < said <= exited
    assert "Traceback" not in child.text("err") and "interrupted after" in child.text("out")
    steps = {t.training.steps for t in load_bank(tmp_path / "bank").tones}
    assert max(steps) < 600  # stopped early; 0 spectral steps on a machine where the warm start was still running


def test_a_second_ctrl_c_quits_at_once_and_leaves_the_previous_bank(tmp_path, write_tone):
    for name, f0 in (("a", 220.0), ("b", 277.0), ("c", 330.0)):
        write_tone(name, f0, duration_s=1.5)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    child = Child(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "100000", "--no-early-stop")  # other settings: all retrained
    child.wait_for("out", "training 3 tone(s)")
    time.sleep(1.0)
    child.send(signal.SIGINT)
    child.wait_for("err", NOTICE)
    second = child.send(signal.SIGINT)
    exited = child.wait()
    err = child.text("err")
    assert child.process.returncode == 130, err[-2000:]
    assert second <= exited
    assert "grower-train: quit; nothing was written, the previous bank (if any) is as it was" in err and "Traceback" not in err
    assert snapshot(tmp_path / "bank") == before
    assert [name for name in siblings(tmp_path) if name != ".bank.run"] == []  # the run folder holds a checkpoint only if 30 s passed


def test_kill_9_during_training_leaves_the_previous_bank_and_its_checkpoint(tmp_path, write_tone):
    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    child = Child(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "100000", "--no-early-stop")
    child.wait_for("out", "training 1 tone(s)")
    time.sleep(1.0)
    child.send(signal.SIGKILL)
    child.wait()
    assert snapshot(tmp_path / "bank") == before  # checkpoint/ included
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2") == 0  # the next run takes over the stale lock
    assert load_bank(tmp_path / "bank").tone("a").training.steps == 2 and siblings(tmp_path) == []


def test_kill_9_during_export_leaves_the_previous_bank_and_the_next_run_tidies_up(tmp_path, write_tone, capsys):
    for name, f0 in (("a", 220.0), ("b", 277.0), ("c", 330.0)):
        write_tone(name, f0, duration_s=1.5)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    child = Child(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "2")  # other settings: all retrained, then exported
    deadline = time.monotonic() + 120
    while not [n for n in siblings(tmp_path) if n.startswith(".bank.new-")] and time.monotonic() < deadline and child.process.poll() is None:
        time.sleep(0.005)
    child.send(signal.SIGKILL)  # the new bank is being written: reconstructions, plots, the checkpoint
    child.wait()
    assert [n for n in siblings(tmp_path) if n.startswith(".bank.new-")], child.text("err")[-2000:]
    assert snapshot(tmp_path / "bank") == before
    capsys.readouterr()
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "2", "--quiet"]) == 0
    assert "grower-train: removed 1 folder(s) left beside" in capsys.readouterr().err
    assert siblings(tmp_path) == [] and load_bank(tmp_path / "bank").tone("a").training.steps == 2


def test_a_swap_cut_between_its_renames_is_undone_and_other_leftovers_removed(tmp_path, write_tone, capsys):
    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    # killed after the previous bank was renamed aside, before the new one was renamed in
    os.replace(tmp_path / "bank", tmp_path / ".bank.old-k1ll3d0a")
    (tmp_path / ".bank.new-h4lfd0n3").mkdir()
    (tmp_path / ".bank.new-h4lfd0n3" / "bank.json").write_text("{}")
    (tmp_path / ".bank.old-0lder0ne").mkdir()  # an earlier run's, half removed
    (tmp_path / ".photos.new-abcdefgh").mkdir()  # another name's: not ours to touch
    capsys.readouterr()
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "1", "--quiet"]) == 0
    err = lines(capsys.readouterr().err)
    assert err[0].startswith(f"grower-train: {tmp_path / 'bank'}: put back the previous bank") and "removed 2 folder(s)" in err[1]
    assert snapshot(tmp_path / "bank") == before  # put back, and then up to date
    assert siblings(tmp_path) == [] and (tmp_path / ".photos.new-abcdefgh").is_dir()


def test_a_live_run_on_the_same_bank_is_refused_and_its_folders_left_alone(tmp_path, write_tone, capsys):
    write_tone("a", 220.0)
    with open(tmp_path / ".bank.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("12345")
        lock.flush()
        (tmp_path / ".bank.new-l1ver0n0").mkdir()
        assert run(tmp_path / "tones", "--out", tmp_path / "bank") == 1
        assert lines(capsys.readouterr().err) == [f"grower-train: {tmp_path / 'bank'}: another grower-train (pid 12345) is writing this bank; wait for it to finish"]
        assert (tmp_path / ".bank.new-l1ver0n0").is_dir() and (tmp_path / ".bank.lock").read_text() == "12345"


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


def test_a_ctrl_c_during_the_swap_waits_until_the_renames_are_done(tmp_path):
    from grower.synth.atomic import atomic_directory
    from grower.training.interrupt import Interrupt, SwapGuard

    with Interrupt() as interrupt:
        interrupt.requested = True  # the first Ctrl-C came earlier: the next one quits
        with pytest.raises(KeyboardInterrupt):
            with SwapGuard() as guard, atomic_directory(tmp_path / "bank") as tmp:
                (tmp / "bank.json").write_text("{}")
                guard.hold()
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # recorded, not raised: the renames run
        assert interrupt.forced and (tmp_path / "bank" / "bank.json").exists()  # raised once the new folder was in place
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- the output folder: refused, unwritable, full ------------------------------------


def siblings(tmp_path, name="bank"):
    """What a run leaves beside the bank: lock, run folder, atomic_directory's .new-/.old- folders."""
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f".{name}."))


def load_bank_sha(snapshot_of_bank: dict) -> str:
    """Tone a's recording hash in a snapshot() of a bank."""
    return json.loads(snapshot_of_bank[Path("bank.json")])["tones"][0]["sha256"]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["file", "folder_of_other_things", "tones_folder", "symlink_loop"])
def test_an_out_that_is_not_a_bank_folder_is_refused_and_nothing_is_touched(tmp_path, write_tone, capsys, case):
    write_tone("a", 220.0)
    out = tmp_path / "out"
    if case == "file":
        out.write_text("my notes\n")
    elif case == "folder_of_other_things":
        out.mkdir()
        (out / "photo.jpg").write_bytes(b"keep me")
    elif case == "tones_folder":
        out = tmp_path / "tones"
    else:
        out.symlink_to(out)
    before = snapshot(tmp_path)
    assert run(tmp_path / "tones", "--out", out) == 1
    line = lines(capsys.readouterr().err)
    assert len(line) == 1 and line[0].startswith(f"grower-train: {out}: ") and "Traceback" not in line[0]
    assert ("symbolic link loop" in line[0]) if case == "symlink_loop" else ("exists and is not a bank folder" in line[0])
    assert snapshot(tmp_path) == before and siblings(tmp_path, out.name) == []


def test_an_empty_folder_or_a_link_to_a_bank_is_a_fine_out(tmp_path, write_tone):
    write_tone("a", 220.0)
    (tmp_path / "empty").mkdir()
    assert run(tmp_path / "tones", "--out", tmp_path / "empty", "--steps", "1") == 0
    assert load_bank(tmp_path / "empty").tone("a")
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    assert run(tmp_path / "tones", "--out", tmp_path / "link", "--steps", "2") == 0
    assert (tmp_path / "link").is_symlink() and load_bank(tmp_path / "link").tone("a").training.steps == 2
    assert siblings(tmp_path, "empty") == [] and siblings(tmp_path, "link") == []


def fail_for(monkeypatch, module, name, under, code):
    """Make module.name (an os function taking a path first) fail with errno code for paths under ``under``."""
    real = getattr(module, name)

    def failing(path, *args, **kwargs):
        if str(path).startswith(str(under)):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, failing)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_read_only_or_forbidden_place_is_refused_before_training(tmp_path, write_tone, capsys, monkeypatch, code):
    write_tone("a", 220.0)
    (tmp_path / "shelf").mkdir()
    fail_for(monkeypatch, os, "mkdir", tmp_path / "shelf", code)  # as a read-only mount or chmod does, for root too
    monkeypatch.setattr("grower.training.pipeline.analyse", lambda *a, **k: pytest.fail("analysed a tone for a bank it cannot write"))
    assert run(tmp_path / "tones", "--out", tmp_path / "shelf" / "bank", "--no-cache") == 1
    line = lines(capsys.readouterr().err)
    assert line == [f"grower-train: {tmp_path / 'shelf'}: cannot write the bank there ({os.strerror(code)})"]
    assert list((tmp_path / "shelf").iterdir()) == []


def test_an_out_under_a_file_is_refused(tmp_path, write_tone, capsys):
    write_tone("a", 220.0)
    (tmp_path / "a_file").write_text("x")
    assert run(tmp_path / "tones", "--out", tmp_path / "a_file" / "deeper" / "bank") == 1
    line = lines(capsys.readouterr().err)
    assert len(line) == 1 and "cannot write the bank there" in line[0] and "is not a folder" in line[0]
    assert (tmp_path / "a_file").read_text() == "x"


@pytest.mark.parametrize("how", ["oserror", "safetensors"])
def test_a_full_disk_during_export_is_one_line_and_the_previous_bank_stays(tmp_path, write_tone, capsys, monkeypatch, how):
    import grower.synth.bank as bank_module
    from safetensors import SafetensorError

    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    write_tone("a", 230.0)  # changed: the next run trains and exports

    def full(*args, **kwargs):
        if how == "oserror":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" })')

    monkeypatch.setattr(bank_module, "save_file", full)
    monkeypatch.setattr(bank_module.shutil, "copyfile", full)  # a staged tone file is copied into the bank
    capsys.readouterr()
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 1
    line = lines(capsys.readouterr().err)
    assert line == [f"grower-train: {tmp_path / 'bank'}: cannot write the bank (No space left on device); the previous bank, if any, is unchanged"]
    assert snapshot(tmp_path / "bank") == before
    # Nothing is lost: the trained tone stays staged beside the bank, and once there
    # is room again the next run writes it without training it again.
    assert siblings(tmp_path) == [".bank.run"]
    monkeypatch.undo()
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "reusing 1 tone(s) a killed run finished" in out and "training 1 tone" not in out
    assert load_bank(tmp_path / "bank").tone("a").entry.sha256 != load_bank_sha(before) and siblings(tmp_path) == []


def test_a_full_disk_for_the_periodic_checkpoint_or_the_cache_is_said_once_and_training_goes_on(tmp_path, write_tone, capsys, monkeypatch):
    import grower.training.checkpoint as checkpoint_module
    from grower.training.config import RunConfig

    write_tone("a", 220.0)
    monkeypatch.setattr("grower.training.cli.RunConfig", lambda **kw: RunConfig(checkpoint_every_s=0.0, **kw))  # a checkpoint every step
    real_save = checkpoint_module.save_file

    def full_outside_the_bank(tensors, path, *args, **kwargs):
        if ".bank.run" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_save(tensors, path, *args, **kwargs)

    monkeypatch.setattr(checkpoint_module, "save_file", full_outside_the_bank)
    fail_for(monkeypatch, os, "open", tmp_path / "cache", errno.ENOSPC)  # the feature cache (mkstemp opens with os.open)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "4") == 0
    err = lines(capsys.readouterr().err)
    assert len(err) == 2 and "cannot write the feature cache (No space left on device); going on without it" in err[0]
    assert err[1].endswith("cannot save the checkpoint (No space left on device); training goes on")
    assert load_bank(tmp_path / "bank").tone("a").training.steps == 4 and siblings(tmp_path) == []


# -- the tones folder ------------------------------------------------------------------


def test_links_that_lead_nowhere_and_fifos_get_a_line_each(tmp_path, write_tone, capsys):
    write_tone("good", 220.0)
    folder = tmp_path / "tones"
    (folder / "loop.wav").symlink_to(folder / "loop.wav")
    (folder / "ping.wav").symlink_to(folder / "pong.wav")
    (folder / "pong.wav").symlink_to(folder / "ping.wav")
    (folder / "gone.wav").symlink_to(tmp_path / "deleted.wav")
    os.mkfifo(folder / "pipe.wav")
    (folder / "subfolder").mkdir()
    assert run(folder, "--out", tmp_path / "bank", "--steps", "1") == 0
    err = lines(capsys.readouterr().err)
    assert err == [
        f"skipped {folder / 'gone.wav'}: broken symbolic link (its target {tmp_path / 'deleted.wav'} does not exist)",
        f"skipped {folder / 'loop.wav'}: symbolic link loop",
        f"skipped {folder / 'ping.wav'}: symbolic link loop",
        f"skipped {folder / 'pipe.wav'}: not a recording (a FIFO)",
        f"skipped {folder / 'pong.wav'}: symbolic link loop",
    ]
    assert [t.entry.name for t in load_bank(tmp_path / "bank").tones] == ["good"]


# -- help ------------------------------------------------------------------------------


def test_help_shows_every_default(capsys):
    from grower.training.cli import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag, default in (("--out", "bank"), ("--steps", "120"), ("--sample-rate", "22050"), ("--seed", "0"), ("--device", "auto"), ("--amp", "auto"),
                          ("--compile", "auto")):
        assert re.search(rf"{flag} .*?\(default: {default}\)", text), flag


@pytest.mark.parametrize("how", ["oserror", "safetensors"])
def test_a_full_disk_while_staging_trained_tones_is_one_line_and_the_previous_bank_stays(tmp_path, write_tone, capsys, monkeypatch, how):
    import grower.training.staging as staging_module
    from safetensors import SafetensorError

    write_tone("a", 220.0)
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 0
    before = snapshot(tmp_path / "bank")
    write_tone("a", 230.0)

    def full(*args, **kwargs):
        if how == "oserror":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" })')

    monkeypatch.setattr(staging_module, "save_file", full)
    capsys.readouterr()
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "1") == 1
    line = lines(capsys.readouterr().err)
    assert len(line) == 1 and "cannot stage the trained tones (No space left on device)" in line[0] and "Traceback" not in line[0]
    assert snapshot(tmp_path / "bank") == before


def test_a_folder_trains_to_the_same_bank_bit_for_bit_on_one_thread_and_on_every_core(tmp_path, write_tone):
    # A busy machine (the thread cap), OMP_NUM_THREADS or another core count must not change what a tone learns.
    for k, f0 in enumerate((196.0, 247.0, 311.0, 392.0)):
        write_tone(f"t{k}", f0, duration_s=0.9 + 0.1 * k, noise_level=0.02)
    banks = {}
    for threads in ("1", None):
        env = {key: value for key, value in os.environ.items() if key != "OMP_NUM_THREADS"}
        if threads:
            env["OMP_NUM_THREADS"] = threads
        banks[threads] = tmp_path / f"bank-{threads or 'all'}"
        done = subprocess.run([sys.executable, "-m", "grower.training.cli", str(tmp_path / "tones"), "--out", str(banks[threads]), "--steps", "6",
                               "--no-cache", "--quiet"], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    one, every = load_bank(banks["1"]), load_bank(banks[None])
    for tone in one.tones:
        other = every.tone(tone.entry.name)
        differing = [key for key in tone.tensors if not np.array_equal(tone.tensors[key], other.tensors[key])]
        assert differing == [], (tone.entry.name, differing)
