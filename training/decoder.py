"""Per-tone decoders: one small MLP per tone, all evaluated in one batched matmul.

Each tone owns its weights (a slice along the leading ``tone`` axis), so tones
never share parameters and a tone's result does not depend on which others
train beside it; ``torch.baddbmm`` still runs them as one kernel per layer.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .config import ModelConfig


def exp_sigmoid(x: torch.Tensor, exponent: float = 10.0, max_value: float = 2.0, threshold: float = 1e-7) -> torch.Tensor:
    """DDSP's positive squashing for amplitudes: smooth, bounded, log-like in range."""
    return max_value * torch.sigmoid(x) ** math.log(exponent) + threshold


class ToneDecoders(torch.nn.Module):
    """Maps per-frame features to synthesiser controls, one MLP per tone.

    Layers: Linear -> LayerNorm -> LeakyReLU, ``n_hidden_layers`` times, then a
    linear head producing 1 amplitude + n_harmonics + n_noise_bands values.
    """

    def __init__(self, n_inputs: int, config: ModelConfig, tone_seeds: list):
        super().__init__()
        self.config = config
        sizes = [n_inputs] + [config.hidden_size] * config.n_hidden_layers + [1 + config.n_harmonics + config.n_noise_bands]
        weights, biases = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            weights.append(torch.empty(len(tone_seeds), fan_in, fan_out))
            biases.append(torch.zeros(len(tone_seeds), 1, fan_out))
        # Each tone draws its initial weights from its own seed, so a tone starts
        # the same whether it trains alone or in a batch.
        for t, seed in enumerate(tone_seeds):
            generator = torch.Generator().manual_seed(int(seed))
            for w in weights:
                w[t] = torch.randn(w.shape[1:], generator=generator) * math.sqrt(2.0 / w.shape[1])
        weights[-1].mul_(0.1)
        biases[-1][..., 1 + config.n_harmonics :] = config.noise_bias
        self.weights = torch.nn.ParameterList(weights)
        self.biases = torch.nn.ParameterList(biases)

    @property
    def n_tones(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, inputs: torch.Tensor, tone_index: torch.Tensor | None = None) -> dict:
        """inputs: [n_tones, n_frames, n_inputs] normalised features.

        tone_index: [B] which tones' weights to use for the B rows of inputs;
          None means all tones, in order.

        Returns controls (see grower.synth.controls):
          amplitude [n_tones, n_frames, 1], harmonic_distribution
          [n_tones, n_frames, n_harmonics], noise_magnitudes [n_tones, n_frames, n_noise_bands].
        """
        h = inputs
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            if tone_index is not None:
                w, b = w[tone_index], b[tone_index]
            h = torch.baddbmm(b, h, w)
            if i < last:
                h = F.leaky_relu(F.layer_norm(h, h.shape[-1:]), 0.2)
        n_harmonics = self.config.n_harmonics
        return {
            "amplitude": exp_sigmoid(h[..., :1]),
            "harmonic_distribution": torch.softmax(h[..., 1 : 1 + n_harmonics], dim=-1),
            "noise_magnitudes": exp_sigmoid(h[..., 1 + n_harmonics :]),
        }

    def tone_state(self, t: int) -> dict:
        """Tone t's weights as NumPy arrays, named for the bank file."""
        state = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            state[f"weights.layer{i}.weight"] = w[t].detach().cpu().float().numpy()
            state[f"weights.layer{i}.bias"] = b[t, 0].detach().cpu().float().numpy()
        return state

    def load_tone_state(self, t: int, state: dict) -> None:
        with torch.no_grad():
            for i, (w, b) in enumerate(zip(self.weights, self.biases)):
                w[t] = torch.as_tensor(state[f"weights.layer{i}.weight"])
                b[t, 0] = torch.as_tensor(state[f"weights.layer{i}.bias"])
