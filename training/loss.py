"""Losses, per tone: each returns [n_tones] so tones can be summed without mixing."""

from __future__ import annotations

import torch

from grower.synth import controls as dsp

from .tone_set import stft_magnitude

LOG_FLOOR = 1e-5  # -100 dB: below this, spectral detail is not worth fitting


def spectral_loss(audio: torch.Tensor, target_magnitudes: list, fft_sizes) -> torch.Tensor:
    """Multi-scale spectral loss against precomputed target magnitudes.

    audio: [T, n_samples] predicted. target_magnitudes: per FFT size
    [T, n_stft_frames, bins] (hop = size / 4, frames starting at 0).
    Returns [T]: sum over sizes of mean |S - S^| + mean |log S - log S^|.
    """
    total = audio.new_zeros(audio.shape[0])
    for n_fft, target in zip(fft_sizes, target_magnitudes):
        predicted = stft_magnitude(audio, n_fft).float()
        linear = (predicted - target).abs().mean(dim=(1, 2))
        log = (torch.log(predicted + LOG_FLOOR) - torch.log(target + LOG_FLOOR)).abs().mean(dim=(1, 2))
        total = total + linear + log
    return total


def analysis_loss(controls: dict, f0_hz: torch.Tensor, harmonics: torch.Tensor, noise: torch.Tensor, sample_rate: int,
                  inharmonicity: torch.Tensor | None = None) -> torch.Tensor:
    """Log-domain fit of controls to sinusoidal analysis, for the warm start.

    controls: [T, F, ...] as from the decoder; f0_hz [T, F, 1];
    harmonics [T, F, H] and noise [T, F, N] analysed linear amplitudes;
    inharmonicity: None (all harmonic) or [T, 1, 1] each tone's B (the taper is at the real partials).
    Returns [T].
    """
    stretch = 0.0 if inharmonicity is None else inharmonicity
    amplitudes = dsp.harmonic_amplitudes(controls["amplitude"], controls["harmonic_distribution"], f0_hz, sample_rate, inharmonicity=stretch)
    floor = 1e-4
    harmonic_error = (torch.log(amplitudes + floor) - torch.log(harmonics + floor)) ** 2
    noise_error = (torch.log(controls["noise_magnitudes"] + floor) - torch.log(noise + floor)) ** 2
    return harmonic_error.mean(dim=(1, 2)) + noise_error.mean(dim=(1, 2))

