"""A bank hot swap, in-process: a note held across it sounds on the old bank until its note-off,
at full level; its note-off releases it there; new notes play the new bank; panic silences both."""

import numpy as np
import pytest

from grower.server.protocol import FAIL, VOICE_ENDED, VOICE_STARTED
from grower.synth.synthetic_bank import make_bank

from .conftest import SR, InProcessServer
from .test_notify import of, taken


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def level_at(audio: np.ndarray, hz: float) -> float:
    """The magnitude of audio's spectrum near hz (Hann window), relative to its largest peak."""
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    freqs = np.fft.rfftfreq(audio.size, 1 / SR)
    return float(spectrum[np.abs(freqs - hz) < 3].max() / spectrum.max())


def status(client) -> dict:
    """/grower/status.reply as a dict, once what came before it is put aside."""
    client.sync(99)
    taken(client)
    return client.status()


def play(server: InProcessServer, seconds: float) -> np.ndarray:
    return np.concatenate([server.process() for _ in range(int(seconds * SR) // server.block_size)])


def test_a_note_held_across_a_hot_swap_sounds_until_its_note_off_and_new_notes_play_the_new_bank(bank_dir):
    make_bank(bank_dir.parent / "swapped-in", [("x", 150.0, 2.0, 0.0), ("y", 250.0, 2.0, 0.0)])
    server = InProcessServer(bank_dir)
    client = server.client()
    client.send("/grower/notify", 1)
    client.send("/grower/stage", 3, 0)
    client.send("/grower/voice/on", 1, 200.0, 1.0, "mid")  # held: no note-off yet
    before = play(server, 0.5)[-SR // 4:]
    client.send("/grower/bank/load", "swapped-in")
    held = play(server, 2.0)  # far past the 2 s tone's own length: only a held note sounds this long
    told = taken(client)
    assert status(client)["bank"] == "swapped-in" and status(client)["voices"] == 1
    for quarter in held.reshape(8, -1):
        assert abs(20 * np.log10(rms(quarter) / rms(before))) < 0.5  # at full level throughout
    assert level_at(held[-SR // 2:], 200.0) > 0.5  # still the old bank's note at its own pitch

    client.send("/grower/voice/on", 2, 250.0, 1.0)  # a new note: the new bank's tone at that pitch
    client.send("/grower/voice/off", 1)  # reaches the old bank: its voice releases there
    both = play(server, 0.1)
    assert level_at(both, 250.0) > 0.5 and level_at(both, 200.0) > 0.1
    after = play(server, 2.5)
    assert level_at(after[-SR // 2:], 200.0) < 1e-3 and level_at(after[-SR // 2:], 250.0) > 0.5
    told += taken(client)
    assert [v[1:] for v in of(told, VOICE_STARTED.address)][-1] == [-1, 250.0, "y"]
    assert [v[1:] for v in of(told, VOICE_ENDED.address)] == [[-1, 200.0, "mid"]]  # the old note, after its release
    assert server.engine.player.fading == [] and not server.engine.player.held_old  # the old bank is gone
    assert not [m for m in told if m[0] == FAIL]


def test_panic_silences_notes_held_on_an_old_bank(bank_dir):
    make_bank(bank_dir.parent / "swapped-in-panic", [("x", 150.0, 2.0, 0.0)])
    server = InProcessServer(bank_dir)
    client = server.client()
    client.send("/grower/note/on", 61, 100)
    play(server, 0.1)
    client.send("/grower/bank/load", "swapped-in-panic")
    client.send("/grower/note/on", 62, 100)
    play(server, 0.1)
    assert status(client)["voices"] == 2
    client.send("/grower/panic")
    play(server, 0.05)
    assert status(client)["voices"] == 0 and rms(play(server, 0.1)) == 0.0
    client.send("/grower/note/off", 61)  # forgotten by the panic: nothing to release
    assert not [m for m in client.sync(1) if m[0] == FAIL]


def test_stage_and_gain_changes_reach_notes_held_on_the_old_bank(bank_dir):
    make_bank(bank_dir.parent / "swapped-in-gain", [("x", 150.0, 2.0, 0.0)], n_harmonics=16)
    server = InProcessServer(bank_dir)
    client = server.client()
    client.send("/grower/voice/on", 1, 200.0, 1.0, "mid")
    client.send("/grower/bank/load", "swapped-in-gain")
    before = play(server, 0.3)[-SR // 10:]
    client.send("/grower/gain", -20.0)
    client.send("/grower/stage", 1, 0)  # the held note loses its upper harmonics too
    after = play(server, 0.3)[-SR // 10:]
    assert level_at(after, 400.0) < 1e-3 < level_at(before, 400.0)
    assert rms(after) < 0.2 * rms(before)


def test_midi_notes_held_across_a_swap_bend_release_and_sustain_on_the_old_bank(bank_dir):
    """A bend retunes a held note by the key map it was played with; the pedal and the note-off reach it."""
    import mido

    from grower.server.midi import MidiPerformer
    from grower.server.player import Player
    from grower.synth.bank import load_bank
    from grower.synth.renderer import RenderConfig, Renderer

    other = make_bank(bank_dir.parent / "swapped-in-midi", [("x", 150.0, 2.0, 0.0), ("y", 250.0, 2.0, 0.0)])
    player = Player(load_bank(bank_dir), bank_dir, RenderConfig(sample_rate=SR))
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", note=61, velocity=100))  # 200 Hz on the old bank; 250 Hz on the new one
    player.render(256)
    old = player.renderer
    player.swap_bank(other, bank_dir.parent / "swapped-in-midi", Renderer(other, RenderConfig(sample_rate=SR)))
    midi.handle(mido.Message("pitchwheel", pitch=8191))  # +2 semitones
    midi.handle(mido.Message("control_change", control=64, value=127))
    midi.handle(mido.Message("note_off", note=61))
    player.render(256)
    slots = old.voices
    assert slots.pitch_hz[slots.active].tolist() == [pytest.approx(200.0 * 2 ** (2 / 12))]  # from its own key's pitch
    assert slots.held[slots.active].tolist() == [True] and player.holds(("midi", 0, 61))  # the pedal holds it
    midi.handle(mido.Message("control_change", control=64, value=0))
    player.render(256)
    assert slots.held[slots.active].tolist() == [False] and not player.holds(("midi", 0, 61))
