"""torchrun: two CPU processes share the tones out, and rank 0 writes the bank one process would have written."""

import os
import subprocess
import sys

import numpy as np
import pytest

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


def torchrun(tmp_path, *args):
    """grower-train under torchrun with two CPU processes, rendezvous on loopback only."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "grower.training.cli", *map(str, args), "--device", "cpu", "--quiet"]
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}  # gloo would otherwise pick the host name's interface
    return subprocess.run(command, capture_output=True, text=True, env={**env, **loopback, "PYTHONUNBUFFERED": "1"}, timeout=600, cwd=tmp_path)


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
