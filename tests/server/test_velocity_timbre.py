"""Velocity timbre from the outside: /grower/velocity_timbre over real UDP to a running grower-serve,
the velocity timbre CC as mido messages, and --velocity-timbre on grower-play."""

import time

import mido
import numpy as np
import pytest
import soundfile as sf

from grower.server.midi import MidiConfig, MidiPerformer, cc_to_velocity_timbre
from grower.server.play import main as play_main
from grower.server.player import Player
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.spectral import harmonic_centroid_hz
from grower.synth.synthetic_bank import make_bank

from .conftest import SR, TONES, Server
from .test_midi import write_midi


@pytest.fixture(scope="module")
def timbre_bank(tmp_path_factory):
    """The served tones, each with the default tilt as its velocity timbre table."""
    directory = tmp_path_factory.mktemp("timbre") / "bank"
    make_bank(directory, TONES, velocity_timbre=True)
    return directory


def centroid_hz(audio: np.ndarray, f0_hz: float) -> float:
    """sum(k f0 a_k) / sum(a_k) over the first 40 harmonic peaks of audio [n] at SR: the harmonic part's centroid."""
    return harmonic_centroid_hz(audio, f0_hz, SR, 40)


def test_osc_velocity_timbre_over_udp_brightens_nothing_at_0_and_darkens_a_soft_note_at_2(timbre_bank, tmp_path):
    server = Server(timbre_bank, tmp_path, "--velocity-timbre", "0")
    try:
        client = server.client
        assert client.request("/grower/velocity_timbre", 5.0) == ("/grower/fail", ["/grower/velocity_timbre", "AMOUNT must be within 0..4, got 5"])
        client.send("/grower/velocity_timbre", "much")
        assert client.receive() == ("/grower/fail", ["/grower/velocity_timbre", "AMOUNT must be a number, got a string"])
        client.send("/grower/note/on", 61, 30)  # "mid", 200 Hz, soft: amount 0 from the flag, as bright as the learned tone
        client.sync(1)
        time.sleep(0.8)
        client.send("/grower/velocity_timbre", 2.0)  # the sounding voice darkens
        assert not [r for r in client.sync(2) if r[0] == "/grower/fail"]
        time.sleep(0.8)
    finally:
        _, audio = server.stop()
    onset = int(np.flatnonzero(np.abs(audio) > 1e-5)[0])
    before = centroid_hz(audio[onset + int(0.2 * SR):onset + int(0.6 * SR)], 200.0)
    after = centroid_hz(audio[-int(0.5 * SR):-int(0.1 * SR)], 200.0)
    assert after < 0.8 * before, (before, after)


def voice_brightness(player) -> tuple[float, np.ndarray]:
    """(the amount in force, the sounding voice's gain row) after the next period."""
    player.render(256)
    voices = player.renderer.voices
    return player.renderer.params.velocity_timbre, voices.harmonic_gain[np.flatnonzero(voices.active)[0]].copy()


def test_cc71_scales_the_velocity_timbre_0_to_2_with_64_as_learned(timbre_bank):
    player = Player(load_bank(timbre_bank), timbre_bank, RenderConfig(sample_rate=SR))
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", note=61, velocity=40))
    amount, learned = voice_brightness(player)
    assert amount == 1.0 and learned[0] > 1.0 > learned[20]  # softer: the fundamental up, the upper harmonics down (power kept)
    midi.handle(mido.Message("control_change", control=71, value=0))
    amount, row = voice_brightness(player)
    assert amount == 0.0 and np.all(row == 1.0)
    midi.handle(mido.Message("control_change", control=71, value=127))
    amount, row = voice_brightness(player)
    assert amount == pytest.approx(127 / 64) and row[20] < learned[20]
    midi.handle(mido.Message("control_change", control=71, value=64))
    amount, row = voice_brightness(player)
    assert amount == 1.0 and np.allclose(row, learned)
    assert [cc_to_velocity_timbre(v) for v in (0, 64, 127)] == [0.0, 1.0, 127 / 64]


def test_the_velocity_timbre_cc_is_settable(timbre_bank):
    player = Player(load_bank(timbre_bank), timbre_bank, RenderConfig(sample_rate=SR))
    midi = MidiPerformer(player, MidiConfig(velocity_timbre_cc=20))
    midi.handle(mido.Message("note_on", note=61, velocity=40))
    midi.handle(mido.Message("control_change", control=71, value=0))  # no longer the velocity timbre's
    assert voice_brightness(player)[0] == 1.0
    midi.handle(mido.Message("control_change", control=20, value=0))
    assert voice_brightness(player)[0] == 0.0


def test_grower_play_velocity_timbre_flag_sets_how_much_a_soft_note_darkens(timbre_bank, tmp_path):
    midi_path = tmp_path / "soft.mid"
    write_midi(midi_path, [mido.Message("note_on", note=61, velocity=30, time=0), mido.Message("note_off", note=61, time=480)])
    centroids = {}
    for amount in ("0", "1", "2"):
        out = tmp_path / f"soft{amount}.wav"
        assert play_main([str(midi_path), str(timbre_bank), "--out", str(out), "--quiet", "--velocity-timbre", amount]) == 0
        audio, _ = sf.read(out, dtype="float32")
        centroids[amount] = centroid_hz(audio[int(0.1 * SR):int(0.45 * SR)], 200.0)
    assert centroids["2"] < centroids["1"] < centroids["0"], centroids


def test_a_bad_velocity_timbre_flag_is_one_usage_line(timbre_bank, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        play_main([str(tmp_path / "x.mid"), str(timbre_bank), "--out", str(tmp_path / "x.wav"), "--velocity-timbre", "-1"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "grower-play: error: argument --velocity-timbre: must be a number within 0..4, not '-1'"
