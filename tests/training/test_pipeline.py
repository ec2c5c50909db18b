"""The pipeline without the CLI: the incremental-retrain rule, reading tones, and a whole run."""

import dataclasses
import json
from pathlib import Path

import numpy as np

from grower.synth.bank import Bank, BankHeader, BankTone, ToneEntry, ToneTraining, load_bank
from grower.training.config import GrowerConfig, RunConfig
from grower.training.feature_cache import FeatureCache
from grower.training.pipeline import ToneRecord, TrainingRun, plan, previous_bank

from .helpers import small_config

CONFIG = GrowerConfig()


def sha(name: str, version: int = 0) -> str:
    return f"{name}:{version}".encode().hex().ljust(64, "0")[:64]


def record(name: str, version: int = 0) -> ToneRecord:
    """A usable tone as the pipeline reads it; plan() looks only at its name and sha256."""
    return ToneRecord(name=name, path=Path(f"{name}.wav"), sha256=sha(name, version), duration_s=1.0, audio=np.zeros(22050, np.float32), features=None)


def bank_tone(name: str, version: int = 0, tone_key: str | None = CONFIG.tone_key(), stop_reason: str = "converged") -> BankTone:
    """A previous bank's tone; tone_key None: a tone without a training record (not made by grower-train)."""
    entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256=sha(name, version), f0_hz=220.0, midi_note=57, cents_offset=0.0,
                      duration_s=1.0, sustain_start_s=0.2, sustain_end_s=0.8, n_frames=173, file=f"tones/{name}.safetensors")
    training = None if tone_key is None else ToneTraining(steps=100, stop_reason=stop_reason, tone_key=tone_key, lsd_db=3.0)
    return BankTone(entry=entry, controls={}, tensors={}, training=training)


def bank(*tones) -> Bank:
    return Bank(header=BankHeader(sample_rate=22050, hop_size=128, n_harmonics=64, n_noise_bands=64), tones=list(tones))


def names(items) -> list:
    return [getattr(item, "entry", item).name for item in items]


# -- the incremental-retrain rule ------------------------------------------------------


def test_without_a_previous_bank_every_tone_is_trained():
    result = plan([record("a"), record("b")], None, CONFIG)
    assert names(result.to_train) == ["a", "b"] and result.carried == () and not result.up_to_date


def test_unchanged_tones_are_carried_and_the_bank_is_up_to_date():
    previous = bank(bank_tone("a"), bank_tone("b"))
    result = plan([record("a"), record("b")], previous, CONFIG)
    assert result.to_train == () and names(result.carried) == ["a", "b"] and result.up_to_date
    assert result.carried[0] is previous.tones[0]  # carried as it is, arrays and all


def test_a_changed_recording_is_retrained():
    result = plan([record("a"), record("b", version=1)], bank(bank_tone("a"), bank_tone("b")), CONFIG)
    assert names(result.carried) == ["a"] and names(result.to_train) == ["b"] and not result.up_to_date


def test_changed_settings_retrain_every_tone():
    other = dataclasses.replace(CONFIG, train=dataclasses.replace(CONFIG.train, learning_rate=1e-3))
    result = plan([record("a"), record("b")], bank(bank_tone("a"), bank_tone("b")), other)
    assert names(result.to_train) == ["a", "b"] and result.carried == ()


def test_raising_the_step_cap_retrains_too():
    # The step cap is part of the tone key: a bank made with fewer steps is not what this run would make.
    more_steps = dataclasses.replace(CONFIG, train=dataclasses.replace(CONFIG.train, max_steps=CONFIG.train.max_steps + 1))
    assert names(plan([record("a")], bank(bank_tone("a")), more_steps).to_train) == ["a"]


def test_an_interrupted_tone_is_retrained():
    result = plan([record("a"), record("b")], bank(bank_tone("a", stop_reason="interrupted"), bank_tone("b", stop_reason="step cap reached")), CONFIG)
    assert names(result.to_train) == ["a"] and names(result.carried) == ["b"]


def test_a_tone_without_a_training_record_is_trained():
    result = plan([record("a")], bank(bank_tone("a", tone_key=None)), CONFIG)
    assert names(result.to_train) == ["a"] and not result.up_to_date


def test_an_added_tone_is_trained_and_the_others_kept_in_file_order():
    result = plan([record("a"), record("new"), record("c")], bank(bank_tone("c"), bank_tone("a")), CONFIG)
    assert names(result.to_train) == ["new"] and names(result.carried) == ["a", "c"] and not result.up_to_date


def test_a_removed_tone_means_a_new_bank_with_nothing_to_train():
    result = plan([record("a")], bank(bank_tone("a"), bank_tone("gone")), CONFIG)
    assert result.to_train == () and names(result.carried) == ["a"] and not result.up_to_date


def test_a_previous_tone_of_another_name_is_not_carried():
    result = plan([record("b")], bank(bank_tone("a")), CONFIG)
    assert names(result.to_train) == ["b"] and result.carried == ()


# -- the previous bank -----------------------------------------------------------------


def test_no_or_an_unreadable_previous_bank_is_none(tmp_path):
    assert previous_bank(tmp_path / "nothing") is None
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "bank.json").write_text("[]")
    assert previous_bank(tmp_path / "damaged") is None


# -- reading tones ----------------------------------------------------------------------


def test_unusable_files_are_reported_and_left_out(tmp_path, write_tone):
    write_tone("a", 220.0)
    write_tone("a", 330.0, fmt="flac")  # the same tone name again
    (tmp_path / "tones" / "notes.txt").write_text("not audio\n")
    skipped = []
    job = TrainingRun(tmp_path / "bank", CONFIG, RunConfig(), FeatureCache(None))
    records = job.read_tones(sorted((tmp_path / "tones").iterdir()), on_skip=lambda path, error: skipped.append((path.name, str(error))))
    assert [(r.name, r.path.name) for r in records] == [("a", "a.flac")]
    assert records[0].features.n_frames > 2 and records[0].audio.dtype == np.float32
    assert [name for name, _ in skipped] == ["a.wav", "notes.txt"]
    assert skipped[0][1] == "same tone name as a.flac; rename one of them"
    assert "features_s" in job.timings


# -- a whole run, without the CLI -------------------------------------------------------


def run_once(tmp_path, config):
    job = TrainingRun(tmp_path / "bank", config, RunConfig(device="cpu"), FeatureCache(None))
    the_plan = job.make_plan(job.read_tones(sorted((tmp_path / "tones").iterdir())))
    if not the_plan.up_to_date:
        if the_plan.to_train:
            job.train(progress=False)
        job.export()
    return job, the_plan


def test_a_run_writes_a_bank_whose_tones_the_next_run_carries(tmp_path, write_tone):
    config = small_config(max_steps=2, warm_start_steps=2)
    write_tone("a", 220.0)
    write_tone("b", 330.0)
    job, first = run_once(tmp_path, config)
    assert names(first.to_train) == ["a", "b"]
    loaded = load_bank(tmp_path / "bank")
    for tone in loaded.tones:
        assert tone.training == ToneTraining(steps=2, stop_reason="step cap reached", tone_key=config.tone_key(), lsd_db=tone.training.lsd_db)
        assert tone.tensors["train.loss"].shape == (2,)
    assert loaded.run["trained"] == ["a", "b"] and loaded.run["kept"] == [] and loaded.run["steps"] == 2
    layers = config.model.n_hidden_layers + 1
    assert {k for k in loaded.tone("a").tensors if k.startswith("weights.")} == {f"weights.layer{i}.{p}" for i in range(layers) for p in ("weight", "bias")}
    assert not (tmp_path / ".bank.run" / "staged").exists()  # what was staged is in the bank now

    _, second = run_once(tmp_path, config)
    assert second.up_to_date and names(second.carried) == ["a", "b"]

    (tmp_path / "tones" / "b.wav").unlink()
    _, third = run_once(tmp_path, config)
    assert third.to_train == () and not third.up_to_date
    after = load_bank(tmp_path / "bank")
    assert names(after.tones) == ["a"] and after.run["kept"] == ["a"] and after.run["stop_reason"] == "nothing to train"
    np.testing.assert_array_equal(after.tone("a").tensors["train.loss"], loaded.tone("a").tensors["train.loss"])
    assert (tmp_path / "bank" / "checkpoint" / "state.json").exists()  # the previous checkpoint is carried over


class CtrlC:
    """An Interrupt whose Ctrl-C has come: check() raises, as training.interrupt.Interrupt's does."""

    requested = True

    def check(self):
        raise KeyboardInterrupt


def test_an_interrupted_run_is_exported_and_retrained_next_time(tmp_path, write_tone):
    config = small_config(max_steps=2, warm_start_steps=2)
    write_tone("a", 220.0)
    job = TrainingRun(tmp_path / "bank", config, RunConfig(device="cpu"), FeatureCache(None))
    job.make_plan(job.read_tones(sorted((tmp_path / "tones").iterdir())))
    job.train(progress=False, interrupt=CtrlC())
    assert job.stop_reason == "interrupted" and job.steps == 0
    job.export()
    assert load_bank(tmp_path / "bank").tone("a").training.stop_reason == "interrupted"
    _, again = run_once(tmp_path, config)
    assert names(again.to_train) == ["a"]


# -- checkpoints: beside the bank while training, in it once exported -------------------


def test_periodic_checkpoints_go_beside_the_bank_and_resume_picks_up_a_killed_runs(tmp_path, write_tone):
    config = small_config(max_steps=3, warm_start_steps=2)
    write_tone("a", 220.0)
    run_once(tmp_path, config)
    bank_checkpoint = {p.name: p.read_bytes() for p in (tmp_path / "bank" / "checkpoint").iterdir()}

    # a run with a higher step cap, checkpointing every step, "killed" before it exports
    more = small_config(max_steps=6, warm_start_steps=2)
    job = TrainingRun(tmp_path / "bank", more, RunConfig(device="cpu", checkpoint_every_s=0.0), FeatureCache(None))
    job.make_plan(job.read_tones(sorted((tmp_path / "tones").iterdir())))
    job.train(progress=False)
    assert job.run_checkpoint_dir == tmp_path / ".bank.run" / "checkpoint"
    assert json.loads((job.run_checkpoint_dir / "state.json").read_text())["step"] == 6
    assert {p.name: p.read_bytes() for p in (tmp_path / "bank" / "checkpoint").iterdir()} == bank_checkpoint  # the bank's is untouched
    assert sorted(p.name for p in job.run_checkpoint_dir.parent.iterdir()) == ["checkpoint", "staged"]  # written whole: no temporary folder left

    # --resume prefers the killed run's checkpoint when it fits, and the export puts it in the bank
    again = TrainingRun(tmp_path / "bank", small_config(max_steps=8, warm_start_steps=2), RunConfig(device="cpu"), FeatureCache(None))
    again.make_plan(again.read_tones(sorted((tmp_path / "tones").iterdir())))
    (tmp_path / ".bank.run" / "staged").rename(tmp_path / "staged-by-the-killed-run")  # killed before its chunk was staged
    again.train(progress=False, resume=True)
    assert again.resumed_from == job.run_checkpoint_dir and again.steps == 8
    assert json.loads((again.run_checkpoint_dir / "state.json").read_text())["loss_history"][:6] == json.loads(
        (tmp_path / "staged-by-the-killed-run" / "checkpoints" / "chunk-0000" / "state.json").read_text())["loss_history"]
    again.export()
    assert json.loads((tmp_path / "bank" / "checkpoint" / "state.json").read_text())["step"] == 8


def test_resume_falls_back_to_the_banks_checkpoint_when_the_killed_runs_does_not_fit(tmp_path, write_tone):
    config = small_config(max_steps=3, warm_start_steps=2)
    write_tone("a", 220.0)
    run_once(tmp_path, config)
    (tmp_path / ".bank.run" / "checkpoint").mkdir(parents=True)
    (tmp_path / ".bank.run" / "checkpoint" / "state.json").write_text('{"config": {}, "tones": []}')  # another run's, other tones
    job = TrainingRun(tmp_path / "bank", small_config(max_steps=5, warm_start_steps=2), RunConfig(device="cpu"), FeatureCache(None))
    job.make_plan(job.read_tones(sorted((tmp_path / "tones").iterdir())))
    job.train(progress=False, resume=True)
    assert job.resumed_from == tmp_path / "bank" / "checkpoint" and job.steps == 5
