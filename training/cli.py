"""grower-train: turn a folder of tone recordings into a timbre bank.

usage: grower-train TONES_DIR [--out BANK_DIR] [--steps N] [--resume] ...

Reads every wav, flac, aiff and ogg file in TONES_DIR (one sustained note per
scale tone), learns each tone's timbre, and writes BANK_DIR/bank.json,
BANK_DIR/tones/*.safetensors and a report (reconstructions, plots, losses).

Unusable files are skipped with one line each; the exit status is non-zero
only when no usable tone is left, or the bank cannot be written (one line:
an --out that is a file or another folder, a full disk, a read-only folder).
Re-running retrains only tones whose file or settings changed. Ctrl-C says at
once what it does: it stops, saves and exports what is trained so far; a
second Ctrl-C quits at once and leaves the previous bank as it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from .config import CLEAN_CHOICES, ENVELOPE_CHOICES, EnvelopeConfig, FeatureConfig, GrowerConfig, RunConfig, TrainConfig
from .interrupt import Interrupt


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grower-train", description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("tones_dir", type=Path, metavar="TONES_DIR", help="folder of tone recordings")
    parser.add_argument("--out", type=Path, default=Path("bank"), metavar="BANK_DIR",
                        help="bank folder to write: new, empty, or a bank to update (anything else is refused)")
    parser.add_argument("--steps", type=int, default=TrainConfig.max_steps, help="cap on spectral steps; tones stop earlier once converged")
    parser.add_argument("--no-early-stop", action="store_true", help="train every tone for all --steps instead of stopping it once converged")
    parser.add_argument("--sample-rate", type=int, default=FeatureConfig.sample_rate, help="training rate in Hz")
    parser.add_argument("--seed", type=int, default=TrainConfig.seed, help="random seed (each tone's generator derives from it)")
    parser.add_argument("--envelope", choices=ENVELOPE_CHOICES, default="auto",
                        help="how a held note behaves: auto detects it per tone; sustain loops, one-shot follows the recorded decay")
    parser.add_argument("--harmonic", action="store_true",
                        help="treat every tone as harmonic (inharmonicity B = 0) instead of measuring how its partials stretch")
    parser.add_argument("--clean", choices=CLEAN_CHOICES, default=FeatureConfig.clean,
                        help="auto: remove mains hum, a steady noise floor and a room's reverberant tail where the recording has them; off: learn it as recorded")
    parser.add_argument("--resume", action="store_true", help="continue from a killed run's checkpoint, else from BANK_DIR/checkpoint")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    parser.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"), default="auto", help="mixed precision; auto: bf16 on CUDA, off on CPU")
    parser.add_argument("--compile", choices=("auto", "on", "off"), default="auto", help="torch.compile; auto: off (compiling costs more than a run's 120 steps: measured on CPU, estimated on CUDA)")
    parser.add_argument("--max-memory", default="auto", metavar="SIZE",
                        help="peak memory a run may use (800M, 4G, ...): tones train in chunks that fit it; auto: a quarter of the RAM, or 90%% of the GPU's")
    parser.add_argument("--cache-dir", type=Path, default=None, help="feature cache folder; None: ~/.cache/timbre-grower/features")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    parser.add_argument("--quiet", action="store_true", help="no progress bars and no summary; errors and skipped files are still said")
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error("--steps must be >= 0")
    if args.max_memory != "auto":
        from .chunks import parse_size

        try:
            args.max_memory = parse_size(args.max_memory)
        except ValueError as error:
            parser.error(f"--max-memory: {error}")
    if not 8000 <= args.sample_rate <= 96000:
        parser.error("--sample-rate must be within 8000..96000 Hz")
    highest_hz = FeatureConfig.f0_min_hz * (FeatureConfig.analysis_fft_size - 1)  # yin needs a whole period of f0_min_hz in a frame
    if args.sample_rate >= highest_hz:
        parser.error(f"--sample-rate must be below {highest_hz:.0f} Hz: pitch tracking down to {FeatureConfig.f0_min_hz:g} Hz needs one period in {FeatureConfig.analysis_fft_size} samples")
    return args


# What the first Ctrl-C does, said the moment it comes.
NOTICE_BEFORE_TRAINING = "grower-train: stopping; nothing will be written (Ctrl-C again to quit now)"
NOTICE_TRAINING = "grower-train: stopping after this step; saving what is trained... (Ctrl-C again to quit now)"
NOTICE_SAVING = "grower-train: finishing the bank... (Ctrl-C again to quit now; the previous bank stays as it is)"


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    interrupt = Interrupt(NOTICE_BEFORE_TRAINING)
    try:
        with interrupt:
            return train_folder(args, interrupt)
    except KeyboardInterrupt:
        if not interrupt.forced:  # before training started: nothing to save, nothing written
            print("grower-train: interrupted before training; nothing was written", file=sys.stderr)
            return 130
        from .bank_folder import run_folder

        resumable = (run_folder(args.out) / "checkpoint" / "state.json").exists()
        print("grower-train: quit; nothing was written, the previous bank (if any) is as it was"
              + ("; --resume continues from the last checkpoint" if resumable else ""), file=sys.stderr)
        return 130
    except OSError as error:  # the last resort: every expected failure has its own line, but none may be a traceback
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        print(f"grower-train: {where}{error.strerror or error}", file=sys.stderr)
        return 1


def run() -> None:
    """The grower-train command: main(), then exit without finalising the interpreter.

    Everything the run writes is closed (and the bank renamed into place) when main
    returns; what remains is Python's teardown of torch's and numba's modules, which
    took 0.5-0.8 s here, a sixth of retraining one tone. atexit handlers still run.
    """
    code = main()
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def train_folder(args, interrupt: Interrupt) -> int:
    # Heavy imports after argument parsing, so --help is instant.
    from .bank_folder import BankFolder, BankFolderError, check_output
    from .tone_file import NoTonesError, find_tone_files

    try:
        files = find_tone_files(args.tones_dir)
        out = args.out = check_output(args.out)  # a link to a bank: the bank it leads to, so the link stays a link
    except (NoTonesError, BankFolderError) as error:
        print(f"grower-train: {error}", file=sys.stderr)
        return 1
    from .distributed import Ranks
    from .worker_pool import WorkerPool, spare_cores

    try:
        ranks = Ranks.from_environment()
    except ValueError as error:
        print(f"grower-train: {error}", file=sys.stderr)
        return 1
    if ranks is not None:
        return train_as_rank(ranks, out, files, args, interrupt)
    try:
        with BankFolder(out, on_note=lambda line: print(line, file=sys.stderr)) as folder, WorkerPool(spare_cores()) as pool:
            if len(files) > 1:
                # Started before torch is imported: the workers' own imports run beside ours,
                # not beside the warm start, and they are ready for the analyses.
                pool.start()
            return train_into(folder, files, args, interrupt, pool)
    except BankFolderError as error:
        print(f"grower-train: {error}", file=sys.stderr)
        return 1


def train_as_rank(ranks, out: Path, files: list, args, interrupt: Interrupt) -> int:
    """One rank of a torchrun launch (training.distributed): its share of the files; rank 0 writes the bank."""
    import contextlib

    import torch

    from . import distributed
    from .bank_folder import BankFolder, BankFolderError
    from .worker_pool import WorkerPool, usable_cores

    args.device = ranks.device(args.device)
    cores = max(1, usable_cores() // ranks.local_world_size)  # the node's cores, shared out between its ranks
    if not args.device.startswith("cuda"):
        torch.set_num_threads(cores)
    workers = cores - 1
    if args.max_memory == "auto" and not (args.device.startswith("cuda") and torch.cuda.device_count() >= ranks.local_world_size):
        args.max_memory = max(1, budget_bytes(args) // ranks.local_world_size)  # the node's memory, shared out between its ranks
    if not ranks.is_writer:
        args.quiet = True  # one voice: rank 0 says what the run does
    distributed.start(ranks, args.device)
    try:
        folder = BankFolder(out, on_note=lambda line: print(line, file=sys.stderr)) if ranks.is_writer else contextlib.nullcontext()
        with folder, WorkerPool(workers) as pool:
            return train_into(folder, ranks.share(unique_names(files, say=ranks.is_writer)), args, interrupt, pool, ranks=ranks)
    except BankFolderError as error:
        print(f"grower-train: {error}", file=sys.stderr)
        return 1
    finally:
        distributed.stop()


def unique_names(files: list, say: bool = True) -> list:
    """files less those whose tone name (the file name without extension) an earlier file has, each said in one line.

    A single process finds these as it reads; ranks each read only their share, so they are dropped before sharing.
    """
    first, kept = {}, []
    for path in files:
        if path.stem in first:
            if say:
                print(f"skipped {path}: same tone name as {first[path.stem].name}; rename one of them", file=sys.stderr)
            continue
        first[path.stem] = path
        kept.append(path)
    return kept


def budget_bytes(args) -> int:
    """--max-memory in bytes: as given, or the machine's default for the device."""
    from .chunks import default_budget_bytes
    from .trainer import choose_device

    if args.max_memory != "auto":
        return args.max_memory
    device = choose_device(RunConfig(device=args.device))
    if device.type == "cuda":
        import torch

        return default_budget_bytes("cuda", torch.cuda.get_device_properties(device).total_memory)
    return default_budget_bytes()


def train_into(folder, files: list, args, interrupt: Interrupt, pool, ranks=None) -> int:
    """Steps 1 to 4 of a run into args.out (folder: the locked, tidied bank_folder.BankFolder, on rank 0).

    pool: a worker_pool.WorkerPool for the analyses and the figures, started only when there are several.
    ranks: a torchrun launch's distributed.Ranks (None: one process); files are then this rank's share.
    """
    from grower.synth.bank import BANK_JSON, REPORT_DIR, BankError

    from .cleaning import Cleaning
    from .export import INDEX_HTML
    from .feature_cache import FeatureCache, default_cache_dir
    from .features import trim_notice
    from .pipeline import TrainingRun

    config = GrowerConfig(
        features=dataclasses.replace(FeatureConfig(), sample_rate=args.sample_rate, stretch=not args.harmonic, clean=args.clean),
        train=dataclasses.replace(TrainConfig(), max_steps=args.steps, seed=args.seed, early_stop=not args.no_early_stop),
        envelope=EnvelopeConfig(args.envelope),
    )
    run = RunConfig(device=args.device, amp=args.amp, compile=args.compile)
    cache = FeatureCache(None if args.no_cache else (args.cache_dir or default_cache_dir()))
    out = args.out
    from .bank_folder import run_folder

    job = TrainingRun(out, config, run, cache, run_dir=ranks.run_dir(run_folder(out)) if ranks is not None else None)
    say = print if not args.quiet else (lambda *a, **k: None)

    def warn(line: str) -> None:
        print(f"grower-train: {line}", file=sys.stderr)

    # 1. Read and analyse every file; a bad one is skipped with its reason.
    def import_torch(n_elsewhere: int) -> None:
        """While the workers analyse the files: what this process needs next, in the order it needs it.

        torch; numba's start (about 0.6 s, paid once per process) with the trainer's
        oscillator kernels; and, where several tones will train (so this process draws
        its share of the figures), matplotlib and the renderer's kernels. All of it
        would otherwise be paid later, with both cores waiting on this process.
        """
        from . import checkpoint, oscillator, trainer  # noqa: F401

        oscillator.warm_up()
        if n_elsewhere >= 2 and pool.started:
            from .report import warm_up

            warm_up(args.sample_rate)

    usable = job.read_tones(files, interrupt, on_skip=lambda path, error: print(f"skipped {path}: {error}", file=sys.stderr), pool=pool,
                            meanwhile=import_torch)
    from .checkpoint import CheckpointError
    from .trainer import progress_bar

    for notice in filter(None, (trim_notice(record.features, record.path) for record in usable)):
        print(notice, file=sys.stderr)
    for record in usable:
        if record.cleaning.changed:
            print(f"cleaned {record.path}: {record.cleaning.describe()}", file=sys.stderr)
    left = [(record.path, record.cleaning) for record in usable if record.cleaning.noted and not record.cleaning.changed]
    for line in Cleaning.describe_left(left):
        print(line, file=sys.stderr)
    if cache.write_error:
        warn(f"{cache.write_error}; going on without it")
    if not usable and ranks is None:
        warn(f"no usable tones in {args.tones_dir} ({len(files)} file(s) skipped)")
        return 1

    if pool.started:
        from .report import warm_up

        pool.submit(warm_up, args.sample_rate)  # matplotlib, in the workers, while this process trains

    # 2. Keep tones whose file and settings are unchanged since the last bank.
    plan = job.make_plan(usable)
    if ranks is not None:
        from . import distributed

        plan = job.plan = dataclasses.replace(plan, up_to_date=distributed.up_to_date(plan, [r.name for r in usable], job.previous_names))
    if plan.up_to_date:
        say(f"{out}: up to date ({len(job.previous_names)} tones unchanged)")
        return 0
    if ranks is not None and args.resume:
        # A killed launch's ranks got to different places: one may have staged nothing and saved no checkpoint
        # while another has. Every rank asks, so they stay in step; --resume fails only when no rank has anything.
        job.launch_resumes = any(distributed.gathered(job.resumable()))

    # 3. Train the rest together in batched passes, as many tones at once as the memory budget holds.
    interrupt.check()
    if plan.staged:
        say(f"reusing {len(plan.staged)} tone(s) a killed run finished")
    if plan.to_train:
        chunks = job.make_chunks(budget_bytes(args))
        interrupt.notice = NOTICE_TRAINING
        interrupt.check()
        # The workers draw figures (and the main process its share) when they run already or there are several;
        # one figure alone is drawn sooner here than a worker starts.
        drawing_pool = pool if pool.started or len(plan.to_train) > 1 else None
        say(f"training {len(plan.to_train)} tone(s)" + (f" in {len(chunks)} chunks of up to {max(map(len, chunks))}" if len(chunks) > 1 else "")
            + (f", keeping {len(plan.carried)} unchanged" if plan.carried else "") + f" -> {out}")
        def on_chunk(index: int, n_chunks: int, chunk: list) -> None:
            if n_chunks > 1:
                say(f"chunk {index + 1}/{n_chunks}: {len(chunk)} tone(s) ({len(job.trained) + len(job.untrained)} of {len(plan.to_train)} trained so far)")

        try:
            job.train(progress=not args.quiet, interrupt=interrupt, on_checkpoint_error=warn, resume=args.resume, pool=drawing_pool, on_chunk=on_chunk)
        except (CheckpointError, BankError) as error:
            warn(str(error))
            return 1
        if job.resumed_from is not None:
            say(f"resumed from {job.resumed_from}")
        if job.started_fresh:
            say(f"no checkpoint held {len(job.started_fresh)} tone(s); trained them from the start")
        for record in job.untrained:
            warn(f"{record.path}: not trained ({record.stop_reason or 'stopped before its chunk'}); run again to train it")
        say(f"{job.stop_reason} after {job.steps} steps in {job.timings['train_s']:.1f} s")

    # 4. Export atomically: a failure or a second Ctrl-C leaves the previous bank as it was.
    interrupt.notice = NOTICE_SAVING
    if ranks is not None:
        job.gather(ranks, drawing_pool if plan.to_train else None)
        if not ranks.is_writer:
            return 130 if interrupt.requested else 0
        if not job.plan.carried and not job.staging.load():
            warn(f"no usable tones in {args.tones_dir}")
            return 1
    try:
        with progress_bar(len(job.trained) + len(job.gathered) + len(job.plan.carried) + len(job.plan.staged), "saving", "tone", not args.quiet) as bar:
            exported = job.export(on_tone=bar.update, pool=pool if pool.started or len(plan.to_train) + len(job.gathered) > 1 else None)
    except BankError as error:
        warn(str(error))
        return 1
    folder.finish()

    for tone in sorted(exported, key=lambda t: t.entry.f0_hz):
        e = tone.entry
        say(f"  {e.name:24s} {e.f0_hz:9.3f} Hz  {e.cents_offset:+6.1f} cents from MIDI {e.midi_note}  LSD {tone.training.lsd_db:.2f} dB")
    say(f"bank: {out / BANK_JSON}  report: {out / REPORT_DIR / INDEX_HTML}")
    return 130 if interrupt.requested else 0


if __name__ == "__main__":
    run()
