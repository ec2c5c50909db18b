"""On-disk cache of tone features, keyed by file content and feature settings."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from grower.synth.atomic import atomic_file

from .config import FeatureConfig, stable_hash
from .features import ToneFeatures

CACHE_VERSION = 4  # 2: features carry the tone's inharmonicity; 3: MFCCs with one BLAS thread (features.analyse);
                   # 4: cleaning keeps a decaying tone's partials above the noise, and takes no DC offset for noise


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "timbre-grower" / "features"


class FeatureCache:
    """Features stored as ``<sha256>-<settings hash>.npz`` (no pickle).

    The settings are the whole FeatureConfig, its ``clean`` setting too: the
    features of a cleaned recording are never taken for the raw one's.
    """

    def __init__(self, directory: Path | None):
        self.directory = Path(directory) if directory else None
        self.hits = self.misses = 0
        self.write_error: str | None = None  # why the first store failed, for the CLI to say once

    def path_for(self, sha256: str, config: FeatureConfig, sizes: tuple) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{sha256[:32]}-{stable_hash([CACHE_VERSION, asdict(config), list(sizes)])}.npz"

    def load(self, sha256: str, config: FeatureConfig, sizes: tuple) -> ToneFeatures | None:
        path = self.path_for(sha256, config, sizes)
        if path is None or not path.exists():
            self.misses += 1
            return None
        try:
            with np.load(path, allow_pickle=False) as arrays:
                features = ToneFeatures.from_arrays(arrays)
        except (OSError, ValueError, KeyError):
            self.misses += 1  # a damaged entry is recomputed and overwritten
            return None
        self.hits += 1
        return features

    def store(self, sha256: str, config: FeatureConfig, sizes: tuple, features: ToneFeatures) -> None:
        path = self.path_for(sha256, config, sizes)
        if path is None:
            return
        try:
            with atomic_file(path, suffix=".npz") as tmp:
                np.savez(tmp, **features.to_arrays())
        except OSError as error:  # a cache that cannot be written only costs time: said once, then training goes on
            if self.write_error is None:
                self.write_error = f"{self.directory}: cannot write the feature cache ({error.strerror or error})"
