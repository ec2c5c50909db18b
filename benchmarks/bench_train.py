"""grower-train against the notebook's reference approach, side by side in one run.

    .venv/bin/python -m benchmarks.bench_train [--tones examples/tones] [--reference-steps 1000]
                                     [--device cpu|cuda] [--skip-variants]

Both sides train the same tones with the same model and synthesiser:

- reference: one file at a time, float32, target STFT recomputed every step,
  the whole clip every step, 1000 steps, 4-size spectral loss + 0.1 x L1,
  Adam 1e-3, clip 1.0 (benchmarks/reference_trainer.py);
- grower-train: the real CLI, cold feature cache, default settings.

Each runs in its own process so peak RSS is its own. Quality is the
multi-resolution log-spectral distance (dB, lower is better) between each
tone's reconstruction and the original audio, recomputed here from the audio
each side wrote. Then per-step timings of the grower step in fp32, bf16
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


def run_grower(tones_dir: Path, device: str, work: Path) -> dict:
    """The real CLI in a subprocess; wall time and peak RSS from wait4."""
    import numpy as np

    from grower.synth.bank import load_bank
    from grower.synth.spectral import log_spectral_distance_db
    from grower.training.config import GrowerConfig

    bank_dir = work / "bank"
    command = [sys.executable, "-m", "grower.training.cli", str(tones_dir), "--out", str(bank_dir), "--no-cache", "--quiet", "--device", device]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"grower-train failed with status {status}")
    import soundfile

    lsd = {}
    trimmed = {name: audio for name, audio, _ in load_tones(tones_dir, GrowerConfig())}  # the same originals as the reference's
    bank = load_bank(bank_dir)
    for tone in bank.tones:
        rendered, _ = soundfile.read(str(bank_dir / "report" / f"{tone.entry.name}_reconstruction.wav"), dtype="float32")
        lsd[tone.entry.name] = log_spectral_distance_db(trimmed[tone.entry.name], rendered)
    steps = max(tone.training.steps for tone in bank.tones)
    return {"seconds": elapsed, "peak_rss_mb": usage.ru_maxrss / 1024, "lsd_db": lsd, "mean": float(np.mean(list(lsd.values()))), "steps": steps}


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
    for name, dtype, compiled in (("fp32 eager", None, False), ("bf16 autocast", torch.bfloat16, False), ("fp32 compiled", None, True), ("bf16 compiled", torch.bfloat16, True)):
        state = new_state(tones, config)
        state.decoders.to(dev)
        step = SpectralStep(state.decoders, config, dtype, dev, compiled)
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
    args = parser.parse_args()

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

    if not args.skip_variants:
        print()
        print(f"grower spectral step, 12-tone batch, on {args.device} (what the AMP/compile defaults rest on):")
        variants = child("variants", args.tones, args.device)
        base = variants.get("fp32 eager", {}).get("ms_per_step")
        for name, result in variants.items():
            if "error" in result:
                print(f"  {name:16s} failed: {result['error']}")
            else:
                ratio = f"{base / result['ms_per_step']:.2f}x" if base else ""
                print(f"  {name:16s} {result['ms_per_step']:8.1f} ms/step  {ratio:>6s} vs fp32 eager  (first step {result['first_step_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
