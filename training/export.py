"""Export: the bank (through grower.synth.bank), the checkpoint and the report, atomically.

The report folder holds, per tone, ``<name>_target.wav`` (the training target),
``<name>_reconstruction.wav`` and ``<name>.png``; for the run ``losses.png`` and
``index.html``, which shows them all with audio players.
"""

from __future__ import annotations

import math
import shutil
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile
from safetensors import SafetensorError

from grower.synth.atomic import atomic_directory
from grower.synth.bank import (
    CHECKPOINT_DIR,
    REPORT_DIR,
    VELOCITY_OFFSET_DB,
    VELOCITY_TIMBRE_DB,
    BankError,
    BankHeader,
    BankTone,
    ToneEntry,
    ToneTraining,
    nearest_key_and_cents,
    tone_file_name,
    write_bank,
)
from grower.synth.controls import harmonic_amplitudes

from . import report
from .bank_folder import failure_reason
from .cleaning import Cleaning, with_own_noise
from .config import GrowerConfig
from .interrupt import SwapGuard
from .segment import Segments, segment
from .staging import link_or_copy
from .velocity_timbre import velocity_timbre


# A tone's report files: <name><suffix>, in the bank's report folder.
TARGET_WAV = "_target.wav"  # the training target, as the trainer heard it
RECONSTRUCTION_WAV = "_reconstruction.wav"
FIGURE = ".png"
REPORT_SUFFIXES = (TARGET_WAV, RECONSTRUCTION_WAV, FIGURE)
INDEX_HTML = "index.html"
LOSSES_PNG = "losses.png"


@dataclass
class ExportedTone:
    """One tone as it goes into the bank, trained now or carried over."""

    entry: ToneEntry
    arrays: dict | Path  # per-tone file contents, or a staged tone file holding them (training.staging)
    training: ToneTraining
    report_files: dict  # file name -> callable(directory, pool) writing them, or source Path to copy
    losses: np.ndarray | None = None  # [steps] the tone's training losses; None: arrays["train.loss"]

    def loss_curve(self) -> np.ndarray:
        return self.losses if self.losses is not None else np.asarray(self.arrays["train.loss"])

    def write_report_files(self, directory: Path, pool=None) -> list:
        """Write (or link) the tone's report files into directory; returns [Future] of those a worker of pool still draws."""
        futures = []
        for name, source in self.report_files.items():
            if callable(source):
                futures += source(directory, pool)
            else:
                link_or_copy(source, directory / name)
        return futures


def tone_entry(record, segments: Segments | None = None) -> ToneEntry:
    """The bank.json entry of a trained tone. record: a pipeline.ToneRecord; segments: its
    segments from the learned controls (None: the analysis' sustain region, a sustain tone)."""
    features = record.features
    key, cents = nearest_key_and_cents(features.tone_f0_hz)
    timing = segments.entry_fields() if segments is not None else {
        "sustain_start_s": round(features.sustain_start_s, 4), "sustain_end_s": round(features.sustain_end_s, 4)}
    return ToneEntry(
        name=record.name,
        source_file=record.path.name,
        sha256=record.sha256,
        f0_hz=round(features.tone_f0_hz, 4),
        midi_note=key,
        cents_offset=round(cents, 2),
        duration_s=round(record.duration_s, 4),
        n_frames=features.n_frames,
        file=tone_file_name(record.name),
        inharmonicity=float(f"{features.inharmonicity:.6g}"),
        **timing,
    )


def trained_tone(record, config: GrowerConfig) -> ExportedTone:
    """Bundle a freshly trained tone: controls, weights, normalisation, report.

    record: a pipeline.ToneRecord after training (prepared, result, weights,
    losses and stop_reason set).
    """
    name, features, tone = record.name, record.features, record.prepared
    sample_rate, hop = config.features.sample_rate, config.features.hop_size
    controls = {k: v.numpy() for k, v in record.result["controls"].items()}
    # The gate that took a noise floor took the tone's own noise under it too: what cleaning measured of it goes back.
    controls["noise_magnitudes"] = with_own_noise(controls["noise_magnitudes"], controls["amplitude"], record.cleaning)
    f0 = features.f0_hz.astype(np.float32)
    # Exported distributions are tapered at the training rate and renormalised:
    # harmonics the model never heard (above the training Nyquist) carry nothing.
    amplitudes = harmonic_amplitudes(controls["amplitude"], controls["harmonic_distribution"], f0[:, None], sample_rate,
                                     inharmonicity=float(features.inharmonicity))
    amplitude = amplitudes.sum(axis=-1)
    distribution = amplitudes / np.maximum(amplitude[:, None], 1e-12)
    # Where a held note loops or decays, from the controls it will play.
    segments = segment(amplitudes, controls["noise_magnitudes"], f0, sample_rate / hop, config.envelope.envelope)
    # How the timbre follows loudness, from the decoder (or a tilt): the renderer's velocity timbre.
    frame_rate_hz = sample_rate / hop
    dynamics = velocity_timbre(record.weights, tone.inputs.numpy(), tone.input_std, f0, features.loudness_db,
                               (int(round(segments.sustain_start_s * frame_rate_hz)), int(round(segments.sustain_end_s * frame_rate_hz))),
                               int(round(segments.onset_s * frame_rate_hz)), config.model, sample_rate)
    arrays = {
        "controls.f0_hz": f0,
        "controls.amplitude": amplitude.astype(np.float32),
        "controls.harmonic_distribution": distribution.astype(np.float32),
        "controls.noise_magnitudes": controls["noise_magnitudes"].astype(np.float32),
        "controls.loudness_db": features.loudness_db.astype(np.float32),
        "controls.decay_db_per_s": segments.decay_db_per_s,
        "controls.noise_decay_db_per_s": segments.noise_decay_db_per_s,
        VELOCITY_TIMBRE_DB: dynamics.timbre_db,
        VELOCITY_OFFSET_DB: dynamics.offsets_db,
        "inputs.mean": tone.input_mean.astype(np.float32),
        "inputs.std": tone.input_std.astype(np.float32),
        "train.loss": np.asarray(record.losses, dtype=np.float32).reshape(-1),
        **record.weights,
    }
    target = tone.audio.numpy()
    entry = replace(tone_entry(record, segments), velocity_timbre=dynamics.source)
    # The report hears what the renderer plays (grower.synth.reconstruction), and the LSD
    # bank.json keeps is that render's: it is filled in when the report is written (with_report_lsd).
    controls_only = {k: v for k, v in arrays.items() if k.startswith(("controls.", "velocity."))}  # what a worker needs: no weights

    def write_report(directory: Path, pool=None) -> list:
        """Write the tone's report files; returns [Future] of its LSD in dB (a worker of pool may still be writing them)."""
        args = (directory, name, target, bank_header(config), entry, controls_only, distribution)
        kwargs = {"f0_hz": features.tone_f0_hz, "segments": segments, "files": (TARGET_WAV, RECONSTRUCTION_WAV, FIGURE)}
        if pool is None:
            future = Future()
            future.set_result(report.write_tone_report(*args, **kwargs))
            return [future]
        return [pool.spread(report.write_tone_report, *args, **kwargs)]

    training = ToneTraining(steps=len(record.losses), stop_reason=record.stop_reason, tone_key=config.tone_key(), lsd_db=math.nan,
                            cleaning=record.cleaning.to_dict() if record.cleaning.noted else {})
    return ExportedTone(entry=entry, arrays=arrays, training=training, report_files={"write": write_report})


def bank_header(config: GrowerConfig) -> BankHeader:
    """The header of a bank trained with config."""
    return BankHeader(sample_rate=config.features.sample_rate, hop_size=config.features.hop_size, n_harmonics=config.model.n_harmonics,
                      n_noise_bands=config.model.n_noise_bands, config=config.to_dict())


def with_report_lsd(training: ToneTraining, results: list) -> ToneTraining:
    """training with the LSD its report measured (results: its report futures' results; a float is that LSD)."""
    measured = [r for r in results if isinstance(r, float)]
    return replace(training, lsd_db=round(measured[-1], 3)) if measured else training


def carried_tone(old_bank: Path, tone: BankTone) -> ExportedTone:
    """A tone kept from the previous bank at old_bank: same file, same settings, its report files copied."""
    files = {}
    for suffix in REPORT_SUFFIXES:
        path = Path(old_bank) / REPORT_DIR / f"{tone.entry.name}{suffix}"
        if path.exists():
            files[path.name] = path
    return ExportedTone(entry=tone.entry, arrays=tone.tensors, training=tone.training, report_files=files)


def export_bank(bank_dir: Path, config: GrowerConfig, tones: list, write_checkpoint=None, previous_checkpoint: Path | None = None, run_info: dict | None = None,
                on_tone=None, pool=None) -> None:
    """Write the whole bank into a fresh directory and swap it in.

    tones: [ExportedTone]. run_info: what this run did and how long each phase
    took, kept in bank.json. write_checkpoint: callable(directory) that writes
    the run's checkpoint, or None to carry over ``previous_checkpoint`` (a
    directory) if given. on_tone(): called after each tone's report files.
    pool: a worker_pool.WorkerPool that draws the figures beside this process
    (None: here).

    Raises BankError when the bank would not load or cannot be written (a full
    disk, a read-only folder): the fresh directory is removed and the previous
    bank is as it was. A Ctrl-C during the writing does the same; one during
    the swap's renames waits until they are done.
    """
    header = bank_header(config)
    try:
        with SwapGuard() as guard, atomic_directory(bank_dir) as tmp:
            report_dir = tmp / REPORT_DIR
            report_dir.mkdir(parents=True)
            losses = {t.entry.name: t.loss_curve() for t in tones}
            losses_plot = pool.submit(report.plot_losses, report_dir / LOSSES_PNG, losses) if pool is not None else None
            drawing = []  # each tone's futures, in tone order: a tone is done when its figure is
            for tone in tones:
                drawing.append(tone.write_report_files(report_dir, pool))
            if pool is None:
                report.plot_losses(report_dir / LOSSES_PNG, losses)
            if write_checkpoint is not None:
                write_checkpoint(tmp / CHECKPOINT_DIR)
            elif previous_checkpoint is not None and previous_checkpoint.is_dir():
                shutil.copytree(previous_checkpoint, tmp / CHECKPOINT_DIR)
            for tone, futures in zip(tones, drawing):
                tone.training = with_report_lsd(tone.training, [pool.result(f) if pool is not None else f.result() for f in futures])
                if on_tone is not None:
                    on_tone()
            # bank.json last among the tone files: it records each report's LSD.
            write_bank(tmp, header, [(t.entry, t.arrays) for t in tones], training={t.entry.name: t.training for t in tones}, run=run_info or {})
            if losses_plot is not None:
                pool.result(losses_plot)
            report.write_index(report_dir / INDEX_HTML, [index_entry(t) for t in sorted(tones, key=lambda t: t.entry.f0_hz)])  # lists what exists
            guard.hold()  # from here to the end of the swap, Ctrl-C waits
    except (OSError, SafetensorError, soundfile.SoundFileError) as error:
        raise BankError(f"{bank_dir}: cannot write the bank ({failure_reason(error)}); the previous bank, if any, is unchanged") from None


def index_entry(tone: ExportedTone) -> dict:
    """The tone's row of report/index.html (see report.write_index)."""
    name = tone.entry.name
    cleaning = Cleaning.from_dict(tone.training.cleaning).describe() if tone.training is not None and tone.training.cleaning else ""
    return {"name": name, "f0_hz": tone.entry.f0_hz, "lsd_db": tone.training.lsd_db if tone.training is not None else None, "cleaning": cleaning,
            "figure": f"{name}{FIGURE}", "target": f"{name}{TARGET_WAV}", "reconstruction": f"{name}{RECONSTRUCTION_WAV}"}
