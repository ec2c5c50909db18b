"""The notebook's approach, kept as the benchmark's baseline.

One file at a time, float32, the target STFT recomputed every step, the whole
clip every step, 1000 steps, multi-scale spectral loss over 4 FFT sizes plus
0.1 x time-domain L1, torch.optim.Adam at 1e-3, gradient clipping at 1.0.
The model and synthesiser are grower's own (one-tone ToneDecoders, the same
render), so the comparison measures the training method, not the model.
"""

from __future__ import annotations

import torch

from grower.training.config import GrowerConfig
from grower.training.decoder import ToneDecoders
from grower.training.synthesis import render
from grower.training.tone_set import TrainingTone, stft_magnitude

FFT_SIZES = (2048, 1024, 512, 256)


def reference_loss(audio: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """audio, target: [1, n_samples]. The target's STFTs are recomputed here, every call."""
    loss = 0.1 * (audio - target).abs().mean()
    for n_fft in FFT_SIZES:
        predicted, wanted = stft_magnitude(audio, n_fft), stft_magnitude(target, n_fft)
        loss = loss + (predicted - wanted).abs().mean() + (torch.log(predicted + 1e-5) - torch.log(wanted + 1e-5)).abs().mean()
    return loss


def train_reference(tone: TrainingTone, config: GrowerConfig, steps: int = 1000) -> ToneDecoders:
    """Train one tone the reference way; returns its decoder."""
    decoder = ToneDecoders(tone.inputs.shape[1], config.model, [tone.seed])
    optimizer = torch.optim.Adam(decoder.parameters(), lr=1e-3)
    hop, sr = config.features.hop_size, config.features.sample_rate
    generator = torch.Generator().manual_seed(tone.seed)
    n_frames = tone.inputs.shape[0]
    for _ in range(steps):
        noise = torch.rand(1, n_frames - 1, hop, generator=generator) * 2 - 1
        controls = decoder(tone.inputs[None])
        audio = render(controls, tone.f0_hz[None], tone.phase_rad[None], noise, sr, hop)["audio"]
        loss = reference_loss(audio, tone.audio[None])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(decoder.parameters(), 1.0)
        optimizer.step()
    return decoder
