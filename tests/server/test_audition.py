"""grower-audition: the bank's tones as a scale at their own pitches, then a chord growing from the bare fundamentals."""

import numpy as np
import soundfile

from grower.server import audition_cli
from grower.synth.synthetic_bank import make_bank

SR = 48000
TONES = [("low", 110.0, 2.0, 0.0), ("mid", 165.0, 2.0, 0.0), ("high", 247.5, 2.0, 0.0)]


def peak_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.argmax(spectrum) * SR / audio.size)


def n_partials(audio: np.ndarray, floor_db: float = -40.0) -> int:
    """Spectral peaks within floor_db of the strongest."""
    spectrum = 20 * np.log10(np.abs(np.fft.rfft(audio * np.hanning(audio.size))) + 1e-12)
    top = spectrum.max()
    peaks = (spectrum[1:-1] > spectrum[:-2]) & (spectrum[1:-1] > spectrum[2:]) & (spectrum[1:-1] > top + floor_db)
    return int(peaks.sum())


def test_the_scale_plays_each_tone_at_its_pitch_then_the_chord_grows(tmp_path, capsys):
    make_bank(tmp_path / "bank", TONES)
    out = tmp_path / "audition.wav"
    assert audition_cli.main([str(tmp_path / "bank"), "--out", str(out), "--note-s", "0.5", "--chord-s", "4"]) == 0
    assert "3 tones (low, mid, high)" in capsys.readouterr().out
    audio, sr = soundfile.read(out, dtype="float32")
    assert sr == SR
    note, gap = int(0.5 * SR), int(audition_cli.GAP_S * SR)
    for i, (_, f0_hz, _, _) in enumerate(TONES):
        middle = audio[i * (note + gap) + note // 4: i * (note + gap) + 3 * note // 4]
        assert abs(peak_hz(middle) - f0_hz) < 3.0
    chord_at = 3 * (note + gap) + int(0.5 * SR)
    early = audio[chord_at + int(0.1 * SR): chord_at + int(0.4 * SR)]  # stage 1 is held for 0.5 s
    late = audio[chord_at + int(3.6 * SR): chord_at + int(3.8 * SR)]
    assert n_partials(early) == 3  # stage 1: one partial per chord tone
    assert n_partials(late) > 20
    assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) <= 1.0


def test_a_missing_bank_is_one_line(tmp_path, capsys):
    assert audition_cli.main([str(tmp_path / "nothing"), "--out", str(tmp_path / "a.wav")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("grower-audition: ") and err.count("\n") == 1
    assert not (tmp_path / "a.wav").exists()
