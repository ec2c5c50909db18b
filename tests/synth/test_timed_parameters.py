"""Gain and mix are scheduled like every other event: a timed change waits for its sample.

The player is where grower-serve's /grower/gain, /grower/noise and /grower/harmonic
land, with their bundle's sample time; it must pass that time on to the renderer.
"""

import numpy as np
import pytest

from grower.server.player import Player
from grower.synth.render_params import RenderParams
from grower.synth.renderer import CONTROL_PERIOD, RenderConfig, Renderer

SR = 48000
AT = 100 * CONTROL_PERIOD + 37  # mid-period: takes effect at the next boundary
BOUNDARY = 101 * CONTROL_PERIOD
LATE = BOUNDARY + 8 * CONTROL_PERIOD  # past the ramp and the noise filter's tail
TOTAL = 30000
HALF_DB = 20 * np.log10(0.5)


def play_player(bank, bank_dir, change=None, block=1000):
    """The breathy tone (harmonics and noise) held, with change(player) called before any output."""
    player = Player(bank, bank_dir, RenderConfig(sample_rate=SR))
    player.pitch_on(("id", 1), 300.0, 1.0, tone=2)
    if change is not None:
        change(player)
    return np.concatenate([player.render(block) for _ in range(TOTAL // block)])


@pytest.fixture
def bank_dir(bank, tmp_path):
    return tmp_path / "bank"  # where the bank fixture wrote it


def test_a_timed_gain_change_through_the_player_waits_for_its_sample(bank, bank_dir):
    untouched = play_player(bank, bank_dir)
    changed = play_player(bank, bank_dir, lambda p: p.set_gain_db(HALF_DB, at_sample=AT))
    np.testing.assert_array_equal(changed[:BOUNDARY], untouched[:BOUNDARY])
    assert not np.array_equal(changed[BOUNDARY:BOUNDARY + CONTROL_PERIOD], untouched[BOUNDARY:BOUNDARY + CONTROL_PERIOD])
    np.testing.assert_allclose(changed[LATE:], 0.5 * untouched[LATE:], atol=1e-6)


def test_timed_mix_changes_through_the_player_wait_for_their_sample(bank, bank_dir):
    untouched = play_player(bank, bank_dir)
    no_noise = play_player(bank, bank_dir, lambda p: p.set_mix(noise=0.0, at_sample=AT))
    no_harmonics = play_player(bank, bank_dir, lambda p: p.set_mix(harmonic=0.0, at_sample=AT))
    # Noise is filtered with the bands and level at its period's start, so a noise
    # change made at a boundary is heard from the period after it.
    for changed, heard_at in ((no_noise, BOUNDARY + CONTROL_PERIOD), (no_harmonics, BOUNDARY)):
        np.testing.assert_array_equal(changed[:BOUNDARY], untouched[:BOUNDARY])
        assert not np.array_equal(changed[heard_at:heard_at + CONTROL_PERIOD], untouched[heard_at:heard_at + CONTROL_PERIOD])
    # After the change the two halves are the tone's parts: they sum to the whole.
    np.testing.assert_allclose(no_noise[LATE:] + no_harmonics[LATE:], untouched[LATE:], atol=1e-6)
    assert np.abs(no_harmonics[LATE:]).max() > 0 and np.abs(no_noise[LATE:]).max() > 0


def test_a_player_change_without_a_time_lands_at_the_current_position(bank, bank_dir):
    """A change made between blocks sounds as the same change timed at that block's edge."""
    at = 23 * 1024
    timed = play_player(bank, bank_dir, lambda p: p.set_gain_db(HALF_DB, at_sample=at), block=1024)
    player = Player(bank, bank_dir, RenderConfig(sample_rate=SR))
    player.pitch_on(("id", 1), 300.0, 1.0, tone=2)
    head = np.concatenate([player.render(1024) for _ in range(23)])
    player.set_gain_db(HALF_DB)
    rest = np.concatenate([player.render(1024) for _ in range(TOTAL // 1024 - 23)])
    np.testing.assert_array_equal(np.concatenate([head, rest]), timed[: head.size + rest.size])


def test_renderer_gain_mix_and_level_mode_wait_for_their_period_boundary(bank):
    def play(change=None):
        r = Renderer(bank, RenderConfig(sample_rate=SR, seed=2))
        r.note_on(2, 300.0, 1.0, stage=20)
        if change is not None:
            change(r)
        return r.render(TOTAL)

    untouched = play()
    changes = [
        lambda r: r.set_gain(0.5, at_sample=AT),
        lambda r: r.set_mix(harmonic=0.25, at_sample=AT),
        lambda r: r.set_mix(noise=3.0, at_sample=AT),
        lambda r: r.set_level_mode("raw", at_sample=AT),
    ]
    for change in changes:
        changed = play(change)
        np.testing.assert_array_equal(changed[:BOUNDARY], untouched[:BOUNDARY])
        assert not np.allclose(changed[LATE:], untouched[LATE:], atol=1e-4)


def test_parameters_survive_reset_and_carry_to_another_renderer(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    r.set_gain(0.25)
    r.set_mix(harmonic=0.5, noise=2.0)
    r.set_level_mode("raw")
    r.set_stage(9.5, glide_s=0.1)
    r.render(CONTROL_PERIOD)
    assert r.params == RenderParams(gain=0.25, harmonic_mix=0.5, noise_mix=2.0, level_mode="raw", glide_s=0.1, global_stage=9.5)
    r.reset()
    assert r.params.gain == 0.25 and r.global_stage == 9.5
    other = Renderer(bank, RenderConfig(sample_rate=SR))
    other.set_params(r.params)
    other.render(CONTROL_PERIOD)
    assert other.params == r.params


def test_parameter_changes_are_checked_when_called(bank):
    r = Renderer(bank, RenderConfig(sample_rate=SR))
    with pytest.raises(ValueError, match="gain must be"):
        r.set_gain(float("nan"))
    with pytest.raises(ValueError, match="noise_mix must be"):
        r.set_mix(noise=-1.0)
    with pytest.raises(ValueError, match="level_mode must be one of"):
        r.set_level_mode("loud")
    with pytest.raises(ValueError, match="stage must be within 0..64"):
        r.set_params(RenderParams(global_stage=65.0))


def test_a_bank_swap_carries_the_parameters_and_their_scheduled_changes(bank, bank_dir):
    player = Player(bank, bank_dir, RenderConfig(sample_rate=SR))
    player.set_gain_db(HALF_DB)
    player.set_mix(noise=2.0)
    player.set_stage(12.0, 0.0)
    player.render(1024)
    player.set_mix(harmonic=0.5)  # not applied yet when the swap comes
    player.set_gain_db(0.0, at_sample=5000)  # due after the swap
    player.swap_bank(bank, bank_dir, Renderer(bank, RenderConfig(sample_rate=SR)))
    player.render(1024)
    params = player.renderer.params
    assert (params.gain, params.harmonic_mix, params.noise_mix, params.glide_s, player.global_stage) == (pytest.approx(0.5), 0.5, 2.0, 0.0, 12.0)
    player.render(4096)
    assert player.renderer.params.gain == 1.0
