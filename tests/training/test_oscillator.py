"""The trainer's CPU oscillator kernels against the shared definition, controls.harmonic_signal_framewise."""

import math

import numpy as np
import pytest
import torch

from grower.synth import controls as dsp
from grower.training import oscillator

HOP = 128
SAMPLE_RATE = 22050


def batch(n_rows: int, n_frames: int, seed: int = 0, stretched_rows=()):
    """Gliding fundamentals (phase as the trainer draws it: float32 wrapped, float64 unwrapped for stretched rows)
    and amplitudes falling with harmonic number: (phase [B, S], amplitudes [B, F, 64], inharmonicity [B, 1, 1])."""
    rng = np.random.default_rng(seed)
    # f0 wanders from frame to frame, linear between frames, as training.tone_set builds it
    frames_hz = rng.uniform(60, 600, (n_rows, 1, 1)) * np.exp(np.cumsum(rng.normal(0, 0.01, (n_rows, n_frames, 1)), axis=1))
    f0_hz = dsp.upsample_frames(frames_hz, HOP)[..., 0]
    unwrapped, _ = dsp.fundamental_phase(f0_hz, SAMPLE_RATE, wrap=False)
    unwrapped = unwrapped + rng.uniform(0, 1000, (n_rows, 1))  # deep into a tone: the stretched kernels anchor each frame
    inharmonicity = np.zeros((n_rows, 1, 1))
    inharmonicity[list(stretched_rows)] = 3e-4
    phase = np.where(inharmonicity[:, :, 0] > 0, unwrapped, np.remainder(unwrapped, 2 * math.pi).astype(np.float32))
    amplitudes = (rng.uniform(0, 0.1, (n_rows, n_frames, 64)) / np.arange(1, 65)).astype(np.float32)
    return torch.from_numpy(phase), torch.from_numpy(amplitudes), torch.from_numpy(inharmonicity)


def test_the_kernel_sums_the_same_partials_as_the_definition():
    phase, amplitudes, _ = batch(5, 40)
    phase = phase.float()
    got = oscillator.harmonic_signal_framewise(phase, amplitudes, HOP)
    expected = dsp.harmonic_signal_framewise(phase.double(), amplitudes.double(), HOP)
    assert got.dtype == torch.float32 and got.shape == expected.shape
    assert float((got - expected).abs().max()) < 1e-5 * float(expected.abs().max())


def test_the_kernels_gradient_is_the_definitions():
    phase, amplitudes, _ = batch(4, 30, seed=1)
    phase = phase.float()
    weights = torch.from_numpy(np.random.default_rng(2).standard_normal((4, 29 * HOP)))
    mine = amplitudes.clone().requires_grad_(True)
    (oscillator.harmonic_signal_framewise(phase, mine, HOP).double() * weights).sum().backward()
    reference = amplitudes.double().requires_grad_(True)
    (dsp.harmonic_signal_framewise(phase.double(), reference, HOP) * weights).sum().backward()
    assert float((mine.grad.double() - reference.grad).abs().max()) < 1e-5 * float(reference.grad.abs().max())
    assert mine.grad[:, 0].abs().sum() > 0 and mine.grad[:, -1].abs().sum() > 0  # the first and last frames each get their half


def test_a_batch_with_stretched_rows_renders_every_row_as_the_definition_does():
    phase, amplitudes, inharmonicity = batch(4, 20, seed=3, stretched_rows=(1, 2))
    ratios = dsp.partial_ratios(64, inharmonicity, phase)
    mine = amplitudes.clone().requires_grad_(True)
    got = oscillator.harmonic_signal_framewise(phase, mine, HOP, ratios, inharmonicity.reshape(-1) == 0)
    reference = amplitudes.clone().requires_grad_(True)
    expected = dsp.harmonic_signal_framewise(phase, reference, HOP, ratios)
    assert float((got - expected).detach().abs().max()) < 1e-5 * float(expected.detach().abs().max())
    got.sum().backward()
    expected.sum().backward()
    assert float((mine.grad - reference.grad).abs().max()) < 1e-4 * float(reference.grad.abs().max())
    exact = dsp.harmonic_signal_framewise(phase[1:3], amplitudes[1:3].double(), HOP, ratios[1:3])  # the definition all in float64
    assert float((got[1:3] - exact).detach().abs().max()) < 2e-6 * float(exact.abs().max())
    stretched = dsp.harmonic_signal_framewise(phase[1:2], amplitudes[1:2], HOP, dsp.partial_ratios(64, inharmonicity[1:2], phase))
    harmonic = dsp.harmonic_signal_framewise(phase[1:2], amplitudes[1:2], HOP)
    assert float((got[1] - stretched[0]).detach().abs().max()) < 1e-4 < float((got[1] - harmonic[0]).detach().abs().max())  # row 1 really is stretched


def test_each_row_is_the_same_alone_as_beside_others():
    phase, amplitudes, _ = batch(6, 12, seed=4)
    together = oscillator.harmonic_signal_framewise(phase, amplitudes, HOP)
    alone = oscillator.harmonic_signal_framewise(phase[3:4], amplitudes[3:4], HOP)
    assert torch.equal(together[3:4], alone)


def test_shapes_that_disagree_are_refused_as_the_definition_refuses_them():
    # numba checks no bounds: a phase shorter than the frames' span must not reach the kernels
    phase, amplitudes, _ = batch(2, 6, seed=5)
    with pytest.raises(RuntimeError):
        oscillator.harmonic_signal_framewise(phase[:, :-HOP].float(), amplitudes, HOP)
    empty = oscillator.harmonic_signal_framewise(phase[:0], amplitudes[:0], HOP, torch.ones(0, 1, 64, dtype=torch.float64),
                                                 torch.zeros(0, dtype=torch.bool))
    assert empty.shape == (0, 5 * HOP)
