"""grower-train against the notebook's reference approach, side by side in one run.

    .venv/bin/python -m benchmarks.bench_train [--tones examples/tones] [--reference-steps 1000]
                                     [--device cpu|cuda] [--skip-variants] [--skip-reference] [--baseline GIT_REV] [--repeat N]
    .venv/bin/python -m benchmarks.bench_train --precision [--device cuda]   # the AMP x compile table

Both sides train the same tones with the same model and synthesiser:

- reference: one file at a time, float32, target STFT recomputed every step,
  the whole clip every step, 1000 steps, 4-size spectral loss + 0.1 x L1,
  Adam 1e-3, clip 1.0 (benchmarks/reference_trainer.py);
- grower-train: the real CLI, cold feature cache, default settings.

Each runs in its own process so peak RSS is its own. Quality is the
multi-resolution log-spectral distance (dB, lower is better) between each
tone's reconstruction and the original audio: the reference's own render, and
for grower-train (this checkout or --baseline's) the bank as this checkout's
renderer plays it (grower.synth.reconstruction), which is what a musician hears. Then per-step timings of the grower step in fp32, bf16
autocast and torch.compile on the chosen device: the figures behind the AMP
and compile defaults.

Goal on a 2-core CPU: at least the reference's 1000-step quality in at most
1/30 of its time, with peak RSS <= 3 GB for 12 tones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load_tones(tones_dir: Path, config):
    """Yield (trimmed audio, TrainingTone) for every usable file, one at a time.

    The audio is what grower-train trains on and compares with: the recording with the
    leading and trailing silence its features leave out (training.pipeline.ToneRecord).
    """
    from grower.training.features import analyse
    from grower.training.tone_file import ToneFileError, find_tone_files, read_tone
    from grower.training.tone_set import prepare_tone

    for path in find_tone_files(tones_dir):
        try:
            audio = read_tone(path, config.features)
        except ToneFileError:
            continue
        features = analyse(audio.audio, config.features, config.model.n_harmonics, config.model.n_noise_bands)
        kept = features.trimmed(audio.audio, audio.sample_rate)
        yield audio.name, kept, prepare_tone(audio.name, audio.sha256, kept, features, config)


def child_reference(tones_dir: Path, steps: int, device: str, out: Path) -> None:
    """Run in a child process: reference training, writes JSON to out."""
    import numpy as np
    import torch

    from benchmarks.reference_trainer import train_reference

    from grower.synth.spectral import log_spectral_distance_db
    from grower.training.config import GrowerConfig
    from grower.training.trainer import reconstruct

    config = GrowerConfig()
    started = time.perf_counter()
    lsd = {}
    for name, audio, tone in load_tones(tones_dir, config):  # features per file, as the notebook did
        decoder = train_reference(tone, config, steps)
        result = reconstruct(decoder, [tone], config)[0]
        lsd[name] = log_spectral_distance_db(audio, result["audio"].numpy())
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_mb, "lsd_db": lsd, "torch_threads": torch.get_num_threads(), "mean": float(np.mean(list(lsd.values())))}))


def source_tree(revision: str, work: Path) -> dict:
    """The environment that runs grower-train as it was at a git revision: its tree, unpacked, first on PYTHONPATH.

    The installed project maps grower.training to this checkout's training/ (an
    editable install); a folder grower/{training,synth,server} of links to the
    old tree, first on the path, is found before it.
    """
    tree = work / f"tree-{revision}"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shim = work / f"path-{revision}" / "grower"
    shim.mkdir(parents=True)
    for package in ("training", "synth", "server"):
        (shim / package).symlink_to(tree / package)
    return {**os.environ, "PYTHONPATH": str(shim.parent)}


def cli(tones_dir: Path, bank_dir: Path, *extra, env=None) -> tuple:
    """grower-train's whole CLI in a subprocess: (wall seconds, peak RSS MB from wait4); SystemExit when it fails."""
    command = [sys.executable, "-m", "grower.training.cli", str(tones_dir), "--out", str(bank_dir), "--quiet", *map(str, extra)]
    bank_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT if env is None else bank_dir.parent)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"grower-train failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def run_grower(tones_dir: Path, device: str, work: Path, env=None, extra: tuple = ()) -> dict:
    """The real CLI in a subprocess, cold feature cache, with the report; wall time and peak RSS from wait4.

    env: run another revision (source_tree); None: this checkout. extra: more grower-train arguments.
    The result's "run" is the bank's own account of the run (bank.json's run: phase seconds, steps).
    """
    import numpy as np

    from grower.synth.bank import load_bank
    from grower.synth.spectral import log_spectral_distance_db
    from grower.training.config import GrowerConfig

    from grower.synth.reconstruction import raw_renderer, recording

    bank_dir = work / "bank"
    elapsed, peak_mb = cli(tones_dir, bank_dir, "--no-cache", "--device", device, *extra, env=env)
    lsd = {}
    trimmed = {name: audio for name, audio, _ in load_tones(tones_dir, GrowerConfig())}  # the same originals as the reference's
    bank = load_bank(bank_dir)
    # Every revision's bank is scored as this checkout's renderer plays it, at the training rate:
    # what a musician hears, and one measure for banks whose reports were rendered differently.
    renderer = raw_renderer(bank)
    for index, tone in enumerate(bank.tones):
        lsd[tone.entry.name] = log_spectral_distance_db(trimmed[tone.entry.name], recording(renderer, index))
    steps = max(tone.training.steps for tone in bank.tones)
    run = json.loads((bank_dir / "bank.json").read_text()).get("run", {})
    return {"seconds": elapsed, "peak_rss_mb": peak_mb, "lsd_db": lsd, "mean": float(np.mean(list(lsd.values()))), "steps": steps, "run": run}


def precision_table(tones_dir: Path, device: str) -> None:
    """The whole CLI with --amp off|bf16 and --compile off|on, side by side in one run: what the defaults rest on.

    Each row is a full run (cold feature cache, the report); the phases are the
    bank's own timings (train s holds the warm start). A row that fails says why and the rest go on.
    """
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for amp in ("off", "bf16"):
            for compile_ in ("off", "on"):
                name = f"{amp}/{compile_}"
                print(f"running grower-train --amp {amp} --compile {compile_} on {device} ...", flush=True)
                try:
                    rows.append((amp, compile_, run_grower(tones_dir, device, Path(work) / name.replace("/", "-"), extra=("--amp", amp, "--compile", compile_))))
                except SystemExit as error:
                    rows.append((amp, compile_, {"error": str(error)}))
    base = next((r["seconds"] for a, c, r in rows if (a, c) == ("off", "off") and "error" not in r), None)
    print(f"\nwhole grower-train CLI on {device}, {tones_dir.name} (cold feature cache, with the report), --amp x --compile:")
    # The training phase's parts (bank.json's run section): load = the tones' tensors and target STFTs; setup = the
    # state moved to the device (CUDA itself starts before, for --max-memory); stage = reconstruction, each tone's
    # export arrays and the checkpoint.
    print(f"{'amp':6s}{'compile':>8s}{'wall s':>9s}{'vs off/off':>11s}{'features s':>11s}{'train s':>9s}{'load':>7s}{'setup':>7s}{'warm':>7s}"
          f"{'spectral':>9s}{'stage':>7s}{'steps':>7s}{'LSD dB':>8s}{'RSS MB':>8s}")
    for amp, compile_, r in rows:
        if "error" in r:
            print(f"{amp:6s}{compile_:>8s}  failed: {r['error']}")
            continue
        run = r["run"]
        ratio = f"{base / r['seconds']:.2f}x" if base else ""
        part = lambda key, width: f"{run.get(key, float('nan')):{width}.1f}"  # noqa: E731
        print(f"{amp:6s}{compile_:>8s}{r['seconds']:9.1f}{ratio:>11s}{part('features_s', 11)}{part('train_s', 9)}{part('load_s', 7)}{part('setup_s', 7)}"
              f"{part('warm_start_s', 7)}{part('spectral_s', 9)}{part('reconstruct_s', 7)}{r['steps']:7d}{r['mean']:8.2f}{r['peak_rss_mb']:8.0f}")


def goals(tones_dir: Path, device: str, baseline: str | None, repeat: int = 1) -> None:
    """The goals measured repeat times, alternating; the medians are printed (this VM's wall times vary by seconds)."""
    import numpy as np

    runs = [measure_goals(tones_dir, device, baseline) for _ in range(repeat)]
    median = {key: float(np.median([run[key] for run in runs])) for key in runs[0] if runs[0][key] is not None}
    spread = {key: (min(run[key] for run in runs), max(run[key] for run in runs)) for key in median}
    now, before_s, before_lsd = median["now_s"], median.get("before_s"), median.get("before_lsd")
    one_s, loaded_s = median["one_s"], median["loaded_s"]
    note = f" (median of {repeat}; range {spread['now_s'][0]:.1f}-{spread['now_s'][1]:.1f} s)" if repeat > 1 else ""
    print(f"\ngoals, whole grower-train CLI on {device} ({os.cpu_count()} cores), cold feature cache, with the report{note}:")
    print(f"{'':44s}{'now':>10s}" + (f"{baseline:>12s}" if baseline else ""))
    print(f"{'12 tones, wall (s)':44s}{now:10.1f}" + (f"{before_s:12.1f}" if baseline else ""))
    print(f"{'mean LSD (dB)':44s}{median['now_lsd']:10.2f}" + (f"{before_lsd:12.2f}" if baseline else ""))
    print(f"{'peak RSS (MB)':44s}{median['now_rss']:10.0f}" + (f"{median['before_rss']:12.0f}" if baseline else ""))
    quality = "" if not baseline else f"; LSD {median['now_lsd'] - before_lsd:+.2f} dB vs {baseline} ({'met' if median['now_lsd'] <= before_lsd + 0.005 else 'not met'})"
    print(f"  goal 12 tones in <= 15 s: {now:.1f} s ({'met' if now <= 15 else 'not met'}){quality}")
    ratios = [run["one_s"] / run["now_s"] for run in runs]
    print(f"  goal one changed tone in <= 1/4 of the full run: {one_s:.1f} s = {float(np.median(ratios)):.2f}"
          + (f" (range {min(ratios):.2f}-{max(ratios):.2f})" if repeat > 1 else "") + f" ({'met' if float(np.median(ratios)) <= 0.25 else 'not met'})")
    loaded = [run["loaded_s"] / run["now_s"] for run in runs]
    print(f"  goal beside a CPU-bound process, no worse than proportional (2x on 2 cores): {loaded_s:.1f} s = "
          f"{float(np.median(loaded)):.2f}x ({'met' if float(np.median(loaded)) <= 2.0 else 'not met'})")


def measure_goals(tones_dir: Path, device: str, baseline: str | None) -> dict:
    """Issue 13's goals for the whole CLI, measured side by side: 12 tones in <= 15 s with the report at no worse
    LSD than the baseline revision; one changed tone retrained in <= 1/4 of that; beside a busy process, <= 2x."""
    import shutil

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        now = run_grower(tones_dir, device, work / "now")
        before = run_grower(tones_dir, device, work / "before", env=source_tree(baseline, work)) if baseline else None

        # One changed tone in a 12-tone bank: the file is rewritten a little quieter, so its hash and nothing else changes.
        import soundfile

        changed = work / "changed"
        shutil.copytree(tones_dir, changed)
        first = sorted(p for p in changed.iterdir() if p.is_file())[0]
        audio, rate = soundfile.read(str(first), dtype="float32")
        bank = work / "incremental" / "bank"
        cli(tones_dir, bank, "--device", device)  # the bank to update (features now cached, as a user's would be)
        soundfile.write(str(first), audio * 0.9, rate)
        one_s, _ = cli(changed, bank, "--device", device)

        # Beside a CPU-bound process: the same full run, cold cache.
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            loaded_s, _ = cli(tones_dir, work / "busy" / "bank", "--no-cache", "--device", device)
        finally:
            busy.kill()

    return {"now_s": now["seconds"], "now_lsd": now["mean"], "now_rss": now["peak_rss_mb"],
            "before_s": before["seconds"] if before else None, "before_lsd": before["mean"] if before else None,
            "before_rss": before["peak_rss_mb"] if before else None, "one_s": one_s, "loaded_s": loaded_s}


def child_variants(tones_dir: Path, device: str, out: Path) -> None:
    """Per-step time of the grower spectral step in fp32, bf16 autocast and compiled."""
    import warnings

    import torch

    warnings.filterwarnings("ignore")  # dynamo's notes about traced helpers are not results

    from grower.training.config import GrowerConfig
    from grower.training.tone_set import crop_size_for, draw_crops
    from grower.training.trainer import SpectralStep, new_state

    config = GrowerConfig()
    tones = [tone for _, _, tone in load_tones(tones_dir, config)]
    dev = torch.device(device)
    results = {}
    variants = [("fp32 eager", None, False), ("bf16 autocast", torch.bfloat16, False), ("fp32 compiled", None, "default"), ("bf16 compiled", torch.bfloat16, "default")]
    if dev.type == "cuda":  # CUDA graphs: a step of many small kernels is bound by their launches
        variants += [("fp32 cudagraphs", None, "reduce-overhead"), ("bf16 cudagraphs", torch.bfloat16, "reduce-overhead")]
    for name, dtype, compiled in variants:
        state = new_state(tones, config)
        state.decoders.to(dev)
        step = SpectralStep(state.decoders, config, dtype, dev, bool(compiled))
        if compiled == "reduce-overhead":
            step.forward = torch.compile(step._forward, dynamic=False, mode="reduce-overhead")
        batches = [draw_crops(tones, crop_size_for(config), config) for _ in range(25)]
        first = time.perf_counter()
        try:
            step(batches[0]).sum().backward()
        except Exception as error:  # report, do not abort the benchmark
            results[name] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:100]}"}
            continue
        warmup_s = time.perf_counter() - first
        for batch in batches[1:5]:
            step(batch).sum().backward()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        for batch in batches[5:]:
            step(batch).sum().backward()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        results[name] = {"ms_per_step": 1000 * (time.perf_counter() - started) / 20, "first_step_s": warmup_s, "compiled": step.compiled}
        print(f"  ({name}: {results[name]['ms_per_step']:.1f} ms/step, first step {warmup_s:.1f} s)", flush=True)  # in case a later variant is cut short
        out.write_text(json.dumps(results))


def child(kind: str, *args) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [sys.executable, "-m", "benchmarks.bench_train", "--child", kind, *map(str, args), str(out)]
    subprocess.run(command, check=True, cwd=ROOT)
    result = json.loads(out.read_text())
    out.unlink()
    return result


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, *rest = sys.argv[2:]
        if kind == "reference":
            child_reference(Path(rest[0]), int(rest[1]), rest[2], Path(rest[3]))
        else:
            child_variants(Path(rest[0]), rest[1], Path(rest[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tones", type=Path, default=ROOT / "examples" / "tones")
    parser.add_argument("--reference-steps", type=int, default=1000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-variants", action="store_true")
    parser.add_argument("--skip-reference", action="store_true", help="only the goals (no 1000-step reference)")
    parser.add_argument("--baseline", default=None, metavar="GIT_REV", help="also run grower-train as it was at this revision, for the goals' LSD")
    parser.add_argument("--repeat", type=int, default=1, help="measure the goals this many times and print the medians")
    parser.add_argument("--precision", action="store_true", help="only the table of --amp off|bf16 x --compile off|on (whole CLI), then the step variants")
    args = parser.parse_args()
    if args.precision:
        precision_table(args.tones, args.device)
        if not args.skip_variants:
            print_variants(args.tones, args.device)
        return 0
    if args.skip_reference:
        goals(args.tones, args.device, args.baseline, args.repeat)
        return 0

    print(f"tones: {args.tones}  device: {args.device}  cores: {os.cpu_count()}", flush=True)
    print("running the reference (one file at a time, full clip, STFT every step) ...", flush=True)
    reference = child("reference", args.tones, args.reference_steps, args.device)
    print("running grower-train ...", flush=True)
    with tempfile.TemporaryDirectory() as work:
        grower = run_grower(args.tones, args.device, Path(work))

    print()
    print(f"{'':28s}{'reference':>14s}{'grower-train':>14s}{'ratio':>10s}")
    print(f"{'wall time (s)':28s}{reference['seconds']:14.1f}{grower['seconds']:14.1f}{reference['seconds'] / grower['seconds']:9.1f}x")
    print(f"{'peak RSS (MB)':28s}{reference['peak_rss_mb']:14.0f}{grower['peak_rss_mb']:14.0f}{grower['peak_rss_mb'] / reference['peak_rss_mb']:9.2f}x")
    print(f"{'mean LSD (dB, lower=better)':28s}{reference['mean']:14.2f}{grower['mean']:14.2f}{grower['mean'] - reference['mean']:+9.2f} dB")
    print(f"{'steps':28s}{args.reference_steps:>11d}/tone{grower['steps']:>11d}/all")
    print()
    print(f"{'tone':24s}{'reference LSD':>14s}{'grower LSD':>12s}")
    for name in sorted(reference["lsd_db"]):
        print(f"{name:24s}{reference['lsd_db'][name]:14.2f}{grower['lsd_db'].get(name, float('nan')):12.2f}")
    budget = reference["seconds"] / 30
    verdict = "met" if grower["seconds"] <= budget and grower["mean"] <= reference["mean"] and grower["peak_rss_mb"] <= 3072 else "not met"
    print()
    print(f"goal (quality >= reference, time <= {budget:.1f} s = reference / 30, peak RSS <= 3 GB): {verdict}")

    goals(args.tones, args.device, args.baseline, args.repeat)

    if not args.skip_variants:
        print_variants(args.tones, args.device)
    return 0


def print_variants(tones_dir: Path, device: str) -> None:
    print()
    print(f"grower spectral step, 12-tone batch, on {device} (what the AMP/compile defaults rest on):", flush=True)
    variants = child("variants", tones_dir, device)
    base = variants.get("fp32 eager", {}).get("ms_per_step")
    for name, result in variants.items():
        if "error" in result:
            print(f"  {name:16s} failed: {result['error']}")
        else:
            ratio = f"{base / result['ms_per_step']:.2f}x" if base else ""
            compiled = "" if result.get("compiled", True) else "  (compile failed: ran eager)"
            print(f"  {name:16s} {result['ms_per_step']:8.1f} ms/step  {ratio:>6s} vs fp32 eager  (first step {result['first_step_s']:.1f} s){compiled}")


if __name__ == "__main__":
    sys.exit(main())
