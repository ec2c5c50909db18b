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

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile
from safetensors import SafetensorError

from grower.synth.bank import CHECKPOINT_DIR, Bank, BankError, load_bank

from . import export
from .bank_folder import failure_reason, run_folder
from .chunks import ChunkSizer, release_memory
from .config import GrowerConfig, RunConfig
from .feature_cache import FeatureCache
from .features import ToneFeatures, analyse
from .staging import StagedTones, link_or_copy
from .cleaning import Cleaning
from .tone_file import ToneAudio, ToneFileError, read_tone

if TYPE_CHECKING:
    from .tone_set import TrainingTone
    from .trainer import TrainState

# torch comes in with checkpoint, tone_set and trainer, imported where they are
# used: read_tones needs none of them, so a run imports torch while its files are
# analysed in the workers (TrainingRun.read_tones's meanwhile).


MIN_FILES_FOR_WORKERS = 24  # files to analyse before the analysis moves to worker processes


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
    cleaning: Cleaning = Cleaning()  # what was removed from the recording before analysis (training.cleaning)
    prepared: TrainingTone | None = None  # the tone's training tensors
    result: dict | None = None  # reconstruct(): {"controls": {name: [n_frames, ...]}}
    weights: dict | None = None  # the tone's decoder weights, "weights.*" -> np.ndarray
    losses: list = field(default_factory=list)  # spectral loss per step taken
    stop_reason: str = ""  # why the run that trained it stopped
    _n_samples: int = 0  # audio.shape[0], kept while unloaded

    @classmethod
    def from_audio(cls, audio: ToneAudio, features: ToneFeatures) -> "ToneRecord":
        """The recording as its features describe it: leading and trailing silence left out."""
        kept = features.trimmed(audio.audio, audio.sample_rate)
        return cls(name=audio.name, path=audio.path, sha256=audio.sha256, duration_s=kept.shape[0] / audio.sample_rate, audio=kept, features=features,
                   cleaning=audio.cleaning)

    @property
    def n_samples(self) -> int:
        """Samples of the (trimmed) recording, loaded or not."""
        return self.audio.shape[0] if self.audio is not None else self._n_samples

    def unload(self) -> None:
        """Drop the audio, features and everything trained from memory (reload() brings the first two back)."""
        self._n_samples = self.n_samples
        self.audio = self.features = self.prepared = self.result = self.weights = None

    def reload(self, config: GrowerConfig, cache: FeatureCache) -> None:
        """Read the recording and its cached features again, after unload(); ToneFileError if the file changed since."""
        if self.audio is not None:
            return
        sizes = (config.model.n_harmonics, config.model.n_noise_bands)
        audio = read_tone(self.path, config.features)
        features = cache.load(audio.sha256, config.features, sizes)
        if audio.sha256 != self.sha256:
            raise ToneFileError("changed while the run was training other tones; run again to train it")
        if features is None:
            features = analyse(audio.audio, config.features, *sizes)
        self.audio, self.features, self.cleaning = features.trimmed(audio.audio, audio.sample_rate), features, audio.cleaning


@dataclass(frozen=True)
class Plan:
    """What a run does with each usable tone."""

    carried: tuple  # (BankTone, ...): kept from the previous bank as they are, in file order
    to_train: tuple  # (ToneRecord, ...): trained now, in file order
    up_to_date: bool  # nothing to train and the same tones as the previous bank: nothing to write
    staged: tuple = ()  # (export.ExportedTone, ...): trained by a run killed before it wrote the bank (training.staging)


def is_unchanged(tone, record: ToneRecord, config: GrowerConfig) -> bool:
    """The incremental rule: a previous bank's tone (or a staged one) is kept when training it again would change nothing.

    tone: a BankTone or an export.ExportedTone (each has entry and training).

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


def plan(usable: list, previous: Bank | None, config: GrowerConfig, staged: dict | None = None) -> Plan:
    """Split the usable tones ([ToneRecord]) into carried, staged and to-train.

    previous: the bank there now (None: no bank). staged: {name: export.ExportedTone}
    that a killed run finished (training.staging); the bank's own tone wins when both fit.
    """
    kept = {tone.entry.name: tone for tone in previous.tones} if previous is not None else {}
    staged = staged or {}
    carried, reused, to_train = [], [], []
    for record in usable:
        tone, done = kept.get(record.name), staged.get(record.name)
        if tone is not None and is_unchanged(tone, record, config):
            carried.append(tone)
        elif done is not None and is_unchanged(done, record, config):
            reused.append(done)
        else:
            to_train.append(record)
    up_to_date = not to_train and not reused and set(kept) == {record.name for record in usable}
    return Plan(carried=tuple(carried), to_train=tuple(to_train), up_to_date=up_to_date, staged=tuple(reused))


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

    def __init__(self, bank_dir: Path, config: GrowerConfig, run: RunConfig, cache: FeatureCache, run_dir: Path | None = None):
        """run_dir: where the periodic checkpoint and the staged tones go (None: the bank's run folder, bank_folder.run_folder)."""
        self.bank_dir = Path(bank_dir)
        self.run_dir = Path(run_dir) if run_dir is not None else run_folder(self.bank_dir)
        self.config, self.run, self.cache = config, run, cache
        self.plan: Plan | None = None
        self.state: TrainState | None = None
        self.stop_reason = "nothing to train"
        self.resumed_from: Path | None = None  # the checkpoint folder --resume restored
        self.timings: dict = {}  # phase -> seconds
        self.staging = StagedTones(self.run_dir)
        self._checkpoint_failed = False  # a checkpoint could not be written: said once
        self.gathered: list = []  # names of tones other ranks trained and staged here (training.distributed)
        self.chunk_ids: list = []  # this run's chunks, as their checkpoints are named in the staging (and the gathered ones)
        self.trained: list = []  # [ToneRecord] trained and staged by this run
        self.untrained: list = []  # [ToneRecord] planned but not trained (Ctrl-C before their chunk, or their file changed)
        self.sizer: ChunkSizer | None = None  # set by make_chunks
        self.chunks: list = []  # make_chunks' plan, [[ToneRecord]]
        self.n_chunks = 0  # chunks trained
        self.previous_names: set = set()  # the tones of the bank make_plan found
        self.started_fresh: list = []  # with resume: names of the tones no checkpoint held, trained from the start
        self.steps_taken = 0  # spectral steps of the longest chunk
        self.launch_resumes = False  # torchrun: another rank has something to resume (the launch is resumed, not only this share)

    @property
    def checkpoint_dir(self) -> Path:
        """The bank's checkpoint: the state its tones were exported with."""
        return self.bank_dir / CHECKPOINT_DIR

    @property
    def run_checkpoint_dir(self) -> Path:
        """This run's periodic checkpoint, beside the bank, never in it (see bank_folder); a killed run's is found here."""
        return self.run_dir / CHECKPOINT_DIR

    @property
    def steps(self) -> int:
        """Spectral steps the run has taken (the longest chunk's)."""
        return self.steps_taken

    def read_tones(self, files: list, interrupt=None, on_skip=None, pool=None, meanwhile=None) -> list:
        """Read and analyse every file, with cached features; returns [ToneRecord] in file order.

        A file that is not a usable tone is passed to on_skip(path, ToneFileError)
        and left out. interrupt: checked before each file. pool: a
        worker_pool.WorkerPool the analyses run in, beside this process (None: here).
        meanwhile(n_elsewhere): called once the analyses are under way, with how many run in the workers
        (the caller's own imports and warm-ups, which then cost nothing while it waits for them).
        """
        config = self.config
        sizes = (config.model.n_harmonics, config.model.n_noise_bands)
        started = time.perf_counter()
        read, paths = [], {}  # read: (path, ToneAudio, features or a Future of them)
        for path in files:
            if interrupt is not None:
                interrupt.check()
            try:
                audio = read_tone(path, config.features)
                if audio.name in paths:
                    raise ToneFileError(f"same tone name as {paths[audio.name].name}; rename one of them")
            except ToneFileError as error:
                if on_skip is not None:
                    on_skip(path, error)
                continue
            paths[audio.name] = path
            read.append((path, audio, self.cache.load(audio.sha256, config.features, sizes)))
        # Workers pay their own start (a process, numpy, librosa, numba's caches: about
        # 2 s of CPU each), which pays only for several files, or if they are running already.
        misses = sum(features is None for _, _, features in read)
        elsewhere = pool is not None and (misses >= MIN_FILES_FOR_WORKERS or (pool.started and misses > 0))
        if elsewhere:
            read = [(path, audio, pool.submit(analyse, audio.audio, config.features, *sizes) if features is None else features)
                    for path, audio, features in read]
        if meanwhile is not None:
            meanwhile(misses if elsewhere else 0)
        records = []
        for path, audio, features in read:
            try:
                if features is None:
                    features = analyse(audio.audio, config.features, *sizes, interrupt=interrupt)
                    self.cache.store(audio.sha256, config.features, sizes, features)
                elif not isinstance(features, ToneFeatures):
                    features = pool.result(features, interrupt)
                    self.cache.store(audio.sha256, config.features, sizes, features)
            except ToneFileError as error:
                if on_skip is not None:
                    on_skip(path, error)
                continue
            records.append(ToneRecord.from_audio(audio, features))
        self.timings["features_s"] = time.perf_counter() - started
        return records

    def make_plan(self, usable: list) -> Plan:
        """Plan the usable tones ([ToneRecord]) against the bank now at bank_dir and the tones a killed run staged."""
        previous = previous_bank(self.bank_dir)
        self.previous_names = {tone.entry.name for tone in previous.tones} if previous is not None else set()
        self.plan = plan(usable, previous, self.config, self.staging.load())
        return self.plan

    def make_chunks(self, budget_bytes: int | None = None) -> list:
        """Plan chunks of plan.to_train that each fit budget_bytes (None: one chunk); returns the plan [[ToneRecord]].

        What this process holds already counts against the budget (on the CPU).
        The plan is a first estimate: train() sizes each chunk as it comes,
        from the memory then free and what the chunks before really took
        (chunks.ChunkSizer). With more than one chunk, every tone's audio and
        features leave memory until its chunk comes (read back from the file
        and the feature cache).
        """
        from .tone_set import crop_size_for
        from .trainer import choose_device

        to_train = list(self.plan.to_train)
        self.sizer = ChunkSizer(budget_bytes, crop_size_for(self.config), choose_device(self.run))
        self.chunks = []
        while len(to_train) > sum(map(len, self.chunks)):
            rest = to_train[sum(map(len, self.chunks)) :]
            self.chunks.append(rest[: self.sizer.take([record.n_samples for record in rest])])
        if len(self.chunks) > 1 and self.cache.directory is not None:
            for record in to_train:
                record.unload()
            release_memory()
        return self.chunks

    def train(self, progress: bool = True, interrupt=None, on_checkpoint_error=None, resume: bool = False, pool=None, on_chunk=None) -> None:
        """Train the planned tones chunk by chunk; each chunk trains together until each tone converges,
        the step cap, or Ctrl-C (stop_reason says which), then is reconstructed and staged.

        Every RunConfig.checkpoint_every_s the chunk's state is saved to
        run_checkpoint_dir; when that fails (a full disk) training goes on, and
        on_checkpoint_error(message) is told once. resume: each chunk starts
        from the first checkpoint that holds exactly its tones (CheckpointError
        if none does for the first). pool: draws the figures of a chunk while
        the next one trains. on_chunk(index, n_chunks, [ToneRecord]): said as each chunk starts.
        A Ctrl-C stops after the chunk it lands in; later chunks' tones stay out of the bank.
        """
        from .checkpoint import CheckpointError
        from .trainer import train

        config = self.config
        if self.sizer is None:
            self.make_chunks()
        started = time.perf_counter()
        self.trained, self.untrained, self.chunk_ids = [], [], []
        pending = [record for chunk in self.chunks for record in chunk]
        c = 0
        while pending:
            if c > 0 and interrupt is not None and interrupt.requested:
                self.untrained += pending
                break
            take = self.sizer.take([record.n_samples for record in pending]) if c > 0 else len(self.chunks[0])
            chunk, pending = pending[:take], pending[take:]
            if on_chunk is not None:
                on_chunk(c, c + 1 + self.sizer.estimate_chunks([record.n_samples for record in pending]), chunk)
            self.sizer.started()
            loading = time.perf_counter()
            ready = self._load_chunk(chunk)
            self.timings["load_s"] = self.timings.get("load_s", 0.0) + time.perf_counter() - loading
            if c > 0 and interrupt is not None and interrupt.requested:  # Ctrl-C while it loaded: it stays untrained, not exported half-made
                for record in ready:
                    record.unload()
                self.untrained += chunk + pending
                break
            if not ready:  # every file of the chunk changed while earlier chunks trained
                c += 1
                continue
            tones = [record.prepared for record in ready]
            self.state = None
            if resume:
                try:
                    self.state, self.resumed_from = self._resume(tones)
                except CheckpointError:
                    # Nothing to resume at all is an error; after a killed chunked run, whose finished
                    # chunks are reused (plan.staged), a chunk no checkpoint holds trains from the start.
                    if c == 0 and not self.plan.staged and not self.launch_resumes:
                        raise
                    self.started_fresh += [record.name for record in ready]
            self.state = train(tones, config, self.run, state=self.state, checkpoint=self._periodic_saver(tones, on_checkpoint_error),
                               progress=progress, interrupt=interrupt)
            self.stop_reason = self.state.stop_reason
            self.steps_taken = max(self.steps_taken, self.state.step)
            for phase in ("setup_s", "warm_start_s", "spectral_s"):
                self.timings[phase] = self.timings.get(phase, 0.0) + getattr(self.state, phase)
            self.chunk_ids.append(self.staging.free_chunk_id(self.chunk_ids))
            try:
                self._stage_chunk(ready, self.chunk_ids[-1], pool, on_checkpoint_error)
            except (OSError, SafetensorError, soundfile.SoundFileError) as error:  # a full disk beside the bank
                raise BankError(f"{self.staging.directory}: cannot stage the trained tones ({failure_reason(error)}); "
                                "the previous bank, if any, is unchanged") from None
            self.sizer.finished([record.n_samples for record in ready])
            del ready, tones  # the chunk's tensors go before the next chunk is sized
            if pending:  # after the last chunk there is none to size (a collection costs 0.1 s with torch loaded)
                release_memory()
            c += 1
        self.n_chunks = c
        self.timings["train_s"] = time.perf_counter() - started

    def _load_chunk(self, chunk: list) -> list:
        """Prepare each tone's training tensors (reading back unloaded ones); a file that changed meanwhile is left out."""
        from .tone_set import prepare_tone

        ready = []
        for record in chunk:
            try:
                record.reload(self.config, self.cache)
            except ToneFileError as error:
                record.stop_reason = f"skipped: {error}"
                self.untrained.append(record)
                continue
            record.prepared = prepare_tone(record.name, record.sha256, record.audio, record.features, self.config)
            ready.append(record)
        return ready

    def _periodic_saver(self, tones: list, on_checkpoint_error):
        def save_periodic(state) -> None:
            self._save_checkpoint(self.run_checkpoint_dir, state, tones, on_checkpoint_error)

        return save_periodic

    def _save_checkpoint(self, directory: Path, state, tones: list, on_checkpoint_error) -> None:
        """A checkpoint that cannot be written (a full disk) costs only --resume: said once, and the run goes on."""
        from .checkpoint import save_checkpoint

        try:
            save_checkpoint(directory, state, self.config, tones)
        except (OSError, SafetensorError) as error:
            if not self._checkpoint_failed and on_checkpoint_error is not None:
                on_checkpoint_error(f"{directory}: cannot save the checkpoint ({failure_reason(error)}); training goes on")
            self._checkpoint_failed = True

    def _stage_chunk(self, ready: list, chunk_id: str, pool=None, on_checkpoint_error=None) -> None:
        """Reconstruct the chunk's tones, stage them with the chunk's checkpoint, and free their memory."""
        from .trainer import reconstruct

        config, state = self.config, self.state
        tones = [record.prepared for record in ready]
        started = time.perf_counter()
        self.staging.flush(pool)  # the previous chunk's figures, drawn meanwhile
        results = reconstruct(state.decoders, tones, config, audio=False)
        for t, (record, result) in enumerate(zip(ready, results)):
            record.result = result
            record.weights = state.decoders.tone_state(t)
            record.losses = [step[t] for step in state.loss_history if step[t] is not None]  # the tone's own steps
            record.stop_reason = state.stop_reason
            self.staging.stage(export.trained_tone(record, config), pool)
            record.unload()
            self.trained.append(record)
        self._save_checkpoint(self.staging.chunk_checkpoint_dir(chunk_id), state, tones, on_checkpoint_error)
        self.state = None  # its tones are staged: what it knew of them is in the chunk's checkpoint
        self.timings["reconstruct_s"] = self.timings.get("reconstruct_s", 0.0) + time.perf_counter() - started

    def gather(self, ranks, pool=None) -> None:
        """In a torchrun launch, after train(): every rank's staged tones move to rank 0, which adds them and the
        tones the other ranks carry from the bank to what it writes (see training.distributed)."""
        from . import distributed

        self.staging.flush(pool)
        trained = [record.name for record in self.trained]
        sent = trained + [tone.entry.name for tone in self.plan.staged]
        sent_checkpoints = self.chunk_ids + [d.name for d in self.reused_checkpoints(trained)]
        carried, self.gathered, checkpoints = distributed.gather_staged(
            ranks, self.staging, StagedTones(run_folder(self.bank_dir)), [tone.entry.name for tone in self.plan.carried], sent, sent_checkpoints)
        self.chunk_ids += checkpoints
        if carried:
            previous = previous_bank(self.bank_dir)
            extra = tuple(previous.tone(name) for name in carried if previous is not None and name in {t.entry.name for t in previous.tones})
            self.plan = Plan(carried=self.plan.carried + extra, to_train=self.plan.to_train, up_to_date=False, staged=self.plan.staged)

    def resumable(self) -> bool:
        """Something --resume can continue from here: tones a killed run staged, or a checkpoint (the run's or the
        bank's) that holds one of the tones to train, as they are now."""
        from .checkpoint import checkpoint_tones

        wanted = {(record.name, record.sha256) for record in self.plan.to_train}
        return bool(self.plan.staged) or any(wanted & set(checkpoint_tones(d) or ()) for d in self._resume_candidates())

    def _resume_candidates(self) -> list:
        """The checkpoint folders --resume looks in, in order: the run's periodic one (a killed run's, the newer),
        the bank's, then each chunk's in the bank (a bank trained in chunks)."""
        return [self.run_checkpoint_dir, self.checkpoint_dir] + sorted(self.checkpoint_dir.glob("chunk-*"))

    def _resume(self, tones: list) -> tuple:
        """(TrainState, the folder it came from): the first checkpoint that holds exactly these tones ([TrainingTone]).

        The run's periodic one first (a killed run's, the newer), then the bank's,
        then each chunk's checkpoint in the bank (a bank trained in chunks).
        """
        from .checkpoint import CheckpointError, load_checkpoint

        sources = [d for d in self._resume_candidates() if (d / "state.json").exists()] or [self.checkpoint_dir]
        for source in sources:
            try:
                return load_checkpoint(source, self.config, tones), source
            except CheckpointError as error:
                failure = error
        raise failure

    def reused_checkpoints(self, trained: list) -> list:
        """The chunk checkpoints a killed run left in the staging whose every tone this run reuses as that run made it
        ([Path]): they belong in the bank with those tones. A leftover may hold tones trained again since (trained:
        this run's names), or no longer in the folder, and is then left out."""
        from .checkpoint import checkpoint_tones

        reused = {(tone.entry.name, tone.entry.sha256) for tone in self.plan.staged if tone.entry.name not in trained}

        def holds_only_reused(checkpoint: Path) -> bool:
            held = checkpoint_tones(checkpoint)  # None: unreadable
            return bool(held) and set(held) <= reused

        return [d for d in self.staging.chunk_checkpoints() if d.name not in self.chunk_ids and holds_only_reused(d)]

    def export(self, on_tone=None, pool=None) -> list:
        """Write the bank: the carried tones, the ones staged by this run and by a killed one; returns [ExportedTone].

        The previous bank stays in place until the new one is whole: BankError
        if it would not load or cannot be written (a full disk, a read-only
        folder), or a second Ctrl-C, leave it as it was. on_tone(): called as
        each tone's files are written (a progress bar). pool: worker_pool.WorkerPool
        for the figures.
        """
        from .trainer import choose_device

        config = self.config
        self.staging.flush(pool)  # a first Ctrl-C saves: waiting for the figures goes on (a second one raises where it lands)
        staged = self.staging.load()
        trained = [record.name for record in self.trained] + self.gathered
        exported = [export.carried_tone(self.bank_dir, tone) for tone in self.plan.carried]
        exported += [staged[name] for name in trained if name in staged]
        exported += [tone for tone in self.plan.staged if tone.entry.name not in trained]
        if self.untrained:  # stopped before their chunk: the previous bank's versions stay (the next run retrains them)
            previous = previous_bank(self.bank_dir)
            held = {tone.entry.name: tone for tone in previous.tones} if previous is not None else {}
            exported += [export.carried_tone(self.bank_dir, held[r.name]) for r in self.untrained if r.name in held and r.name not in trained]
        # This run's chunk checkpoints (and those the other ranks sent), and a killed run's that hold tones reused from it.
        kept = set(self.chunk_ids) | {d.name for d in self.reused_checkpoints(trained)}
        chunk_checkpoints = [d for d in self.staging.chunk_checkpoints() if d.name in kept]

        def write_checkpoint(directory: Path) -> None:
            if len(chunk_checkpoints) == 1:  # one chunk: the checkpoint is the bank's own, as it always was
                shutil.copytree(chunk_checkpoints[0], directory, copy_function=link_or_copy)
                return
            directory.mkdir()
            for source in chunk_checkpoints:
                shutil.copytree(source, directory / source.name, copy_function=link_or_copy)

        run_info = {
            "trained": trained,
            "kept": [tone.entry.name for tone in self.plan.carried],
            "stop_reason": self.stop_reason,
            "steps": self.steps,
            "chunks": self.n_chunks,
            "device": str(choose_device(self.run)),
            **{k: round(v, 3) for k, v in self.timings.items()},
        }
        export.export_bank(self.bank_dir, config, exported, write_checkpoint if chunk_checkpoints else None, previous_checkpoint=self.checkpoint_dir,
                           run_info=run_info, on_tone=on_tone, pool=pool)
        shutil.rmtree(self.staging.directory, ignore_errors=True)  # all in the bank now
        return exported
