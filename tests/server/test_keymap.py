"""The default key map rises with the key for any bank, however wide."""

import numpy as np
import pytest

from grower.server.tuning import bank_keymap


@pytest.mark.parametrize("seed", range(20))
def test_the_default_map_rises_strictly_with_the_key_for_any_bank(seed):
    rng = np.random.default_rng(seed)
    n_tones = int(rng.integers(1, 25))
    tone_f0_hz = 60.0 * 2 ** rng.uniform(0, 5, n_tones)  # up to five octaves wide, unsorted
    keymap = bank_keymap(tone_f0_hz, root_key=int(rng.integers(0, 128)))
    mapped = ~np.isnan(keymap.frequency_hz)
    assert mapped.all()
    assert np.all(np.diff(keymap.frequency_hz) > 0)


def test_a_bank_spanning_two_octaves_repeats_two_octaves_up_at_its_recorded_pitches():
    # As the example bank: 7-EDO from 190 Hz and 17-EDO from 410 Hz, 190..700 Hz.
    tone_f0_hz = np.array([190.0 * 2 ** (i / 7) for i in range(7)] + [410.0 * 2 ** (i / 17) for i in (0, 3, 6, 10, 13)])
    keymap = bank_keymap(tone_f0_hz, root_key=60)
    ordered = np.sort(tone_f0_hz)
    np.testing.assert_allclose(keymap.frequency_hz[60:72], ordered)
    assert keymap.frequency_hz[72] == pytest.approx(4 * ordered[0])
    assert keymap.frequency_hz[59] == pytest.approx(ordered[-1] / 4)
    assert "repeating at 2 octaves" in keymap.description


def test_a_bank_within_an_octave_still_repeats_at_the_octave():
    tone_f0_hz = 261.63 * 2 ** (np.arange(7) / 7)
    keymap = bank_keymap(tone_f0_hz, root_key=60)
    assert keymap.frequency_hz[67] == pytest.approx(2 * tone_f0_hz[0])
    assert keymap.description.endswith("repeating at the octave")
