"""/grower/transpose over real UDP: grower-serve switches how a tone plays away from its pitch."""

import time

import numpy as np

from grower.synth.spectral import harmonic_levels_db
from grower.synth.synthetic_bank import formant_bank

from .conftest import SR, Server


def sounding_spans(audio, min_gap_s=0.1):
    """[(start, stop)] sample spans of audio not silent, split at silences of at least min_gap_s."""
    loud = np.flatnonzero(np.abs(audio) > 1e-6)
    breaks = np.flatnonzero(np.diff(loud) > min_gap_s * SR)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    stops = np.concatenate([loud[breaks], [loud[-1]]])
    return list(zip(starts, stops))


def loudest_harmonic_hz(audio, pitch_hz):
    return pitch_hz * (1 + int(np.argmax(harmonic_levels_db(audio, pitch_hz, SR, 20))))


def test_transpose_over_udp_switches_between_a_kept_and_a_moved_formant(tmp_path):
    bank_dir = tmp_path / "bank"
    formant_bank(bank_dir, [("vowel", 200.0, 1200.0)])  # its loudest harmonic: the 6th, 1200 Hz
    server = Server(bank_dir, tmp_path)
    try:
        c = server.client
        for voice_id, mode in ((1, None), (2, "harmonics"), (3, "envelope")):
            if mode is not None:
                c.send("/grower/transpose", mode)
            c.send("/grower/voice/on", voice_id, 400.0, 1.0)  # an octave up
            assert not [r for r in c.sync(voice_id) if r[0] == "/grower/fail"]
            time.sleep(0.7)
            c.send("/grower/panic")
            c.sync(10 + voice_id)
            time.sleep(0.3)
        c.send("/grower/transpose", "sideways")
        fails = [r for r in c.sync(20) if r[0] == "/grower/fail"]
        assert fails == [("/grower/fail", ["/grower/transpose", "MODE must be one of envelope, harmonics, got 'sideways'"])]
        assert c.status()["errors"] == 1
    finally:
        _, audio = server.stop()
    spans = sounding_spans(audio)
    assert len(spans) == 3, spans
    heard = [loudest_harmonic_hz(audio[start + SR // 10:stop - SR // 20], 400.0) for start, stop in spans]
    assert heard == [1200.0, 2400.0, 1200.0]  # envelope (the default): the formant stays; harmonics: it moves an octave
