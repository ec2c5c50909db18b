"""The trainer's synthesiser: grower.synth.controls evaluated on torch tensors.

There is no second definition here: every step calls the same functions the
renderer calls with NumPy arrays, so what the trainer learns is what plays.
On the CPU the harmonic oscillator bank is evaluated by training.oscillator's
kernels, which tests hold to controls.harmonic_signal_framewise.
"""

from __future__ import annotations

import torch

from grower.synth import controls as dsp

from . import oscillator


def render(controls: dict, f0_hz: torch.Tensor, phase_rad: torch.Tensor, white_noise: torch.Tensor, sample_rate: int, hop_size: int,
           inharmonicity: torch.Tensor | None = None) -> dict:
    """Audio from controls over a span of frames.

    controls: amplitude [B, F, 1], harmonic_distribution [B, F, H],
      noise_magnitudes [B, F, N] (frames 0..F-1 of the span).
    f0_hz: [B, F, 1] Hz.
    phase_rad: [B, (F - 1) * hop_size] the fundamental's phase per sample (float64
      unwrapped when inharmonicity is given).
    white_noise: [B, F - 1, hop_size] uniform in [-1, 1].
    inharmonicity: None (every tone harmonic) or [B, 1, 1] each tone's B.
    Returns {"harmonic", "noise", "audio"}: each [B, (F - 1) * hop_size].
    """
    n_harmonics = controls["harmonic_distribution"].shape[-1]
    stretch = 0.0 if inharmonicity is None else inharmonicity
    ratios = None if inharmonicity is None else dsp.partial_ratios(n_harmonics, inharmonicity.double(), phase_rad)  # [B, 1, H]
    amplitudes = dsp.harmonic_amplitudes(controls["amplitude"], controls["harmonic_distribution"], f0_hz, sample_rate, inharmonicity=stretch)
    harmonic_rows = None if inharmonicity is None else inharmonicity.reshape(-1) == 0
    harmonic = oscillator.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios, harmonic_rows)
    impulse_responses = dsp.noise_impulse_response(controls["noise_magnitudes"][:, :-1])
    noise, _ = dsp.filtered_noise(white_noise, impulse_responses)
    return {"harmonic": harmonic, "noise": noise, "audio": harmonic + noise}

