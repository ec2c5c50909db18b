"""The bank format: atomic writes and clear errors on bad banks."""

import json

import numpy as np
import pytest

from grower.synth.atomic import atomic_directory, atomic_file
from grower.synth.bank import BankError, BankHeader, ToneEntry, load_bank, write_bank


def tiny_bank(directory, name="t"):
    n = 5
    entry = ToneEntry(name=name, source_file=f"{name}.wav", sha256="0" * 64, f0_hz=220.0, midi_note=57, cents_offset=0.0, duration_s=0.03, sustain_start_s=0.0, sustain_end_s=0.02, n_frames=n, file=f"tones/{name}.safetensors")
    arrays = {
        "controls.f0_hz": np.full(n, 220.0, np.float32),
        "controls.amplitude": np.ones(n, np.float32),
        "controls.harmonic_distribution": np.full((n, 4), 0.25, np.float32),
        "controls.noise_magnitudes": np.zeros((n, 4), np.float32),
        "controls.loudness_db": np.zeros(n, np.float32),
    }
    write_bank(directory, BankHeader(sample_rate=22050, hop_size=128, n_harmonics=4, n_noise_bands=4), [(entry, arrays)])


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
