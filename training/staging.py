"""Trained tones staged on disk as each chunk finishes, until the bank is written.

A run that trains in chunks (training.chunks) must not hold every finished
tone in memory until the end, and a run killed after some chunks must not
lose them. So each trained tone's bank file, report files and final chunk
checkpoint go to ``.BANK.run/staged/`` (beside the bank, see
training.bank_folder), and the bank is assembled from there. A tone is
staged when its manifest ``<name>.json`` exists: it is written last,
atomically, after the tone's other files (its figure included) are whole.

A later run reuses a staged tone exactly as it reuses a previous bank's tone:
the same recording, the same settings, and not cut short by Ctrl-C
(pipeline.is_unchanged). The run folder is removed once the bank is written.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from grower.synth.atomic import atomic_file
from grower.synth.bank import ToneEntry, ToneTraining

STAGED_DIR = "staged"
TONES_DIR = "tones"
REPORT_DIR = "report"
CHECKPOINTS_DIR = "checkpoints"
MANIFEST_SUFFIX = ".json"


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link source to target (same file system: no bytes copied), else copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class StagedTones:
    """The staging folder of one bank's runs: ``StagedTones(run_folder(bank_dir))``."""

    def __init__(self, run_dir: Path):
        self.directory = Path(run_dir) / STAGED_DIR
        self._pending = []  # (manifest path, manifest dict, [Future]) waiting for their figures

    def chunk_checkpoint_dir(self, chunk_id: str) -> Path:
        return self.directory / CHECKPOINTS_DIR / chunk_id

    def free_chunk_id(self, also_taken=()) -> str:
        """The first chunk-NNNN that neither the staging (a killed run's chunks, reused) nor also_taken uses."""
        folder = self.directory / CHECKPOINTS_DIR
        taken = set(also_taken) | ({p.name for p in folder.iterdir()} if folder.is_dir() else set())
        number = 0
        while f"chunk-{number:04d}" in taken:
            number += 1
        return f"chunk-{number:04d}"

    def chunk_checkpoints(self) -> list:
        """[Path] of the staged chunks' final checkpoints, in name order."""
        folder = self.directory / CHECKPOINTS_DIR
        return sorted(p for p in folder.iterdir() if (p / "state.json").exists()) if folder.is_dir() else []

    def stage(self, exported, pool=None) -> None:
        """Write a freshly trained tone (export.ExportedTone with arrays in memory); its figure may be drawn by pool.

        The manifest follows once everything is written: call :meth:`flush`.
        """
        from .export import REPORT_SUFFIXES

        tones, report = self.directory / TONES_DIR, self.directory / REPORT_DIR
        tones.mkdir(parents=True, exist_ok=True)
        report.mkdir(parents=True, exist_ok=True)
        entry = exported.entry
        tone_path = tones / Path(entry.file).name
        with atomic_file(tone_path, suffix=".safetensors") as tmp:
            save_file({k: np.ascontiguousarray(v) for k, v in exported.arrays.items()}, str(tmp), metadata={"tone": entry.name})
        futures = exported.write_report_files(report, pool)
        manifest = {"entry": asdict(entry), "training": asdict(exported.training), "tone_file": tone_path.name,
                    "report_files": [f"{entry.name}{suffix}" for suffix in REPORT_SUFFIXES],
                    "losses": [float(x) for x in np.asarray(exported.arrays["train.loss"]).reshape(-1)]}
        self._pending.append((self.directory / f"{entry.name}{MANIFEST_SUFFIX}", manifest, futures))

    def flush(self, pool=None, interrupt=None, on_tone=None) -> None:
        """Wait for the staged tones' figures, then write their manifests. on_tone(): after each tone."""
        while self._pending:
            path, manifest, futures = self._pending[0]
            from .export import with_report_lsd

            results = [pool.result(future, interrupt) if pool is not None else future.result() for future in futures]
            if manifest["training"] is not None:
                manifest["training"] = asdict(with_report_lsd(ToneTraining(**manifest["training"]), results))
            with atomic_file(path, suffix=MANIFEST_SUFFIX) as tmp:
                Path(tmp).write_text(json.dumps(manifest))
            self._pending.pop(0)
            if on_tone is not None:
                on_tone()

    def load(self) -> dict:
        """{tone name: export.ExportedTone} of every whole staged tone (files on disk, arrays not loaded).

        A manifest that does not parse, or whose files are missing, is ignored: its tone trains again.
        """
        from .export import ExportedTone

        found = {}
        if not self.directory.is_dir():
            return found
        for path in sorted(self.directory.glob(f"*{MANIFEST_SUFFIX}")):
            try:
                manifest = json.loads(path.read_text())
                entry = ToneEntry(**manifest["entry"])
                training = ToneTraining(**manifest["training"])
                tone_file = self.directory / TONES_DIR / manifest["tone_file"]
                report_files = {name: self.directory / REPORT_DIR / name for name in manifest["report_files"]}
                losses = np.asarray(manifest["losses"], dtype=np.float32)
            except (OSError, ValueError, TypeError, KeyError):
                continue
            if not tone_file.is_file() or not all(p.is_file() for p in report_files.values()):
                continue
            found[entry.name] = ExportedTone(entry=entry, arrays=tone_file, training=training, report_files=report_files, losses=losses)
        return found
