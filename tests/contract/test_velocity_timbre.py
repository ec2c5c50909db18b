"""Velocity changes brightness end to end: real sustained instruments through grower-train, played by the renderer.

Notes of a General MIDI SoundFont (grower.synth.gm_tones: clarinet, flute, trumpet), trained by
grower-train and held in the renderer at MIDI velocities 30, 60, 90 and 120: the spectral centroid of
the harmonic part, over the sustained part, rises at every step and by at least 15 % from 30 to 120;
at --velocity-timbre 0 it does not move. benchmarks/bench_velocity.py prints the figures, and the
SoundFont's own. Skipped, saying why, where fluidsynth or a SoundFont is missing.
"""

import contextlib
import io

import numpy as np
import pytest
import soundfile

from grower.synth import gm_tones
from grower.synth.bank import load_bank
from grower.synth.render_params import RenderParams
from grower.synth.renderer import RenderConfig, Renderer
from grower.synth.spectral import harmonic_centroid_hz
from grower.training.cli import main as train

pytestmark = pytest.mark.skipif(gm_tones.unavailable() is not None, reason=gm_tones.unavailable() or "")

SR, OUT_SR = 22050, 48000
INSTRUMENTS = ("clarinet", "flute", "trumpet")
VELOCITIES = (30, 60, 90, 120)
N_MEASURED = 40  # harmonics the centroid is taken over


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    import torch

    folder = tmp_path_factory.mktemp("velocity")
    tones = folder / "tones"
    tones.mkdir()
    for name in INSTRUMENTS:
        soundfile.write(str(tones / f"{name}.wav"), gm_tones.render_note(name, 2.5, 3.0, SR), SR)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared 2-core machine: two contending torch threads cost 10x
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            assert train([str(tones), "--out", str(folder / "bank"), "--steps", "30", "--quiet", "--no-cache"]) == 0
    finally:
        torch.set_num_threads(threads)
    return load_bank(folder / "bank")


def centroid_hz(bank, name: str, velocity: int, amount: float) -> float:
    """The tone held 1.8 s at its pitch, noise off: sum(k f0 a_k) / sum(a_k) of its harmonic peaks over 0.5..1.8 s."""
    tone = [t.entry.name for t in bank.tones].index(name)
    f0_hz = bank.tones[tone].entry.f0_hz
    renderer = Renderer(bank, RenderConfig(sample_rate=OUT_SR), RenderParams(noise_mix=0.0, velocity_timbre=amount))
    renderer.note_on(tone, f0_hz, velocity / 127)
    audio = renderer.render(int(1.8 * OUT_SR))[int(0.5 * OUT_SR):]
    return harmonic_centroid_hz(audio, f0_hz, OUT_SR, N_MEASURED)


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_the_harmonic_centroid_rises_with_velocity_by_15_percent_from_30_to_120(bank, name):
    centroids = [centroid_hz(bank, name, v, 1.0) for v in VELOCITIES]
    assert np.all(np.diff(centroids) > 0), centroids
    assert centroids[-1] / centroids[0] - 1 >= 0.15, centroids


def test_at_amount_0_velocity_leaves_the_centroid_where_it_was(bank):
    for name in INSTRUMENTS:
        centroids = [centroid_hz(bank, name, v, 0.0) for v in VELOCITIES]
        assert abs(centroids[-1] / centroids[0] - 1) < 0.02, (name, centroids)
