"""grower-train's bank is what the synth reads: written by training/export.py, read by synth/bank.py."""

import hashlib
import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from grower.synth.bank import load_bank, write_bank
from grower.training.cli import main


def run(*args):
    return main([str(a) for a in args] + ["--quiet"])


def test_the_exported_bank_round_trips(tmp_path, write_tone):
    paths = [write_tone("low", 196.0 * 2 ** (31 / 1200)), write_tone("high", 466.0, duration_s=1.1, fmt="flac")]
    assert run(tmp_path / "tones", "--out", tmp_path / "bank", "--steps", "3") == 0
    bank = load_bank(tmp_path / "bank")
    assert bank.header.sample_rate == 22050 and bank.header.n_harmonics == 64 and bank.header.n_noise_bands == 64
    document = json.loads((tmp_path / "bank" / "bank.json").read_text())
    assert document["format_version"] == 1 and document["frame_rate_hz"] == pytest.approx(22050 / 128)
    assert document["config"]["train"]["max_steps"] == 3
    low = bank.tone("low")
    assert low.entry.f0_hz == pytest.approx(196.0 * 2 ** (31 / 1200), rel=2 ** (5 / 1200) - 1)
    assert low.entry.midi_note == 55 and low.entry.cents_offset == pytest.approx(31.0, abs=5.0)
    assert low.entry.source_file == "low.wav"
    assert low.entry.sha256 == hashlib.sha256(paths[0].read_bytes()).hexdigest()
    assert 0 <= low.entry.sustain_start_s < low.entry.sustain_end_s <= low.entry.duration_s
    for tone in bank.tones:
        n = tone.entry.n_frames
        assert tone.controls["harmonic_distribution"].shape == (n, 64)
        assert tone.controls["noise_magnitudes"].shape == (n, 64)
        np.testing.assert_allclose(tone.controls["harmonic_distribution"].sum(axis=1), 1.0, atol=1e-4)
        assert any(k.startswith("weights.") for k in tone.tensors)
    # safetensors: plain tensors, loadable without running code
    assert load_file(str(tmp_path / "bank" / low.entry.file))["controls.f0_hz"].shape == (low.entry.n_frames,)
    # writing what was read gives the same bank again
    copy = tmp_path / "copy"
    write_bank(copy, bank.header, [(t.entry, t.tensors) for t in bank.tones])
    again = load_bank(copy)
    assert [t.entry for t in again.tones] == [t.entry for t in bank.tones]
    for a, b in zip(again.tones, bank.tones):
        assert a.tensors.keys() == b.tensors.keys()
        for key in a.tensors:
            np.testing.assert_array_equal(a.tensors[key], b.tensors[key])
