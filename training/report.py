"""The training report: reconstructions to listen to, plots, loss curves and an index page.

Per tone: ``<name>_target.wav`` and ``<name>_reconstruction.wav`` (the one
WAV writer, grower.synth.wav), the reconstruction being what the renderer plays
(grower.synth.reconstruction, at the training rate: what grower-grow and
grower-serve play, not the trainer's own render), and ``<name>.png`` with target and
reconstruction spectrograms (log frequency, dB colour bar), the learned
harmonic distribution over time, and a bar chart of each harmonic's level in
the target against the reconstruction. For the run: ``losses.png`` and
``index.html``, which shows every figure with audio players.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from grower.synth.spectral import harmonic_levels_db, stft_magnitude

SPECTROGRAM_RANGE_DB = 90.0
LOWEST_PLOTTED_HZ = 20.0
LOG_FREQUENCY_ROWS = 256
LOSS_SMOOTHING_STEPS = 25  # moving-average window of the loss plot
# zlib level 1, not PIL's default 6: compressing a tone's figure took 0.16 s at 6 and 0.02-0.1 s at 1, for a file 11 % larger.
FAST_PNG = {"compress_level": 1}


def warm_up(sample_rate: int | None = None) -> None:
    """Do what the first tone's report would pay for once, ahead of it (a worker's job while training runs):
    import matplotlib, load the renderer's compiled kernels (numba's cache: about 0.5 s) and, for
    sample_rate (Hz), build and draw the tone figure once (about 0.3 s; None: not)."""
    import io

    pyplot()
    from grower.synth.bank import BankHeader, ToneEntry
    from grower.synth.synthetic_bank import HOP_SIZE, SAMPLE_RATE, tone_arrays

    tensors, n_frames = tone_arrays(220.0, 0.1, 0.01)
    entry = ToneEntry(name="warm-up", source_file="", sha256="0" * 64, f0_hz=220.0, midi_note=57, cents_offset=0.0, duration_s=0.1,
                      sustain_start_s=0.02, sustain_end_s=0.08, n_frames=n_frames, file="")
    audio = _reconstruction(BankHeader(sample_rate=SAMPLE_RATE, hop_size=HOP_SIZE, n_harmonics=64, n_noise_bands=64), entry, tensors)
    if sample_rate is not None:
        audio = np.resize(audio, 4096)
        plot_tone(io.BytesIO(), "warm-up", audio, audio, np.full((32, 64), 1 / 64), sample_rate, HOP_SIZE, 0.0, f0_hz=220.0)


def _reconstruction(header, entry, tensors) -> np.ndarray:
    from grower.synth.reconstruction import reconstruct  # numba: imported by the processes that render

    return reconstruct(header, entry, tensors)


def write_tone_report(directory: Path, name: str, target: np.ndarray, header, entry, tensors: dict, harmonic_distribution: np.ndarray,
                      f0_hz: float | None = None, segments=None, files: tuple = ("_target.wav", "_reconstruction.wav", ".png")) -> float:
    """Write one tone's report files into directory; returns the reconstruction's LSD to target in dB.

    target: [n_samples] linear at header.sample_rate Hz, what the trainer heard.
    header, entry, tensors: the tone as it goes into the bank (grower.synth.bank),
    rendered here by grower.synth.reconstruction at the training rate.
    harmonic_distribution: [n_frames, n_harmonics] for the figure.
    files: the suffixes of the target WAV, the reconstruction WAV and the figure.
    """
    from grower.synth.spectral import log_spectral_distance_db
    from grower.synth.wav import write_wav

    reconstruction = _reconstruction(header, entry, tensors)[: target.shape[0]]
    lsd_db = log_spectral_distance_db(target, reconstruction)
    sample_rate = header.sample_rate
    target_wav, reconstruction_wav, figure = (directory / f"{name}{suffix}" for suffix in files)
    write_wav(target_wav, target, sample_rate)
    write_wav(reconstruction_wav, reconstruction, sample_rate)
    plot_tone(figure, name, target, reconstruction, harmonic_distribution, sample_rate, header.hop_size, lsd_db, f0_hz=f0_hz, segments=segments)
    return lsd_db


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported on first use: a run whose
    figures are drawn in worker processes never pays for it (about 0.4 s)."""
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on servers and CI
    import matplotlib.pyplot as plt

    return plt


def plot_tone(path: Path, name: str, target: np.ndarray, reconstruction: np.ndarray, harmonic_distribution: np.ndarray, sample_rate: int, hop_size: int,
              lsd_db: float, f0_hz: float | None = None, segments=None) -> None:
    """Write the tone's figure to path (PNG).

    target, reconstruction: [n_samples] linear at sample_rate Hz.
    harmonic_distribution: [n_frames, n_harmonics], frames hop_size samples apart.
    f0_hz: the tone's pitch, for the per-harmonic chart (omitted: no chart).
    segments: the tone's segment.Segments, marked on the spectrograms and the
    distribution (onset, attack end, the sustain region shaded, the release start),
    with sustain or one-shot in the title (omitted: no marks).
    """
    key = (bool(f0_hz), sample_rate)
    if key not in _FIGURES:
        _FIGURES[key] = ToneFigure(with_levels=bool(f0_hz), sample_rate=sample_rate)
    _FIGURES[key].draw(path, name, target, reconstruction, harmonic_distribution, hop_size, lsd_db, f0_hz, segments)


_FIGURES: dict = {}  # (with levels, sample rate) -> this process's ToneFigure


class ToneFigure:
    """A tone's figure, built once per process and drawn again for every tone.

    Building matplotlib's axes, colour bars and ticks was about 0.2 s of a 0.35 s
    figure; here a tone costs only new image data, titles and marks, and the draw.
    Fixed margins and images reduced to about screen resolution before drawing:
    constrained layout and resampling full spectrograms took about 1 s a figure.
    """

    N_FFT = 1024

    def __init__(self, with_levels: bool, sample_rate: int):
        plt = pyplot()
        rows = 4 if with_levels else 3
        self.sample_rate = sample_rate
        self.fig, self.axes = plt.subplots(rows, 1, figsize=(9, 3 * rows))
        self.fig.subplots_adjust(left=0.08, right=0.88, top=0.96, bottom=0.05, hspace=0.45)
        # Rows resampled onto a log-frequency grid and drawn as one image: pcolormesh on a
        # log axis costs about 1 s a plot, this about a tenth of that.
        self.log_hz = np.linspace(np.log10(LOWEST_PLOTTED_HZ), np.log10(sample_rate / 2), LOG_FREQUENCY_ROWS)
        self.rows = np.minimum(np.round(10**self.log_hz * self.N_FFT / sample_rate).astype(int), self.N_FFT // 2)
        ticks_hz = [f for f in (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000) if f <= sample_rate / 2]
        self.images = []
        for ax, cmap, label in ((self.axes[0], "magma", "Hz (log)"), (self.axes[1], "magma", "Hz (log)"), (self.axes[2], "viridis", "harmonic")):
            image = ax.imshow(np.zeros((2, 2)), origin="lower", aspect="auto", cmap=cmap, interpolation="nearest")
            ax.set_ylabel(label)
            self.fig.colorbar(image, ax=ax, pad=0.01, label="dB")
            self.images.append(image)
        for ax in self.axes[:2]:
            ax.set_yticks(np.log10(ticks_hz), [f"{f:g}" if f < 1000 else f"{f // 1000:g}k" for f in ticks_hz])
        self.axes[2].set(title="learned harmonic distribution", xlabel="s")
        if with_levels:
            self.axes[3].set(xlabel="harmonic", ylabel="dBFS")
        self.marks: list = []  # this tone's artists, removed before the next tone's

    def draw(self, path: Path, name: str, target: np.ndarray, reconstruction: np.ndarray, harmonic_distribution: np.ndarray, hop_size: int,
             lsd_db: float, f0_hz: float | None, segments) -> None:
        sample_rate, n_fft, axes = self.sample_rate, self.N_FFT, self.axes
        for artist in self.marks:
            artist.remove()
        self.marks = []
        duration_s = target.shape[0] / sample_rate
        spectra = [20 * np.log10(_reduce(stft_magnitude(audio, n_fft, n_fft // 4), 600) + 1e-7) for audio in (target, reconstruction)]
        top_db = max(s.max() for s in spectra)
        envelope = f" \u2014 {_describe(segments)}" if segments is not None else ""
        span_hz = (self.log_hz[0], self.log_hz[-1])
        for ax, image, db, title in ((axes[0], self.images[0], spectra[0], f"target{envelope}"),
                                     (axes[1], self.images[1], spectra[1], f"reconstruction (LSD {lsd_db:.2f} dB)")):
            image.set_data(db[:, self.rows].T)
            image.set_extent((0, duration_s, *span_hz))
            image.set_clim(top_db - SPECTROGRAM_RANGE_DB, top_db)
            ax.set(title=f"{name}: {title}", xlim=(0, duration_s), ylim=span_hz)
        n_harmonics = harmonic_distribution.shape[1]
        distribution_s = harmonic_distribution.shape[0] * hop_size / sample_rate
        self.images[2].set_data(10 * np.log10(harmonic_distribution.T + 1e-9))
        self.images[2].set_extent((0, distribution_s, 0.5, n_harmonics + 0.5))
        self.images[2].set_clim(-60, 0)
        axes[2].set(xlim=(0, distribution_s), ylim=(0.5, n_harmonics + 0.5))
        if segments is not None:
            for i, ax in enumerate(axes[:3]):
                self.marks += _mark_segments(ax, segments, legend=i == 0)
        if f0_hz:
            levels = [harmonic_levels_db(audio, f0_hz, sample_rate, n_harmonics) for audio in (target, reconstruction)]
            k = np.arange(1, n_harmonics + 1)
            floor = max(levels[0].max(), levels[1].max()) - 80
            ax = axes[3]
            for offset, level, label, colour in ((-0.2, levels[0], "target", "tab:blue"), (0.2, levels[1], "reconstruction", "tab:orange")):
                self.marks.append(ax.vlines(k + offset, floor, np.maximum(level, floor), linewidth=3, label=label, color=colour))  # bars, as one collection
            ax.set(title=f"harmonic levels at {f0_hz:.1f} Hz", xlim=(0.3, n_harmonics + 0.7), ylim=(floor, max(floor + 1, levels[0].max(), levels[1].max()) + 3))
            self.marks.append(ax.legend(fontsize=7, loc="upper right"))
        self.fig.savefig(path, dpi=80, pil_kwargs=FAST_PNG)


def _describe(segments) -> str:
    """One line on how a held note behaves: sustain (and its loop) or one-shot (and its decay)."""
    if segments.envelope == "one-shot":
        return f"one-shot, decaying {-segments.body_slope_db_per_s:.0f} dB/s, held on past {segments.release_start_s:.2f} s"
    loop = f"{segments.loop} loop" + (f", {1000 * segments.crossfade_s:.0f} ms crossfade" if segments.loop == "crossfade" else "")
    return f"sustain, {loop}, {segments.sustain_start_s:.2f}-{segments.sustain_end_s:.2f} s"


def _mark_segments(ax, segments, legend: bool) -> list:
    """Onset, attack end and release start as lines, the sustain region (a one-shot's decaying body) shaded,
    a crossfade loop's crossfade hatched. Returns the artists added."""
    region = "sustain (loop)" if segments.envelope == "sustain" else "decay (no loop)"
    added = [ax.axvspan(segments.sustain_start_s, segments.sustain_end_s, color="white", alpha=0.18, label=region)]
    if segments.envelope == "sustain" and segments.loop == "crossfade":
        added.append(ax.axvspan(segments.sustain_end_s - segments.crossfade_s, segments.sustain_end_s, color="white", alpha=0.18, hatch="//",
                                label="crossfade"))
    for time_s, label, style in ((segments.onset_s, "onset", ":"), (segments.attack_end_s, "attack end", "--"), (segments.release_start_s, "release", "-.")):
        added.append(ax.axvline(time_s, color="cyan", linestyle=style, linewidth=1.2, label=label))
    if legend:
        added.append(ax.legend(fontsize=6, loc="upper right", framealpha=0.6))
    return added


def _reduce(frames: np.ndarray, max_frames: int) -> np.ndarray:
    """[n_frames, n_bins] -> at most max_frames rows, keeping each group's peak."""
    group = -(-frames.shape[0] // max_frames)
    if group <= 1:
        return frames
    n = (frames.shape[0] // group) * group
    return frames[:n].reshape(-1, group, frames.shape[1]).max(axis=1)


def smoothed(losses: np.ndarray, window: int = LOSS_SMOOTHING_STEPS) -> np.ndarray:
    """Trailing moving average of [n_steps] losses: [n_steps], the first values averaging what there is."""
    losses = np.asarray(losses, np.float64)
    if losses.size == 0:
        return losses
    sums = np.cumsum(losses)
    out = sums.copy()
    out[window:] = sums[window:] - sums[:-window]
    return out / np.minimum(np.arange(1, losses.size + 1), window)


def plot_losses(path: Path, histories: dict) -> None:
    """One smoothed line per tone, with a legend. histories: {tone name: [loss per step]}."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    fig.subplots_adjust(left=0.09, right=0.78, top=0.92, bottom=0.1)
    colours = plt.get_cmap("tab20" if len(histories) > 10 else "tab10")
    plotted = 0
    for i, (name, losses) in enumerate(histories.items()):
        if len(losses):
            ax.plot(np.arange(1, len(losses) + 1), smoothed(losses), label=name, linewidth=1.2, color=colours(i % colours.N))
            plotted += 1
    ax.set(xlabel="spectral step", ylabel="multi-scale spectral loss (per crop)", yscale="log",
           title=f"training loss per tone ({LOSS_SMOOTHING_STEPS}-step moving average)")
    if plotted:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1 if plotted <= 24 else 2)
    else:  # stopped before the first spectral step
        ax.text(0.5, 0.5, "no spectral steps yet", transform=ax.transAxes, ha="center")
    fig.savefig(path, dpi=80, pil_kwargs=FAST_PNG)
    plt.close(fig)


def write_index(path: Path, tones: list) -> None:
    """index.html: every tone's figure and audio players, then the loss plot.

    tones: [{"name", "f0_hz", "lsd_db", "figure", "target", "reconstruction", "cleaning"}], file names relative to the page
    (a missing file is left out); cleaning: what was removed from the recording before training, one line ('' or absent: nothing).
    """
    folder = Path(path).parent
    rows = []
    for tone in tones:
        name = html.escape(tone["name"])
        players = "".join(f'<figure><figcaption>{label}</figcaption><audio controls preload="none" src="{html.escape(tone[key])}"></audio></figure>'
                          for key, label in (("target", "target"), ("reconstruction", "reconstruction")) if tone.get(key) and (folder / tone[key]).exists())
        figure = f'<img src="{html.escape(tone["figure"])}" alt="{name}: spectrograms and harmonic levels">' if (folder / tone["figure"]).exists() else ""
        lsd = f'LSD {tone["lsd_db"]:.2f} dB' if tone.get("lsd_db") is not None else ""
        cleaned = f'<p class="cleaning">cleaning: {html.escape(tone["cleaning"])}</p>' if tone.get("cleaning") else ""
        rows.append(f'<section id="{name}"><h2>{name} <small>{tone["f0_hz"]:.2f} Hz {lsd}</small></h2>{cleaned}<div class="players">{players}</div>{figure}</section>')
    toc = " · ".join(f'<a href="#{html.escape(t["name"])}">{html.escape(t["name"])}</a>' for t in tones)
    losses = '<section><h2>training loss</h2><img src="losses.png" alt="training loss per tone"></section>' if (folder / "losses.png").exists() else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Timbre Grower report</title>
<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto;padding:0 1em}}img{{max-width:100%}}
.players{{display:flex;gap:1em}}figure{{margin:0}}small{{color:#666;font-weight:normal}}</style></head>
<body><h1>Timbre Grower report</h1><p>{len(tones)} tone(s): {toc}</p>
{"".join(rows)}
{losses}
</body></html>
"""
    Path(path).write_text(page)
