"""The streaming renderer's cost on one core.

    .venv/bin/python -m benchmarks.bench_synth [--bank BANK_DIR] [--seconds 10] [--block 128] [--transpose envelope|harmonics]

Renders 10 s at 48 kHz in 128-sample blocks with 1, 8, 32, 64, 128 and 256
voices (all held, all 64 harmonics plus noise, spread over the bank's tones and
four octaves; with transpose "envelope", the default, the three quarters an
octave or more away are resampled) and prints the real-time factor, the p50 and p99 time per
block and the share of the block period used; then how cost grows with the
growth stage (the number of harmonics sounding) at 128 voices.

Goals on one core, each the p99 block time at most 25 % of the block period,
64 harmonics plus noise per voice, at 48 kHz:
  - 256 voices in 128-sample blocks;
  - 128 voices in 64-sample blocks (the renderer's control period stays 128
    samples: the controls advance every other block, the oscillator every block).
Both are measured side by side in one run, in alternating rounds, so a spell of
load on a shared machine falls on both; each is printed with its figure and
met or not met; with envelope, then the same for its dearest case (not a goal).
The process pins itself to one core and one thread before
importing NumPy (under taskset, to the first core it is given).

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
from grower.synth.envelope import TRANSPOSE_MODES  # noqa: E402
from grower.synth.render_params import RenderParams  # noqa: E402
from grower.synth.renderer import RenderConfig, Renderer  # noqa: E402
from grower.synth.synthetic_bank import benchmark_bank  # noqa: E402


SAMPLE_RATE = 48000


GOALS = ((256, 128), (128, 64))  # (voices, block size in samples): p99 within GOAL_SHARE of the block period
GOAL_SHARE = 0.25
GOAL_ROUNDS = 4  # alternating rounds per goal
DEAREST = 1.0 / 24.0  # octaves (a quarter tone): every voice sits between two trained pitches


def playing_renderer(bank, n_voices: int, block: int, stage: float = 64.0, transpose: str = "envelope", detune_octaves: float = 0.0) -> Renderer:
    """A renderer with n_voices held (spread over the bank's tones and four octaves, detune_octaves above
    each), warmed up. With transpose "envelope", a voice an octave away is resampled, one at a
    trained pitch is not; DEAREST (a quarter tone) resamples every voice and blends two tones in those
    within the bank's octave."""
    renderer = Renderer(bank, RenderConfig(sample_rate=SAMPLE_RATE, max_voices=max(n_voices, 1)), RenderParams(transpose=transpose))
    renderer.set_stage(stage, glide_s=0.0)
    n_tones = len(bank.tones)
    for i in range(n_voices):
        tone = i % n_tones
        octave = (i // n_tones) % 4 - 1
        renderer.note_on(tone, bank.tones[tone].entry.f0_hz * 2.0 ** (octave + detune_octaves), 0.3)
    renderer.render(block * 20)  # warm up: numba compile, voices started
    return renderer


def timed_blocks(renderer: Renderer, seconds: float, block: int) -> np.ndarray:
    """[n_blocks] seconds each render(block) call took, over `seconds` of audio."""
    times = []
    for _ in range(int(seconds * SAMPLE_RATE / block)):
        started = time.perf_counter()
        renderer.render(block)
        times.append(time.perf_counter() - started)
    return np.array(times)


def block_times(bank, n_voices: int, seconds: float, block: int, stage: float = 64.0, transpose: str = "envelope") -> np.ndarray:
    return timed_blocks(playing_renderer(bank, n_voices, block, stage, transpose), seconds, block)


def goal_shares(bank, seconds: float, transpose: str = "envelope", detune_octaves: float = 0.0) -> dict:
    """{(voices, block): (p50 share, p99 share)} of the block period, for GOALS, measured in alternating rounds."""
    renderers = {goal: playing_renderer(bank, *goal, transpose=transpose, detune_octaves=detune_octaves) for goal in GOALS}
    times = {goal: [] for goal in GOALS}
    for _ in range(GOAL_ROUNDS):
        for goal, renderer in renderers.items():
            times[goal].append(timed_blocks(renderer, seconds / GOAL_ROUNDS, goal[1]))
    shares = {}
    for (n_voices, block), t in times.items():
        t = np.concatenate(t)
        period_s = block / SAMPLE_RATE
        shares[n_voices, block] = (np.percentile(t, 50) / period_s, np.percentile(t, 99) / period_s)
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bank", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--transpose", choices=TRANSPOSE_MODES, default="envelope", help="the renderer's transposition (default: envelope)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bank = load_bank(args.bank) if args.bank else benchmark_bank(Path(tmp) / "bank")
        period_ms = 1000 * args.block / SAMPLE_RATE
        print(f"{args.seconds:g} s at {SAMPLE_RATE} Hz in {args.block}-sample blocks ({period_ms:.2f} ms), one core; 64 harmonics + noise per voice; "
              f"transpose {args.transpose}")
        print(f"{'voices':>7s}{'RTF':>9s}{'p50 ms':>9s}{'p99 ms':>9s}{'p99 share':>11s}{'us/voice/block':>16s}")
        results, medians = {}, {}
        for n_voices in (1, 8, 32, 64, 128, 256):
            t = block_times(bank, n_voices, args.seconds, args.block, transpose=args.transpose)
            rtf = t.sum() / args.seconds
            p50, p99 = np.percentile(t, 50) * 1000, np.percentile(t, 99) * 1000
            results[n_voices], medians[n_voices] = p99 / period_ms, p50 / period_ms
            print(f"{n_voices:7d}{rtf:9.3f}{p50:9.3f}{p99:9.3f}{100 * p99 / period_ms:10.1f}%{1e6 * np.median(t) / n_voices:16.1f}")
        print()
        print("cost against the growth stage, 128 voices:")
        for stage in (1, 8, 16, 32, 64):
            t = block_times(bank, 128, min(args.seconds, 3.0), args.block, stage, args.transpose)
            print(f"  stage {stage:2d}: p50 {np.percentile(t, 50) * 1000:6.3f} ms, p99 {np.percentile(t, 99) * 1000:6.3f} ms")
        print()
        for name, shares in (("p99", results), ("p50", medians)):
            fitting = [n for n, share in shares.items() if share <= GOAL_SHARE]
            answer = f"{max(fitting)} (the most of the counts measured)" if fitting else "none of the counts measured: the per-block overhead alone is more"
            print(f"voices within 25 % of a core at {name} in {args.block}-sample blocks: {answer}")
        print()
        print(f"goals, measured side by side ({args.seconds:g} s each, in {GOAL_ROUNDS} alternating rounds):")
        for (n_voices, block), (p50, p99) in goal_shares(bank, args.seconds, args.transpose).items():
            verdict = "met" if p99 <= GOAL_SHARE else "not met"
            print(f"  {n_voices} voices in {block}-sample blocks, p99 <= {100 * GOAL_SHARE:.0f} % of the block period: "
                  f"{verdict} (p99 {100 * p99:.1f} %, p50 {100 * p50:.1f} %)")
        if args.transpose == "envelope":
            print("envelope's dearest case, not a goal: every voice a quarter tone off its tone (all resampled, a quarter of them "
                  "blending two tones):")
            for (n_voices, block), (p50, p99) in goal_shares(bank, args.seconds, args.transpose, DEAREST).items():
                print(f"  {n_voices} voices in {block}-sample blocks: p99 {100 * p99:.1f} %, p50 {100 * p50:.1f} % of the block period")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
