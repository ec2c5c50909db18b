"""grower-train: turn a folder of tone recordings into a timbre bank.

usage: grower-train TONES_DIR [--out BANK_DIR] [--steps N] [--resume] ...

Reads every wav, flac, aiff and ogg file in TONES_DIR (one sustained note per
scale tone), learns each tone's timbre, and writes BANK_DIR/bank.json,
BANK_DIR/tones/*.safetensors and a report (reconstructions, plots, losses).

Unusable files are skipped with one line each; the exit status is non-zero
only when no usable tone is left. Re-running retrains only tones whose file
or settings changed. Ctrl-C stops, saves and exports what is trained so far.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import time
from pathlib import Path

from .config import FeatureConfig, GrowerConfig, RunConfig, TrainConfig
from .interrupt import Interrupt


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grower-train", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tones_dir", type=Path, metavar="TONES_DIR", help="folder of tone recordings")
    parser.add_argument("--out", type=Path, default=Path("bank"), metavar="BANK_DIR", help="bank directory to write (default: ./bank)")
    parser.add_argument("--steps", type=int, default=TrainConfig.max_steps, help=f"cap on spectral steps; tones stop earlier once converged (default {TrainConfig.max_steps})")
    parser.add_argument("--no-early-stop", action="store_true", help="train every tone for all --steps instead of stopping it once converged")
    parser.add_argument("--sample-rate", type=int, default=FeatureConfig.sample_rate, help=f"training rate in Hz (default {FeatureConfig.sample_rate})")
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--resume", action="store_true", help="continue from BANK_DIR/checkpoint")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default auto)")
    parser.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"), default="auto", help="mixed precision (default: bf16 on CUDA, off on CPU)")
    parser.add_argument("--compile", choices=("auto", "on", "off"), default="auto", help="torch.compile (default: on for CUDA, off on CPU)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="feature cache (default: ~/.cache/timbre-grower/features)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error("--steps must be >= 0")
    if not 8000 <= args.sample_rate <= 96000:
        parser.error("--sample-rate must be within 8000..96000 Hz")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        with Interrupt() as interrupt:
            return train_folder(args, interrupt)
    except KeyboardInterrupt:  # before training started: nothing to save, nothing written
        print("grower-train: interrupted before training; nothing was written", file=sys.stderr)
        return 130


def train_folder(args, interrupt: Interrupt) -> int:
    # Heavy imports after argument parsing, so --help is instant.
    from grower.synth.bank import BankError, load_bank

    from . import export
    from .checkpoint import CHECKPOINT_DIR, CheckpointError, load_checkpoint, save_checkpoint
    from .feature_cache import FeatureCache, default_cache_dir
    from .features import analyse
    from .tone_file import NoTonesError, ToneFileError, find_tone_files, read_tone
    from .tone_set import prepare_tone
    from .trainer import choose_device, reconstruct, train

    config = GrowerConfig(
        features=dataclasses.replace(FeatureConfig(), sample_rate=args.sample_rate),
        train=dataclasses.replace(TrainConfig(), max_steps=args.steps, seed=args.seed, early_stop=not args.no_early_stop),
    )
    run = RunConfig(device=args.device, amp=args.amp, compile=args.compile)
    cache = FeatureCache(None if args.no_cache else (args.cache_dir or default_cache_dir()))
    say = print if not args.quiet else (lambda *a, **k: None)

    # 1. Read and analyse every file; a bad one is skipped with its reason.
    try:
        files = find_tone_files(args.tones_dir)
    except NoTonesError as error:
        print(f"grower-train: {error}", file=sys.stderr)
        return 1
    sizes = (config.model.n_harmonics, config.model.n_noise_bands)
    timings, phase_started = {}, time.perf_counter()
    usable, names = [], {}
    for path in files:
        interrupt.check()
        try:
            audio = read_tone(path, config.features)
            if audio.name in names:
                raise ToneFileError(f"same tone name as {names[audio.name].name}; rename one of them")
            features = cache.load(audio.sha256, config.features, sizes)
            if features is None:
                features = analyse(audio.audio, config.features, *sizes)
                cache.store(audio.sha256, config.features, sizes, features)
        except ToneFileError as error:
            print(f"skipped {path}: {error}", file=sys.stderr)
            continue
        names[audio.name] = path
        usable.append((audio, features))
    if not usable:
        print(f"grower-train: no usable tones in {args.tones_dir} ({len(files)} file(s) skipped)", file=sys.stderr)
        return 1

    timings["features_s"] = time.perf_counter() - phase_started

    # 2. Keep tones whose file and settings are unchanged since the last bank.
    carried, to_train = [], []
    previous = _previous_bank(args.out, load_bank, BankError)
    for audio, features in usable:
        kept = previous.get(audio.name)
        if kept and kept[0].sha256 == audio.sha256 and kept[2].get("tone_key") == config.tone_key() and kept[2].get("stop_reason") != "interrupted":
            carried.append(export.carried_tone(args.out, *kept))
        else:
            to_train.append((audio, features))
    if not to_train and set(previous) == {a.name for a, _ in usable}:
        say(f"{args.out}: up to date ({len(carried)} tones unchanged)")
        return 0

    # 3. Train the rest together, in one batched pass.
    interrupt.check()
    tones = [prepare_tone(a.name, a.sha256, a.audio, f, config) for a, f in to_train]
    state, stop_reason = None, "nothing to train"
    checkpoint_dir = args.out / CHECKPOINT_DIR
    if tones:
        if args.resume:
            try:
                state = load_checkpoint(checkpoint_dir, config, tones)
            except CheckpointError as error:
                print(f"grower-train: {error}", file=sys.stderr)
                return 1
        say(f"training {len(tones)} tone(s)" + (f", keeping {len(carried)} unchanged" if carried else "") + f" -> {args.out}")
        started = time.perf_counter()
        state = train(tones, config, run, state=state, checkpoint=lambda s: save_checkpoint(checkpoint_dir, s, config, tones), progress=not args.quiet,
                      interrupt=interrupt)
        stop_reason = state.stop_reason
        timings["train_s"] = time.perf_counter() - started
        timings["warm_start_s"] = state.warm_start_s
        say(f"{stop_reason} after {state.step} steps in {timings['train_s']:.1f} s")

    # 4. Export atomically; a second Ctrl-C cannot leave half a bank.
    previous_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    started = time.perf_counter()
    try:
        exported = list(carried)
        if tones:
            results = reconstruct(state.decoders, tones, config)
            for t, ((audio, features), tone, result) in enumerate(zip(to_train, tones, results)):
                losses = [step[t] for step in state.loss_history]
                exported.append(export.trained_tone(audio.name, audio.path, audio.sha256, audio.duration_s, features, tone, result, state.decoders.tone_state(t), losses, stop_reason, config))
        write_checkpoint = (lambda d: save_checkpoint(d, state, config, tones)) if tones else None
        timings["reconstruct_s"] = time.perf_counter() - started
        run_info = {"trained": [a.name for a, _ in to_train], "kept": [t.entry.name for t in carried], "stop_reason": stop_reason, "steps": state.step if state else 0, "device": str(choose_device(run)), **{k: round(v, 3) for k, v in timings.items()}}
        export.export_bank(args.out, config, exported, write_checkpoint, previous_checkpoint=checkpoint_dir, run_info=run_info)
    finally:
        signal.signal(signal.SIGINT, previous_handler)

    for tone in sorted(exported, key=lambda t: t.entry.f0_hz):
        e = tone.entry
        say(f"  {e.name:24s} {e.f0_hz:9.3f} Hz  {e.cents_offset:+6.1f} cents from MIDI {e.midi_note}  LSD {tone.training['lsd_db']:.2f} dB")
    say(f"bank: {args.out / 'bank.json'}  report: {args.out / export.REPORT_DIR}")
    return 130 if stop_reason == "interrupted" else 0


def _previous_bank(bank_dir: Path, load_bank, BankError) -> dict:
    """{name: (entry, arrays, training)} of an existing bank, or {} if none is readable."""
    try:
        bank = load_bank(bank_dir)
        training = json.loads((bank_dir / "bank.json").read_text()).get("training", {})
    except (BankError, OSError, ValueError):
        return {}
    return {t.entry.name: (t.entry, t.tensors, training.get(t.entry.name, {})) for t in bank.tones}


if __name__ == "__main__":
    sys.exit(main())
