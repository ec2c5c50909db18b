"""OSC commands to engine actions: one handler per row of the protocol table.

Handlers are registered by address in ``Dispatcher.__post_init__`` (as
python-osc's ``Dispatcher.map``), so ``grep /grower/tone/stage`` finds its
handler. They run on the OSC thread. They check everything they can there
(arguments, paths) and submit closures for the audio thread; what can only be
known there (is voice 7 sounding?) is answered from there through the reply
queue. Banks and tunings are read by the loader thread (``loader.py``), never
here nor in audio. Each handler acts as its row's ``acts`` says: ``AT_ONCE``
here, the others through ``_later`` on the audio thread.

A client is the socket a message comes from (host, port). Replies to a request
go to that client: to the port it registered with /grower/notify, else back to
where it sent from (``clients.Clients``, kept by the engine: the audio thread
needs to know who listens).

Nothing that comes in is trusted: a timetag more than ``HORIZON_S`` ahead, or
one more timed command than ``MAX_TIMED_COMMANDS``, is refused; paths must lie
inside the allowed folders; and every failure is one readable line (control
characters replaced, any word over 200 characters cut in the middle).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .clients import TooManyClients
from .engine import Engine
from .loader import LoaderThread, prepare_bank, prepare_tuning
from .protocol import (BY_ADDRESS, DONE_REPLY, FAIL_REPLY, HORIZON_S, MAX_TIMED_COMMANDS, N_HARMONICS, STATUS_REPLY, SYNCED_REPLY,
                       Command, ProtocolError, Timing, parse_args, short_text, velocity_unit)
from .tuning import bank_keymap

MAX_PATH_CHARS = 4096  # PATH_MAX on Linux: no longer path names a file
MAX_MESSAGE_CHARS = 1000  # a /grower/fail message, at most
_LONG_WORD = re.compile(r"\S{201,}")


def readable(message: str) -> str:
    """message as one line a person can read: control characters as '?', each run of over 200
    characters without a space cut in the middle, and at most MAX_MESSAGE_CHARS in all."""
    if len(message) <= 200 and message.isprintable():
        return message
    text = _LONG_WORD.sub(lambda m: short_text(m.group(0)), short_text(message, 10 * MAX_MESSAGE_CHARS))
    return short_text(text, MAX_MESSAGE_CHARS)


class CommandError(ValueError):
    """A well-formed command that cannot be carried out; the text says why."""


@dataclass
class Request:
    """One message: its command, converted args, when it should sound, who sent it and where replies go."""

    command: Command
    args: list
    wall_time_s: float | None
    reply_to: tuple  # (host, port)
    sender: tuple = ()  # (host, port): the client


Handler = Callable[[Request], None]


@dataclass
class Dispatcher:
    engine: Engine
    allowed_dirs: list[Path]
    on_quit: Callable[[], None] = lambda: None
    loader: LoaderThread = field(default_factory=LoaderThread)  # reads banks and tunings, one at a time

    def __post_init__(self):
        self.allowed_dirs = [Path(d).resolve() for d in self.allowed_dirs]
        self.handlers: dict[str, Handler] = {}
        self.map("/grower/status", self._status)
        self.map("/grower/notify", self._notify)
        self.map("/grower/meter", self._meter)
        self.map("/grower/note/on", self._note_on)
        self.map("/grower/note/off", self._note_off)
        self.map("/grower/voice/on", self._voice_on)
        self.map("/grower/voice/off", self._voice_off)
        self.map("/grower/voice/pitch", self._voice_pitch)
        self.map("/grower/voice/stage", self._voice_stage)
        self.map("/grower/stage", self._stage)
        self.map("/grower/tone/stage", self._tone_stage)
        self.map("/grower/gain", self._gain)
        self.map("/grower/noise", self._noise)
        self.map("/grower/harmonic", self._harmonic)
        self.map("/grower/transpose", self._transpose)
        self.map("/grower/velocity_timbre", self._velocity_timbre)
        self.map("/grower/panic", self._panic)
        self.map("/grower/bank/load", self._bank_load)
        self.map("/grower/tuning/load", self._tuning_load)
        self.map("/grower/tuning/reset", self._tuning_reset)
        self.map("/grower/sync", self._sync)
        self.map("/grower/quit", self._quit)

    def map(self, address: str, handler: Handler) -> None:
        """Register handler for a row of the protocol table; one handler per address."""
        if address not in BY_ADDRESS:
            raise ValueError(f"{address} is not in the protocol table (server/protocol.py)")
        if address in self.handlers:
            raise ValueError(f"{address} already has a handler ({self.handlers[address].__name__})")
        self.handlers[address] = handler

    # -- entry ---------------------------------------------------------------------

    def destination(self, sender: tuple) -> tuple:
        """Where replies to sender's requests go: the port it registered, else back where it sent from."""
        return self.engine.clients.destination(sender)

    def dispatch(self, address: str, values: list, wall_time_s: float | None, sender: tuple, now_s: float | None = None) -> None:
        """Validate and act on one message; every error is replied with /grower/fail and counted.

        wall_time_s: its bundle's future timetag (None: now). now_s: the wall clock it was received at."""
        self.engine.messages += 1
        reply_to = self.destination(sender)
        command = BY_ADDRESS.get(address)
        try:
            if command is None:
                raise ProtocolError("unknown address (see docs/osc.md)")
            if wall_time_s is not None and command.acts is not Timing.AT_ONCE:
                self._check_timed(wall_time_s, now_s)
            args = parse_args(command, values, {N_HARMONICS.name: self.engine.player.n_harmonics})
            self.handlers[address](Request(command, args, wall_time_s, reply_to, sender))
        except (ProtocolError, CommandError) as error:
            self.fail(address, str(error), reply_to)

    def _check_timed(self, wall_time_s: float, now_s: float | None) -> None:
        """A timed command may wait at most HORIZON_S, and at most MAX_TIMED_COMMANDS may wait at once."""
        if now_s is not None and wall_time_s - now_s > HORIZON_S:
            ahead_s = wall_time_s - now_s
            raise CommandError(f"timetag is {ahead_s:.0f} s ahead; the horizon is {HORIZON_S} s")
        if self.engine.timed_waiting >= MAX_TIMED_COMMANDS:
            raise CommandError(f"{MAX_TIMED_COMMANDS} timed commands are already waiting, the most the server holds; "
                               "send this one nearer its time")

    def malformed(self, address: str, message: str, sender: tuple) -> None:
        """A datagram that could not be parsed: counted as one message, answered with /grower/fail.

        address: the one read from the packet before the fault, else ""."""
        self.engine.messages += 1
        self.fail(address, message, self.destination(sender))

    def fail(self, address: str, message: str, reply_to) -> None:
        """Count an error and answer it (any thread): /grower/fail address, message made readable."""
        self.engine.count_error()
        self.engine.reply(FAIL_REPLY, reply_to, address=short_text(address), message=readable(message))

    def _done(self, r: Request, reply_to: tuple | None = None) -> None:
        """/grower/done for r's command, as its row says (with the echoed argument for loads)."""
        self.engine.reply(DONE_REPLY, reply_to or r.reply_to, **r.command.done_fields(r.args))

    def _later(self, request: Request, action: Callable[[int | None], object]) -> None:
        """Run action(at_sample) on the audio thread; a CommandError there becomes a /grower/fail."""
        def apply(at_sample):
            try:
                action(at_sample)
            except (CommandError, ValueError) as error:
                self.fail(request.command.address, str(error), request.reply_to)

        self.engine.submit(apply, request.wall_time_s)

    # -- handlers: one per protocol row, mapped above --------------------------------

    def _status(self, r: Request) -> None:
        e = self.engine
        e.reply(STATUS_REPLY, r.reply_to, voices=e.voices, cpu_percent=round(100 * e.cpu_load, 2), underflows=e.underflows,
                bank=e.player.bank_dir.name, stage=e.player.global_stage, messages=e.messages, errors=e.errors)

    def _notify(self, r: Request) -> None:
        flag, port = r.args[0], (r.args[1] if len(r.args) > 1 else None)
        clients = self.engine.clients
        if flag:  # confirmed at the new port: that is where the client listens now
            try:
                self._done(r, clients.register(r.sender, port))
            except TooManyClients as error:
                raise CommandError(str(error)) from None
        else:  # confirmed at the old one, for the same reason
            self._done(r, clients.unregister(r.sender))

    def _meter(self, r: Request) -> None:
        rate_hz, sender = r.args[0], r.sender

        def meter(at):
            try:
                self.engine.clients.set_meter(sender, rate_hz)
            except TooManyClients as error:
                raise CommandError(str(error)) from None
            self._done(r)

        self._later(r, meter)

    def _note_on(self, r: Request) -> None:
        key, velocity = r.args[0], velocity_unit(r.args[1])

        def on(at):
            player = self.engine.player
            if velocity == 0:  # as in MIDI, velocity 0 is a release
                player.off(("osc", key), at)
            elif not player.key_on(("osc", key), key, velocity, at):
                raise CommandError(f"key {key} is not mapped by the tuning")

        self._later(r, on)

    def _note_off(self, r: Request) -> None:
        key = r.args[0]
        self._later(r, lambda at: self.engine.player.off(("osc", key), at))

    def _voice_on(self, r: Request) -> None:
        voice_id, pitch_hz, velocity = r.args[0], r.args[1], velocity_unit(r.args[2])
        name = r.args[3] if len(r.args) > 3 and r.args[3] else None  # "": the nearest tone (OSCQuery clients send every argument)
        if name is not None:
            self._tone(name)  # answered now; looked up again when it plays, in the bank playing then
        self._later(r, lambda at: self.engine.player.pitch_on(("id", voice_id), pitch_hz, velocity,
                                                              None if name is None else self._tone(name), at))

    def _voice_must_sound(self, found: bool, voice_id: int) -> None:
        if not found:
            raise CommandError(f"voice {voice_id} is not sounding")

    def _voice_off(self, r: Request) -> None:
        voice_id = r.args[0]
        self._later(r, lambda at: self._voice_must_sound(self.engine.player.off(("id", voice_id), at), voice_id))

    def _voice_pitch(self, r: Request) -> None:
        voice_id, pitch_hz = r.args
        self._later(r, lambda at: self._voice_must_sound(self.engine.player.set_pitch(("id", voice_id), pitch_hz, at), voice_id))

    def _voice_stage(self, r: Request) -> None:
        voice_id, stage, glide_s = (r.args + [None])[:3]
        self._later(r, lambda at: self._voice_must_sound(self.engine.player.set_voice_stage(("id", voice_id), stage, glide_s, at), voice_id))

    def _stage(self, r: Request) -> None:
        stage, glide_s = (r.args + [None])[:2]
        self._later(r, lambda at: self.engine.player.set_stage(stage, glide_s, at_sample=at))

    def _tone_stage(self, r: Request) -> None:
        name, stage, glide_s = (r.args + [None])[:3]
        self._tone(name)  # answered now; looked up again when it applies, in the bank playing then
        self._later(r, lambda at: self.engine.player.set_stage(stage, glide_s, tone=self._tone(name), at_sample=at))

    def _tone(self, name: str) -> int:
        """A tone's index in the playing bank, or a CommandError naming the tones there are."""
        try:
            return self.engine.player.tone_index(name)
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _gain(self, r: Request) -> None:
        gain_db = r.args[0]
        self._later(r, lambda at: self.engine.player.set_gain_db(gain_db, at_sample=at))

    def _noise(self, r: Request) -> None:
        mix = r.args[0]
        self._later(r, lambda at: self.engine.player.set_mix(noise=mix, at_sample=at))

    def _harmonic(self, r: Request) -> None:
        mix = r.args[0]
        self._later(r, lambda at: self.engine.player.set_mix(harmonic=mix, at_sample=at))

    def _transpose(self, r: Request) -> None:
        mode = r.args[0]  # one of TRANSPOSE_MODES: parse_args checked it against the row's choices
        self._later(r, lambda at: self.engine.player.set_transpose(mode, at_sample=at))
    def _velocity_timbre(self, r: Request) -> None:
        amount = r.args[0]
        self._later(r, lambda at: self.engine.player.set_velocity_timbre(amount, at_sample=at))

    def _panic(self, r: Request) -> None:
        def panic(at):
            self.engine.player.panic(at)
            for midi in self.engine.midi_performers:
                midi.reset()

        self._later(r, panic)

    def _bank_load(self, r: Request) -> None:
        path = self.allowed_path(r.args[0], "bank folder")
        if not path.is_dir():
            raise CommandError(f"bank folder {self._quoted(r.args[0])} is not a folder")
        player = self.engine.player

        def loaded(prepared):  # on the loader thread
            def swap(at):
                player.swap_bank(prepared.bank, path, prepared.renderer, source=(r.command.address, r.reply_to))
                self._done(r)

            self._later(r, swap)

        self.loader.load(lambda: prepare_bank(path, player.config, self.engine.yield_to_audio), short_text(path), loaded,
                         lambda message: self.fail(r.command.address, message, r.reply_to))

    def _tuning_load(self, r: Request) -> None:
        scl = self.allowed_path(r.args[0], ".scl file")
        kbm = self.allowed_path(r.args[1], ".kbm file") if len(r.args) > 1 and r.args[1] else None
        player = self.engine.player

        def loaded(keymap):  # on the loader thread
            def load(at):
                player.set_keymap(keymap)
                self._done(r)

            self._later(r, load)

        # The tones are those the player holds when the load runs. A bank load sent just before may
        # not be swapped in yet; Player.set_keymap then refits the map to the new tones.
        self.loader.load(lambda: prepare_tuning(self.engine.player.tone_f0_hz, scl, kbm), short_text(scl), loaded,
                         lambda message: self.fail(r.command.address, message, r.reply_to))

    def _tuning_reset(self, r: Request) -> None:
        player = self.engine.player
        keymap = bank_keymap(player.tone_f0_hz, player.root_key)

        def reset(at):
            player.set_keymap(keymap)
            self._done(r)

        self._later(r, reset)

    def _sync(self, r: Request) -> None:
        sync_id = r.args[0]

        def synced():
            self._later(r, lambda at: self.engine.reply(SYNCED_REPLY, r.reply_to, id=sync_id))

        if not self.loader.after_loads(synced):  # loads sent before it finish first
            synced()

    def _quit(self, r: Request) -> None:
        self._done(r)
        self.on_quit()

    # -- paths ---------------------------------------------------------------------

    def allowed_path(self, text: str, what: str) -> Path:
        """text resolved inside an allowed folder (relative: against the first), or a CommandError.

        Only looks (stat), never opens: a FIFO or a device is for the loader to refuse."""
        if not text or "\x00" in text:
            raise CommandError(f"{what} path is empty or holds a NUL character")
        if len(text) > MAX_PATH_CHARS:
            raise CommandError(f"{what} path is {len(text)} characters long; no path is longer than {MAX_PATH_CHARS}")
        quoted = self._quoted(text)
        try:
            path = Path(text).expanduser() if text.startswith("~") else Path(text)
        except RuntimeError:
            raise CommandError(f"{what} {quoted} starts with ~ but names no user's home folder") from None
        if not path.is_absolute():
            path = self.allowed_dirs[0] / path
        try:
            path = path.resolve()
        except RuntimeError:
            raise CommandError(f"{what} {quoted} cannot be resolved: it goes round a loop of symbolic links") from None
        except OSError as error:
            raise CommandError(f"{what} {quoted} cannot be resolved ({_strerror(error)})") from None
        if not any(path.is_relative_to(d) for d in self.allowed_dirs):
            raise CommandError(f"{what} {quoted} is outside the allowed folders ({', '.join(short_text(d) for d in self.allowed_dirs)})")
        try:
            exists = path.exists()
        except OSError as error:
            raise CommandError(f"{what} {quoted} cannot be looked at ({_strerror(error)})") from None
        if not exists:
            raise CommandError(f"{what} {quoted} does not exist")
        return path

    @staticmethod
    def _quoted(text: str) -> str:
        return f"'{short_text(text)}'"


def _strerror(error: OSError) -> str:
    reason = error.strerror or "unreadable"
    return reason[:1].lower() + reason[1:]
