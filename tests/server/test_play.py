"""grower-play against hostile files and outputs: one line each, no traceback, no hang, no partial WAV.

The MIDI files are bytes literals built from the chunk layout, so each one
shows exactly what is wrong with it. The renders it does make are streamed:
memory stays flat however long the file.
"""

import errno
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import mido
import numpy as np
import pytest
import soundfile as sf

from grower.server import play
from grower.server.midi import MidiPerformer
from grower.server.player import Player
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig
from grower.synth.wav import WavStream


def header(fmt=0, n_tracks=1, division=480, length=6) -> bytes:
    return b"MThd" + length.to_bytes(4, "big") + fmt.to_bytes(2, "big") + n_tracks.to_bytes(2, "big") + division.to_bytes(2, "big")


def track(body: bytes, length=None) -> bytes:
    return b"MTrk" + (len(body) if length is None else length).to_bytes(4, "big") + body


END = b"\x00\xff\x2f\x00"  # delta 0, end of track
NOTE = b"\x00\x90\x3c\x64" + b"\x60\x80\x3c\x00"  # note on 60 now, off 96 ticks later

# name -> (file bytes, what the line must say after "not a readable MIDI file: ")
HOSTILE = {
    "empty": (b"", "the file ends early"),
    "not_midi": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "MThd not found"),
    "header_cut": (b"MThd\x00\x00", "the file ends early"),
    "header_short": (b"MThd\x00\x00\x00\x02\x00\x00", "the file ends early"),
    "header_length_lies": (b"MThd\xff\xff\xff\xff\x00\x00\x00\x01\x01\xe0", "the file ends early"),
    "no_track": (header(), "the file ends early"),
    "track_cut": (header() + track(NOTE + END)[:-5], "the file ends early"),
    "track_length_lies_long": (header() + track(NOTE + END, length=0x10000000), "the file ends early"),
    "track_length_lies_short": (header() + track(NOTE + END, length=3), "the file ends early"),
    "fewer_tracks_than_promised": (header(fmt=1, n_tracks=5) + track(NOTE + END), "the file ends early"),
    "not_a_track": (header() + b"XXXX\x00\x00\x00\x04" + END, "no MTrk header"),
    "zero_ticks_per_beat": (header(division=0) + track(NOTE + END), "0 ticks per beat"),
    "smpte_time": (header(division=0xE728) + track(NOTE + END), "SMPTE time"),
    "type_2": (header(fmt=2) + track(NOTE + END), "type 2"),
    "no_messages": (header(n_tracks=0xFFFF) + track(NOTE + END), "no notes or other channel messages"),
    "data_byte_over_127": (header() + track(b"\x00\x90\x3c\xff" + END), "data byte must be in range"),
    "running_status_first": (header() + track(b"\x00\x3c\x64" + END), "running status"),
    "undefined_status": (header() + track(b"\x00\xf4" + END), "undefined status byte 0xf4"),
    "endless_variable_length": (header() + track(b"\xff" * 2000), "the file ends early"),
    "delta_beyond_float": (header() + track(b"\xff" * 200 + b"\x7f\x90\x3c\x64" + END), "OverflowError"),
    "key_signature_127_sharps": (header() + track(b"\x00\xff\x59\x02\x7f\x05" + NOTE + END), "KeySignatureError"),
    "set_tempo_one_byte": (header() + track(b"\x00\xff\x51\x01\x07" + NOTE + END), "malformed message"),
    "time_signature_one_byte": (header() + track(b"\x00\xff\x58\x01\x04" + NOTE + END), "malformed message"),
    "smpte_offset_bad_rate": (header() + track(b"\x00\xff\x54\x05\xff\x00\x00\x00\x00" + NOTE + END), "malformed message"),
    "meta_length_lies": (header() + track(b"\x00\xff\x01\x8f\xff\xff\x7f" + END), "exceeds maximum length"),
    "sysex_length_lies": (header() + track(b"\x00\xf0\x8f\xff\xff\x7f\x01\x02" + END), "exceeds maximum length"),
    "sysex_byte_over_127": (header() + track(b"\x00\xf0\x03\x7e\xff\xf7" + END), "data byte must be in range"),
}

# Odd but valid: these play.
ODD = {
    "format_7": header(fmt=7) + track(NOTE + END),
    "tempo_zero": header() + track(b"\x00\xff\x51\x03\x00\x00\x00" + NOTE + END),
    "mts_garbage": header() + track(b"\x00\xf0\x0a\x7f\x7f\x08\x02\x00\x7f\x3c\x7f\x7f\x7f" + NOTE + END),
    "bend_extremes": header() + track(b"\x00\xe0\x7f\x7f\x00\x90\x3c\x64\x10\xe0\x00\x00\x10\x80\x3c\x00" + END),
    "rpn_bend_range_127": header() + track(b"\x00\xb0\x65\x00\x00\xb0\x64\x00\x00\xb0\x06\x7f\x00\xb0\x26\x7f\x00\x90\x3c\x64\x00\xe0\x7f\x7f\x40\x80\x3c\x00" + END),
    "every_channel": header() + track(b"".join(bytes([0, 0x90 | c, 0x3c + c, 0x7f]) for c in range(16))
                                      + b"".join(bytes([0x10 if c == 0 else 0, 0x80 | c, 0x3c + c, 0]) for c in range(16)) + END),
}

# The file from the issue: 1 tick per beat, the slowest tempo (16.8 s a beat), a note 0x0FFFFFFF ticks in: 4.5e9 s.
SLOWEST = (header(division=1) + track(b"\x00\xff\x51\x03\xff\xff\xff" + b"\xff\xff\xff\x7f\x90\x3c\x64" + b"\x00\x80\x3c\x00" + END))


def play_main(*args):
    return play.main([str(a) for a in args])


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def no_part_files(folder) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_malformed_file_is_one_line_with_its_reason(bank_dir, tmp_path, capsys, name):
    data, reason = HOSTILE[name]
    path, out = tmp_path / f"{name}.mid", tmp_path / "out.wav"
    path.write_bytes(data)
    assert play_main(path, bank_dir, "--out", out, "--quiet") == 1
    line = one_line(capsys)
    prefix = f"grower-play: {path}: not a readable MIDI file: "
    assert line.startswith(prefix) and line[len(prefix):].strip(), line
    assert reason in line, line
    assert not out.exists() and no_part_files(tmp_path)


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_but_valid_files_play(bank_dir, tmp_path, capsys, name):
    path, out = tmp_path / f"{name}.mid", tmp_path / "out.wav"
    path.write_bytes(ODD[name])
    assert play_main(path, bank_dir, "--out", out, "--quiet") == 0
    audio, _ = sf.read(out, dtype="float32")
    assert audio.size > 0 and np.isfinite(audio).all()
    assert "Traceback" not in capsys.readouterr().err


def test_the_44_byte_file_of_four_billion_seconds_is_refused_at_once(bank_dir, tmp_path, capsys):
    path, out = tmp_path / "slowest.mid", tmp_path / "out.wav"
    path.write_bytes(SLOWEST)
    assert len(SLOWEST) == 44
    assert play_main(path, bank_dir, "--out", out) == 1
    assert not out.exists() and not out.with_name(out.name + ".part").exists()  # refused before anything was rendered
    line = one_line(capsys)
    assert line.startswith(f"grower-play: {path}: its last message comes at 4.5") and "--max-duration-s 3600" in line
    assert not out.exists() and no_part_files(tmp_path)


def write_midi(path, messages, ticks_per_beat=480, tempo=500000):
    f = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    track_ = mido.MidiTrack()
    f.tracks.append(track_)
    track_.append(mido.MetaMessage("set_tempo", tempo=tempo))
    track_.extend(messages)
    f.save(path)


def test_max_duration_refuses_a_longer_file_and_cuts_the_tail_at_the_limit(bank_dir, tmp_path, capsys):
    path, out = tmp_path / "song.mid", tmp_path / "out.wav"
    write_midi(path, [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("note_off", note=60, time=480)])  # off at 0.5 s
    assert play_main(path, bank_dir, "--out", out, "--max-duration-s", "0.4") == 1
    assert "later than --max-duration-s 0.4 s" in one_line(capsys) and not out.exists()
    write_midi(path, [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("control_change", control=64, value=127, time=0),
                      mido.Message("note_off", note=60, time=480)])  # the pedal holds the note: it would ring all of --tail-s
    assert play_main(path, bank_dir, "--out", out, "--max-duration-s", "0.75", "--quiet") == 0
    audio, rate = sf.read(out, dtype="float32")
    assert 0.5 * rate <= audio.size <= 0.75 * rate


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_a_nonsense_duration_or_tail_is_a_usage_error(bank_dir, tmp_path, capsys, value):
    for flag in ("--max-duration-s", "--tail-s"):
        if flag == "--tail-s" and value == "0":
            continue  # no tail is fine
        with pytest.raises(SystemExit) as exit_:
            play_main(tmp_path / "x.mid", bank_dir, "--out", tmp_path / "x.wav", flag, value)
        assert exit_.value.code == 2
        assert f"{flag} must be a finite number" in capsys.readouterr().err


def test_the_render_is_streamed_in_blocks_never_held_whole(bank_dir):
    player = Player(load_bank(bank_dir), bank_dir, RenderConfig(sample_rate=8000))
    timed = [(0.0, mido.Message("note_on", note=60, velocity=100)), (0.5, mido.Message("note_off", note=60)),
             (600.0, mido.Message("control_change", control=1, value=3))]  # ten minutes, mostly silence
    sizes = []
    tracemalloc.start()
    try:
        n = play.render_messages(player, MidiPerformer(player), timed, 10.0, lambda block: sizes.append(block.shape[0]), max_samples=10**9)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == sum(sizes) >= 600 * 8000 and max(sizes) <= play.CHUNK
    assert peak_bytes < 4e6 and 4 * n > 19e6  # a few MB for 19 MB of audio


def test_a_long_file_through_grower_play_keeps_memory_flat(bank_dir, tmp_path):
    def peak_mb(seconds: int) -> float:
        path = tmp_path / f"{seconds}.mid"
        write_midi(path, [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("note_off", note=60, time=1),
                          mido.Message("control_change", control=1, value=3, time=seconds)], ticks_per_beat=1, tempo=1_000_000)
        tracemalloc.start()
        try:
            assert play_main(path, bank_dir, "--out", tmp_path / f"{seconds}.wav", "--sample-rate", "8000", "--quiet") == 0
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()

    short, long_ = peak_mb(1), peak_mb(1200)  # 20 minutes: 38 MB of float samples
    assert sf.info(str(tmp_path / "1200.wav")).duration > 1200
    assert long_ < short + 8, (short, long_)


def test_a_failed_write_leaves_no_part_file_and_the_old_file_as_it_was(bank_dir, tmp_path, capsys, monkeypatch):
    path, out = tmp_path / "song.mid", tmp_path / "out.wav"
    write_midi(path, [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("note_off", note=60, time=960)])
    out.write_bytes(b"the previous render")
    writes = []

    def full_disk(self, block):
        writes.append(block.shape[0])
        if len(writes) > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.file.write(block)

    monkeypatch.setattr(WavStream, "write", full_disk)
    assert play_main(path, bank_dir, "--out", out, "--quiet") == 1
    assert one_line(capsys) == f"grower-play: {out}: cannot write it (No space left on device); nothing was written"
    assert out.read_bytes() == b"the previous render" and no_part_files(tmp_path)


@pytest.mark.parametrize("case", ["missing_folder", "folder", "parent_is_a_file"])
def test_an_output_that_cannot_be_written_is_one_line(bank_dir, tmp_path, capsys, case):
    path = tmp_path / "song.mid"
    write_midi(path, [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("note_off", note=60, time=240)])
    (tmp_path / "a_file").write_text("x")
    out = {"missing_folder": tmp_path / "nowhere" / "out.wav", "folder": tmp_path, "parent_is_a_file": tmp_path / "a_file" / "out.wav"}[case]
    assert play_main(path, bank_dir, "--out", out, "--quiet") == 1
    assert one_line(capsys).startswith("grower-play: ")
    assert no_part_files(tmp_path)


def test_a_fifo_or_a_folder_as_the_midi_file_is_refused_without_blocking(bank_dir, tmp_path):
    fifo = tmp_path / "fifo.mid"
    os.mkfifo(fifo)
    for path, reason in ((fifo, "not a regular file"), (tmp_path, "not a regular file (a directory)"), (tmp_path / "missing.mid", "No such file or directory")):
        done = subprocess.run([sys.executable, "-m", "grower.server.play", str(path), str(bank_dir), "--out", str(tmp_path / "out.wav")],
                              capture_output=True, text=True, timeout=60)  # opening the FIFO would block: the timeout fails the test
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == f"grower-play: {path}: not a readable MIDI file: {reason}", done.stderr


def test_a_peak_above_full_scale_is_kept_and_said(bank_dir, tmp_path, capsys):
    path, out = tmp_path / "loud.mid", tmp_path / "loud.wav"
    chord = [mido.Message("note_on", note=n, velocity=127, time=0) for n in range(60, 76)]
    write_midi(path, [mido.Message("control_change", control=1, value=127, time=0), *chord,
                      mido.Message("note_off", note=60, time=480), *[mido.Message("note_off", note=n, time=0) for n in range(61, 76)]])
    assert play_main(path, bank_dir, "--out", out) == 0
    audio, _ = sf.read(out, dtype="float32")
    assert sf.info(str(out)).subtype == "FLOAT" and np.abs(audio).max() > 1.0  # sixteen full-velocity voices: above full scale, not clipped
    assert f"grower-play: peak {20 * np.log10(np.abs(audio).max()):+.1f} dBFS: kept unclipped in the float WAV" in capsys.readouterr().err


def test_ctrl_c_during_a_render_leaves_no_partial_file_and_the_old_one_as_it_was(bank_dir, tmp_path):
    path, out = tmp_path / "long.mid", tmp_path / "out.wav"
    chord = [mido.Message("note_on", note=n, velocity=100, time=0) for n in range(60, 72)]
    # Half an hour of a 12-note chord whose stage moves every second: far longer than the test waits.
    write_midi(path, [*chord, *[mido.Message("control_change", control=1, value=v % 128, time=1) for v in range(1800)]], ticks_per_beat=1, tempo=1_000_000)
    out.write_bytes(b"the previous render")
    process = subprocess.Popen([sys.executable, "-m", "grower.server.play", str(path), str(bank_dir), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        part = out.with_name(out.name + ".part")
        while not part.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert part.exists(), process.communicate()[1][-2000:]
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted; nothing was written" in err
    assert out.read_bytes() == b"the previous render" and no_part_files(tmp_path)


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        play.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: 48000)", "(default: 10.0)", "(default: 3600.0)", "(default: 60)", "(default: 1)"):
        assert default in text, default
    assert "--out FILE.wav WAV file to write (32-bit float)" in text and "(default: ==SUPPRESS==)" not in text
