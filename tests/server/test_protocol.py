"""The protocol table: one source for the dispatcher, docs/osc.md and the Max patches."""

from pathlib import Path

import pytest

from grower.server.dispatch import Dispatcher, handler_name
from grower.server.protocol import BY_ADDRESS, PROTOCOL, ProtocolError, markdown, parse_args, velocity_unit

ROOT = Path(__file__).resolve().parents[2]


def test_docs_osc_md_is_generated_from_the_table():
    assert (ROOT / "docs" / "osc.md").read_text() == markdown(), "run: python -m grower.server.protocol > docs/osc.md"


def test_every_row_has_a_handler_and_a_unique_address():
    assert len(BY_ADDRESS) == len(PROTOCOL)
    for command in PROTOCOL:
        assert callable(getattr(Dispatcher, handler_name(command.address))), command.address
        optional = [a.optional for a in command.args]
        assert optional == sorted(optional), f"{command.address}: optional arguments come last"


def test_the_required_forms_exist():
    assert BY_ADDRESS["/grower/status"].reply.startswith("/grower/status.reply")
    assert BY_ADDRESS["/grower/notify"].reply == "/grower/done /grower/notify"
    assert [a.name for a in BY_ADDRESS["/grower/note/on"].args] == ["KEY", "VELOCITY"]
    assert [a.name for a in BY_ADDRESS["/grower/stage"].args] == ["STAGE", "GLIDE_S"]
    assert BY_ADDRESS["/grower/sync"].reply == "/grower/synced ID"
    assert "/grower/panic" in BY_ADDRESS


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
