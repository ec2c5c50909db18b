"""The bank format: atomic writes and clear errors on bad banks."""

import json
import os
import re
import stat
import threading

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from grower.synth.atomic import atomic_directory, atomic_file
from grower.synth.bank import BankError, BankHeader, ToneEntry, ToneTraining, load_bank, read_bank_json, write_bank


def tiny_bank(directory, name="t", duration_s=0.03, sustain_s=(0.0, 0.02), amplitude=1.0, training=None, run=None, extra_arrays=None, **timing):
    """A one-tone bank of 5 frames, 4 harmonics and 4 noise bands at 22050 Hz, hop 128.

    timing: more ToneEntry fields (envelope, loop, ...); extra_arrays: more tensors for the tone's file.
    """
    n = 5
    entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=220.0, midi_note=57, cents_offset=0.0, duration_s=duration_s,
                      sustain_start_s=sustain_s[0], sustain_end_s=sustain_s[1], n_frames=n, file=f"tones/{name}.safetensors", **timing)
    arrays = {
        "controls.f0_hz": np.full(n, 220.0, np.float32),
        "controls.amplitude": np.full(n, amplitude, np.float32),
        "controls.harmonic_distribution": np.full((n, 4), 0.25, np.float32),
        "controls.noise_magnitudes": np.zeros((n, 4), np.float32),
        "controls.loudness_db": np.zeros(n, np.float32),
        **(extra_arrays or {}),
    }
    write_bank(directory, BankHeader(sample_rate=22050, hop_size=128, n_harmonics=4, n_noise_bands=4), [(entry, arrays)], training=training, run=run)


def test_a_failed_write_leaves_the_old_directory_untouched(tmp_path):
    target = tmp_path / "bank"
    with atomic_directory(target) as tmp:
        tiny_bank(tmp, "old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            tiny_bank(tmp, "new")
            raise RuntimeError("crash half way")
    assert [t.entry.name for t in load_bank(target).tones] == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank"]  # no temporary left behind


def test_an_atomic_file_is_replaced_whole_or_not_at_all(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("good")
    with pytest.raises(ValueError):
        with atomic_file(path) as tmp:
            tmp.write_text("half")
            raise ValueError
    assert path.read_text() == "good"
    with atomic_file(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new"


@pytest.mark.parametrize("damage,message", [
    (lambda d: (d / "bank.json").unlink(), "bank.json is missing"),
    (lambda d: (d / "bank.json").write_text("{"), "cannot read bank.json"),
    (lambda d: (d / "bank.json").write_text(json.dumps({"format_version": 99})), "bank format 99 is not supported"),
    (lambda d: (d / "tones" / "t.safetensors").write_bytes(b"junk"), "cannot read tone file"),
])
def test_a_damaged_bank_is_a_clear_error(tmp_path, damage, message):
    tiny_bank(tmp_path)
    damage(tmp_path)
    with pytest.raises(BankError, match=message):
        load_bank(tmp_path)


# -- every field is validated on load ------------------------------------------------


def edit_json(directory, change):
    """Apply change(document) to bank.json in place."""
    path = directory / "bank.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def set_tone(key, value):
    def change(document):
        document["tones"][0][key] = value
    return change


def set_header(key, value):
    def change(document):
        document[key] = value
    return change


def drop(key, tone=False):
    def change(document):
        del (document["tones"][0] if tone else document)[key]
    return change


def load_error(directory) -> str:
    """The BankError's message; it must be one line."""
    with pytest.raises(BankError) as caught:
        load_bank(directory)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("change,reason", [
    (lambda d: d.clear() or d.update(format_version=1, sample_rate=22050), "lacks hop_size"),
    (drop("hop_size"), "lacks hop_size"),
    (drop("tones"), "lacks tones"),
    (set_header("extra", 1), "unknown field 'extra'"),
    (set_header("format_version", "1"), "bank format '1' is not supported"),
    (set_header("format_version", 1.0), "bank format 1.0 is not supported"),
    (set_header("format_version", True), "bank format True is not supported"),
    (set_header("sample_rate", 0), "sample_rate must be > 0, not 0"),
    (set_header("sample_rate", -22050), "sample_rate must be > 0"),
    (set_header("sample_rate", "22050"), "sample_rate must be an integer, not '22050'"),
    (set_header("sample_rate", 22050.5), "sample_rate must be an integer"),
    (set_header("sample_rate", True), "sample_rate must be an integer, not True"),
    (set_header("hop_size", 0), "hop_size must be > 0"),
    (set_header("n_harmonics", 0), "n_harmonics must be > 0"),
    (set_header("n_noise_bands", -1), "n_noise_bands must be > 0"),
    (set_header("config", []), "config must be a JSON object, not a list"),
    (set_header("frame_rate_hz", 100.0), "frame_rate_hz must be sample_rate / hop_size"),
    (set_header("frame_rate_hz", "fast"), "frame_rate_hz must be a number"),
    (set_header("tones", {}), "tones must be a list, not an object"),
    (set_header("tones", []), "tones is empty"),
    (set_header("training", []), "training must be a JSON object, not a list"),
    (set_header("run", "yesterday"), "run must be a JSON object, not 'yesterday'"),
])
def test_a_bad_bank_json_field_is_a_one_line_error_naming_the_file(tmp_path, change, reason):
    tiny_bank(tmp_path)
    edit_json(tmp_path, change)
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path / 'bank.json'}: ") and reason in message


@pytest.mark.parametrize("document,reason", [
    ([], "bank.json must hold a JSON object, not a list"),
    ("bank", "bank.json must hold a JSON object, not 'bank'"),
    (None, "bank.json must hold a JSON object, not None"),
])
def test_bank_json_must_be_an_object(tmp_path, document, reason):
    tiny_bank(tmp_path)
    (tmp_path / "bank.json").write_text(json.dumps(document))
    assert reason in load_error(tmp_path)


def test_the_format_version_is_checked_before_anything_else(tmp_path):
    tiny_bank(tmp_path)
    edit_json(tmp_path, lambda d: d.update(format_version=2, sample_rate="another meaning", tones="elsewhere"))
    assert "bank format 2 is not supported (expected 1)" in load_error(tmp_path)


@pytest.mark.parametrize("change,reason", [
    (drop("n_frames", tone=True), "the tone entry lacks n_frames"),
    (set_tone("colour", "red"), "unknown field 'colour'"),
    (set_tone("source_file", ""), "source_file must be a non-empty string"),
    (set_tone("sha256", "abc"), "sha256 must be 64 lowercase hex digits"),
    (set_tone("sha256", 5), "sha256 must be 64 lowercase hex digits, not 5"),
    (set_tone("f0_hz", 0), "f0_hz must be > 0"),
    (set_tone("f0_hz", -220.0), "f0_hz must be > 0"),
    (set_tone("f0_hz", float("nan")), "f0_hz must be finite, not nan"),
    (set_tone("f0_hz", float("inf")), "f0_hz must be finite, not inf"),
    (set_tone("f0_hz", "220"), "f0_hz must be a number, not '220'"),
    (set_tone("f0_hz", None), "f0_hz must be a number, not None"),
    (set_tone("midi_note", 57.5), "midi_note must be an integer"),
    (set_tone("midi_note", 128), "midi_note must be in 0..127"),
    (set_tone("cents_offset", 70.0), "cents_offset must be within -50..50"),
    (set_tone("duration_s", 0.0), "duration_s must be > 0"),
    (set_tone("duration_s", float("nan")), "duration_s must be finite"),
    (set_tone("sustain_start_s", -0.01), "sustain_start_s must be >= 0"),
    (set_tone("sustain_start_s", float("-inf")), "sustain_start_s must be finite"),
    (set_tone("sustain_end_s", 0.0), "sustain_end_s (0.0) must be after sustain_start_s (0.0)"),
    (set_tone("sustain_end_s", 0.5), "sustain_end_s must be within the tone"),
    (set_tone("n_frames", 1), "n_frames must be >= 2"),
    (set_tone("n_frames", "5"), "n_frames must be an integer, not '5'"),
    (set_tone("file", "/etc/passwd"), "file must be a path inside the bank folder, not the absolute path '/etc/passwd'"),
    (set_tone("file", "../elsewhere/t.safetensors"), "file must stay inside the bank folder"),
    (set_tone("file", "tones/../../t.safetensors"), "file must stay inside the bank folder"),
    (set_tone("file", "tones/t\u0000.safetensors"), "file must not contain a NUL character"),
    (set_tone("file", ""), "file must be a non-empty string"),
    (set_tone("file", ["tones/t.safetensors"]), "file must be a non-empty string"),
])
def test_a_bad_tone_entry_is_a_one_line_error_naming_the_bank_and_the_tone(tmp_path, change, reason):
    tiny_bank(tmp_path)
    edit_json(tmp_path, change)
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}: t: ") and reason in message


@pytest.mark.parametrize("change,reason", [
    (lambda d: d["tones"].__setitem__(0, ["t"]), "tone 0: a tone entry must be a JSON object, not a list"),
    (set_tone("name", ""), "tone 0: name must be a non-empty string, not ''"),
    (set_tone("name", 7), "tone 0: name must be a non-empty string, not 7"),
    (lambda d: d["tones"].append(dict(d["tones"][0])), "t: the name is used by another tone of the bank"),
])
def test_tone_names_are_non_empty_unique_strings(tmp_path, change, reason):
    tiny_bank(tmp_path)
    edit_json(tmp_path, change)
    assert load_error(tmp_path) == f"{tmp_path}: {reason}"


@pytest.mark.parametrize("record,reason", [
    ("done", "a training record must be a JSON object"),
    ({"steps": 3}, "the training record lacks stop_reason, tone_key, lsd_db"),
    ({"steps": -1, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0}, "training steps must be >= 0"),
    ({"steps": 3.5, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0}, "steps must be an integer"),
    ({"steps": 3, "stop_reason": None, "tone_key": "k", "lsd_db": 1.0}, "training stop_reason must be a string"),
    ({"steps": 3, "stop_reason": "converged", "tone_key": 5, "lsd_db": 1.0}, "training tone_key must be a string"),
    ({"steps": 3, "stop_reason": "converged", "tone_key": "k", "lsd_db": float("nan")}, "lsd_db must be finite"),
    ({"steps": 3, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0, "cleaning": [1]}, "training cleaning must be a JSON object"),
    ({"steps": 3, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0, "cleaning": {"tail_cut_s": {"s": 1}}}, "training cleaning 'tail_cut_s' must be"),
    ({"steps": 3, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0, "cleaning": {"hum_lines_hz": [50, None]}}, "training cleaning 'hum_lines_hz' must be"),
])
def test_a_bad_training_record_is_an_error(tmp_path, record, reason):
    tiny_bank(tmp_path)
    edit_json(tmp_path, set_header("training", {"t": record}))
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}: t: ") and reason in message


def test_a_training_record_must_name_a_tone_of_the_bank(tmp_path):
    tiny_bank(tmp_path)
    edit_json(tmp_path, set_header("training", {"ghost": {"steps": 1, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0}}))
    assert load_error(tmp_path) == f"{tmp_path}: ghost: training record for a tone the bank does not hold"


def test_training_and_run_sections_round_trip(tmp_path):
    record = ToneTraining(steps=12, stop_reason="converged", tone_key="abc", lsd_db=3.25)
    tiny_bank(tmp_path, training={"t": record}, run={"trained": ["t"], "steps": 12})
    bank = load_bank(tmp_path)
    assert bank.tone("t").training == record
    assert bank.run == {"trained": ["t"], "steps": 12}
    document = read_bank_json(tmp_path)
    assert document.training == {"t": record} and document.run == bank.run
    assert [e.name for e in document.entries] == ["t"] and document.header == bank.header


def test_a_training_record_keeps_what_cleaning_removed_and_old_records_read_as_nothing_removed(tmp_path):
    cleaning = {"mode": "auto", "noise_floor_dbfs": -45.0, "mains_hz": 50.0, "hum_lines_hz": [50.0, 100.0], "tail_decay_db_per_s": None}
    record = ToneTraining(steps=12, stop_reason="converged", tone_key="abc", lsd_db=3.25, cleaning=cleaning)
    tiny_bank(tmp_path, training={"t": record})
    assert load_bank(tmp_path).tone("t").training.cleaning == cleaning
    edit_json(tmp_path, set_header("training", {"t": {"steps": 1, "stop_reason": "converged", "tone_key": "k", "lsd_db": 1.0}}))
    assert load_bank(tmp_path).tone("t").training.cleaning == {}


def test_a_bank_without_training_records_loads_with_none(tmp_path):
    tiny_bank(tmp_path)
    bank = load_bank(tmp_path)
    assert bank.tone("t").training is None and bank.run == {}


def test_sustain_may_end_at_the_last_frame_boundary_past_the_last_sample(tmp_path):
    # 5 frames at 22050 / 128 Hz span 0.029 s; the recording may be a little shorter.
    tiny_bank(tmp_path, duration_s=0.025, sustain_s=(0.0, 0.029))
    assert load_bank(tmp_path).tone("t").entry.sustain_end_s == 0.029


# -- how a held note behaves: envelope, loop and segment times ------------------------

DECAYS = {"controls.decay_db_per_s": np.full(4, -20.0, np.float32), "controls.noise_decay_db_per_s": np.full(4, -20.0, np.float32)}


def test_a_one_shot_entry_and_its_decay_rates_round_trip(tmp_path):
    tiny_bank(tmp_path, sustain_s=(0.005, 0.02), envelope="one-shot", onset_s=0.001, attack_end_s=0.004, release_start_s=0.025, extra_arrays=DECAYS)
    tone = load_bank(tmp_path).tone("t")
    e = tone.entry
    assert (e.envelope, e.loop, e.onset_s, e.attack_end_s, e.release_start_s) == ("one-shot", "ping-pong", 0.001, 0.004, 0.025)
    np.testing.assert_array_equal(tone.controls["decay_db_per_s"], DECAYS["controls.decay_db_per_s"])


def test_a_crossfade_loop_round_trips(tmp_path):
    tiny_bank(tmp_path, sustain_s=(0.01, 0.02), loop="crossfade", loop_crossfade_s=0.005)
    e = load_bank(tmp_path).tone("t").entry
    assert (e.envelope, e.loop, e.loop_crossfade_s) == ("sustain", "crossfade", 0.005)


def test_a_bank_from_before_envelopes_loads_as_sustain_tones_with_a_ping_pong_loop(tmp_path):
    tiny_bank(tmp_path, sustain_s=(0.005, 0.02))
    edit_json(tmp_path, lambda d: [d["tones"][0].pop(k) for k in ("envelope", "loop", "loop_crossfade_s", "onset_s", "attack_end_s", "release_start_s")])
    e = load_bank(tmp_path).tone("t").entry
    assert (e.envelope, e.loop, e.loop_crossfade_s, e.onset_s) == ("sustain", "ping-pong", 0.0, 0.0)
    assert (e.attack_end_s, e.release_start_s) == (0.005, 0.02)


@pytest.mark.parametrize("change,reason", [
    (set_tone("envelope", "loop"), "envelope must be one of sustain, one-shot, not 'loop'"),
    (set_tone("envelope", 1), "envelope must be one of sustain, one-shot, not 1"),
    (set_tone("loop", "forward"), "loop must be one of crossfade, ping-pong, not 'forward'"),
    (set_tone("loop_crossfade_s", 0.002), "loop_crossfade_s must be 0 for a ping-pong loop, not 0.002"),
    (lambda d: d["tones"][0].update(loop="crossfade", loop_crossfade_s=0.0), "loop_crossfade_s must be > 0"),
    (lambda d: d["tones"][0].update(loop="crossfade", loop_crossfade_s=0.008), "at most the loop (0.0100 s) and sustain_start_s (0.005)"),
    (set_tone("onset_s", -0.001), "onset_s must be >= 0"),
    (set_tone("onset_s", float("nan")), "onset_s must be finite"),
    (set_tone("attack_end_s", 0.006), "attack_end_s (0.006) must lie between onset_s (0.0) and sustain_start_s (0.005)"),
    (set_tone("release_start_s", 0.01), "release_start_s (0.01) must lie between sustain_end_s (0.015)"),
    (set_tone("release_start_s", 0.5), "release_start_s (0.5) must lie between sustain_end_s (0.015) and the tone's end (0.0300 s)"),
    (set_tone("release_start_s", "soon"), "release_start_s must be a number, not 'soon'"),
])
def test_a_bad_envelope_field_is_a_one_line_error(tmp_path, change, reason):
    tiny_bank(tmp_path, sustain_s=(0.005, 0.015))
    edit_json(tmp_path, change)
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}: t: ") and reason in message


@pytest.mark.parametrize("arrays,reason", [
    ({}, "a one-shot tone's file needs controls.decay_db_per_s"),
    ({**DECAYS, "controls.decay_db_per_s": np.full(3, -20.0, np.float32)}, "controls.decay_db_per_s has shape (3,), expected (4,) (n_harmonics,)"),
    ({**DECAYS, "controls.noise_decay_db_per_s": np.zeros(4, np.float32)}, "controls.noise_decay_db_per_s must be < 0 dB/s (a decay), not 0.0"),
    ({**DECAYS, "controls.decay_db_per_s": np.full(4, np.nan, np.float32)}, "controls.decay_db_per_s holds NaN or infinite values"),
    ({**DECAYS, "controls.decay_db_per_s": np.full(4, -20, np.int32)}, "controls.decay_db_per_s must be floating point, not int32"),
])
def test_a_one_shot_needs_valid_decay_rates(tmp_path, arrays, reason):
    with pytest.raises(BankError, match=re.escape(reason)):
        tiny_bank(tmp_path, envelope="one-shot", extra_arrays=arrays)


# -- tone files: regular files inside the bank folder ---------------------------------


def test_a_tone_file_linking_outside_the_bank_is_refused(tmp_path):
    bank, outside = tmp_path / "bank", tmp_path / "outside"
    tiny_bank(bank)
    outside.mkdir()
    (bank / "tones" / "t.safetensors").rename(outside / "t.safetensors")
    (bank / "tones" / "t.safetensors").symlink_to(outside / "t.safetensors")
    assert load_error(bank) == f"{bank}: t: tone file tones/t.safetensors links outside the bank folder"


def test_a_tone_file_linking_inside_the_bank_is_accepted(tmp_path):
    tiny_bank(tmp_path)
    (tmp_path / "tones" / "t.safetensors").rename(tmp_path / "real.safetensors")
    (tmp_path / "tones" / "t.safetensors").symlink_to("../real.safetensors")
    assert load_bank(tmp_path).tone("t").entry.n_frames == 5


def test_a_fifo_is_refused_without_blocking(tmp_path):
    tiny_bank(tmp_path)
    (tmp_path / "tones" / "t.safetensors").unlink()
    os.mkfifo(tmp_path / "tones" / "t.safetensors")
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(load_error(tmp_path)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "load_bank blocked on a FIFO"
    assert outcome == [f"{tmp_path}: t: tone file tones/t.safetensors is a FIFO, not a regular file"]


def test_a_directory_is_not_a_tone_file(tmp_path):
    tiny_bank(tmp_path)
    (tmp_path / "tones" / "t.safetensors").unlink()
    (tmp_path / "tones" / "t.safetensors").mkdir()
    assert load_error(tmp_path) == f"{tmp_path}: t: tone file tones/t.safetensors is a directory, not a regular file"


def test_a_device_is_not_a_tone_file(tmp_path):
    tiny_bank(tmp_path)
    (tmp_path / "tones" / "t.safetensors").unlink()
    try:
        os.mknod(tmp_path / "tones" / "t.safetensors", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    except PermissionError:
        pytest.skip("making a device node needs privileges")
    assert load_error(tmp_path) == f"{tmp_path}: t: tone file tones/t.safetensors is a device, not a regular file"


def test_a_missing_tone_file_is_named(tmp_path):
    tiny_bank(tmp_path)
    (tmp_path / "tones" / "t.safetensors").unlink()
    assert load_error(tmp_path) == f"{tmp_path}: t: tone file tones/t.safetensors is missing"


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_bank_json_must_be_a_regular_file(tmp_path, make):
    tiny_bank(tmp_path)
    (tmp_path / "bank.json").unlink()
    make(tmp_path / "bank.json")
    message = load_error(tmp_path)  # a FIFO would block a reader: it must not be opened
    assert message.startswith(f"{tmp_path / 'bank.json'}: cannot read bank.json (it is a") and "not a regular file" in message


# -- control tensors ---------------------------------------------------------------------


def rewrite_controls(directory, change):
    path = directory / "tones" / "t.safetensors"
    arrays = dict(load_file(str(path)))
    change(arrays)
    save_file(arrays, str(path))


def put(key, value):
    return lambda arrays: arrays.__setitem__(key, value)


@pytest.mark.parametrize("change,reason", [
    (lambda a: a.pop("controls.amplitude"), "the tone file has no controls.amplitude"),
    (put("controls.amplitude", np.ones(5, np.int32)), "controls.amplitude must be floating point, not int32"),
    (put("controls.f0_hz", np.full(4, 220.0, np.float32)), "controls.f0_hz has shape (4,), expected (5,) (n_frames,)"),
    (put("controls.loudness_db", np.zeros((5, 1), np.float32)), "controls.loudness_db has shape (5, 1), expected (5,)"),
    (put("controls.harmonic_distribution", np.full((5, 3), 1 / 3, np.float32)), "expected (5, 4) (n_frames, n_harmonics)"),
    (put("controls.noise_magnitudes", np.zeros((5, 8), np.float32)), "expected (5, 4) (n_frames, n_noise_bands)"),
    (put("controls.noise_magnitudes", np.full((5, 4), np.nan, np.float32)), "controls.noise_magnitudes holds NaN or infinite values"),
    (put("controls.f0_hz", np.array([220, 220, np.inf, 220, 220], np.float32)), "controls.f0_hz holds NaN or infinite values"),
    (put("controls.amplitude", np.array([1, 1, -0.5, 1, 1], np.float32)), "controls.amplitude must be >= 0, not -0.5"),
    (put("controls.noise_magnitudes", np.full((5, 4), -1e-3, np.float32)), "controls.noise_magnitudes must be >= 0"),
    (put("controls.harmonic_distribution", np.tile(np.float32([0.5, 0.5, 0.5, -0.5]), (5, 1))), "controls.harmonic_distribution must be >= 0"),
    (put("controls.f0_hz", np.zeros(5, np.float32)), "controls.f0_hz must be > 0 Hz"),
])
def test_a_bad_control_tensor_is_a_one_line_error(tmp_path, change, reason):
    tiny_bank(tmp_path)
    rewrite_controls(tmp_path, change)
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}: t: ") and reason in message


def test_float64_controls_are_accepted(tmp_path):
    tiny_bank(tmp_path)
    rewrite_controls(tmp_path, lambda a: a.update({k: v.astype(np.float64) for k, v in a.items()}))
    assert load_bank(tmp_path).tone("t").controls["amplitude"].dtype == np.float64


def test_writing_an_invalid_bank_raises_and_writes_nothing(tmp_path):
    with pytest.raises(BankError, match=r": t: controls.amplitude holds NaN or infinite values$"):
        tiny_bank(tmp_path, amplitude=np.nan)
    assert list(tmp_path.iterdir()) == []


def test_a_stretched_tones_inharmonicity_round_trips(tmp_path):
    tiny_bank(tmp_path, inharmonicity=3.1e-4)
    assert load_bank(tmp_path).tone("t").entry.inharmonicity == 3.1e-4


def test_a_bank_from_before_inharmonicity_loads_as_harmonic(tmp_path):
    tiny_bank(tmp_path, inharmonicity=3.1e-4)
    edit_json(tmp_path, lambda d: d["tones"][0].pop("inharmonicity"))
    assert load_bank(tmp_path).tone("t").entry.inharmonicity == 0.0


@pytest.mark.parametrize("change,reason", [
    (set_tone("inharmonicity", -1e-5), "inharmonicity must be within 0..0.001, not -1e-05"),
    (set_tone("inharmonicity", 0.01), "inharmonicity must be within 0..0.001, not 0.01"),
    (set_tone("inharmonicity", float("nan")), "inharmonicity must be finite, not nan"),
    (set_tone("inharmonicity", float("inf")), "inharmonicity must be finite, not inf"),
    (set_tone("inharmonicity", "stiff"), "inharmonicity must be a number, not 'stiff'"),
])
def test_a_bad_inharmonicity_is_a_one_line_error_naming_the_tone(tmp_path, change, reason):
    tiny_bank(tmp_path)
    edit_json(tmp_path, change)
    message = load_error(tmp_path)
    assert message.startswith(f"{tmp_path}: t: ") and reason in message
