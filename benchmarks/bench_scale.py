"""grower-train on libraries of 12, 48 and 192 tones: wall time per tone and peak memory, side by side in one run.

    .venv/bin/python -m benchmarks.bench_scale [--sizes 12 48 192] [--max-memory 600M] [--steps 120]

The libraries are made from the example tones, each resampled to a new pitch
(an eighth-tone grid around the original, so every tone is a distinct, real
recording's timbre; the resampling also changes its length a little). Each
size runs the whole CLI once in its own process, with a cold feature cache
and the report, under one memory budget (--max-memory, which the chunks must
fit); peak RSS comes from wait4.

Goal: peak RSS stays flat once the tones exceed one chunk, and the wall time
per tone does not grow with the library.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grower.training.config import TrainConfig

ROOT = Path(__file__).resolve().parent.parent


def make_library(source: Path, n_tones: int, folder: Path) -> None:
    """n_tones recordings, from source's files resampled to pitches an eighth of a tone apart."""
    import soundfile
    import soxr

    folder.mkdir(parents=True)
    files = sorted(p for p in source.iterdir() if p.suffix in (".flac", ".wav"))
    for i in range(n_tones):
        path = files[i % len(files)]
        audio, rate = soundfile.read(str(path), dtype="float32")
        step = (i // len(files)) % 16 - 8  # eighth tones, -8 .. +7: 16 distinct pitches of each source file
        ratio = 2.0 ** (step / 48.0)
        shifted = soxr.resample(audio, rate, rate / ratio) if ratio != 1.0 else audio  # played at rate: pitch x ratio
        soundfile.write(str(folder / f"{path.stem}_e{i // len(files):02d}.flac"), shifted, rate)


def run(tones: Path, out: Path, max_memory: str, steps: int) -> dict:
    command = [sys.executable, "-m", "grower.training.cli", str(tones), "--out", str(out), "--no-cache", "--quiet",
               "--max-memory", max_memory, "--steps", str(steps)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"grower-train failed on {tones} with status {status}")
    import json

    document = json.loads((out / "bank.json").read_text())
    return {"seconds": elapsed, "peak_rss_mb": usage.ru_maxrss / 1024, "tones": len(document["tones"]), "chunks": document["run"].get("chunks", 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 48, 192])
    parser.add_argument("--max-memory", default="600M")
    parser.add_argument("--steps", type=int, default=TrainConfig.max_steps)
    parser.add_argument("--source", type=Path, default=ROOT / "examples" / "tones")
    args = parser.parse_args()
    print(f"grower-train --max-memory {args.max_memory} --steps {args.steps}, cold cache, with the report; {os.cpu_count()} cores", flush=True)
    print(f"{'tones':>6s}{'chunks':>8s}{'wall s':>9s}{'s/tone':>9s}{'peak RSS MB':>13s}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            tones = Path(work) / f"tones{n}"
            make_library(args.source, n, tones)
            result = run(tones, Path(work) / f"bank{n}", args.max_memory, args.steps)
            rows.append((n, result))
            print(f"{result['tones']:6d}{result['chunks']:8d}{result['seconds']:9.1f}{result['seconds'] / n:9.2f}{result['peak_rss_mb']:13.0f}", flush=True)
    chunked = [r for n, r in rows if r["chunks"] > 1]
    if len(chunked) >= 2:
        spread = max(r["peak_rss_mb"] for r in chunked) / min(r["peak_rss_mb"] for r in chunked)
        print(f"\npeak RSS across the chunked sizes: max/min {spread:.2f} (goal: flat, within 10 %: {'met' if spread <= 1.10 else 'not met'})")
    else:
        print("\nfewer than two sizes exceeded one chunk: lower --max-memory to see the flat part")
    return 0


if __name__ == "__main__":
    sys.exit(main())
