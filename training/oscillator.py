"""The trainer's harmonic oscillator bank on the CPU: numba kernels for
``controls.harmonic_signal_framewise`` and its gradient, by design.

torch evaluates the definition as a [tones, frames, hop, 64] tensor of sines
(one ``sin`` per partial-sample, single-threaded in torch's CPU kernel), a
batched matmul with two columns, and the same again backwards: measured here,
19 ms of a 41 ms spectral step for 12 tones. The sines do not depend on
anything learned (the phase comes from the analysed f0), so the kernels below
never store them: each frame's fundamental phasor is taken from the phase, the
harmonics follow by complex multiplication (float32, samples innermost so the
compiler vectorises across them), and the forward sums them against the
frame's start and end amplitudes while the backward sums the incoming
gradient against them. Both together take about 3 ms for the same batch, on
one thread. tests/training/test_oscillator.py holds them to the definition.

Only harmonic rows take this path; stretched partials (non-integer ratios)
and anything on another device, or under torch.compile, take the definition.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

from grower.synth import controls as dsp


@njit(cache=True, fastmath=True)
def _frame_phasors(phase_rad, b, base, hop, c1, s1, ck, sk):  # pragma: no cover - compiled
    for t in range(hop):
        p = phase_rad[b, base + t]
        c1[t] = np.cos(p)
        s1[t] = np.sin(p)
        ck[t] = c1[t]
        sk[t] = s1[t]


@njit(cache=True, fastmath=True)
def harmonic_forward(phase_rad, amplitudes, hop, out):  # pragma: no cover - compiled
    """out[b, f * hop + t] = sum_k sin(k phase) * (amplitudes[b, f, k] (1 - t / hop) + amplitudes[b, f + 1, k] t / hop).

    phase_rad: [B, (F - 1) * hop] float32 radians, wrapped to [0, 2 pi).
    amplitudes: [B, F, H] float32 linear, at control frames. out: [B, (F - 1) * hop] float32, written.
    """
    n_rows, n_frames, n_harmonics = amplitudes.shape
    c1 = np.empty(hop, np.float32)
    s1 = np.empty(hop, np.float32)
    ck = np.empty(hop, np.float32)
    sk = np.empty(hop, np.float32)
    start = np.empty(hop, np.float32)
    end = np.empty(hop, np.float32)
    for b in range(n_rows):
        for f in range(n_frames - 1):
            base = f * hop
            _frame_phasors(phase_rad, b, base, hop, c1, s1, ck, sk)
            start[:] = 0.0
            end[:] = 0.0
            for k in range(n_harmonics):
                a0 = amplitudes[b, f, k]
                a1 = amplitudes[b, f + 1, k]
                for t in range(hop):
                    start[t] += a0 * sk[t]
                    end[t] += a1 * sk[t]
                    c = ck[t] * c1[t] - sk[t] * s1[t]
                    sk[t] = sk[t] * c1[t] + ck[t] * s1[t]
                    ck[t] = c
            for t in range(hop):
                ramp = np.float32(t / hop)
                out[b, base + t] = start[t] * (np.float32(1.0) - ramp) + end[t] * ramp


@njit(cache=True, fastmath=True)
def harmonic_backward(phase_rad, grad_out, hop, grad_start, grad_end):  # pragma: no cover - compiled
    """The gradient of harmonic_forward's out with respect to the amplitudes, in two halves:
    grad_start[b, f, k] (through frame f as a frame's start) and grad_end[b, f, k] (through frame f + 1 as its end).

    phase_rad, grad_out: [B, (F - 1) * hop] float32. grad_start, grad_end: [B, F - 1, H] float32, written.
    """
    n_rows, n_spans, n_harmonics = grad_start.shape
    c1 = np.empty(hop, np.float32)
    s1 = np.empty(hop, np.float32)
    ck = np.empty(hop, np.float32)
    sk = np.empty(hop, np.float32)
    w0 = np.empty(hop, np.float32)
    w1 = np.empty(hop, np.float32)
    for b in range(n_rows):
        for f in range(n_spans):
            base = f * hop
            _frame_phasors(phase_rad, b, base, hop, c1, s1, ck, sk)
            for t in range(hop):
                ramp = np.float32(t / hop)
                g = grad_out[b, base + t]
                w0[t] = g * (np.float32(1.0) - ramp)
                w1[t] = g * ramp
            for k in range(n_harmonics):
                x0 = np.float32(0.0)
                x1 = np.float32(0.0)
                for t in range(hop):
                    x0 += w0[t] * sk[t]
                    x1 += w1[t] * sk[t]
                    c = ck[t] * c1[t] - sk[t] * s1[t]
                    sk[t] = sk[t] * c1[t] + ck[t] * s1[t]
                    ck[t] = c
                grad_start[b, f, k] = x0
                grad_end[b, f, k] = x1


def warm_up() -> None:
    """Load both kernels (from numba's cache, or compile them): numba's own start costs about 0.6 s
    the first time a process calls any kernel, which a caller may rather pay while it waits on something."""
    hop, n_harmonics = 8, 2
    phase = np.zeros((1, hop), np.float32)
    harmonic_forward(phase, np.zeros((1, 2, n_harmonics), np.float32), hop, np.empty((1, hop), np.float32))
    grads = np.empty((1, 1, n_harmonics), np.float32)
    harmonic_backward(phase, phase, hop, grads, grads.copy())


class _HarmonicBank(torch.autograd.Function):
    @staticmethod
    def forward(ctx, phase_rad, amplitudes, hop_size):
        phase = np.ascontiguousarray(phase_rad.detach().numpy())
        amps = np.ascontiguousarray(amplitudes.detach().numpy())
        out = np.empty(phase.shape, np.float32)
        harmonic_forward(phase, amps, hop_size, out)
        ctx.save_for_backward(phase_rad)
        ctx.hop_size, ctx.n_harmonics = hop_size, amplitudes.shape[-1]
        return torch.from_numpy(out)

    @staticmethod
    def backward(ctx, grad_out):
        (phase_rad,) = ctx.saved_tensors
        phase = np.ascontiguousarray(phase_rad.numpy())
        n_rows, n_samples = phase.shape
        shape = (n_rows, n_samples // ctx.hop_size, ctx.n_harmonics)
        grad_start, grad_end = np.empty(shape, np.float32), np.empty(shape, np.float32)
        harmonic_backward(phase, np.ascontiguousarray(grad_out.float().numpy()), ctx.hop_size, grad_start, grad_end)
        grad = torch.zeros((n_rows, shape[1] + 1, ctx.n_harmonics))
        grad[:, :-1] += torch.from_numpy(grad_start)
        grad[:, 1:] += torch.from_numpy(grad_end)
        return None, grad, None


def _kernel_fits(phase_rad: torch.Tensor, amplitudes: torch.Tensor) -> bool:
    return (phase_rad.device.type == "cpu" and amplitudes.device.type == "cpu" and amplitudes.dtype == torch.float32
            and phase_rad.dim() == 2 and amplitudes.dim() == 3 and not torch.compiler.is_compiling())


def harmonic_signal_framewise(phase_rad: torch.Tensor, amplitudes: torch.Tensor, hop_size: int, ratios: torch.Tensor | None = None,
                              harmonic_rows: torch.Tensor | None = None) -> torch.Tensor:
    """dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios), the harmonic rows by the kernels.

    phase_rad: [B, (F - 1) * hop_size] radians: float32 wrapped, or float64 unwrapped for a batch with stretched rows
      (a harmonic row's phase is wrapped even then).
    amplitudes: [B, F, H] linear. ratios: None (every row harmonic) or [B, 1, H] from dsp.partial_ratios.
    harmonic_rows: [B] bool, the rows whose ratios are whole numbers (needed with ratios).
    Returns [B, (F - 1) * hop_size].
    """
    if not _kernel_fits(phase_rad, amplitudes):
        return dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios)
    if ratios is None:
        return _HarmonicBank.apply(phase_rad.float(), amplitudes, hop_size)
    rows = harmonic_rows.nonzero()[:, 0]
    if len(rows) == 0:
        return dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios)
    others = (~harmonic_rows).nonzero()[:, 0]
    harmonic = _HarmonicBank.apply(phase_rad[rows].float(), amplitudes[rows], hop_size)
    out = harmonic.new_zeros((phase_rad.shape[0], phase_rad.shape[1])).index_copy(0, rows, harmonic)
    if len(others):
        stretched = dsp.harmonic_signal_framewise(phase_rad[others], amplitudes[others], hop_size, ratios[others])
        out = out.index_copy(0, others, stretched.to(out.dtype))
    return out
