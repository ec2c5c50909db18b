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

Stretched partials (non-integer ratios) cannot be stepped from harmonic to
harmonic, so their kernels step each partial from sample to sample instead:
within a frame the fundamental's phase is quadratic (f0 is linear between
control frames, as training.tone_set builds it), so partial k's phasor turns by
an angle that itself turns by a constant one, two complex multiplications in
float64 per partial-sample (vectorised across the partials), anchored at each
frame from the unwrapped phase. For 12 stretched rows they take 5.4 ms
forward and 5.9 backward, where torch's float64 sines alone took 43 ms.
Anything on another device, in float64, or under torch.compile, takes the
definition.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

from grower.synth import compile_lock, controls as dsp

compile_lock.install()  # before any kernel loads from numba's cache or compiles


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
    rows = np.empty((6, hop), np.float32)
    c1, s1, ck, sk, start, end = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
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
    rows = np.empty((6, hop), np.float32)
    c1, s1, ck, sk, w0, w1 = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
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


@njit(cache=True, fastmath=True)
def _stretched_phasors(phase_rad, ratios, b, base, phasors):  # pragma: no cover - compiled
    """phasors [6, H]: partial k's phasor at the frame's first sample (rows 0, 1: cos, sin), its turn to the next
    sample (rows 2, 3), and the turn of that turn (rows 4, 5)."""
    start = phase_rad[b, base]
    step = phase_rad[b, base + 1] - start
    bend = (phase_rad[b, base + 2] - phase_rad[b, base + 1]) - step
    for k in range(ratios.shape[1]):
        ratio = ratios[b, k]
        anchor = (start * ratio) % (2.0 * np.pi)
        phasors[0, k] = np.cos(anchor)
        phasors[1, k] = np.sin(anchor)
        # Turning by the first step, then by a whole bend more each sample, lands on the
        # phase's exact quadratic: phase(t) = start + step t + bend t (t - 1) / 2.
        phasors[2, k] = np.cos(ratio * step)
        phasors[3, k] = np.sin(ratio * step)
        x = ratio * bend  # f0's change over one frame: a small angle, where the series is exact to float64
        if abs(x) < 0.02:
            x2 = x * x
            phasors[4, k] = 1.0 - x2 * (0.5 - x2 * (1.0 / 24.0 - x2 / 720.0))
            phasors[5, k] = x * (1.0 - x2 * (1.0 / 6.0 - x2 * (1.0 / 120.0 - x2 / 5040.0)))
        else:
            phasors[4, k] = np.cos(x)
            phasors[5, k] = np.sin(x)


@njit(cache=True, fastmath=True, inline="always")
def _turn(phasors, k):  # pragma: no cover - compiled
    """Partial k's phasor z (phasors rows 0, 1) on by one sample (times w: rows 2, 3), and w on by one bend (times u: rows 4, 5)."""
    zr, zi, wr, wi, ur, ui = phasors[0, k], phasors[1, k], phasors[2, k], phasors[3, k], phasors[4, k], phasors[5, k]
    phasors[0, k] = zr * wr - zi * wi
    phasors[1, k] = zi * wr + zr * wi
    phasors[2, k] = wr * ur - wi * ui
    phasors[3, k] = wi * ur + wr * ui


@njit(cache=True, fastmath=True)
def stretched_forward(phase_rad, ratios, amplitudes, hop, out):  # pragma: no cover - compiled
    """As harmonic_forward, for partials at ratios[b, k] times the fundamental.

    phase_rad: [B, (F - 1) * hop] float64 unwrapped radians, quadratic within each frame (hop >= 3).
    ratios: [B, H] float64 (controls.partial_ratios). amplitudes: [B, F, H] float32. out: [B, (F - 1) * hop] float32, written.
    """
    n_rows, n_frames, n_harmonics = amplitudes.shape
    phasors = np.empty((6, n_harmonics))
    a0 = np.empty(n_harmonics)
    a1 = np.empty(n_harmonics)
    for b in range(n_rows):
        for f in range(n_frames - 1):
            base = f * hop
            _stretched_phasors(phase_rad, ratios, b, base, phasors)
            zi = phasors[1]
            for k in range(n_harmonics):
                a0[k] = amplitudes[b, f, k]
                a1[k] = amplitudes[b, f + 1, k]
            for t in range(hop):
                start = 0.0
                end = 0.0
                for k in range(n_harmonics):
                    s = zi[k]
                    start += a0[k] * s
                    end += a1[k] * s
                    _turn(phasors, k)
                ramp = t / hop
                out[b, base + t] = start * (1.0 - ramp) + end * ramp


@njit(cache=True, fastmath=True)
def stretched_backward(phase_rad, ratios, grad_out, hop, grad_start, grad_end):  # pragma: no cover - compiled
    """As harmonic_backward, for stretched_forward. grad_out: [B, (F - 1) * hop] float32; grad_start, grad_end: [B, F - 1, H] float32, written."""
    n_rows, n_spans, n_harmonics = grad_start.shape
    phasors = np.empty((6, n_harmonics))
    g0 = np.empty(n_harmonics)
    g1 = np.empty(n_harmonics)
    for b in range(n_rows):
        for f in range(n_spans):
            base = f * hop
            _stretched_phasors(phase_rad, ratios, b, base, phasors)
            zi = phasors[1]
            g0[:] = 0.0
            g1[:] = 0.0
            for t in range(hop):
                ramp = t / hop
                g = grad_out[b, base + t]
                w0 = g * (1.0 - ramp)
                w1 = g * ramp
                for k in range(n_harmonics):
                    s = zi[k]
                    g0[k] += w0 * s
                    g1[k] += w1 * s
                    _turn(phasors, k)
            for k in range(n_harmonics):
                grad_start[b, f, k] = g0[k]
                grad_end[b, f, k] = g1[k]


def warm_up() -> None:
    """Load the kernels (from numba's cache, or compile them): numba's own start costs about 0.6 s
    the first time a process calls any kernel, which a caller may rather pay while it waits on something."""
    hop, n_harmonics = 8, 2
    phase = np.zeros((1, hop), np.float32)
    grads = np.empty((1, 1, n_harmonics), np.float32)
    amplitudes = np.zeros((1, 2, n_harmonics), np.float32)
    harmonic_forward(phase, amplitudes, hop, np.empty((1, hop), np.float32))
    harmonic_backward(phase, phase, hop, grads, grads.copy())
    ratios = np.ones((1, n_harmonics))
    stretched_forward(phase.astype(np.float64), ratios, amplitudes, hop, np.empty((1, hop), np.float32))
    stretched_backward(phase.astype(np.float64), ratios, phase, hop, grads, grads.copy())


class _PartialBank(torch.autograd.Function):
    """The kernels as a function of the amplitudes: phase_rad [B, S] and ratios (None: harmonic, or [B, H] float64) are constants."""

    @staticmethod
    def forward(ctx, phase_rad, ratios, amplitudes, hop_size):
        phase = np.ascontiguousarray(phase_rad.detach().numpy())
        amps = np.ascontiguousarray(amplitudes.detach().numpy())
        out = np.empty(phase.shape, np.float32)
        if ratios is None:
            harmonic_forward(phase, amps, hop_size, out)
        else:
            stretched_forward(phase, np.ascontiguousarray(ratios.numpy()), amps, hop_size, out)
        ctx.save_for_backward(phase_rad)
        ctx.ratios, ctx.hop_size, ctx.n_harmonics = ratios, hop_size, amplitudes.shape[-1]
        return torch.from_numpy(out)

    @staticmethod
    def backward(ctx, grad_out):
        (phase_rad,) = ctx.saved_tensors
        phase = np.ascontiguousarray(phase_rad.numpy())
        grad_out = np.ascontiguousarray(grad_out.float().numpy())
        n_rows, n_samples = phase.shape
        shape = (n_rows, n_samples // ctx.hop_size, ctx.n_harmonics)
        grad_start, grad_end = np.empty(shape, np.float32), np.empty(shape, np.float32)
        if ctx.ratios is None:
            harmonic_backward(phase, grad_out, ctx.hop_size, grad_start, grad_end)
        else:
            stretched_backward(phase, np.ascontiguousarray(ctx.ratios.numpy()), grad_out, ctx.hop_size, grad_start, grad_end)
        grad = torch.zeros((n_rows, shape[1] + 1, ctx.n_harmonics))
        grad[:, :-1] += torch.from_numpy(grad_start)
        grad[:, 1:] += torch.from_numpy(grad_end)
        return None, None, grad, None


def _kernel_fits(phase_rad: torch.Tensor, amplitudes: torch.Tensor, hop_size: int) -> bool:
    """The kernels apply: CPU float32 amplitudes, eager, and shapes that agree (numba checks no bounds;
    the definition raises on a mismatch instead)."""
    return (phase_rad.device.type == "cpu" and amplitudes.device.type == "cpu" and amplitudes.dtype == torch.float32
            and phase_rad.dim() == 2 and amplitudes.dim() == 3 and hop_size >= 3 and amplitudes.shape[0] > 0
            and tuple(phase_rad.shape) == (amplitudes.shape[0], (amplitudes.shape[1] - 1) * hop_size)
            and not torch.compiler.is_compiling())


def harmonic_signal_framewise(phase_rad: torch.Tensor, amplitudes: torch.Tensor, hop_size: int, ratios: torch.Tensor | None = None,
                              harmonic_rows: torch.Tensor | None = None) -> torch.Tensor:
    """dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios), by the kernels on the CPU.

    phase_rad: [B, (F - 1) * hop_size] radians: float32 wrapped, or, in a batch with stretched rows, float64
      (unwrapped, quadratic within each frame, for the stretched rows; wrapped for the harmonic ones).
    amplitudes: [B, F, H] linear. ratios: None (every row harmonic) or [B, 1, H] from dsp.partial_ratios.
    harmonic_rows: [B] bool, the rows whose ratios are whole numbers (None: none of them).
    Returns [B, (F - 1) * hop_size] float32.
    """
    if not _kernel_fits(phase_rad, amplitudes, hop_size):
        return dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios)
    if ratios is None:
        return _PartialBank.apply(phase_rad.float(), None, amplitudes, hop_size)
    ratios = ratios.reshape(ratios.shape[0], ratios.shape[-1]).double()
    if ratios.shape[0] != amplitudes.shape[0]:
        return dsp.harmonic_signal_framewise(phase_rad, amplitudes, hop_size, ratios[:, None])
    if harmonic_rows is None:
        harmonic_rows = torch.zeros(ratios.shape[0], dtype=torch.bool)
    out = amplitudes.new_zeros((phase_rad.shape[0], phase_rad.shape[1]))
    for rows, stretched in ((harmonic_rows, False), (~harmonic_rows, True)):
        index = rows.nonzero()[:, 0]
        if len(index):
            part = _PartialBank.apply(phase_rad[index].double() if stretched else phase_rad[index].float(), ratios[index] if stretched else None,
                                      amplitudes[index], hop_size)
            out = part if len(index) == len(rows) else out.index_copy(0, index, part)
    return out
