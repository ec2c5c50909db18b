"""The engine: the queue between I/O threads and the audio thread, and its clock."""

import numpy as np

from grower.server.engine import SCHEDULE_LATENCY_S, Engine
from grower.server.player import Player
from grower.synth.bank import load_bank
from grower.synth.renderer import RenderConfig

from .conftest import SR


def engine_for(bank_dir):
    return Engine(Player(load_bank(bank_dir), bank_dir, RenderConfig(sample_rate=SR)), SR)


def test_a_wall_time_maps_to_its_sample_and_a_past_one_to_now(bank_dir):
    engine = engine_for(bank_dir)
    engine.start_clock(1000.0)
    assert engine.sample_for(1000.5) == round((0.5 + SCHEDULE_LATENCY_S) * SR)
    engine.process(SR)
    assert engine.sample_for(1000.5) is None  # already played: as soon as possible
    assert engine.sample_for(None) is None


def test_a_command_that_raises_is_reported_and_the_audio_goes_on(bank_dir):
    engine = engine_for(bank_dir)
    engine.submit(lambda at: engine.player.pitch_on(("id", 1), 200.0, 1.0))
    engine.submit(lambda at: 1 / 0)
    block = engine.process(1024)
    assert np.abs(block).max() > 0
    address, (where, message), _ = engine.replies.get_nowait()
    assert address == "/grower/fail" and "ZeroDivisionError" in message
    assert engine.errors == 1 and engine.voices == 1


def test_commands_apply_in_the_order_submitted(bank_dir):
    engine = engine_for(bank_dir)
    engine.submit(lambda at: engine.player.set_stage(3.0, 0.0, at_sample=at))
    engine.submit(lambda at: engine.player.set_stage(7.0, 0.0, at_sample=at))
    engine.process(256)
    assert engine.player.global_stage == 7.0
