"""The OSC address space: one table of data.

The dispatcher validates against it, ``docs/osc.md`` is generated from it
(``.venv/bin/python -m grower.server.protocol > docs/osc.md``; a test keeps them equal),
the tests walk it, and the Max patches are built from it and checked against
it. Modelled on scsynth's command reference: typed arguments, typed replies
(``/grower/status.reply``, ``/grower/done``, ``/grower/synced``) and
``/grower/fail ADDRESS MESSAGE`` for every error, each declared once here as a
``Reply`` row; every command says when it acts (``Timing``); and the messages
the server sends unprompted to the clients registered with ``/grower/notify``
(scsynth's ``/n_go`` and ``/n_end``, and a meter) are ``Reply`` rows too
(``NOTIFICATIONS``).

Argument types: ``i`` integer, ``f`` number, ``s`` string. OSC ints and floats
are accepted alike for ``i`` and ``f`` (an ``i`` argument must hold a whole
number); NaN, infinities and values outside the range are errors. A range's
upper end may be a ``Bound``: a value known only from the loaded bank (the
stage's ceiling is the bank's ``n_harmonics``), given to ``parse_args``.
"""

from __future__ import annotations

import enum
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from grower.synth.envelope import TRANSPOSE_MODES
from grower.synth.velocity_timbre import MAX_AMOUNT as MAX_VELOCITY_TIMBRE  # NumPy only: no numba at import


class ProtocolError(ValueError):
    """A message that does not fit its command: the text says which argument and why."""


@dataclass(frozen=True)
class Bound:
    """A range end known only at run time, from the bank being played.

    name: the key ``parse_args`` looks it up by (``bounds={"n_harmonics": 32}``).
    default: its value for banks from grower-train, used where no bank is at hand
    (the Max patches' sliders, table-only checks).
    """

    name: str
    doc: str
    default: int


# Banks from grower-train have 64 harmonics; a bank may have another count.
DEFAULT_STAGE_CEILING = 64
N_HARMONICS = Bound("n_harmonics", "the bank's n_harmonics", DEFAULT_STAGE_CEILING)


@dataclass(frozen=True)
class Arg:
    """One typed argument of a command, or one typed field of a reply."""

    name: str
    type: str  # "i", "f" or "s"
    unit: str = ""
    low: float | None = None
    high: float | Bound | None = None
    optional: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()  # a string argument's only values

    @property
    def key(self) -> str:
        """The name as a Python identifier and dict key: CPU_PERCENT -> cpu_percent."""
        return self.name.lower()

    def high_value(self, bounds: Mapping[str, float] | None = None) -> float | None:
        """The upper end: a number, or a Bound looked up in bounds (its default when bounds is None)."""
        if not isinstance(self.high, Bound):
            return self.high
        if bounds is None:
            return self.high.default
        return bounds[self.high.name]

    def range_text(self, bounds: Mapping[str, float] | None = None) -> str:
        """'0..127'; with a Bound and no bounds given: '0..N (the bank's n_harmonics, 64 for banks from grower-train)';
        for a string with choices: 'envelope|harmonics'."""
        if self.choices:
            return "|".join(self.choices)
        if self.low is None:
            return ""
        if isinstance(self.high, Bound) and bounds is None:
            return f"{_number(self.low)}..N ({self.high.doc}, {self.high.default} for banks from grower-train)"
        return f"{_number(self.low)}..{_number(self.high_value(bounds))}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Reply:
    """A message the server sends: its address and typed fields, in order."""

    address: str
    fields: tuple[Arg, ...]
    doc: str

    @property
    def usage(self) -> str:
        """'/grower/synced ID': the address and its fields' names, optional ones in brackets."""
        return " ".join([self.address, *(f"[{f.name}]" if f.optional else f.name for f in self.fields)])

    def pack(self, **values) -> list:
        """Field values by key (``cpu_percent=3.5``) as the message's argument list, in field order,
        each converted to its field's type. A missing required field or an unknown key is a TypeError."""
        unknown = values.keys() - {f.key for f in self.fields}
        if unknown:
            raise TypeError(f"{self.address} has no field {', '.join(sorted(unknown))}")
        packed = []
        for f in self.fields:
            if f.key not in values:
                if f.optional:
                    break
                raise TypeError(f"{self.address} needs its {f.key} field")
            value = values[f.key]
            packed.append(int(value) if f.type == "i" else float(value) if f.type == "f" else str(value))
        return packed

    def typed(self, values) -> list:
        """Values already in field order (a notification the audio thread recorded), each converted
        to its field's type: NumPy scalars become the ints, floats and strs OSC can carry."""
        return [int(v) if f.type == "i" else float(v) if f.type == "f" else str(v) for f, v in zip(self.fields, values)]

    def unpack(self, values: list) -> dict:
        """A received argument list as {field key: value}. ValueError when the count does not fit."""
        n_required = sum(not f.optional for f in self.fields)
        if not n_required <= len(values) <= len(self.fields):
            raise ValueError(f"{self.address} has {n_required}..{len(self.fields)} fields, got {len(values)}: {values}")
        return {f.key: v for f, v in zip(self.fields, values)}


STATUS_REPLY = Reply("/grower/status.reply", (
    Arg("VOICES", "i", "voices", doc="voices sounding, old banks' held notes and releases included"),
    Arg("CPU_PERCENT", "f", "% of the block period", doc="audio render time, averaged over recent blocks"),
    Arg("UNDERFLOWS", "i", "blocks", doc="output underflows since start"),
    Arg("BANK", "s", "folder name", doc="the bank being played"),
    Arg("STAGE", "f", "stage", doc="the global growth stage"),
    Arg("MESSAGES", "i", "messages", doc="OSC messages received, malformed packets included"),
    Arg("ERRORS", "i", "errors", doc="errors answered with /grower/fail"),
), "The answer to /grower/status.")
DONE_REPLY = Reply("/grower/done", (
    Arg("COMMAND", "s", doc="the address of the command done"),
    Arg("ARG", "s", optional=True, doc="for loads, the PATH or SCL argument as it was sent"),
), "A command that replies when it is done has been carried out.")
FAIL_REPLY = Reply("/grower/fail", (
    Arg("ADDRESS", "s", doc="the failing command's address; empty when no address could be read from the packet"),
    Arg("MESSAGE", "s", doc="one line naming what was wrong"),
), "Every error: the command was not carried out (or, for a bundle that could not be parsed, none of it was).")
SYNCED_REPLY = Reply("/grower/synced", (Arg("ID", "i", doc="the ID /grower/sync was sent with"),),
                     "Every command received before the /grower/sync has been applied.")
REPLIES: tuple[Reply, ...] = (STATUS_REPLY, FAIL_REPLY, DONE_REPLY, SYNCED_REPLY)
FAIL = FAIL_REPLY.address
DONE = DONE_REPLY.address

# -- notifications: sent unprompted, to every client registered with /grower/notify ----

METER_FLOOR_DB = -120  # the meter's silence: levels below it read as it
MAX_METER_HZ = 30  # /grower/meter.reply messages a second, at most, per client
STAGE_CHANGES_PER_S = 30  # /grower/stage/changed messages a second, at most (the last value is always sent)

VOICE_FIELDS = (
    Arg("ID", "i", "", doc="the server's number for the voice, unique while it runs (across banks); not a /grower/voice/on ID"),
    Arg("KEY", "i", "MIDI key", doc="the key that played it, from OSC or MIDI; -1 for a voice played by frequency (/grower/voice/on)"),
    Arg("HZ", "f", "Hz", doc="the pitch it started at"),
    Arg("TONE", "s", "", doc="its tone's name, in the bank it plays"),
)
VOICE_STARTED = Reply("/grower/voice/started", VOICE_FIELDS,
                      "A voice started (a note-on from OSC or MIDI was applied), as scsynth's /n_go.")
VOICE_ENDED = Reply("/grower/voice/ended", VOICE_FIELDS,
                    "A voice ended: its release or fade is over and the renderer freed it, as scsynth's /n_end. Its fields are "
                    "those it started with.")
STAGE_CHANGED = Reply("/grower/stage/changed", (Arg("STAGE", "f", "stage", doc="the global growth stage now set; voices glide to it"),),
                      f"The global stage changed (by /grower/stage, the stage CC, or a bank swap's cap): at most "
                      f"{STAGE_CHANGES_PER_S} a second, the last value always sent.")
BANK_CHANGED = Reply("/grower/bank/changed", (
    Arg("BANK", "s", "folder name", doc="the bank now played"),
    Arg("TONES", "i", "tones", doc="its tones"),
    Arg("N_HARMONICS", "i", "harmonics", doc="its harmonic count: the stage's ceiling"),
), "A bank hot swap took place (/grower/bank/load): new notes play this bank.")
TUNING_CHANGED = Reply("/grower/tuning/changed", (Arg("TUNING", "s", doc="the key map, as grower-serve prints it at start"),),
                       "The key map changed (/grower/tuning/load or /grower/tuning/reset, or a bank swap refitted it).")
METER_REPLY = Reply("/grower/meter.reply", (
    Arg("PEAK_DB", "f", "dBFS", doc=f"the output's peak since the last meter message ({METER_FLOOR_DB} for silence)"),
    Arg("RMS_DB", "f", "dBFS", doc=f"the output's RMS level since the last meter message ({METER_FLOOR_DB} for silence)"),
    Arg("VOICES", "i", "voices", doc="voices sounding, old banks' included"),
    Arg("CPU_PERCENT", "f", "% of the block period", doc="audio render time, averaged over recent blocks"),
), "The meter, RATE_HZ times a second to a client that asked with /grower/meter; to where its replies go.")
NOTIFICATIONS: tuple[Reply, ...] = (VOICE_STARTED, VOICE_ENDED, STAGE_CHANGED, BANK_CHANGED, TUNING_CHANGED, METER_REPLY)


class Timing(enum.Enum):
    """When a command acts, relative to its bundle's timetag (or to its arrival, without one)."""

    SAMPLE = "sample"  # on its exact sample
    BOUNDARY = "boundary"  # at the first control-period boundary at or after its time
    AT_ONCE = "at once"  # on the OSC thread as it arrives; timetags do not delay it

    @property
    def doc(self) -> str:
        return {Timing.SAMPLE: "on its exact sample",
                Timing.BOUNDARY: "at the next control-period boundary at or after its time",
                Timing.AT_ONCE: "at once, on the OSC thread, whatever its timetag"}[self]


@dataclass(frozen=True)
class Command:
    address: str
    args: tuple[Arg, ...]
    acts: Timing
    doc: str
    reply: Reply | None = None  # what comes back besides /grower/fail
    echo: str = ""  # for DONE_REPLY: the argument sent back as its ARG field

    @property
    def n_required(self) -> int:
        return sum(not a.optional for a in self.args)

    @property
    def reply_text(self) -> str:
        """The reply as docs/osc.md prints it: '/grower/done /grower/bank/load PATH'; '' for none."""
        if self.reply is None:
            return ""
        if self.reply is DONE_REPLY:
            return " ".join([DONE, self.address, *([self.echo] if self.echo else [])])
        return self.reply.usage

    def done_fields(self, args: list) -> dict:
        """DONE_REPLY's fields for this command carried out with args (converted): its address, and for
        loads the echoed argument as it was sent."""
        if self.echo:
            return {"command": self.address, "arg": args[[a.name for a in self.args].index(self.echo)]}
        return {"command": self.address}


KEY = Arg("KEY", "i", "MIDI key", 0, 127, doc="mapped through the tuning to a pitch and a tone")
VELOCITY = Arg("VELOCITY", "f", "", 0, 127, doc="an int 0..127 (MIDI), or a float 0.0..1.0; floats above 1 read as MIDI")
STAGE = Arg("STAGE", "f", "stage", 0, N_HARMONICS, doc="harmonics 1..STAGE sound; fractions fade the next one in")
GLIDE = Arg("GLIDE_S", "f", "s", 0, 60, optional=True, doc="glide time; omitted keeps the last one (default 0.02)")
VOICE_ID = Arg("ID", "i", "", 0, 2**31 - 1, doc="a voice id the client chooses, as scsynth's node ids")
PITCH = Arg("HZ", "f", "Hz", 1, 20000, doc="any pitch: microtonal")
GAIN_DB = Arg("GAIN_DB", "f", "dB", -96, 12)
MIX = Arg("MIX", "f", "linear", 0, 4, doc="1 is the learned level")
VELOCITY_TIMBRE = Arg("AMOUNT", "f", "", 0, MAX_VELOCITY_TIMBRE, doc="0: velocity changes only the level; 1: its brightness too, as learned; 2: twice as much")

# Limits on what a client may ask of the server (docs/osc.md prints them).
HORIZON_S = 60  # a command may be timetagged at most this far ahead; further is refused
MAX_TIMED_COMMANDS = 4096  # timed commands waiting for their time, per server; more are refused
LOAD_TIMEOUT_S = 10  # a bank or tuning not read and checked in this time is refused; the old one plays on
FAILS_PER_S = 100  # /grower/fail replies per second to one destination; the rest are counted and summarised
MAX_CLIENTS = 64  # clients registered with /grower/notify, and clients metered, at most

SAMPLE, BOUNDARY, AT_ONCE = Timing.SAMPLE, Timing.BOUNDARY, Timing.AT_ONCE
PROTOCOL: tuple[Command, ...] = (
    Command("/grower/status", (), AT_ONCE,
            "Server state: voices sounding, audio CPU load (% of the block period, averaged), underflows since start, "
            "the bank's folder name, the global stage, OSC messages received and errors answered.", STATUS_REPLY),
    Command("/grower/notify", (Arg("FLAG", "i", "", 0, 1, doc="1 registers this client, 0 unregisters it (and stops its meter)"),
                               Arg("PORT", "i", "UDP port", 1, 65535, optional=True, doc="where its replies go; default the port it sends from")),
            AT_ONCE, "Register this client (the host and port it sends from) for notifications, with its replies and "
            "notifications going to PORT on its host. Max's udpsend cannot receive on the port it sends from, so a patch "
            "registers its udpreceive port here. Several clients on one host each register their own.", DONE_REPLY),
    Command("/grower/meter", (Arg("RATE_HZ", "f", "Hz", 0, MAX_METER_HZ, doc="meter messages a second; 0 stops them"),), BOUNDARY,
            "Meter this client: /grower/meter.reply RATE_HZ times a second, with the output's peak and RMS since the "
            "last one, the voices and the CPU load, sent where its replies go.", DONE_REPLY),
    Command("/grower/note/on", (KEY, VELOCITY), SAMPLE,
            "Play a key through the tuning (the bank's tones by default, or a Scala scale). "
            "A key already sounding from OSC is retriggered."),
    Command("/grower/note/off", (KEY,), BOUNDARY, "Release a key played with /grower/note/on; its release follows."),
    Command("/grower/voice/on", (VOICE_ID, PITCH, VELOCITY,
                                 Arg("TONE", "s", "", optional=True, doc="tone name; empty or left off: the tone nearest in pitch")),
            SAMPLE, "Play a voice at any frequency, under an id the client chooses. An id already sounding is retriggered."),
    Command("/grower/voice/off", (VOICE_ID,), BOUNDARY, "Release a voice started with /grower/voice/on."),
    Command("/grower/voice/pitch", (VOICE_ID, PITCH), BOUNDARY, "Move a sounding voice to a new frequency."),
    Command("/grower/voice/stage", (VOICE_ID, STAGE, GLIDE), BOUNDARY, "Set one voice's own growth stage."),
    Command("/grower/stage", (STAGE, GLIDE), BOUNDARY, "Set the global growth stage; voices without their own or their tone's stage follow it."),
    Command("/grower/tone/stage", (Arg("TONE", "s", doc="tone name, as in bank.json"), STAGE, GLIDE), BOUNDARY,
            "Set one tone's growth stage; its voices follow it unless they have their own."),
    Command("/grower/gain", (GAIN_DB,), BOUNDARY, "Master gain."),
    Command("/grower/noise", (MIX,), BOUNDARY, "Noise level relative to the learned one."),
    Command("/grower/harmonic", (MIX,), BOUNDARY, "Harmonic level relative to the learned one."),
    Command("/grower/transpose", (Arg("MODE", "s", "", choices=TRANSPOSE_MODES,
                                      doc="envelope: each tone keeps its spectral envelope (formants) in hertz at any pitch, and a "
                                          "pitch between two trained tones blends both; harmonics: one tone's harmonics move with the "
                                          "pitch, as a sped-up recording"),),
            BOUNDARY, "How a tone is played away from its recorded pitch (default envelope); sounding voices follow it from the "
            "next boundary, new ones choose their tones by it."),
    Command("/grower/velocity_timbre", (VELOCITY_TIMBRE,), BOUNDARY,
            "How much velocity changes brightness: a softer note is darker, as each tone's velocity timbre table says "
            "(learned by grower-train, or a tilt). Sounding voices take the new amount too."),
    Command("/grower/panic", (), BOUNDARY, "Silence every voice (a 2.7 ms fade), lift the sustain pedals, forget every held note."),
    Command("/grower/bank/load", (Arg("PATH", "s", "folder", doc="a bank folder inside an allowed folder"),), BOUNDARY,
            "Hot-swap the bank, with no gap: new notes play the new bank, while notes held on the old one sound on it "
            "until their note-off, and then ring out there. "
            f"The bank is read and checked by the loader thread, never the OSC or audio thread, in at most {LOAD_TIMEOUT_S} s; "
            "the swap happens at the first boundary after that. A bank that fails is answered with /grower/fail, "
            "and the old bank plays on.", DONE_REPLY, echo="PATH"),
    Command("/grower/tuning/load", (Arg("SCL", "s", ".scl file", doc="inside an allowed folder"),
                                    Arg("KBM", "s", ".kbm file", optional=True, doc="keyboard mapping; default: degree 0 on key 60 at 261.63 Hz")),
            BOUNDARY, "Retune the keys with a Scala scale; each key plays the trained tone nearest its pitch. "
            "The files are read by the loader thread, after any bank load sent before; the new tuning applies at the "
            "first boundary after that.", DONE_REPLY, echo="SCL"),
    Command("/grower/tuning/reset", (), BOUNDARY, "Back to the default mapping: the bank's tones from the root key, repeating at "
            "the fewest whole octaves that lift the lowest tone above the highest (one octave for a bank within an octave).",
            DONE_REPLY),
    Command("/grower/sync", (Arg("ID", "i", "", -2**31, 2**31 - 1),), BOUNDARY,
            "Replies once every command received before it has been applied by the audio thread (loads included).", SYNCED_REPLY),
    Command("/grower/quit", (), AT_ONCE, "Stop the server; a recording is closed complete.", DONE_REPLY),
)

BY_ADDRESS: dict[str, Command] = {c.address: c for c in PROTOCOL}


def parse_args(command: Command, values: list, bounds: Mapping[str, float] | None = None) -> list:
    """Check values against command's arguments. Returns them converted (ints, floats, strs).

    bounds: the run-time range ends by ``Bound.name`` (``{"n_harmonics": 64}``); None: their defaults.
    Raises ProtocolError naming the argument and the reason.
    """
    if not command.n_required <= len(values) <= len(command.args):
        wanted = f"{command.n_required}" if command.n_required == len(command.args) else f"{command.n_required}..{len(command.args)}"
        usage = " ".join(a.name if not a.optional else f"[{a.name}]" for a in command.args)
        raise ProtocolError(f"takes {wanted} arguments ({usage or 'none'}), got {len(values)}")
    return [_convert(arg, value, bounds) for arg, value in zip(command.args, values)]


def _convert(arg: Arg, value, bounds: Mapping[str, float] | None):
    if arg.type == "s":
        if not isinstance(value, str):
            raise ProtocolError(f"{arg.name} must be a string, got {_type_name(value)}")
        if arg.choices and value not in arg.choices:
            raise ProtocolError(f"{arg.name} must be one of {', '.join(arg.choices)}, got '{short_text(value, 60)}'")
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
    if arg.low is not None and not arg.low <= value <= arg.high_value(bounds):
        unit = f" {arg.unit}" if arg.unit else ""
        bound = f" ({arg.high.doc})" if isinstance(arg.high, Bound) else ""
        raise ProtocolError(f"{arg.name} must be within {arg.range_text(bounds)}{unit}{bound}, got {value:g}")
    return value


def _type_name(value) -> str:
    return {bool: "a boolean", bytes: "a blob", str: "a string", type(None): "nil"}.get(type(value), type(value).__name__)


def velocity_unit(value: int | float) -> float:
    """A VELOCITY argument as a 0..1 gain: ints are MIDI velocities, floats up to 1.0 are already gains."""
    if isinstance(value, int) or value > 1.0:
        return value / 127.0
    return float(value)


# -- One-line messages: every /grower/fail and every error line is one readable line ----------


def short_text(text: str, limit: int = 200) -> str:
    """text on one line (control characters shown as '?'), its middle cut when it is longer than limit."""
    text = str(text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else "?" for c in text)
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


def reason_of(error: BaseException) -> str:
    """An unexpected exception as a reason a person can read: its message, without class names or errno."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    if isinstance(error, MemoryError):
        return "it needs more memory than there is"
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    lines = str(error).strip().splitlines()
    return short_text(lines[0], 160) if lines else "an unexpected error"


def markdown() -> str:
    """docs/osc.md, from the table."""
    from grower.synth.renderer import CONTROL_PERIOD  # the synth owns the period; imported here only, as it loads numba

    lines = [
        "# OSC protocol",
        "",
        "Generated from `server/protocol.py` by `.venv/bin/python -m grower.server.protocol > docs/osc.md`; a test keeps them equal.",
        "",
        "The server listens on UDP (default `127.0.0.1:9000`). A client is the socket it sends from: its host and port.",
        "Replies to a request go to the client that sent it: to the port it registered with `/grower/notify 1 PORT`, else",
        "back to the port it sent from; so several clients on one computer (a Max patch and a Max for Live device) each",
        f"get their own. Every error is answered with `{FAIL_REPLY.usage}` and counted; the server keeps playing.",
        "Ints and floats are accepted alike for numeric arguments.",
        "",
        "## When commands act",
        "",
        "A message outside a bundle, or in a bundle whose timetag is now or past, acts as soon as it can; a bundle",
        "with a future timetag is scheduled by the server (never slept on). The *acts* column says where it lands:",
        "",
    ]
    lines += [f"- **{t.value}**: {t.doc}." for t in Timing]
    lines += [
        "",
        f"The control period is {CONTROL_PERIOD} samples ({1000 * CONTROL_PERIOD / 48000:.2f} ms at 48 kHz).",
        "",
        "| address | arguments | acts | reply | |",
        "|---|---|---|---|---|",
    ]
    for c in PROTOCOL:
        args = " ".join(f"[{a.name}]" if a.optional else a.name for a in c.args)
        lines.append(f"| `{c.address}` | {args} | {c.acts.value} | {f'`{c.reply_text}`' if c.reply else ''} | {c.doc} |")
    lines += ["", "## Arguments", "", "| command | argument | type | unit | range | |", "|---|---|---|---|---|---|"]
    for c in PROTOCOL:
        for a in c.args:
            lines.append(f"| `{c.address}` | {a.name} | {a.type} | {a.unit} | {a.range_text()} | {a.doc} |")
    lines += ["", "## Replies", "", "| reply | field | type | unit | |", "|---|---|---|---|---|"]
    for r in REPLIES:
        for f in r.fields:
            name = f"[{f.name}]" if f.optional else f.name
            lines.append(f"| `{r.address}` | {name} | {f.type} | {f.unit} | {f.doc} |")
    lines += [
        "",
        "## Notifications",
        "",
        "Sent unprompted, as scsynth's `/n_go` and `/n_end`, to every client registered with `/grower/notify 1 [PORT]`",
        "(at the port it registered), on the same queue as the replies, in the order the audio thread noted them: a",
        "voice's start when its note-on is applied (so before the `/grower/synced` of a `/grower/sync` sent after the",
        "note-on), its end in the block whose rendering freed it, a stage, bank or tuning change after the block in which",
        "it took effect. The meter goes only to the clients that asked for it with `/grower/meter RATE_HZ`, each at its",
        "own rate. The audio thread only records what happened (a few numbers, never waiting); the OSC sending thread",
        "formats and sends it. Nothing is noted while no client is registered.",
        "",
        "| notification | | |",
        "|---|---|---|",
    ]
    lines += [f"| `{n.usage}` | {n.doc} |" for n in NOTIFICATIONS]
    lines += ["", "| notification | field | type | unit | |", "|---|---|---|---|---|"]
    for n in NOTIFICATIONS:
        for f in n.fields:
            lines.append(f"| `{n.address}` | {f.name} | {f.type} | {f.unit} | {f.doc} |")
    lines += [
        "",
        "## Limits",
        "",
        f"- **Horizon**: a command that waits for its timetag may be timetagged at most {HORIZON_S} s ahead; one further",
        f'  ahead is refused with `/grower/fail ADDRESS "timetag is N s ahead; the horizon is {HORIZON_S} s"`.',
        f"- **Timed commands**: at most {MAX_TIMED_COMMANDS} wait for their time at once, in the server's heap; one more is",
        "  refused with `/grower/fail` until some have played.",
        "- **Loads**: a bank or a tuning is read by the loader thread, one load at a time in the order sent, and must be",
        f"  read and checked within {LOAD_TIMEOUT_S} s; else `/grower/fail` names the file and the reason and the old one",
        "  plays on. Commands sent meanwhile act on the old bank; `/grower/sync` waits for the loads sent before it.",
        f"- **Error replies**: at most {FAILS_PER_S} `/grower/fail` replies a second go to one destination (host and port);",
        '  the rest are counted in ERRORS as usual and summarised once a second as `/grower/fail "" "N further errors',
        '  suppressed"`. Status, done and synced replies, and notifications, are never dropped.',
        f"- **Clients**: at most {MAX_CLIENTS} clients are registered with `/grower/notify`, and {MAX_CLIENTS} metered, at once;",
        "  one more is refused with `/grower/fail`. A client that registers the port another client of its host",
        "  registered takes it over (a patch opened again sends from a new port); `/grower/notify 0` unregisters only",
        "  the client that sends it.",
        "",
    ]
    lines += ["## Errors", "", f"`{FAIL_REPLY.usage}`: ADDRESS is the command's address (empty when none could be read",
              "from the packet), MESSAGE one line naming what was wrong: malformed packets (unknown type tags and bytes",
              "after the last argument included), unknown addresses, wrong argument types or counts, NaN, infinite or",
              "out-of-range values (a STAGE above the playing bank's n_harmonics included), paths outside the allowed",
              "folders, banks and tunings that cannot be used (the file and the reason), unknown tones or voice ids,",
              "timetags past the horizon. A bank whose rendering fails while it plays (it raised, or its samples were not",
              "finite) is dropped and reported once, to the client that loaded it, with the address `/grower/bank/load`",
              "(empty for the bank the server started with, sent to the clients registered with `/grower/notify`).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown())
