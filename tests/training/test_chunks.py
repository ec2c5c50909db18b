"""Chunked training: a library of any size trains in groups that fit --max-memory, with the same result per tone."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from grower.synth.bank import load_bank
from grower.training.chunks import parse_size, split, tone_bytes
from grower.training.cli import main


def test_sizes_read_as_people_write_them():
    assert parse_size("800M") == 800 * 1024**2
    assert parse_size("4G") == parse_size("4GB") == parse_size("4GiB") == 4 * 1024**3
    assert parse_size("2.5g") == int(2.5 * 1024**3)
    assert parse_size("1024") == 1024
    for bad in ("lots", "-1G", "0", "4 parsecs"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_chunks_fill_the_budget_in_order_and_an_oversized_tone_gets_one_of_its_own():
    crop = 8192
    each = tone_bytes(22050, crop)
    assert split([22050] * 10, 3 * each, crop) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert split([22050] * 3, 1, crop) == [[0], [1], [2]]  # nothing fits: one at a time, never none
    assert split([22050] * 3, 100 * each, crop) == [[0, 1, 2]]
    assert split([], 1, crop) == []


def test_a_bad_max_memory_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path), "--max-memory", "lots"])
    assert exit_.value.code == 2 and "--max-memory: 'lots' is not a size" in capsys.readouterr().err


def tensors_equal(a, b) -> bool:
    return all(np.array_equal(a.tensors[k], b.tensors[k]) for k in a.tensors) and a.tensors.keys() == b.tensors.keys()


def test_chunked_training_writes_the_bank_one_batch_writes(tmp_path, write_tone, capsys):
    for i, f0 in enumerate((196.0, 247.0, 330.0)):
        write_tone(f"t{i}", f0)
    tones = str(tmp_path / "tones")
    # --steps 0: the warm start alone, which is exactly batch-invariant, so the banks must be bit-identical
    assert main([tones, "--out", str(tmp_path / "one"), "--steps", "0", "--quiet"]) == 0
    capsys.readouterr()
    assert main([tones, "--out", str(tmp_path / "chunked"), "--steps", "0", "--max-memory", "1M"]) == 0
    out = capsys.readouterr().out
    assert "training 3 tone(s) in 3 chunks of up to 1" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("chunk ")] == ["chunk 1/3", "chunk 2/3", "chunk 3/3"]
    one, chunked = load_bank(tmp_path / "one"), load_bank(tmp_path / "chunked")
    assert [t.entry for t in one.tones] == [t.entry for t in chunked.tones]
    for tone in one.tones:
        assert tensors_equal(tone, chunked.tone(tone.entry.name)), tone.entry.name
        assert tone.training == chunked.tone(tone.entry.name).training
    assert chunked.run["chunks"] == 3
    assert sorted(p.name for p in (tmp_path / "chunked" / "checkpoint").iterdir()) == ["chunk-0000", "chunk-0001", "chunk-0002"]
    assert sorted(p.name for p in (tmp_path / "chunked" / "report").glob("*.png")) == ["losses.png", "t0.png", "t1.png", "t2.png"]
    assert not (tmp_path / ".chunked.run").exists()


def test_resume_raises_the_step_cap_of_a_chunked_bank_chunk_by_chunk(tmp_path, write_tone):
    for i, f0 in enumerate((196.0, 330.0)):
        write_tone(f"t{i}", f0)
    args = [str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--max-memory", "1M", "--quiet", "--no-early-stop"]
    assert main(args + ["--steps", "2"]) == 0
    first = {p.name: json.loads((p / "state.json").read_text()) for p in (tmp_path / "bank" / "checkpoint").iterdir()}
    assert main(args + ["--steps", "4", "--resume"]) == 0
    second = {p.name: json.loads((p / "state.json").read_text()) for p in (tmp_path / "bank" / "checkpoint").iterdir()}
    for name in ("chunk-0000", "chunk-0001"):
        assert first[name]["step"] == 2 and second[name]["step"] == 4
        assert second[name]["loss_history"][:2] == first[name]["loss_history"]  # continued, not started over
    assert {t.entry.name: t.training.steps for t in load_bank(tmp_path / "bank").tones} == {"t0": 4, "t1": 4}


def test_a_run_killed_between_chunks_keeps_the_finished_ones_for_the_next(tmp_path, write_tone):
    for i, f0 in enumerate((196.0, 262.0, 330.0)):
        write_tone(f"t{i}", f0, duration_s=1.0)
    command = [sys.executable, "-m", "grower.training.cli", str(tmp_path / "tones"), "--out", str(tmp_path / "bank"),
               "--max-memory", "1M", "--steps", "100000", "--no-early-stop"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in iter(process.stdout.readline, ""):
            if line.startswith("chunk 1/3"):
                process.send_signal(signal.SIGINT)  # the first chunk stops, is staged; the rest are left
                break
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    staged = tmp_path / ".bank.run" / "staged"
    # The interrupted tone made the bank; the two untrained ones did not, and the bank says how it stopped.
    assert [t.entry.name for t in load_bank(tmp_path / "bank").tones] == ["t0"]
    assert not staged.exists()

    # A kill -9 after the second chunk: its staged tone survives for the next run.
    process = subprocess.Popen(command[:-3] + ["--steps", "3"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in iter(process.stdout.readline, ""):
            if line.startswith("chunk 3/3"):
                while not (staged / "t1.json").exists():
                    time.sleep(0.01)
                process.kill()
                break
        process.wait(timeout=60)
    finally:
        process.kill()
    assert (staged / "t0.json").exists() and (staged / "t1.json").exists()
    # --resume, as a user would after a kill: the finished chunks are reused, and the one that no checkpoint
    # holds trains from the start (it used to stop with "no checkpoint to resume from").
    done = subprocess.run(command[:-3] + ["--steps", "3", "--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reusing 2 tone(s) a killed run finished" in done.stdout and "training 1 tone(s)" in done.stdout
    assert "no checkpoint held 1 tone(s); trained them from the start" in done.stdout
    bank = load_bank(tmp_path / "bank")
    assert [t.entry.name for t in bank.tones] == ["t0", "t1", "t2"] and all(t.training.steps == 3 for t in bank.tones)
    # Every tone's state is in the bank's checkpoint, once: the killed run's chunks for t0 and t1 (it used to
    # write this run's first chunk over the killed run's chunk-0000, and leave t0 and t1 out).
    checkpoint = tmp_path / "bank" / "checkpoint"
    folders = [checkpoint] if (checkpoint / "state.json").exists() else sorted(checkpoint.iterdir())  # one chunk's, or one per chunk
    assert sorted(t["name"] for p in folders for t in json.loads((p / "state.json").read_text())["tones"]) == ["t0", "t1", "t2"]
    assert not (tmp_path / ".bank.run").exists()


def test_a_chunk_that_cost_more_than_predicted_makes_the_next_ones_smaller():
    from grower.training.chunks import ChunkSizer

    crop = 8192
    each = tone_bytes(22050, crop)
    memory = {"held": 100 * 2**20, "peak": 100 * 2**20}
    sizer = ChunkSizer(100 * 2**20 + 10 * each, crop)
    sizer._held, sizer._peak = (lambda: memory["held"]), (lambda: memory["peak"])
    assert sizer.take([22050] * 40) == 10
    sizer.started()
    memory["peak"] += 20 * each  # ten tones really took twice what was predicted
    sizer.finished([22050] * 10)
    assert sizer.scale == pytest.approx(2.0)
    assert sizer.take([22050] * 30) == 5 and sizer.estimate_chunks([22050] * 30) == 6
    sizer.started()
    sizer.finished([22050] * 5)  # within its (corrected) prediction: no new peak, the correction stands
    assert sizer.scale == pytest.approx(2.0)


def test_ctrl_c_in_the_first_chunk_keeps_the_previous_versions_of_the_tones_it_never_reached(tmp_path, write_tone):
    for i, f0 in enumerate((196.0, 262.0, 330.0)):
        write_tone(f"t{i}", f0, duration_s=1.0)
    assert main([str(tmp_path / "tones"), "--out", str(tmp_path / "bank"), "--steps", "1", "--quiet"]) == 0
    command = [sys.executable, "-m", "grower.training.cli", str(tmp_path / "tones"), "--out", str(tmp_path / "bank"),
               "--max-memory", "1M", "--steps", "100000", "--no-early-stop"]  # other settings: every tone trains again
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        for line in iter(process.stdout.readline, ""):
            if line.startswith("chunk 1/3"):
                time.sleep(1.0)
                process.send_signal(signal.SIGINT)
                break
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    bank = load_bank(tmp_path / "bank")
    assert [t.entry.name for t in bank.tones] == ["t0", "t1", "t2"]  # nothing lost
    assert bank.tone("t0").training.stop_reason == "interrupted"
    assert [bank.tone(n).training.steps for n in ("t1", "t2")] == [1, 1]  # as the previous run left them
    assert "t1.wav: not trained" in err and "t2.wav: not trained" in err


def test_files_that_would_share_a_tone_name_are_dropped_before_ranks_share_them(tmp_path, capsys):
    from pathlib import Path

    from grower.training.cli import unique_names

    files = [Path("/t/a.flac"), Path("/t/a.wav"), Path("/t/b.wav")]
    assert unique_names(files) == [Path("/t/a.flac"), Path("/t/b.wav")]
    assert capsys.readouterr().err.strip() == "skipped /t/a.wav: same tone name as a.flac; rename one of them"
