"""The OSC address space: one table of data.

The dispatcher validates against it, ``docs/osc.md`` is generated from it
(``python -m grower.server.protocol > docs/osc.md``; a test keeps them equal),
the tests walk it, and the Max patches' contract test checks every address
they send against it. Modelled on scsynth's command reference: typed
arguments, a reply named per command, and ``/grower/fail ADDRESS MESSAGE`` for
every error.

Argument types: ``i`` integer, ``f`` number, ``s`` string. OSC ints and floats
are accepted alike for ``i`` and ``f`` (an ``i`` argument must hold a whole
number); NaN, infinities and values outside the range are errors.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

FAIL = "/grower/fail"
DONE = "/grower/done"


class ProtocolError(ValueError):
    """A message that does not fit its command: the text says which argument and why."""


@dataclass(frozen=True)
class Arg:
    name: str
    type: str  # "i", "f" or "s"
    unit: str = ""
    low: float | None = None
    high: float | None = None
    optional: bool = False
    doc: str = ""

    def range_text(self) -> str:
        if self.low is None:
            return ""
        return f"{self.low:g}..{self.high:g}"


@dataclass(frozen=True)
class Command:
    address: str
    args: tuple[Arg, ...]
    reply: str  # what comes back besides /grower/fail; "" for nothing
    doc: str

    @property
    def n_required(self) -> int:
        return sum(not a.optional for a in self.args)


KEY = Arg("KEY", "i", "MIDI key", 0, 127, doc="mapped through the tuning to a pitch and a tone")
VELOCITY = Arg("VELOCITY", "f", "", 0, 127, doc="an int 0..127 (MIDI), or a float 0.0..1.0; floats above 1 read as MIDI")
STAGE = Arg("STAGE", "f", "stage", 0, 64, doc="harmonics 1..STAGE sound; fractions fade the next one in")
GLIDE = Arg("GLIDE_S", "f", "s", 0, 60, optional=True, doc="glide time; omitted keeps the last one (default 0.02)")
VOICE_ID = Arg("ID", "i", "", 0, 2**31 - 1, doc="a voice id the client chooses, as scsynth's node ids")
PITCH = Arg("HZ", "f", "Hz", 1, 20000, doc="any pitch: microtonal")

PROTOCOL: tuple[Command, ...] = (
    Command("/grower/status", (), "/grower/status.reply VOICES CPU_PERCENT UNDERFLOWS BANK STAGE MESSAGES ERRORS",
            "Server state: voices sounding, audio CPU load (% of the block period, averaged), underflows since start, "
            "the bank's folder name, the global stage, OSC messages received and errors answered."),
    Command("/grower/notify", (Arg("FLAG", "i", "", 0, 1, doc="1 registers, 0 unregisters"),
                               Arg("PORT", "i", "UDP port", 1, 65535, optional=True, doc="where replies go; default the sender's port")),
            "/grower/done /grower/notify",
            "Register for replies and notifications at PORT on the sender's host. Max's udpsend cannot receive "
            "on the port it sends from, so a patch registers its udpreceive port here."),
    Command("/grower/note/on", (KEY, VELOCITY), "",
            "Play a key through the tuning (the bank's tones by default, or a Scala scale). "
            "A key already sounding from OSC is retriggered."),
    Command("/grower/note/off", (KEY,), "", "Release a key played with /grower/note/on; its release follows."),
    Command("/grower/voice/on", (VOICE_ID, PITCH, VELOCITY, Arg("TONE", "s", "", optional=True, doc="tone name; default the nearest in pitch")),
            "", "Play a voice at any frequency, under an id the client chooses. An id already sounding is retriggered."),
    Command("/grower/voice/off", (VOICE_ID,), "", "Release a voice started with /grower/voice/on."),
    Command("/grower/voice/pitch", (VOICE_ID, PITCH), "", "Move a sounding voice to a new frequency."),
    Command("/grower/voice/stage", (VOICE_ID, STAGE, GLIDE), "", "Set one voice's own growth stage."),
    Command("/grower/stage", (STAGE, GLIDE), "", "Set the global growth stage; voices without their own or their tone's stage follow it."),
    Command("/grower/tone/stage", (Arg("TONE", "s", doc="tone name, as in bank.json"), STAGE, GLIDE), "",
            "Set one tone's growth stage; its voices follow it unless they have their own."),
    Command("/grower/gain", (Arg("GAIN_DB", "f", "dB", -96, 12),), "", "Master gain."),
    Command("/grower/noise", (Arg("MIX", "f", "linear", 0, 4, doc="1 is the learned level"),), "", "Noise level relative to the learned one."),
    Command("/grower/harmonic", (Arg("MIX", "f", "linear", 0, 4, doc="1 is the learned level"),), "", "Harmonic level relative to the learned one."),
    Command("/grower/panic", (), "", "Silence every voice now (a 2.7 ms fade), lift the sustain pedals, forget every held note."),
    Command("/grower/bank/load", (Arg("PATH", "s", "folder", doc="a bank folder inside an allowed folder"),), "/grower/done /grower/bank/load PATH",
            "Hot-swap the bank: sounding voices finish on the old bank while new notes play the new one; no gap."),
    Command("/grower/tuning/load", (Arg("SCL", "s", ".scl file", doc="inside an allowed folder"),
                                    Arg("KBM", "s", ".kbm file", optional=True, doc="keyboard mapping; default: degree 0 on key 60 at 261.63 Hz")),
            "/grower/done /grower/tuning/load SCL", "Retune the keys with a Scala scale; each key plays the trained tone nearest its pitch."),
    Command("/grower/tuning/reset", (), "/grower/done /grower/tuning/reset", "Back to the default mapping: the bank's tones from the root key, repeating at the octave."),
    Command("/grower/sync", (Arg("ID", "i", "", -2**31, 2**31 - 1),), "/grower/synced ID",
            "Replies once every command received before it has been applied by the audio thread."),
    Command("/grower/quit", (), "/grower/done /grower/quit", "Stop the server; a recording is closed complete."),
)

BY_ADDRESS: dict[str, Command] = {c.address: c for c in PROTOCOL}


def parse_args(command: Command, values: list) -> list:
    """Check values against command's arguments. Returns them converted (ints, floats, strs).

    Raises ProtocolError naming the argument and the reason.
    """
    if not command.n_required <= len(values) <= len(command.args):
        wanted = f"{command.n_required}" if command.n_required == len(command.args) else f"{command.n_required}..{len(command.args)}"
        usage = " ".join(a.name if not a.optional else f"[{a.name}]" for a in command.args)
        raise ProtocolError(f"takes {wanted} arguments ({usage or 'none'}), got {len(values)}")
    return [_convert(arg, value) for arg, value in zip(command.args, values)]


def _convert(arg: Arg, value):
    if arg.type == "s":
        if not isinstance(value, str):
            raise ProtocolError(f"{arg.name} must be a string, got {_type_name(value)}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"{arg.name} must be a number, got {_type_name(value)}")
    if not math.isfinite(value):
        raise ProtocolError(f"{arg.name} must be finite, got {value}")
    if arg.type == "i":
        if value != int(value):
            raise ProtocolError(f"{arg.name} must be a whole number, got {value}")
        value = int(value)
    elif arg.type == "f":
        value = float(value) if not (arg is VELOCITY and isinstance(value, int)) else value
    if arg.low is not None and not arg.low <= value <= arg.high:
        raise ProtocolError(f"{arg.name} must be within {arg.range_text()}{' ' + arg.unit if arg.unit else ''}, got {value:g}")
    return value


def _type_name(value) -> str:
    return {bool: "a boolean", bytes: "a blob", str: "a string", type(None): "nil"}.get(type(value), type(value).__name__)


def velocity_unit(value: int | float) -> float:
    """A VELOCITY argument as a 0..1 gain: ints are MIDI velocities, floats up to 1.0 are already gains."""
    if isinstance(value, int) or value > 1.0:
        return value / 127.0
    return float(value)


def markdown() -> str:
    """docs/osc.md, from the table."""
    lines = [
        "# OSC protocol",
        "",
        "Generated from `server/protocol.py` by `python -m grower.server.protocol > docs/osc.md`; a test keeps them equal.",
        "",
        "The server listens on UDP (default `127.0.0.1:9000`). Replies go to the sender's address, or to the port it",
        "registered with `/grower/notify 1 PORT`. Every error is answered with `/grower/fail ADDRESS MESSAGE` and counted;",
        "the server keeps playing. Ints and floats are accepted alike for numeric arguments. A bundle with a future",
        "timetag is applied at its sample: note-ons on the exact sample, other commands at the next 128-sample boundary.",
        "",
        "| address | arguments | reply | |",
        "|---|---|---|---|",
    ]
    for c in PROTOCOL:
        args = " ".join(f"[{a.name}]" if a.optional else a.name for a in c.args)
        lines.append(f"| `{c.address}` | {args} | {f'`{c.reply}`' if c.reply else ''} | {c.doc} |")
    lines += ["", "## Arguments", "", "| command | argument | type | unit | range | |", "|---|---|---|---|---|---|"]
    for c in PROTOCOL:
        for a in c.args:
            lines.append(f"| `{c.address}` | {a.name} | {a.type} | {a.unit} | {a.range_text()} | {a.doc} |")
    lines += ["", "## Errors", "", f"`{FAIL} ADDRESS MESSAGE`: ADDRESS is the command's address (empty for a packet that could not be parsed),",
              "MESSAGE one line naming what was wrong: malformed packets, unknown addresses, wrong argument types or counts,",
              "NaN, infinite or out-of-range values, paths outside the allowed folders, unknown tones or voice ids.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown())
