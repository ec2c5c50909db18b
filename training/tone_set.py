"""The tones being trained, their cached targets, and the random crops drawn from them.

Tones have different lengths and are never padded. Each step draws one crop
of the same length from every tone, starting on a grid that every STFT hop
divides, so the target spectrogram of a crop is a slice of the spectrogram
computed once for the whole tone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch

from grower.synth import controls as dsp

from .config import GrowerConfig
from .features import ToneFeatures


def tone_seed(seed: int, sha256: str) -> int:
    """A tone's own seed: from the run seed and the file's content, not its position."""
    return int(hashlib.sha256(f"{seed}:{sha256}".encode()).hexdigest()[:15], 16)


def decoder_inputs(features: ToneFeatures) -> np.ndarray:
    """[n_frames, 2 + n_mfcc]: pitch in semitones, loudness in dB, MFCCs (not yet normalised)."""
    semitones = 12.0 * np.log2(features.f0_hz / 440.0)
    return np.concatenate([semitones[:, None], features.loudness_db[:, None], features.mfcc], axis=1).astype(np.float32)


def input_normalisation(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-tone mean and std of each input column; std floored at 1 unit (semitone, dB)."""
    return inputs.mean(axis=0), np.maximum(inputs.std(axis=0), 1.0)


@dataclass
class TrainingTone:
    """One tone prepared for training: all arrays for the whole recording, as tensors."""

    name: str
    sha256: str
    seed: int
    n_samples: int  # (n_frames - 1) * hop_size: the span the controls cover
    audio: torch.Tensor  # [n_samples] target
    inputs: torch.Tensor  # [n_frames, n_inputs] normalised
    input_mean: np.ndarray
    input_std: np.ndarray
    f0_hz: torch.Tensor  # [n_frames, 1]
    phase_rad: torch.Tensor  # [n_samples] fundamental phase: float32 wrapped, computed in float64; float64 unwrapped when stretched
    inharmonicity: float  # B (0: harmonic), constant: measured, not learned
    target_magnitudes: list  # per FFT size: [n_stft_frames, n_fft // 2 + 1], computed once
    analysis_harmonics: torch.Tensor  # [n_frames, n_harmonics]
    analysis_noise: torch.Tensor  # [n_frames, n_noise_bands]
    generator: torch.Generator  # crops and noise for this tone only


def stft_magnitude(audio: torch.Tensor, n_fft: int) -> torch.Tensor:
    """[..., n_samples] -> [..., n_frames, n_fft // 2 + 1]; hop n_fft / 4, frames start at 0."""
    window = torch.hann_window(n_fft, device=audio.device, dtype=audio.dtype)
    spec = torch.stft(audio, n_fft, hop_length=n_fft // 4, window=window, center=False, return_complex=True)
    return _Magnitude.apply(spec).transpose(-1, -2)


class _Magnitude(torch.autograd.Function):
    """|z| of a complex tensor, with a gradient that does not depend on torch's thread count.

    torch's own complex abs backward (grad z / |z|) rounds the elements at the
    end of each thread's share differently from the rest (its vectorised and
    scalar loops disagree in the last bit): with 2 threads instead of 1, tones
    5 and 11 of a 12-tone batch got other gradients, and a run that the thread
    cap (training.cpu_share) moved between 1 and 2 threads trained them to
    weights 0.01 apart. Real multiplications and divisions round the same in
    both loops, so the gradient is built from them. The forward is torch's.
    """

    @staticmethod
    def forward(ctx, spec: torch.Tensor) -> torch.Tensor:
        magnitude = spec.abs()
        ctx.save_for_backward(spec, magnitude)
        return magnitude

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        spec, magnitude = ctx.saved_tensors
        # grad z / |z|. Below 1e-30 (-600 dB) |z| is taken as 1e-30, so a subnormal bin cannot overflow the
        # scale (its gradient shrinks instead); at 0 the gradient is 0, as torch's sgn. A where() or taking
        # |z| again in here cost up to a third of the step.
        scale = grad / magnitude.clamp(min=_TINY_MAGNITUDE)
        return torch.view_as_complex(torch.view_as_real(spec) * scale.unsqueeze(-1))


_TINY_MAGNITUDE = 1e-30


def prepare_tone(name: str, sha256: str, audio: np.ndarray, features: ToneFeatures, config: GrowerConfig) -> TrainingTone:
    hop = config.features.hop_size
    n_samples = (features.n_frames - 1) * hop
    target = np.zeros(n_samples, dtype=np.float32)
    target[: min(n_samples, audio.shape[0])] = audio[:n_samples]
    f0_samples = dsp.upsample_frames(features.f0_hz.astype(np.float64)[:, None], hop)[:, 0]
    stretched = features.inharmonicity > 0
    # A stretched partial's phase is a non-integer multiple of the unwrapped phase (controls.harmonic_signal).
    phase_rad, _ = dsp.fundamental_phase(f0_samples, config.features.sample_rate, wrap=not stretched)
    inputs = decoder_inputs(features)
    mean, std = input_normalisation(inputs)
    target_t = torch.from_numpy(target)
    seed = tone_seed(config.train.seed, sha256)
    return TrainingTone(
        name=name,
        sha256=sha256,
        seed=seed,
        n_samples=n_samples,
        audio=target_t,
        inputs=torch.from_numpy((inputs - mean) / std),
        input_mean=mean,
        input_std=std,
        f0_hz=torch.from_numpy(features.f0_hz[:, None].astype(np.float32)),
        phase_rad=torch.from_numpy(phase_rad if stretched else phase_rad.astype(np.float32)),
        inharmonicity=float(features.inharmonicity),
        target_magnitudes=[stft_magnitude(target_t, n_fft) for n_fft in config.train.fft_sizes],
        analysis_harmonics=torch.from_numpy(features.harmonic_amplitudes),
        analysis_noise=torch.from_numpy(features.noise_magnitudes),
        generator=torch.Generator().manual_seed(seed + 1),
    )


@dataclass
class CropBatch:
    """One crop per tone, all of crop_size samples, each with one frame of pre-roll.

    The pre-roll frame (the one before the crop, or silence at a tone's start)
    is rendered so its noise-filter tail reaches into the crop as it does in
    the whole recording; its own samples are dropped before the loss.
    """

    inputs: torch.Tensor  # [T, F + 1, n_inputs], F = crop_size / hop + 1
    f0_hz: torch.Tensor  # [T, F + 1, 1]
    phase_rad: torch.Tensor  # [T, hop + crop_size]: float64 unwrapped if any tone is stretched, else float32 wrapped
    inharmonicity: torch.Tensor | None  # [T, 1, 1] B per tone; None when every tone is harmonic
    white_noise: torch.Tensor  # [T, F, hop]
    target_magnitudes: list  # per FFT size: [T, n_stft_frames, bins]


def crop_size_for(config: GrowerConfig) -> int:
    """The crop length: the configured size, capped so the shortest allowed tone still holds one.

    It depends on the config alone, never on which tones share the batch, so a
    tone trains the same beside any others.
    """
    grid, hop = config.train.crop_grid, config.features.hop_size
    shortest = (int(config.features.min_duration_s * config.features.sample_rate) // hop) * hop
    size = min(config.train.crop_size, (shortest // grid) * grid)
    if size < max(config.train.fft_sizes):
        raise ValueError(f"min_duration_s={config.features.min_duration_s} holds no crop of the largest FFT ({max(config.train.fft_sizes)})")
    return size


def crop_start(n_samples: int, crop_size: int, grid: int, generator: torch.Generator) -> int:
    """A grid-aligned start in [0, n_samples - crop_size], every sample equally likely to be covered.

    Uniform starts would cover the attack and release far less than the
    middle. Starts are drawn from a range extended by a crop on each side and
    clamped, which piles the overhang onto the first and last crops.
    """
    last = (n_samples - crop_size) // grid
    span = crop_size // grid
    drawn = int(torch.randint(-span + 1, last + span, (1,), generator=generator))
    return min(max(drawn, 0), last) * grid


def draw_crops(tones: list, crop_size: int, config: GrowerConfig) -> CropBatch:
    """A random grid-aligned crop from each tone, each from the tone's own generator."""
    hop, grid = config.features.hop_size, config.train.crop_grid
    n_frames = crop_size // hop + 1
    parts = {k: [] for k in ("inputs", "f0_hz", "phase_rad", "white_noise")}
    magnitudes = [[] for _ in config.train.fft_sizes]
    for tone in tones:
        start = crop_start(tone.n_samples, crop_size, grid, tone.generator)
        frame = start // hop
        rows = torch.arange(frame - 1, frame + n_frames).clamp(min=0)  # pre-roll frame first
        noise = torch.rand(n_frames, hop, generator=tone.generator) * 2.0 - 1.0
        if frame == 0:
            noise[0] = 0.0  # nothing sounds before the recording starts
        parts["inputs"].append(tone.inputs[rows])
        parts["f0_hz"].append(tone.f0_hz[rows])
        # start is 0 or a multiple of the grid (>= hop); at 0 the pre-roll's phase is irrelevant
        lead_phase = tone.phase_rad.new_zeros(hop) if start == 0 else tone.phase_rad[start - hop : start]
        parts["phase_rad"].append(torch.cat([lead_phase, tone.phase_rad[start : start + crop_size]]))
        parts["white_noise"].append(noise)
        for s, n_fft in enumerate(config.train.fft_sizes):
            stft_hop = n_fft // 4
            count = (crop_size - n_fft) // stft_hop + 1
            first = start // stft_hop
            magnitudes[s].append(tone.target_magnitudes[s][first : first + count])
    inharmonicity = inharmonicity_of(tones)
    if inharmonicity is not None:  # a harmonic tone's wrapped phase serves as well: its ratios are whole numbers
        parts["phase_rad"] = [phase.double() for phase in parts["phase_rad"]]
    stacked = {k: torch.stack(v) for k, v in parts.items()}
    return CropBatch(target_magnitudes=[torch.stack(m) for m in magnitudes], inharmonicity=inharmonicity, **stacked)


def inharmonicity_of(tones: list) -> torch.Tensor | None:
    """[T, 1, 1] float32 each tone's B, the shape controls.partial_ratios takes; None when all are harmonic
    (the synthesis then takes the harmonic path it always did)."""
    if not any(t.inharmonicity > 0 for t in tones):
        return None
    return torch.tensor([t.inharmonicity for t in tones], dtype=torch.float32)[:, None, None]
