"""MIDI handling: mido messages into a Player, and real .mid files through grower-play."""

import math

import mido
import numpy as np
import pytest
import soundfile as sf

from grower.server.midi import MidiConfig, MidiPerformer, RunningStatusParser, cc_to_stage
from grower.server.play import main as play_main
from grower.server.player import Player
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.synthetic_bank import make_bank

from .conftest import SR


@pytest.fixture
def player(bank_dir):
    return Player(load_bank(bank_dir), bank_dir, RenderConfig(sample_rate=SR))


def sounding(player, handle):
    """(pitch_hz, expression, stage target) of a held handle's voice after the next period."""
    player.render(256)
    r = player.renderer.voices
    slot = np.flatnonzero(r.active & (r.voice_id == player.notes[handle]))[0]
    return r.pitch_hz[slot], r.expression[slot], r.voice_stage[slot]


def test_keys_map_the_banks_tones_upward_from_60_repeating_above_the_highest(player):
    # the bank: low 110, mid 200, breathy 300 Hz, 1.45 octaves: it repeats two octaves apart
    assert player.keymap.lookup(60) == (110.0, 0)
    assert player.keymap.lookup(62) == (300.0, 2)
    assert player.keymap.lookup(63) == (440.0, 0)
    assert player.keymap.lookup(59) == (75.0, 2)


def test_note_on_and_off_start_and_release_voices(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", note=61, velocity=64))
    assert sounding(player, ("midi", 0, 61))[0] == pytest.approx(200.0)
    assert player.renderer.voices.velocity[player.renderer.voices.active].tolist() == [pytest.approx(64 / 127)]
    midi.handle(mido.Message("note_on", note=61, velocity=0))  # running-status style note-off
    assert ("midi", 0, 61) not in player.notes


def test_the_sustain_pedal_holds_releases_until_lifted(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("control_change", control=64, value=127))
    midi.handle(mido.Message("note_on", note=60, velocity=100))
    midi.handle(mido.Message("note_off", note=60))
    assert ("midi", 0, 60) in player.notes
    midi.handle(mido.Message("control_change", control=64, value=0))
    assert ("midi", 0, 60) not in player.notes


def test_pitch_bend_moves_sounding_notes_by_the_bend_range(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", note=60, velocity=100))
    midi.handle(mido.Message("pitchwheel", pitch=8191))
    assert sounding(player, ("midi", 0, 60))[0] == pytest.approx(110.0 * 2 ** (2 / 12))
    # RPN 0 sets the range to 7 semitones
    for control, value in [(101, 0), (100, 0), (6, 7), (38, 0)]:
        midi.handle(mido.Message("control_change", control=control, value=value))
    midi.handle(mido.Message("pitchwheel", pitch=-8192))
    assert sounding(player, ("midi", 0, 60))[0] == pytest.approx(110.0 * 2 ** (-7 / 12))
    midi.handle(mido.Message("control_change", control=121, value=0))  # reset controllers: no bend
    assert sounding(player, ("midi", 0, 60))[0] == pytest.approx(110.0)


def test_cc1_drives_the_growth_stage_and_is_settable(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("control_change", control=1, value=127))
    player.render(256)
    assert player.global_stage == 64.0
    midi.handle(mido.Message("control_change", control=1, value=0))
    player.render(256)
    assert player.global_stage == 1.0  # at rest: the bare fundamental, never silence
    other = MidiPerformer(player, MidiConfig(stage_cc=11))
    other.handle(mido.Message("control_change", control=11, value=127))
    player.render(256)
    assert player.global_stage == 64.0


def test_stage_controllers_scale_to_the_playing_banks_harmonic_count(tmp_path):
    bank_dir = tmp_path / "bank16"
    player = Player(make_bank(bank_dir, [("a", 110.0, 2.0, 0.0)], n_harmonics=16), bank_dir, RenderConfig(sample_rate=SR))
    midi = MidiPerformer(player, MidiConfig(mpe=True))
    midi.handle(mido.Message("control_change", control=1, value=127))
    midi.handle(mido.Message("note_on", channel=1, note=60, velocity=100))
    midi.handle(mido.Message("control_change", channel=1, control=74, value=127))
    assert sounding(player, ("midi", 1, 60))[2] == 16.0 and player.global_stage == 16.0
    midi.handle(mido.Message("control_change", control=1, value=0))
    player.render(256)
    assert player.global_stage == 1.0
    assert cc_to_stage(127, 64) == 64.0 and cc_to_stage(0, 16) == 1.0 and cc_to_stage(127, 16) == 16.0


def test_channel_pressure_swells_the_channels_voices(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", channel=2, note=60, velocity=100))
    midi.handle(mido.Message("note_on", channel=3, note=61, velocity=100))
    midi.handle(mido.Message("aftertouch", channel=2, value=127))
    assert sounding(player, ("midi", 2, 60))[1] == pytest.approx(2.0)
    assert sounding(player, ("midi", 3, 61))[1] == pytest.approx(1.0)


def test_mpe_bends_each_note_by_48_semitones_with_its_own_pressure_and_cc74(player):
    midi = MidiPerformer(player, MidiConfig(mpe=True))
    midi.handle(mido.Message("note_on", channel=1, note=60, velocity=100))
    midi.handle(mido.Message("note_on", channel=2, note=61, velocity=100))
    midi.handle(mido.Message("pitchwheel", channel=1, pitch=8191 // 48 * 1 + 1))  # ~ +1 semitone
    midi.handle(mido.Message("aftertouch", channel=2, value=64))
    midi.handle(mido.Message("control_change", channel=2, control=74, value=127))
    pitch_a, expression_a, stage_a = sounding(player, ("midi", 1, 60))
    pitch_b, expression_b, stage_b = sounding(player, ("midi", 2, 61))
    assert 12 * math.log2(pitch_a / 110.0) == pytest.approx(48 * (171 / 8191), abs=1e-6)
    assert pitch_b == pytest.approx(200.0) and expression_b == pytest.approx(1 + 64 / 127) and stage_b == 64.0
    assert expression_a == 1.0 and math.isnan(stage_a)
    midi.handle(mido.Message("pitchwheel", channel=0, pitch=8191))  # the manager channel bends the zone by 2
    assert sounding(player, ("midi", 2, 61))[0] == pytest.approx(200.0 * 2 ** (2 / 12))


def mts_single_note(key, semitone, fraction_14bit, realtime=True):
    change = [key, semitone, fraction_14bit >> 7, fraction_14bit & 0x7F]
    if realtime:
        return mido.Message("sysex", data=[0x7F, 0x7F, 0x08, 0x02, 0, 1] + change)
    return mido.Message("sysex", data=[0x7E, 0x7F, 0x08, 0x07, 0, 0, 1] + change)


@pytest.mark.parametrize("realtime", [True, False])
def test_mts_single_note_tuning_retunes_keys_and_sounding_notes(player, realtime):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("note_on", note=64, velocity=100))
    midi.handle(mts_single_note(64, 57, 8192, realtime))  # A3 + 50 cents
    expected = 440.0 * 2 ** ((57.5 - 69) / 12)
    assert sounding(player, ("midi", 0, 64))[0] == pytest.approx(expected)
    midi.handle(mido.Message("note_on", note=64, velocity=100))
    assert sounding(player, ("midi", 0, 64))[0] == pytest.approx(expected)
    assert player.renderer.voices.tone[player.renderer.voices.active & ~player.renderer.voices.dying][-1] == 1  # nearest tone: mid, 200 Hz


def test_all_notes_off_and_reset(player):
    midi = MidiPerformer(player)
    for key in (60, 61, 62):
        midi.handle(mido.Message("note_on", note=key, velocity=100))
    midi.handle(mido.Message("control_change", control=123, value=0))
    assert not player.notes
    midi.handle(mido.Message("note_on", note=60, velocity=100))
    midi.handle(mido.Message("pitchwheel", pitch=4000))
    midi.handle(mido.Message("reset"))
    assert not player.notes and midi.bend[0] == 0.0
    player.render(SR // 10)
    assert player.n_voices == 0  # reset cuts without release tails


def test_running_status_bytes_parse_into_the_same_notes(player):
    parser = RunningStatusParser()
    # one note-on status for four notes, a clock byte in between, then a bend and two more bends
    parser.feed(bytes([0x90, 60, 100, 61, 0xF8, 100, 62, 100, 61, 0, 0xE0, 0, 0x50, 0, 0x60]))
    midi = MidiPerformer(player)
    messages = list(parser)
    for msg in messages:
        midi.handle(msg)
    assert [m.type for m in messages] == ["note_on", "note_on", "clock", "note_on", "note_on", "pitchwheel", "pitchwheel"]
    assert [m.note for m in messages[:5] if m.type == "note_on"] == [60, 61, 62, 61]
    assert sorted(h[2] for h in player.notes) == [60, 62]
    assert messages[-1].pitch == (0x60 << 7) - 8192


def test_a_mid_file_with_running_status_plays_every_note(bank_dir, tmp_path):
    track = bytes([0x00, 0x90, 60, 100,  # delta 0, note on 60
                   0x00, 61, 100,  # running status: note on 61
                   0x83, 0x60, 60, 0,  # delta 480: note on 60 velocity 0 (off)
                   0x00, 61, 0,
                   0x00, 0xFF, 0x2F, 0x00])
    data = b"MThd" + (6).to_bytes(4, "big") + bytes([0, 0, 0, 1, 0x01, 0xE0]) + b"MTrk" + len(track).to_bytes(4, "big") + track
    path, out = tmp_path / "rs.mid", tmp_path / "rs.wav"
    path.write_bytes(data)
    notes = [m for m in mido.MidiFile(path) if m.type == "note_on"]
    assert [(m.note, m.velocity) for m in notes] == [(60, 100), (61, 100), (60, 0), (61, 0)]
    assert play_main([str(path), str(bank_dir), "--out", str(out), "--quiet"]) == 0
    audio, _ = sf.read(out, dtype="float32")
    spectrum = np.abs(np.fft.rfft(audio[int(0.1 * SR):int(0.45 * SR)]))
    freqs = np.fft.rfftfreq(int(0.45 * SR) - int(0.1 * SR), 1 / SR)
    assert spectrum[np.abs(freqs - 110) < 4].max() > 0.1 * spectrum.max()
    assert spectrum[np.abs(freqs - 200) < 4].max() > 0.1 * spectrum.max()


def write_midi(path, tracks_messages, ticks_per_beat=480):
    f = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    track = mido.MidiTrack()
    f.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500000))  # 120 bpm: 480 ticks = 0.5 s
    for msg in tracks_messages:
        track.append(msg)
    f.save(path)


def peak_hz(audio):
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return np.fft.rfftfreq(audio.size, 1 / SR)[np.argmax(spectrum)]


def test_grower_play_renders_a_mid_file_at_its_times_and_pitches(bank_dir, tmp_path):
    midi_path, out = tmp_path / "song.mid", tmp_path / "song.wav"
    write_midi(midi_path, [
        mido.Message("control_change", control=1, value=2, time=0),  # stage 1: a pure fundamental
        mido.Message("note_on", note=60, velocity=100, time=480),  # at 0.5 s: 110 Hz
        mido.Message("note_off", note=60, time=480),
        mido.Message("sysex", data=[0x7F, 0x7F, 0x08, 0x02, 0, 1, 61, 62, 0, 0], time=0),  # key 61 -> D4 (293.66 Hz)
        mido.Message("note_on", note=61, velocity=100, time=480),  # at 1.5 s
        mido.Message("note_off", note=61, time=480),
    ])
    assert play_main([str(midi_path), str(bank_dir), "--out", str(out), "--quiet"]) == 0
    audio, sr = sf.read(out, dtype="float32")
    assert sr == SR
    onset = np.flatnonzero(np.abs(audio) > 1e-4)[0]
    assert abs(onset - 0.5 * SR) < 0.01 * SR
    assert peak_hz(audio[int(0.7 * SR):int(0.95 * SR)]) == pytest.approx(110.0, abs=5)
    assert peak_hz(audio[int(1.7 * SR):int(1.95 * SR)]) == pytest.approx(293.66, abs=5)
    assert audio.size < 5 * SR  # ends once the releases have rung out


def test_grower_play_plays_mpe_from_a_file(bank_dir, tmp_path):
    midi_path, out = tmp_path / "mpe.mid", tmp_path / "mpe.wav"
    write_midi(midi_path, [
        mido.Message("control_change", control=1, value=2, time=0),
        mido.Message("note_on", channel=1, note=61, velocity=100, time=0),  # 200 Hz
        mido.Message("pitchwheel", channel=1, pitch=2048, time=240),  # +12 semitones at ±48
        mido.Message("note_off", channel=1, note=61, time=480),
    ])
    assert play_main([str(midi_path), str(bank_dir), "--out", str(out), "--mpe", "--quiet"]) == 0
    audio, _ = sf.read(out, dtype="float32")
    assert peak_hz(audio[int(0.05 * SR):int(0.24 * SR)]) == pytest.approx(200.0, abs=6)
    assert peak_hz(audio[int(0.3 * SR):int(0.7 * SR)]) == pytest.approx(200.0 * 2 ** (48 * 2048 / 8191 / 12), abs=6)


def test_grower_play_says_what_is_wrong_with_a_bad_file(bank_dir, tmp_path, capsys):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    out = tmp_path / "out.wav"
    assert play_main([str(bad), str(bank_dir), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"grower-play: {bad}: not a readable MIDI file") and "\n" not in err
    assert not out.exists()


def test_a_note_played_with_the_mod_wheel_at_rest_sounds_its_bare_fundamental(player):
    midi = MidiPerformer(player)
    midi.handle(mido.Message("control_change", control=1, value=0))
    midi.handle(mido.Message("note_on", note=60, velocity=100))  # key 60: the lowest tone, 110 Hz
    audio = player.render(SR // 2)[SR // 10:]
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    bin_hz = SR / audio.size
    fundamental = spectrum[int(round(110 / bin_hz)) - 2:int(round(110 / bin_hz)) + 3].max()
    second = spectrum[int(round(220 / bin_hz)) - 2:int(round(220 / bin_hz)) + 3].max()
    assert np.sqrt(np.mean(audio**2)) > 1e-3  # not silent
    assert 20 * np.log10(second / fundamental) < -60  # harmonic 2 and up are not grown yet
