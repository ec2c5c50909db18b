"""A tone's reconstruction: its whole learned trajectory played by the renderer.

One definition of "what the bank plays for this recording", used by
grower-grow's reconstruction WAVs, grower-train's report (at the training
rate) and the benchmarks that score a bank. The trainer's own render of the
controls is not it: the renderer plays the sustain region, the release from
note-off and a one-shot's decay from the bank's entry, and that is what a
musician hears, so that is what the report lets them audition.
"""

from __future__ import annotations

import math

import numpy as np

from .bank import Bank, BankHeader, ToneEntry, bank_tone
from .render_params import RenderParams
from .renderer import RenderConfig, Renderer



def offline_period(header: BankHeader, sample_rate: int) -> int:
    """Samples per control period for offline renders at sample_rate Hz: the largest power of two
    within one of the bank's control frames (128 at 22050 Hz and 256 at 48 kHz for 5.8 ms frames).

    Longer periods cost less but hold each period's pitch and amplitude ramp over several frames:
    at 23 ms (512 samples at 22050 Hz) a trumpet's vibrato rendered 3 dB LSD away from its
    frame-rate render. Within a frame, the render is the realtime server's (128 samples at 48 kHz)
    to a fraction of a dB, at half its cost.
    """
    samples = header.hop_size * sample_rate / header.sample_rate
    return max(32, 2 ** int(math.floor(math.log2(max(samples, 1.0)))))


def recording(renderer: Renderer, tone: int, harmonic: bool = True, noise: bool = True) -> np.ndarray:
    """[n_samples] float32 at the renderer's rate: tone's whole trajectory at its own pitch and length,
    note-off where the recording's release starts.

    Not at the sustain region's end, which lies before it: released there, the release played
    0.1 s early and a clarinet's last quarter second measured 9 dB LSD from the recording, not 6.5.

    harmonic, noise: which parts sound. The renderer keeps that mix afterwards.
    """
    sr = renderer.config.sample_rate
    renderer.reset()
    renderer.set_mix(harmonic=float(harmonic), noise=float(noise))  # from sample 0
    table = renderer.table
    voice = renderer.note_on(tone, table.f0_hz[tone], 1.0, stage=renderer.n_harmonics)
    renderer.note_off(voice, at_sample=int(round(table.release_start[tone] / table.frame_rate_hz * sr)))
    return renderer.render(int(round((table.n_frames[tone] - 1) / table.frame_rate_hz * sr)))


def raw_renderer(bank: Bank, sample_rate: int | None = None) -> Renderer:
    """An offline renderer of bank that plays the tones as learned (level mode raw, every harmonic).

    sample_rate: Hz; None: the bank's training rate.
    """
    sample_rate = int(sample_rate or bank.header.sample_rate)
    config = RenderConfig(sample_rate=sample_rate, control_period=offline_period(bank.header, sample_rate))
    return Renderer(bank, config, RenderParams(level_mode="raw"))


def reconstruct(header: BankHeader, entry: ToneEntry, tensors: dict, sample_rate: int | None = None) -> np.ndarray:
    """[n_samples] float32: one tone, not yet in a bank, as the renderer plays it at sample_rate Hz
    (None: the training rate). tensors: the tone file's arrays ("controls.f0_hz", ...)."""
    bank = Bank(header=header, tones=[bank_tone(entry, tensors)])
    return recording(raw_renderer(bank, sample_rate), 0)
