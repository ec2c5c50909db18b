"""What the controls mean: the one definition shared by trainer and renderer.

A tone is described, frame by frame, by three controls:

- ``amplitude``: ``[..., n_frames, 1]`` linear, the summed amplitude of all
  harmonics.
- ``harmonic_distribution``: ``[..., n_frames, n_harmonics]`` non-negative,
  summing to 1; how ``amplitude`` is shared among harmonics 1..n.
- ``noise_magnitudes``: ``[..., n_frames, n_noise_bands]`` linear magnitude
  response of the noise filter, bands spaced linearly from 0 Hz to the
  Nyquist frequency of the rate the tone was trained at.

Each tone also has one constant, its inharmonicity ``B`` (0 for a harmonic
tone): partial k sounds at ``k * f0 * sqrt(1 + B k^2)``, the stiff-string
model of piano tuning (and DDSP's inharmonic synthesiser). Harmonic k of the
distribution is partial k, wherever it sits.

Control frame ``m`` sits at sample ``m * hop_size``; between frames the
harmonic controls are interpolated linearly. Noise frame ``m`` covers samples
``[m * hop_size, (m + 1) * hop_size)`` and is filtered by frame ``m``'s
response.

Everything here is written against the array API standard through
``array_api_compat``: the trainer calls these functions with torch tensors
(and gets gradients), the renderer with NumPy arrays. This module never
imports torch, so neither does the renderer.
"""

from __future__ import annotations

import math

from array_api_compat import array_namespace

# Harmonics above this fraction of Nyquist fade out instead of switching off.
TAPER_START_FRACTION = 0.8


# -- Frequencies ---------------------------------------------------------------


def harmonic_numbers(n_harmonics: int, like):
    """1, 2, ..., n_harmonics as a float array of ``like``'s namespace: [n_harmonics]."""
    xp = array_namespace(like)
    return xp.arange(1, n_harmonics + 1, dtype=like.dtype, device=getattr(like, "device", None))


MAX_INHARMONICITY = 1e-3  # B above this is no string we know (piano bass strings reach ~5e-4)


def partial_ratios(n_harmonics: int, inharmonicity, like):
    """Each partial's frequency over f0: k * sqrt(1 + B k^2) for k = 1 .. n_harmonics.

    inharmonicity: B, a scalar or an array [..., 1] (>= 0, dimensionless; 0 is harmonic).
    Returns [n_harmonics] for a scalar B, else [..., n_harmonics], in ``like``'s namespace and dtype.
    """
    xp = array_namespace(like)
    k = harmonic_numbers(n_harmonics, like)
    return k * xp.sqrt(1.0 + inharmonicity * k * k)


def nyquist_taper(freq_hz, sample_rate: float):
    """Gain in [0, 1] that fades partials out as they approach Nyquist.

    freq_hz: any shape, Hz. Returns the same shape: 1 below
    ``TAPER_START_FRACTION * nyquist``, a raised-cosine fade to 0 at Nyquist,
    and 0 at or above it, so a gliding partial never switches off with a click.
    """
    xp = array_namespace(freq_hz)
    nyquist_hz = 0.5 * sample_rate
    width_hz = nyquist_hz * (1.0 - TAPER_START_FRACTION)
    position = xp.clip((nyquist_hz - freq_hz) / width_hz, 0.0, 1.0)
    return 0.5 - 0.5 * xp.cos(math.pi * position)


def harmonic_amplitudes(amplitude, harmonic_distribution, f0_hz, sample_rate: float, normalize: bool = True, inharmonicity=0.0):
    """Per-harmonic linear amplitudes from the controls.

    amplitude: [..., n_frames, 1] linear.
    harmonic_distribution: [..., n_frames, n_harmonics] non-negative.
    f0_hz: [..., n_frames, 1] Hz.
    inharmonicity: B, a scalar or [..., 1, 1]; the taper acts at the partials' real
    frequencies f0 * partial_ratios.
    Returns [..., n_frames, n_harmonics] linear amplitudes, tapered towards
    ``sample_rate``'s Nyquist. With ``normalize`` the tapered distribution is
    rescaled to sum to 1, so the total amplitude is kept when partials are cut.
    """
    xp = array_namespace(harmonic_distribution)
    n_harmonics = harmonic_distribution.shape[-1]
    if isinstance(inharmonicity, (int, float)) and inharmonicity == 0:
        ratios = harmonic_numbers(n_harmonics, harmonic_distribution)
    else:
        ratios = partial_ratios(n_harmonics, inharmonicity, harmonic_distribution)
    freqs_hz = f0_hz * ratios
    distribution = harmonic_distribution * nyquist_taper(freqs_hz, sample_rate)
    if normalize:
        distribution = distribution / (xp.sum(distribution, axis=-1, keepdims=True) + 1e-7)
    return amplitude * distribution


# -- Time ----------------------------------------------------------------------


def upsample_frames(frames, hop_size: int):
    """Linear interpolation from control frames to samples.

    frames: [..., n_frames, n_channels], frame m at sample m * hop_size.
    Returns [..., (n_frames - 1) * hop_size, n_channels]: samples from frame 0
    up to (not including) the last frame.
    """
    xp = array_namespace(frames)
    start = frames[..., :-1, None, :]
    end = frames[..., 1:, None, :]
    weight = xp.arange(hop_size, dtype=frames.dtype, device=getattr(frames, "device", None)) / hop_size
    weight = weight[:, None]
    samples = start + (end - start) * weight  # [..., n_frames - 1, hop_size, n_channels]
    shape = tuple(frames.shape[:-2]) + ((frames.shape[-2] - 1) * hop_size, frames.shape[-1])
    return xp.reshape(samples, shape)


# -- Harmonic oscillator ---------------------------------------------------------


def harmonic_signal(phase_rad, amplitudes, ratios=None):
    """Sum of partials of one fundamental phase.

    phase_rad: [..., n_samples] radians, the fundamental's phase. Harmonic (ratios
      None): any range; keep it wrapped to [0, 2 pi) so float32 stays exact for 64
      harmonics. Stretched: unwrapped (fundamental_phase(..., wrap=False)), in float64.
    amplitudes: [..., n_samples, n_harmonics] linear.
    ratios: None (harmonic: 1, 2, ..) or [..., 1, n_harmonics] from partial_ratios.
    Returns [..., n_samples]: sum over k of amplitudes[..., k-1] * sin(ratio_k * phase).
    """
    xp = array_namespace(amplitudes)
    if ratios is None:
        k = harmonic_numbers(amplitudes.shape[-1], amplitudes)
        return xp.sum(amplitudes * xp.sin(phase_rad[..., None] * k), axis=-1)
    phases = xp.remainder(phase_rad[..., None] * ratios, 2.0 * math.pi)
    return xp.sum(amplitudes * xp.astype(xp.sin(phases), amplitudes.dtype), axis=-1)


def harmonic_signal_framewise(phase_rad, frame_amplitudes, hop_size: int, ratios=None):
    """harmonic_signal(phase_rad, upsample_frames(frame_amplitudes, hop_size), ratios), computed per frame.

    phase_rad: [..., (n_frames - 1) * hop_size] radians, as harmonic_signal takes it.
    frame_amplitudes: [..., n_frames, n_harmonics] linear, at control frames.
    ratios: None (harmonic) or [..., 1, n_harmonics] from partial_ratios.
    Returns [..., (n_frames - 1) * hop_size].

    Within a frame the amplitude ramps linearly, so the sum over harmonics is
    two matrix products of the frame's sines with its start and end
    amplitudes. Same result as the sample-rate form, without materialising
    per-sample amplitudes; its gradient is matrix products too.
    """
    xp = array_namespace(frame_amplitudes)
    lead = tuple(frame_amplitudes.shape[:-2])
    n_frames, n_harmonics = frame_amplitudes.shape[-2], frame_amplitudes.shape[-1]
    k = harmonic_numbers(n_harmonics, frame_amplitudes)
    phase = xp.reshape(phase_rad, lead + (n_frames - 1, hop_size))
    if ratios is None:
        sines = xp.sin(phase[..., None] * k)  # [..., n_frames - 1, hop, n_harmonics]
    else:
        # Stretched partials need the unwrapped phase times a non-integer ratio. Each
        # frame's start is taken modulo 2 pi in float64 ([..., n_frames - 1, 1, H], small),
        # and the phase gone since it (a few cycles) is exact enough in float32.
        start = phase[..., :1]
        ratios = ratios[..., None, :, :]  # [..., 1, 1, n_harmonics]
        anchor = xp.astype(xp.remainder(start[..., None] * ratios, 2.0 * math.pi), frame_amplitudes.dtype)
        since = xp.astype(phase - start, frame_amplitudes.dtype)
        sines = xp.sin(anchor + since[..., None] * xp.astype(ratios, frame_amplitudes.dtype))
    ends = xp.stack([frame_amplitudes[..., :-1, :], frame_amplitudes[..., 1:, :]], axis=-1)  # [..., n_frames - 1, n_harmonics, 2]
    partial = xp.matmul(sines, ends)  # [..., n_frames - 1, hop, 2]
    ramp = xp.arange(hop_size, dtype=frame_amplitudes.dtype, device=getattr(frame_amplitudes, "device", None)) / hop_size
    out = partial[..., 0] * (1.0 - ramp) + partial[..., 1] * ramp
    return xp.reshape(out, lead + ((n_frames - 1) * hop_size,))


def fundamental_phase(f0_hz, sample_rate: float, phase0_rad=0.0, wrap: bool = True):
    """Running phase of a fundamental; state passes in and out explicitly.

    f0_hz: [..., n_samples] Hz at audio rate.
    phase0_rad: scalar or [...] radians, the phase before the first sample.
    Returns (phase_rad [..., n_samples] wrapped to [0, 2 pi), phase_out_rad [...]),
    where phase_out_rad is the phase to pass to the next call. wrap=False leaves
    both unwrapped (stretched partials multiply it by non-integer ratios).
    Use float64 for long signals: the running sum loses precision in float32.
    """
    xp = array_namespace(f0_hz)
    increments = (2.0 * math.pi / sample_rate) * f0_hz
    offset_rad = phase0_rad[..., None] if hasattr(phase0_rad, "shape") else phase0_rad
    unwrapped = xp.cumulative_sum(increments, axis=-1) + offset_rad
    phase_rad = unwrapped - increments  # sample n plays the phase reached before it
    if not wrap:
        return phase_rad, unwrapped[..., -1]
    phase_rad = xp.remainder(phase_rad, 2.0 * math.pi)
    phase_out_rad = xp.remainder(unwrapped[..., -1], 2.0 * math.pi)
    return phase_rad, phase_out_rad


# -- Filtered noise -------------------------------------------------------------


def noise_ir_size(n_noise_bands: int) -> int:
    """Length in samples of the noise filter's impulse response."""
    return 2 * (n_noise_bands - 1)


def noise_impulse_response(noise_magnitudes):
    """Linear-phase FIR filters from band magnitudes (frequency sampling).

    noise_magnitudes: [..., n_bands] linear magnitudes at n_bands frequencies
      spaced evenly from 0 Hz to Nyquist.
    Returns [..., 2 * (n_bands - 1)] impulse responses, Hann-windowed and
    delayed to be causal.
    """
    xp = array_namespace(noise_magnitudes)
    n_bands = noise_magnitudes.shape[-1]
    ir_size = noise_ir_size(n_bands)
    zero_phase = xp.fft.irfft(noise_magnitudes, n=ir_size, axis=-1)
    causal = xp.roll(zero_phase, ir_size // 2, axis=-1)
    n = xp.arange(ir_size, dtype=noise_magnitudes.dtype, device=getattr(noise_magnitudes, "device", None))
    window = 0.5 - 0.5 * xp.cos(2.0 * math.pi * (n + 0.5) / ir_size)
    return causal * window


def _complex_product(a, b):
    """a * b for complex arrays, in real multiplications and additions.

    torch's complex multiply rounds the elements at the end of each thread's
    share differently from the rest (its vectorised and scalar loops disagree
    in the last bit), so a batch's noise, and the gradients through it,
    depended on the thread count: the trainer's thread cap (training.cpu_share)
    changed which tones trained to what. Real products and sums round the same
    in both loops; the multiplications by 1j below are exact. a, b: complex arrays
    (xp.real and xp.imag of a real torch tensor raise).
    """
    xp = array_namespace(a, b)
    a_re, a_im, b_re, b_im = xp.real(a), xp.imag(a), xp.real(b), xp.imag(b)
    return (a_re * b_re - a_im * b_im) + 1j * (a_re * b_im + a_im * b_re)


def filtered_noise(white_noise, impulse_responses, tail_in=None):
    """Frame-wise time-varying FIR filtering, by FFT and overlap-add.

    white_noise: [..., n_frames, hop_size] noise, one row per control frame.
    impulse_responses: [..., n_frames, ir_size] one filter per frame.
    tail_in: [..., tail_size] or None, the tail returned by the previous call
      (tail_size = hop_size * (ceil((hop_size + ir_size - 1) / hop_size) - 1)).
    Returns (audio [..., n_frames * hop_size], tail_out [..., tail_size]).
    Filter tails are carried in ``tail_out``, never dropped, so rendering in
    pieces equals rendering at once.
    """
    xp = array_namespace(white_noise)
    hop_size = white_noise.shape[-1]
    ir_size = impulse_responses.shape[-1]
    n_chunks = -(-(hop_size + ir_size - 1) // hop_size)
    fft_size = n_chunks * hop_size
    spectrum = _complex_product(xp.fft.rfft(white_noise, n=fft_size, axis=-1), xp.fft.rfft(impulse_responses, n=fft_size, axis=-1))
    frames = xp.fft.irfft(spectrum, n=fft_size, axis=-1)  # [..., n_frames, fft_size]
    lead = tuple(frames.shape[:-2])
    n_frames = frames.shape[-2]
    zeros = xp.zeros(lead + (1, hop_size), dtype=frames.dtype, device=getattr(frames, "device", None))
    out = None
    for c in range(n_chunks):
        chunk = frames[..., c * hop_size : (c + 1) * hop_size]
        parts = [zeros] * c + [chunk] + [zeros] * (n_chunks - 1 - c)
        shifted = xp.concat(parts, axis=-2)  # [..., n_frames + n_chunks - 1, hop_size]
        out = shifted if out is None else out + shifted
    out = xp.reshape(out, lead + ((n_frames + n_chunks - 1) * hop_size,))
    tail_size = (n_chunks - 1) * hop_size
    if tail_in is not None and tail_size:
        head = out[..., :tail_size] + tail_in
        out = xp.concat([head, out[..., tail_size:]], axis=-1)
    split = n_frames * hop_size
    return out[..., :split], out[..., split:]
