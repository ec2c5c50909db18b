"""The streaming renderer's cost on one core.

    .venv/bin/python -m benchmarks.bench_synth [--bank BANK_DIR] [--seconds 10] [--block 128]

Renders 10 s at 48 kHz in 128-sample blocks with 1, 8, 32, 64, 128 and 256
voices (all held, all 64 harmonics plus noise, spread over the bank's tones and
four octaves) and prints the real-time factor, the p50 and p99 time per
block and the share of the block period used; then how cost grows with the
growth stage (the number of harmonics sounding) at 128 voices.

Goal on one core: 128 voices of 64 harmonics plus noise with the p99 block
time at most 25 % of the block period. The process pins itself to one core
and one thread before importing NumPy.

Without --bank it trains nothing: it writes a synthetic 12-tone bank with a
1/k spectrum and some noise into a temporary directory.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from grower.synth.bank import load_bank  # noqa: E402
from grower.synth.renderer import RenderConfig, Renderer  # noqa: E402
from grower.synth.synthetic_bank import benchmark_bank  # noqa: E402


SAMPLE_RATE = 48000


def block_times(bank, n_voices: int, seconds: float, block: int, stage: float = 64.0) -> np.ndarray:
    renderer = Renderer(bank, RenderConfig(sample_rate=SAMPLE_RATE, max_voices=max(n_voices, 1)))
    renderer.set_stage(stage, glide_s=0.0)
    n_tones = len(bank.tones)
    for i in range(n_voices):
        tone = i % n_tones
        octave = (i // n_tones) % 4 - 1
        renderer.note_on(tone, bank.tones[tone].entry.f0_hz * 2.0**octave, 0.3)
    renderer.render(block * 20)  # warm up: numba compile, voices started
    times = []
    for _ in range(int(seconds * SAMPLE_RATE / block)):
        started = time.perf_counter()
        renderer.render(block)
        times.append(time.perf_counter() - started)
    return np.array(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bank", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--block", type=int, default=128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bank = load_bank(args.bank) if args.bank else benchmark_bank(Path(tmp) / "bank")
        period_ms = 1000 * args.block / SAMPLE_RATE
        print(f"{args.seconds:g} s at {SAMPLE_RATE} Hz in {args.block}-sample blocks ({period_ms:.2f} ms), one core; 64 harmonics + noise per voice")
        print(f"{'voices':>7s}{'RTF':>9s}{'p50 ms':>9s}{'p99 ms':>9s}{'p99 share':>11s}{'us/voice/block':>16s}")
        results, medians = {}, {}
        for n_voices in (1, 8, 32, 64, 128, 256):
            t = block_times(bank, n_voices, args.seconds, args.block)
            rtf = t.sum() / args.seconds
            p50, p99 = np.percentile(t, 50) * 1000, np.percentile(t, 99) * 1000
            results[n_voices], medians[n_voices] = p99 / period_ms, p50 / period_ms
            print(f"{n_voices:7d}{rtf:9.3f}{p50:9.3f}{p99:9.3f}{100 * p99 / period_ms:10.1f}%{1e6 * np.median(t) / n_voices:16.1f}")
        print()
        print("cost against the growth stage, 128 voices:")
        for stage in (1, 8, 16, 32, 64):
            t = block_times(bank, 128, min(args.seconds, 3.0), args.block, stage)
            print(f"  stage {stage:2d}: p50 {np.percentile(t, 50) * 1000:6.3f} ms, p99 {np.percentile(t, 99) * 1000:6.3f} ms")
        verdict = "met" if results[128] <= 0.25 else "not met"
        print()
        for name, shares in (("p99", results), ("p50", medians)):
            fitting = [n for n, share in shares.items() if share <= 0.25]
            answer = f"{max(fitting)} (the most of the counts measured)" if fitting else "none of the counts measured: the per-block overhead alone is more"
            print(f"voices within 25 % of a core at {name}: {answer}")
        print(f"goal (128 voices, p99 <= 25 % of the block period): {verdict} ({100 * results[128]:.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
