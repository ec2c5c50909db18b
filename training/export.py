"""Export: the bank (bank.json + per-tone safetensors), the checkpoint and the report, atomically."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grower.synth.atomic import atomic_directory
from grower.synth.controls import harmonic_amplitudes
from grower.synth.bank import BANK_JSON, TONES_DIR, BankHeader, ToneEntry, nearest_key_and_cents, write_bank
from grower.synth.spectral import log_spectral_distance_db

from . import report
from .config import GrowerConfig

REPORT_DIR = "report"


@dataclass
class ExportedTone:
    """One tone as it goes into the bank, trained now or carried over."""

    entry: ToneEntry
    arrays: dict  # per-tone file contents
    training: dict  # steps, stop_reason, tone_key, lsd_db
    report_files: dict  # file name -> bytes-producing callable(path) or source Path to copy


def tone_entry(name: str, source: Path, sha256: str, features, duration_s: float) -> ToneEntry:
    key, cents = nearest_key_and_cents(features.tone_f0_hz)
    return ToneEntry(
        name=name,
        source_file=source.name,
        sha256=sha256,
        f0_hz=round(features.tone_f0_hz, 4),
        midi_note=key,
        cents_offset=round(cents, 2),
        duration_s=round(duration_s, 4),
        sustain_start_s=round(features.sustain_start_s, 4),
        sustain_end_s=round(features.sustain_end_s, 4),
        n_frames=features.n_frames,
        file=f"{TONES_DIR}/{name}.safetensors",
    )


def trained_tone(name: str, source: Path, sha256: str, duration_s: float, features, tone, result: dict, weights: dict, losses: list, stop_reason: str, config: GrowerConfig) -> ExportedTone:
    """Bundle a freshly trained tone: controls, weights, normalisation, report."""
    sample_rate, hop = config.features.sample_rate, config.features.hop_size
    controls = {k: v.numpy() for k, v in result["controls"].items()}
    f0 = features.f0_hz.astype(np.float32)
    # Exported distributions are tapered at the training rate and renormalised:
    # harmonics the model never heard (above the training Nyquist) carry nothing.
    amplitudes = harmonic_amplitudes(controls["amplitude"], controls["harmonic_distribution"], f0[:, None], sample_rate)
    amplitude = amplitudes.sum(axis=-1)
    distribution = amplitudes / np.maximum(amplitude[:, None], 1e-12)
    arrays = {
        "controls.f0_hz": f0,
        "controls.amplitude": amplitude.astype(np.float32),
        "controls.harmonic_distribution": distribution.astype(np.float32),
        "controls.noise_magnitudes": controls["noise_magnitudes"].astype(np.float32),
        "controls.loudness_db": features.loudness_db.astype(np.float32),
        "inputs.mean": tone.input_mean.astype(np.float32),
        "inputs.std": tone.input_std.astype(np.float32),
        "train.loss": np.asarray(losses, dtype=np.float32).reshape(-1),
        **weights,
    }
    target = tone.audio.numpy()
    audio = result["audio"].numpy()
    lsd_db = log_spectral_distance_db(target, audio)

    def write_report(directory: Path) -> None:
        report.write_wav(directory / f"{name}_reconstruction.wav", audio, sample_rate)
        report.plot_tone(directory / f"{name}.png", name, target, audio, distribution, sample_rate, hop, lsd_db)

    entry = tone_entry(name, source, sha256, features, duration_s)
    training = {"steps": len(losses), "stop_reason": stop_reason, "tone_key": config.tone_key(), "lsd_db": round(lsd_db, 3)}
    return ExportedTone(entry=entry, arrays=arrays, training=training, report_files={"write": write_report})


def carried_tone(old_bank: Path, entry: ToneEntry, arrays: dict, training: dict) -> ExportedTone:
    """A tone kept from the previous bank: same file, same settings."""
    files = {}
    for suffix in ("_reconstruction.wav", ".png"):
        path = old_bank / REPORT_DIR / f"{entry.name}{suffix}"
        if path.exists():
            files[path.name] = path
    return ExportedTone(entry=entry, arrays=arrays, training=training, report_files=files)


def export_bank(bank_dir: Path, config: GrowerConfig, tones: list, write_checkpoint=None, previous_checkpoint: Path | None = None, run_info: dict | None = None) -> None:
    """Write the whole bank into a fresh directory and swap it in.

    run_info: what this run did and how long each phase took, kept in bank.json.
    write_checkpoint: callable(directory) that writes the run's checkpoint,
    or None to carry over ``previous_checkpoint`` (a directory) if given.
    """
    header = BankHeader(
        sample_rate=config.features.sample_rate,
        hop_size=config.features.hop_size,
        n_harmonics=config.model.n_harmonics,
        n_noise_bands=config.model.n_noise_bands,
        config=config.to_dict(),
    )
    with atomic_directory(bank_dir) as tmp:
        write_bank(tmp, header, [(t.entry, t.arrays) for t in tones])
        document = json.loads((tmp / BANK_JSON).read_text())
        document["training"] = {t.entry.name: t.training for t in tones}
        document["run"] = run_info or {}
        (tmp / BANK_JSON).write_text(json.dumps(document, indent=2) + "\n")
        report_dir = tmp / REPORT_DIR
        report_dir.mkdir()
        for tone in tones:
            for name, source in tone.report_files.items():
                if callable(source):
                    source(report_dir)
                else:
                    shutil.copy2(source, report_dir / name)
        report.plot_losses(report_dir / "losses.png", {t.entry.name: t.arrays["train.loss"] for t in tones})
        if write_checkpoint is not None:
            write_checkpoint(tmp / "checkpoint")
        elif previous_checkpoint is not None and previous_checkpoint.is_dir():
            shutil.copytree(previous_checkpoint, tmp / "checkpoint")
