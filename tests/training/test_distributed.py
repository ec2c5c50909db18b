"""torchrun: two CPU processes share the tones out, and rank 0 writes the bank one process would have written."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from grower.synth.bank import load_bank
from grower.training.cli import main
from grower.training.distributed import Ranks


def test_ranks_come_from_torchruns_environment():
    assert Ranks.from_environment({}) is None
    assert Ranks.from_environment({"WORLD_SIZE": "1", "RANK": "0"}) is None
    ranks = Ranks.from_environment({"WORLD_SIZE": "3", "RANK": "2", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1"})
    assert ranks == Ranks(rank=2, world_size=3, local_rank=0, local_world_size=1) and not ranks.is_writer
    assert ranks.share(list("abcdefg")) == ["c", "f"]
    assert Ranks(0, 3, 0, 3).share(list("abcdefg")) == ["a", "d", "g"]
    for bad in ({"WORLD_SIZE": "2"}, {"WORLD_SIZE": "2", "RANK": "x"}, {"WORLD_SIZE": "2", "RANK": "5"}):
        with pytest.raises(ValueError):
            Ranks.from_environment(bad)


def torchrun_command(*args) -> tuple:
    """(command, env): grower-train under torchrun with two CPU processes, rendezvous on loopback only."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "grower.training.cli", *map(str, args), "--device", "cpu", "--quiet"]
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}  # gloo would otherwise pick the host name's interface
    return command, {**env, **loopback, "PYTHONUNBUFFERED": "1"}


def torchrun(tmp_path, *args):
    command, env = torchrun_command(*args)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)


@pytest.fixture
def tones(tmp_path, write_tone):
    for i, f0 in enumerate((196.0, 247.0, 330.0)):
        write_tone(f"t{i}", f0)
    return tmp_path / "tones"


def test_two_processes_write_the_bank_one_process_writes(tmp_path, tones):
    # --steps 0: the warm start alone is exactly batch-invariant, so the two banks must be bit-identical
    done = torchrun(tmp_path, tones, "--out", tmp_path / "shared", "--steps", "0")
    assert done.returncode == 0, done.stderr[-3000:]
    assert main([str(tones), "--out", str(tmp_path / "alone"), "--steps", "0", "--quiet"]) == 0
    shared, alone = load_bank(tmp_path / "shared"), load_bank(tmp_path / "alone")
    assert [t.entry for t in shared.tones] == [t.entry for t in alone.tones]
    for tone in alone.tones:
        other = shared.tone(tone.entry.name)
        assert tone.tensors.keys() == other.tensors.keys()
        assert all(np.array_equal(tone.tensors[k], other.tensors[k]) for k in tone.tensors), tone.entry.name
        assert tone.training == other.training
    assert sorted(shared.run["trained"]) == ["t0", "t1", "t2"]
    assert sorted(p.name for p in (tmp_path / "shared" / "checkpoint").iterdir()) == ["chunk-0000", "chunk-0000-rank1"]
    assert sorted(p.name for p in (tmp_path / "shared" / "report").glob("*.png")) == ["losses.png", "t0.png", "t1.png", "t2.png"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".shared.")) == []  # no lock, no run folder of any rank


def test_spectral_training_across_processes_matches_up_to_rounding_and_reruns_are_incremental(tmp_path, tones, write_tone):
    done = torchrun(tmp_path, tones, "--out", tmp_path / "shared", "--steps", "4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert main([str(tones), "--out", str(tmp_path / "alone"), "--steps", "4", "--quiet"]) == 0
    shared, alone = load_bank(tmp_path / "shared"), load_bank(tmp_path / "alone")
    for tone in alone.tones:
        other = shared.tone(tone.entry.name)
        assert (other.entry.sha256, other.entry.f0_hz, other.training.steps) == (tone.entry.sha256, tone.entry.f0_hz, tone.training.steps)
        # Batched matmuls over other batch sizes round differently: the learned tones differ by rounding, not by what was learned.
        assert abs(other.training.lsd_db - tone.training.lsd_db) < 0.1
        for name in ("controls.harmonic_distribution", "controls.noise_magnitudes"):
            mine, theirs = (20 * np.log10(t.tensors[name].mean(axis=0) + 1e-6) for t in (tone, other))
            audible = mine > mine.max() - 60
            assert np.abs(mine - theirs)[audible].max() < 3.0, name  # each harmonic's and band's mean level, in dB

    write_tone("t1", 250.0)  # one changed tone: the next launch trains it alone, and carries the others on every rank
    done = torchrun(tmp_path, tones, "--out", tmp_path / "shared", "--steps", "4")
    assert done.returncode == 0, done.stderr[-3000:]
    again = load_bank(tmp_path / "shared")
    assert again.run["trained"] == ["t1"] and sorted(again.run["kept"]) == ["t0", "t2"]
    assert [t.entry.name for t in again.tones] == ["t0", "t1", "t2"]
    for name in ("t0", "t2"):
        assert all(np.array_equal(again.tone(name).tensors[k], shared.tone(name).tensors[k]) for k in shared.tone(name).tensors)

    # Nothing changed: every rank finds its share unchanged, and together the shares are the bank's tones,
    # so the launch writes nothing (it used to rewrite the bank, as no rank's share alone was the whole bank).
    bank_json = tmp_path / "shared" / "bank.json"
    before = (bank_json.read_bytes(), bank_json.stat().st_mtime_ns)
    done = torchrun(tmp_path, tones, "--out", tmp_path / "shared", "--steps", "4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (bank_json.read_bytes(), bank_json.stat().st_mtime_ns) == before


def kill_launch(bank: str) -> None:
    """SIGKILL every process of a torchrun launch writing bank: its ranks run in sessions of their own, and outlive
    a launcher killed alone."""
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # not a process, or gone
            continue
        if b"grower.training.cli" in argv and bank.encode() in argv:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(entry.name), signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the launch's ranks in /proc (Linux)")
def test_a_killed_launch_resumed_keeps_every_ranks_finished_chunks_in_the_banks_checkpoint(tmp_path, write_tone):
    # Rank 1 trains t1, then t3 (each a chunk of its own); the launch is killed as t3 is staged.
    for i, (f0, seconds) in enumerate(((196.0, 0.8), (247.0, 0.8), (330.0, 0.8), (392.0, 10.0))):
        write_tone(f"t{i}", f0, duration_s=seconds)
    args = (tmp_path / "tones", "--out", tmp_path / "bank", "--max-memory", "1M", "--steps", "3")
    command, env = torchrun_command(*args)
    staged = tmp_path / ".bank.run" / "rank-1" / "staged"
    log = open(tmp_path / "killed-launch.log", "w")
    launch = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        # A staged tone's manifest is written once its figure is drawn, as the next chunk is staged: t1's, while t3's waits.
        while not (staged / "t1.json").exists() and launch.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        kill_launch(str(tmp_path / "bank"))  # the launcher and both ranks, as a lost machine would
    finally:
        launch.kill()
        launch.wait(timeout=60)
        log.close()
    said = (tmp_path / "killed-launch.log").read_text()[-3000:]
    assert (staged / "t1.json").exists() and (staged / "checkpoints" / "chunk-0000" / "state.json").exists(), said
    assert not (tmp_path / "bank").exists(), f"the launch finished before it was killed:\n{said}"
    (staged / "t3.json").unlink(missing_ok=True)  # a kill a moment later than t3's staging: as if just before it

    killed_t1 = load_file(str(staged / "tones" / "t1.safetensors"))
    # Rank 0 as if killed before it staged anything: the launch still resumes (it used to stop there with
    # "no checkpoint to resume from", though rank 1 had a finished chunk to reuse).
    for folder in ("staged", "checkpoint"):
        shutil.rmtree(tmp_path / ".bank.run" / folder, ignore_errors=True)

    done = torchrun(tmp_path, *args, "--resume")
    assert done.returncode == 0, done.stderr[-3000:]
    bank = load_bank(tmp_path / "bank")
    assert all(np.array_equal(bank.tone("t1").tensors[k], killed_t1[k]) for k in killed_t1)  # reused as the killed launch made it
    assert [t.entry.name for t in bank.tones] == ["t0", "t1", "t2", "t3"] and all(t.training.steps == 3 for t in bank.tones)
    # Every tone's state is in the bank's checkpoint: t1's from the killed launch's rank 1 too (it used to stay
    # behind in rank 1's run folder, and the rank's folder was then removed).
    folders = sorted((tmp_path / "bank" / "checkpoint").iterdir())
    assert sorted(t["name"] for p in folders for t in json.loads((p / "state.json").read_text())["tones"]) == ["t0", "t1", "t2", "t3"]
    assert not (tmp_path / ".bank.run").exists()
