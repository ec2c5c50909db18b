"""The grower-train pipeline: read the tones, plan, train, reconstruct, export.

Reads top to bottom, as a run goes:

1. :meth:`TrainingRun.read_tones`: read and analyse every file; a file that
   is not a usable tone is reported and left out;
2. :func:`plan`: which tones the previous bank already holds as they would be
   trained now (carried over), and which to train;
3. :meth:`TrainingRun.prepare` (and resume), :meth:`TrainingRun.train`: the
   tones to train, together in one batched pass;
4. :meth:`TrainingRun.export`: reconstruct them and write the bank, with the
   carried tones, atomically.

One :class:`ToneRecord` carries each tone through every phase. Nothing here
prints: the CLI says what happens, between the calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors import SafetensorError

from grower.synth.bank import CHECKPOINT_DIR, Bank, BankError, BankTone, load_bank

from . import export
from .bank_folder import failure_reason, run_folder
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import GrowerConfig, RunConfig
from .feature_cache import FeatureCache
from .features import ToneFeatures, analyse
from .tone_file import ToneAudio, ToneFileError, read_tone
from .tone_set import TrainingTone, prepare_tone
from .trainer import TrainState, choose_device, reconstruct, train


@dataclass
class ToneRecord:
    """One usable tone on its way into the bank.

    Read and analysed first; the fields after ``features`` are filled in as
    the tone is prepared, trained and reconstructed.
    """

    name: str  # the file name without extension, unique in the folder
    path: Path  # the recording
    sha256: str  # of the recording's bytes
    duration_s: float  # of ``audio``
    audio: np.ndarray  # [n_samples] float32, -1..1, at config.features.sample_rate
    features: ToneFeatures
    prepared: TrainingTone | None = None  # the tone's training tensors
    result: dict | None = None  # reconstruct(): {"controls": {name: [n_frames, ...]}, "audio", "harmonic", "noise": [n_samples]}
    weights: dict | None = None  # the tone's decoder weights, "weights.*" -> np.ndarray
    losses: list = field(default_factory=list)  # spectral loss per step taken
    stop_reason: str = ""  # why the run that trained it stopped

    @classmethod
    def from_audio(cls, audio: ToneAudio, features: ToneFeatures) -> "ToneRecord":
        """The recording as its features describe it: leading and trailing silence left out."""
        kept = features.trimmed(audio.audio, audio.sample_rate)
        return cls(name=audio.name, path=audio.path, sha256=audio.sha256, duration_s=kept.shape[0] / audio.sample_rate, audio=kept, features=features)


@dataclass(frozen=True)
class Plan:
    """What a run does with each usable tone."""

    carried: tuple  # (BankTone, ...): kept from the previous bank as they are, in file order
    to_train: tuple  # (ToneRecord, ...): trained now, in file order
    up_to_date: bool  # nothing to train and the same tones as the previous bank: nothing to write


def is_unchanged(tone: BankTone, record: ToneRecord, config: GrowerConfig) -> bool:
    """The incremental rule: a previous bank's tone is kept when training it again would change nothing.

    That is: the same recording (sha256), the same settings (config.tone_key()),
    and its training was not cut short by Ctrl-C.
    """
    training = tone.training
    return (
        training is not None
        and tone.entry.sha256 == record.sha256
        and training.tone_key == config.tone_key()
        and training.stop_reason != "interrupted"
    )


def plan(usable: list, previous: Bank | None, config: GrowerConfig) -> Plan:
    """Split the usable tones ([ToneRecord]) into carried and to-train against the previous bank (None: no bank)."""
    kept = {tone.entry.name: tone for tone in previous.tones} if previous is not None else {}
    carried, to_train = [], []
    for record in usable:
        tone = kept.get(record.name)
        if tone is not None and is_unchanged(tone, record, config):
            carried.append(tone)
        else:
            to_train.append(record)
    up_to_date = not to_train and set(kept) == {record.name for record in usable}
    return Plan(carried=tuple(carried), to_train=tuple(to_train), up_to_date=up_to_date)


def previous_bank(bank_dir: Path) -> Bank | None:
    """The bank already at bank_dir, or None if there is none or it cannot be read (then everything is trained)."""
    try:
        return load_bank(bank_dir)
    except BankError:
        return None


class TrainingRun:
    """One grower-train run into bank_dir. Call in order; each phase is timed for bank.json's run section.

    read_tones -> make_plan -> (if plan.to_train: prepare -> train) -> export.
    """

    def __init__(self, bank_dir: Path, config: GrowerConfig, run: RunConfig, cache: FeatureCache):
        self.bank_dir = Path(bank_dir)
        self.config, self.run, self.cache = config, run, cache
        self.plan: Plan | None = None
        self.state: TrainState | None = None
        self.stop_reason = "nothing to train"
        self.resumed_from: Path | None = None  # the checkpoint folder --resume restored
        self.timings: dict = {}  # phase -> seconds

    @property
    def checkpoint_dir(self) -> Path:
        """The bank's checkpoint: the state its tones were exported with."""
        return self.bank_dir / CHECKPOINT_DIR

    @property
    def run_checkpoint_dir(self) -> Path:
        """This run's periodic checkpoint, beside the bank, never in it (see bank_folder); a killed run's is found here."""
        return run_folder(self.bank_dir) / CHECKPOINT_DIR

    @property
    def steps(self) -> int:
        """Spectral steps the run has taken."""
        return self.state.step if self.state is not None else 0

    def read_tones(self, files: list, interrupt=None, on_skip=None) -> list:
        """Read and analyse every file, with cached features; returns [ToneRecord] in file order.

        A file that is not a usable tone is passed to on_skip(path, ToneFileError)
        and left out. interrupt: checked before each file.
        """
        config = self.config
        sizes = (config.model.n_harmonics, config.model.n_noise_bands)
        started = time.perf_counter()
        records, paths = [], {}
        for path in files:
            if interrupt is not None:
                interrupt.check()
            try:
                audio = read_tone(path, config.features)
                if audio.name in paths:
                    raise ToneFileError(f"same tone name as {paths[audio.name].name}; rename one of them")
                features = self.cache.load(audio.sha256, config.features, sizes)
                if features is None:
                    features = analyse(audio.audio, config.features, *sizes, interrupt=interrupt)
                    self.cache.store(audio.sha256, config.features, sizes, features)
            except ToneFileError as error:
                if on_skip is not None:
                    on_skip(path, error)
                continue
            paths[audio.name] = path
            records.append(ToneRecord.from_audio(audio, features))
        self.timings["features_s"] = time.perf_counter() - started
        return records

    def make_plan(self, usable: list) -> Plan:
        """Plan the usable tones ([ToneRecord]) against the bank now at bank_dir."""
        self.plan = plan(usable, previous_bank(self.bank_dir), self.config)
        return self.plan

    @property
    def training_tones(self) -> list:
        """[TrainingTone] of the tones to train, in plan order."""
        return [record.prepared for record in self.plan.to_train]

    def prepare(self, resume: bool = False, interrupt=None) -> None:
        """Build each tone's training tensors; with resume, restore a checkpoint (CheckpointError if none fits).

        resume: a killed run's periodic checkpoint when it fits these tones and
        settings (it is the newer), else the bank's. interrupt: checked after each tone.
        """
        config = self.config
        for record in self.plan.to_train:
            record.prepared = prepare_tone(record.name, record.sha256, record.audio, record.features, config)
            if interrupt is not None:
                interrupt.check()
        if resume:
            self.state, self.resumed_from = self._resume()

    def _resume(self) -> tuple:
        """(TrainState, the folder it came from): the first of the run's and the bank's checkpoints that fits."""
        sources = [d for d in (self.run_checkpoint_dir, self.checkpoint_dir) if (d / "state.json").exists()] or [self.checkpoint_dir]
        for source in sources:
            try:
                return load_checkpoint(source, self.config, self.training_tones), source
            except CheckpointError as error:
                failure = error
        raise failure

    def train(self, progress: bool = True, interrupt=None, on_checkpoint_error=None) -> None:
        """Train the planned tones together until each converges, the step cap, or Ctrl-C (stop_reason says which).

        Every RunConfig.checkpoint_every_s the state is saved to run_checkpoint_dir;
        when that fails (a full disk) training goes on, and on_checkpoint_error(message) is told once.
        """
        tones, config = self.training_tones, self.config
        failed = []

        def save_periodic(state) -> None:
            try:
                save_checkpoint(self.run_checkpoint_dir, state, config, tones)
            except (OSError, SafetensorError) as error:
                if not failed and on_checkpoint_error is not None:
                    on_checkpoint_error(f"{self.run_checkpoint_dir}: cannot save the checkpoint ({failure_reason(error)}); training goes on")
                failed.append(error)

        started = time.perf_counter()
        self.state = train(tones, config, self.run, state=self.state, checkpoint=save_periodic, progress=progress, interrupt=interrupt)
        self.stop_reason = self.state.stop_reason
        self.timings["train_s"] = time.perf_counter() - started
        self.timings["warm_start_s"] = self.state.warm_start_s

    def export(self, on_tone=None) -> list:
        """Reconstruct the trained tones and write the bank with the carried ones; returns [ExportedTone].

        The previous bank stays in place until the new one is whole: BankError
        if it would not load or cannot be written (a full disk, a read-only
        folder), or a second Ctrl-C, leave it as it was. on_tone(): called as
        each tone's files are written (a progress bar).
        """
        config, to_train = self.config, self.plan.to_train
        started = time.perf_counter()
        exported = [export.carried_tone(self.bank_dir, tone) for tone in self.plan.carried]
        if to_train:
            results = reconstruct(self.state.decoders, self.training_tones, config)
            for t, (record, result) in enumerate(zip(to_train, results)):
                record.result = result
                record.weights = self.state.decoders.tone_state(t)
                record.losses = [step[t] for step in self.state.loss_history]
                record.stop_reason = self.stop_reason
                exported.append(export.trained_tone(record, config))
        write_checkpoint = (lambda d: save_checkpoint(d, self.state, config, self.training_tones)) if to_train else None
        self.timings["reconstruct_s"] = time.perf_counter() - started
        run_info = {
            "trained": [record.name for record in to_train],
            "kept": [tone.entry.name for tone in self.plan.carried],
            "stop_reason": self.stop_reason,
            "steps": self.steps,
            "device": str(choose_device(self.run)),
            **{k: round(v, 3) for k, v in self.timings.items()},
        }
        export.export_bank(self.bank_dir, config, exported, write_checkpoint, previous_checkpoint=self.checkpoint_dir, run_info=run_info, on_tone=on_tone)
        return exported
