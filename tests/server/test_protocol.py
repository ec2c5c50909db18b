"""The protocol table: one source for the dispatcher, docs/osc.md, the replies and the Max patches."""

import inspect
from pathlib import Path

import pytest

from grower.server import dispatch
from grower.server.dispatch import Dispatcher
from grower.server.protocol import (BY_ADDRESS, DEFAULT_STAGE_CEILING, DONE_REPLY, FAIL_REPLY, N_HARMONICS, PROTOCOL, REPLIES,
                                    STAGE, STATUS_REPLY, SYNCED_REPLY, ProtocolError, Timing, markdown, parse_args, velocity_unit)

ROOT = Path(__file__).resolve().parents[2]


def test_docs_osc_md_is_generated_from_the_table():
    assert (ROOT / "docs" / "osc.md").read_text() == markdown(), "run: .venv/bin/python -m grower.server.protocol > docs/osc.md"


def test_every_row_has_exactly_one_handler_and_every_handler_a_row():
    assert len(BY_ADDRESS) == len(PROTOCOL)
    dispatcher = Dispatcher(engine=None, allowed_dirs=[])
    assert sorted(dispatcher.handlers) == sorted(BY_ADDRESS)
    for command in PROTOCOL:
        assert callable(dispatcher.handlers[command.address]), command.address
        optional = [a.optional for a in command.args]
        assert optional == sorted(optional), f"{command.address}: optional arguments come last"
    # registered by their literal addresses, one map() each: grep finds who handles an address
    source = inspect.getsource(dispatch)
    for command in PROTOCOL:
        assert source.count(f'self.map("{command.address}", ') == 1, command.address


def test_a_second_handler_or_an_address_outside_the_table_is_refused():
    dispatcher = Dispatcher(engine=None, allowed_dirs=[])
    with pytest.raises(ValueError, match="/grower/stage already has a handler"):
        dispatcher.map("/grower/stage", lambda request: None)
    with pytest.raises(ValueError, match="/grower/nope is not in the protocol table"):
        dispatcher.map("/grower/nope", lambda request: None)


def test_the_required_forms_exist():
    assert BY_ADDRESS["/grower/status"].reply_text.startswith("/grower/status.reply")
    assert BY_ADDRESS["/grower/notify"].reply_text == "/grower/done /grower/notify"
    assert BY_ADDRESS["/grower/bank/load"].reply_text == "/grower/done /grower/bank/load PATH"
    assert [a.name for a in BY_ADDRESS["/grower/note/on"].args] == ["KEY", "VELOCITY"]
    assert [a.name for a in BY_ADDRESS["/grower/stage"].args] == ["STAGE", "GLIDE_S"]
    assert BY_ADDRESS["/grower/sync"].reply_text == "/grower/synced ID"
    assert "/grower/panic" in BY_ADDRESS


def test_replies_are_typed_rows_with_one_spelling_per_field():
    assert [r.address for r in REPLIES] == ["/grower/status.reply", "/grower/fail", "/grower/done", "/grower/synced"]
    assert STATUS_REPLY.usage == "/grower/status.reply VOICES CPU_PERCENT UNDERFLOWS BANK STAGE MESSAGES ERRORS"
    values = STATUS_REPLY.pack(voices=2, cpu_percent=3, underflows=0, bank="bank", stage=12, messages=9, errors=1)
    assert values == [2, 3.0, 0, "bank", 12.0, 9, 1] and [type(v) for v in values] == [int, float, int, str, float, int, int]
    assert STATUS_REPLY.unpack(values) == {"voices": 2, "cpu_percent": 3.0, "underflows": 0, "bank": "bank", "stage": 12.0,
                                           "messages": 9, "errors": 1}
    with pytest.raises(TypeError, match="no field cpu"):
        STATUS_REPLY.pack(voices=2, cpu=3, underflows=0, bank="bank", stage=12, messages=9, errors=1)
    with pytest.raises(TypeError, match="needs its errors field"):
        STATUS_REPLY.pack(voices=2, cpu_percent=3, underflows=0, bank="bank", stage=12, messages=9)
    with pytest.raises(ValueError, match="fields, got 2"):
        STATUS_REPLY.unpack([1, 2])
    assert FAIL_REPLY.pack(address="", message="bad") == ["", "bad"] and SYNCED_REPLY.pack(id=3) == [3]
    assert DONE_REPLY.pack(command="/grower/quit") == ["/grower/quit"]
    assert BY_ADDRESS["/grower/tuning/load"].done_fields(["q.scl", "a.kbm"]) == {"command": "/grower/tuning/load", "arg": "q.scl"}


def test_every_command_says_when_it_acts():
    acts = {c.address: c.acts for c in PROTOCOL}
    assert {a for a, t in acts.items() if t is Timing.SAMPLE} == {"/grower/note/on", "/grower/voice/on"}
    assert {a for a, t in acts.items() if t is Timing.AT_ONCE} == {"/grower/status", "/grower/notify", "/grower/quit"}
    for address in ("/grower/gain", "/grower/noise", "/grower/harmonic", "/grower/stage", "/grower/bank/load", "/grower/tuning/load"):
        assert acts[address] is Timing.BOUNDARY
    for timing in Timing:
        assert f"**{timing.value}**: {timing.doc}" in markdown()


def test_the_stage_ceiling_is_the_banks_n_harmonics():
    assert STAGE.high is N_HARMONICS and N_HARMONICS.default == DEFAULT_STAGE_CEILING == 64
    stage = BY_ADDRESS["/grower/stage"]
    assert parse_args(stage, [64]) == [64.0]  # no bank at hand: the default ceiling
    assert parse_args(stage, [32], {"n_harmonics": 32}) == [32.0]
    with pytest.raises(ProtocolError, match=r"STAGE must be within 0\.\.32 stage \(the bank's n_harmonics\), got 33"):
        parse_args(stage, [33], {"n_harmonics": 32})
    assert parse_args(stage, [100], {"n_harmonics": 128}) == [100.0]
    assert "0..N (the bank's n_harmonics, 64 for banks from grower-train)" in markdown()


def test_velocity_reads_ints_as_midi_and_small_floats_as_gains():
    assert velocity_unit(127) == 1.0 and velocity_unit(1) == pytest.approx(1 / 127)
    assert velocity_unit(1.0) == 1.0 and velocity_unit(0.5) == 0.5 and velocity_unit(63.5) == 0.5


def test_parse_args_converts_and_names_the_argument():
    stage = BY_ADDRESS["/grower/stage"]
    assert parse_args(stage, [3]) == [3.0]
    with pytest.raises(ProtocolError, match="GLIDE_S must be within 0..60 s, got 61"):
        parse_args(stage, [3, 61])
    with pytest.raises(ProtocolError, match="KEY must be a number, got a boolean"):
        parse_args(BY_ADDRESS["/grower/note/off"], [True])
