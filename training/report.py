"""The training report: reconstructions to listen to, spectrogram plots, loss curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile  # noqa: E402

from grower.synth.spectral import stft_magnitude  # noqa: E402


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """16-bit WAV, peak-limited to avoid wrap-around on overs."""
    soundfile.write(str(path), np.clip(audio, -1.0, 1.0).astype(np.float32), sample_rate, subtype="PCM_16")


def plot_tone(path: Path, name: str, target: np.ndarray, reconstruction: np.ndarray, harmonic_distribution: np.ndarray, sample_rate: int, hop_size: int, lsd_db: float) -> None:
    """Target vs reconstruction spectrograms and the learned harmonic distribution.

    target, reconstruction: [n_samples]; harmonic_distribution: [n_frames, n_harmonics].
    """
    n_fft = 1024
    # Fixed margins and images reduced to about screen resolution before
    # drawing: constrained layout and resampling full spectrograms took ~1 s a plot.
    fig, axes = plt.subplots(3, 1, figsize=(9, 9))
    fig.subplots_adjust(left=0.08, right=0.9, top=0.96, bottom=0.06, hspace=0.35)
    duration_s = target.shape[0] / sample_rate
    for ax, audio, title in ((axes[0], target, "target"), (axes[1], reconstruction, f"reconstruction (LSD {lsd_db:.2f} dB)")):
        db = 20 * np.log10(_reduce(stft_magnitude(audio, n_fft, n_fft // 4), 600).T + 1e-7)
        ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=db.max() - 90, vmax=db.max(), extent=(0, duration_s, 0, sample_rate / 2000), interpolation="nearest")
        ax.set(title=f"{name}: {title}", ylabel="kHz")
    dist_db = 10 * np.log10(harmonic_distribution.T + 1e-9)
    image = axes[2].imshow(dist_db, origin="lower", aspect="auto", cmap="viridis", vmin=-60, vmax=0, extent=(0, harmonic_distribution.shape[0] * hop_size / sample_rate, 0.5, harmonic_distribution.shape[1] + 0.5), interpolation="nearest")
    axes[2].set(title="learned harmonic distribution (dB)", xlabel="s", ylabel="harmonic")
    fig.colorbar(image, cax=fig.add_axes((0.92, 0.06, 0.015, 0.24)))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _reduce(frames: np.ndarray, max_frames: int) -> np.ndarray:
    """[n_frames, n_bins] -> at most max_frames rows, keeping each group's peak."""
    group = -(-frames.shape[0] // max_frames)
    if group <= 1:
        return frames
    n = (frames.shape[0] // group) * group
    return frames[:n].reshape(-1, group, frames.shape[1]).max(axis=1)


def plot_losses(path: Path, histories: dict) -> None:
    """histories: {tone name: [loss per step]}."""
    fig, ax = plt.subplots(figsize=(9, 5))
    plotted = 0
    for name, losses in histories.items():
        if len(losses):
            ax.plot(np.arange(1, len(losses) + 1), losses, label=name, linewidth=0.8)
            plotted += 1
    ax.set(xlabel="spectral step", ylabel="multi-scale spectral loss (per crop)", title="training loss per tone", yscale="log")
    if plotted:
        ax.legend(fontsize=7, ncol=2)
    else:  # stopped before the first spectral step
        ax.text(0.5, 0.5, "no spectral steps yet", transform=ax.transAxes, ha="center")
    fig.savefig(path, dpi=80)
    plt.close(fig)
