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


# -- the audio thread never dies -----------------------------------------------------

def broken(error=RuntimeError("kernel exploded")):
    def render(n_samples):
        raise error
    return render


def test_a_current_renderer_that_raises_is_reset_reported_once_and_plays_again(bank_dir, monkeypatch):
    engine = engine_for(bank_dir)
    player = engine.player
    player.pitch_on(("id", 1), 200.0, 1.0)
    engine.process(256)
    monkeypatch.setattr(player.renderer, "render", broken())
    for _ in range(3):
        block = engine.process(256)
        assert block.shape == (256,) and not block.any()
    address, (where, message), destination = engine.replies.get_nowait()
    assert (address, where, destination) == ("/grower/fail", "", None)
    assert message == "bank bank: rendering it raised an error (kernel exploded); its voices were silenced; new notes play it again"
    assert engine.replies.empty() and engine.errors == 1  # told once
    assert not player.notes and player.renderer.n_voices == 0
    monkeypatch.undo()
    player.pitch_on(("id", 2), 200.0, 1.0, at_sample=engine.samples_out)
    assert np.sqrt(np.mean(np.concatenate([engine.process(256) for _ in range(8)]) ** 2)) > 0.01
    assert engine.errors == 1


def test_non_finite_samples_are_never_played_and_their_renderer_is_dropped(bank_dir):
    engine = engine_for(bank_dir)
    player = engine.player
    player.pitch_on(("id", 1), 200.0, 1.0)
    player.renderer.table.amplitude[:] = np.nan  # what a bank with NaN controls would do, had it loaded
    blocks = [engine.process(256) for _ in range(4)]
    assert all(np.isfinite(b).all() and not b.any() for b in blocks)
    (address, (where, message), _), = [engine.replies.get_nowait() for _ in range(engine.replies.qsize())]
    assert message.startswith("bank bank: it rendered samples that are not finite (NaN or infinite)")
    assert engine.errors == 1


def test_a_fading_renderer_that_fails_is_dropped_and_the_new_bank_plays_on(bank_dir, monkeypatch):
    from grower.synth.renderer import RenderConfig, Renderer
    from grower.synth.synthetic_bank import make_bank

    other = make_bank(bank_dir.parent / "other-engine", [("x", 150.0, 2.0, 0.0)])
    engine = engine_for(bank_dir)
    player = engine.player
    player.pitch_on(("id", 1), 200.0, 1.0)
    engine.process(256)
    old = player.renderer
    new = Renderer(other, RenderConfig(sample_rate=SR))
    player.swap_bank(other, bank_dir.parent / "other-engine", new, source=("/grower/bank/load", ("127.0.0.1", 9)))
    player.pitch_on(("id", 2), 150.0, 1.0)
    engine.process(256)
    assert [p.renderer for p in player.fading] == [old]
    monkeypatch.setattr(old, "render", broken(ZeroDivisionError()))
    audio = np.concatenate([engine.process(256) for _ in range(8)])
    assert player.fading == [] and np.isfinite(audio).all() and np.sqrt(np.mean(audio**2)) > 0.01
    address, (where, message), destination = engine.replies.get_nowait()
    assert where == "" and destination is None  # the bank it started with: to the registered clients
    assert message == "bank bank: rendering it raised an error (ZeroDivisionError raised); its releasing voices were dropped"
    # a swapped-in bank's failure goes to the client that loaded it, under the load's address
    monkeypatch.setattr(new, "render", broken())
    engine.process(256)
    address, (where, message), destination = engine.replies.get_nowait()
    assert (where, destination) == ("/grower/bank/load", ("127.0.0.1", 9)) and message.startswith("bank other-engine: ")
    assert engine.errors == 2


def test_a_block_that_fails_outside_the_player_is_silence_and_said_once(bank_dir, monkeypatch):
    engine = engine_for(bank_dir)
    monkeypatch.setattr(engine.player, "render", broken())
    assert not engine.process(128).any() and not engine.process(128).any()
    assert engine.errors == 2 and engine.notices.qsize() == 1


# -- timed commands wait in the engine's heap ------------------------------------------

def test_timed_commands_wait_in_the_engines_heap_until_their_block(bank_dir):
    engine = engine_for(bank_dir)
    engine.start_clock(1000.0)
    played = []
    for delay_s in (3.0, 1.0, 2.0):
        engine.submit(lambda at, d=delay_s: played.append((d, at)), 1000.0 + delay_s)
    engine.submit(lambda at: played.append(("now", at)))
    assert engine.timed_waiting == 3
    engine.process(256)
    assert played == [("now", None)] and engine.timed_waiting == 3 and len(engine.timed) == 3
    assert not engine.player.renderer.events  # the renderer holds nothing far ahead
    while engine.samples_out < 3.5 * SR:
        engine.process(4096)
    assert [d for d, _ in played[1:]] == [1.0, 2.0, 3.0] and engine.timed_waiting == 0
    assert [at for _, at in played[1:]] == [round((d + SCHEDULE_LATENCY_S) * SR) for d in (1.0, 2.0, 3.0)]


def test_a_timed_command_due_within_the_block_reaches_the_renderer_in_time(bank_dir):
    engine = engine_for(bank_dir)
    engine.start_clock(1000.0)
    at = round((0.5 + SCHEDULE_LATENCY_S) * SR)
    engine.submit(lambda a: engine.player.pitch_on(("id", 1), 200.0, 1.0, at_sample=a), 1000.5)
    audio = np.concatenate([engine.process(100) for _ in range(at // 100 + 5)])
    assert not audio[:at].any() and audio[at + 1] != 0  # on its exact sample, though blocks are not periods
