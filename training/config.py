"""Frozen configs, saved with every checkpoint and bank."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


CLEAN_CHOICES = ("auto", "off")  # training.cleaning's modes (kept out of there: --help imports this)


@dataclass(frozen=True)
class FeatureConfig:
    """How audio becomes conditioning features. Part of the feature-cache key."""

    sample_rate: int = 22050
    hop_size: int = 128  # samples per control frame: 172 frames/s at 22050 Hz
    n_mfcc: int = 30
    analysis_fft_size: int = 2048
    f0_min_hz: float = 30.0
    f0_max_hz: float = 2000.0
    min_duration_s: float = 0.5
    silence_db: float = -60.0  # a file whose peak is below this is silent
    min_periodicity: float = 0.8  # normalised autocorrelation at the period for a frame to be voiced
    min_voiced_fraction: float = 0.6  # of the frames within 30 dB of the loudest
    max_pitch_spread_cents: float = 100.0  # 80 % of voiced frames must lie this close to the median
    onset_below_peak_db: float = 40.0  # leading audio quieter than this below the peak is silence, trimmed
    tail_below_peak_db: float = 60.0  # trailing audio quieter than this below the peak is silence, trimmed
    stretch: bool = True  # measure each tone's inharmonicity B (training.inharmonicity); False: every tone harmonic
    clean: str = "auto"  # remove hum, a noise floor and a room's tail found in the recording (training.cleaning); off: as recorded

    def __post_init__(self):
        if self.clean not in CLEAN_CHOICES:
            raise ValueError(f"clean must be one of {', '.join(CLEAN_CHOICES)}, not {self.clean!r}")


@dataclass(frozen=True)
class ModelConfig:
    """The per-tone decoder and the synthesiser it drives."""

    n_harmonics: int = 64
    n_noise_bands: int = 64
    hidden_size: int = 96
    n_hidden_layers: int = 2
    noise_bias: float = -5.0  # noise starts quiet, as in DDSP


@dataclass(frozen=True)
class TrainConfig:
    """The optimisation. Everything that changes a tone's result is here."""

    max_steps: int = 120  # the cosine schedule anneals over this many steps; each tone stops earlier once converged (past 2 windows)
    learning_rate: float = 3e-3
    grad_clip: float = 1.0  # per tone
    crop_size: int = 8192  # samples per random crop, a multiple of crop_grid
    crop_grid: int = 512  # crops start on multiples of this: every STFT hop divides it
    fft_sizes: tuple = (2048, 1024, 512, 256)
    warm_start_steps: int = 300  # fit the decoder to sinusoidal analysis before the spectral loss
    warm_start_learning_rate: float = 1e-2
    early_stop: bool = True  # stop each tone once converged; off: train all max_steps
    converge_window: int = 100  # steps compared for convergence
    converge_tolerance: float = 0.005  # stop a tone when its loss improves less than this (relative) per window
    seed: int = 0


ENVELOPE_CHOICES = ("auto", "sustain", "one-shot")  # auto, then grower.synth.bank.ENVELOPES (kept out of here: --help imports this)


@dataclass(frozen=True)
class EnvelopeConfig:
    """How a held note behaves: detected per tone (auto), or forced for every tone of a run.

    sustain: the held note loops its sustain region; one-shot: it follows the
    recorded decay and decays on, never looping (piano, guitar, marimba, bells).
    """

    envelope: str = "auto"

    def __post_init__(self):
        if self.envelope not in ENVELOPE_CHOICES:
            raise ValueError(f"envelope must be one of {', '.join(ENVELOPE_CHOICES)}, not {self.envelope!r}")


@dataclass(frozen=True)
class RunConfig:
    """How a run executes. Changes speed, not the meaning of the result."""

    device: str = "auto"
    amp: str = "auto"  # auto: bf16 on CUDA, off on CPU (measured slower there)
    compile: str = "auto"  # auto: off on CPU and CUDA (a run's 120 steps never pay back the compile: README)
    checkpoint_every_s: float = 30.0


@dataclass(frozen=True)
class GrowerConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    envelope: EnvelopeConfig = field(default_factory=EnvelopeConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GrowerConfig":
        train = dict(data["train"])
        train["fft_sizes"] = tuple(train["fft_sizes"])
        envelope = EnvelopeConfig(**data.get("envelope", {}))  # banks from before --envelope: auto
        # Banks from before --clean were trained on the recordings as they were, and from before
        # stretched partials as harmonic.
        features = {"clean": "off", "stretch": False, **data["features"]}
        return cls(FeatureConfig(**features), ModelConfig(**data["model"]), TrainConfig(**train), envelope)

    def tone_key(self) -> str:
        """Hash of everything that decides a tone's trained result."""
        return stable_hash(self.to_dict())


def stable_hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=list).encode()).hexdigest()[:16]
