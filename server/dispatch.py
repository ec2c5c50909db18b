"""OSC commands to engine actions: one handler per row of the protocol table.

Handlers run on the OSC thread. They check everything they can there
(arguments, paths, files) and submit closures for the audio thread; what can
only be known there (is voice 7 sounding?) is answered from there through the
reply queue. Loading a bank or a tuning reads files here, never in audio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grower.synth.bank import BankError, load_bank
from grower.synth.renderer import Renderer

from .engine import Engine
from .protocol import BY_ADDRESS, DONE, FAIL, PROTOCOL, Command, ProtocolError, parse_args, velocity_unit
from .tuning import TuningLoadError, bank_keymap, scala_keymap


def handler_name(address: str) -> str:
    """The Dispatcher method for a protocol row: /grower/tone/stage -> _tone_stage."""
    return "_" + address.removeprefix("/grower/").replace("/", "_").replace(".", "_")


class CommandError(ValueError):
    """A well-formed command that cannot be carried out; the text says why."""


@dataclass
class Request:
    """One message: its command, converted args, when it should sound and where replies go."""

    command: Command
    args: list
    wall_time_s: float | None
    reply_to: tuple  # (host, port)


@dataclass
class Dispatcher:
    engine: Engine
    allowed_dirs: list[Path]
    notify: dict = field(default_factory=dict)  # host -> port registered with /grower/notify
    on_quit: Callable[[], None] = lambda: None

    def __post_init__(self):
        self.allowed_dirs = [Path(d).resolve() for d in self.allowed_dirs]
        self.handlers = {c.address: getattr(self, handler_name(c.address)) for c in PROTOCOL}

    # -- entry ---------------------------------------------------------------------

    def destination(self, sender: tuple) -> tuple:
        host = sender[0]
        return (host, self.notify[host]) if host in self.notify else sender

    def dispatch(self, address: str, values: list, wall_time_s: float | None, sender: tuple) -> None:
        """Validate and act on one message; every error is replied with /grower/fail and counted."""
        self.engine.messages += 1
        reply_to = self.destination(sender)
        command = BY_ADDRESS.get(address)
        try:
            if command is None:
                raise ProtocolError("unknown address (see docs/osc.md)")
            args = parse_args(command, values)
            self.handlers[address](Request(command, args, wall_time_s, reply_to))
        except (ProtocolError, CommandError) as error:
            self.fail(address, str(error), reply_to)

    def malformed(self, message: str, sender: tuple) -> None:
        """A datagram that is not OSC: counted as a message, answered with /grower/fail and no address."""
        self.engine.messages += 1
        self.fail("", message, self.destination(sender))

    def fail(self, address: str, message: str, reply_to) -> None:
        self.engine.errors += 1
        self.engine.reply(FAIL, [address, message], reply_to)

    def _later(self, request: Request, action: Callable[[int | None], object]) -> None:
        """Run action(at_sample) on the audio thread; a CommandError there becomes a /grower/fail."""
        def apply(at_sample):
            try:
                action(at_sample)
            except (CommandError, ValueError) as error:
                self.fail(request.command.address, str(error), request.reply_to)

        self.engine.submit(apply, request.wall_time_s)

    # -- handlers: one per protocol row --------------------------------------------

    def _status(self, r: Request) -> None:
        e = self.engine
        self.engine.reply("/grower/status.reply", [e.voices, round(100 * e.cpu_load, 2), e.underflows, e.player.bank_dir.name,
                                                   float(e.player.global_stage), e.messages, e.errors], r.reply_to)

    def _notify(self, r: Request) -> None:
        flag, port = r.args[0], (r.args[1] if len(r.args) > 1 else None)
        host = r.reply_to[0]
        if flag:  # confirmed at the new port: that is where the client listens now
            self.notify[host] = port or r.reply_to[1]
            self.engine.reply(DONE, ["/grower/notify"], (host, self.notify[host]))
        else:  # confirmed at the old one, for the same reason
            self.notify.pop(host, None)
            self.engine.reply(DONE, ["/grower/notify"], r.reply_to)

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
        tone = self._tone(r.args[3]) if len(r.args) > 3 else None
        self._later(r, lambda at: self.engine.player.pitch_on(("id", voice_id), pitch_hz, velocity, tone, at))

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
        tone = self._tone(name)
        self._later(r, lambda at: self.engine.player.set_stage(stage, glide_s, tone=tone, at_sample=at))

    def _tone(self, name: str) -> int:
        """A tone's index in the playing bank, or a CommandError naming the tones there are."""
        try:
            return self.engine.player.tone_index(name)
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _gain(self, r: Request) -> None:
        self._later(r, lambda at: self.engine.player.set_gain_db(r.args[0]))

    def _noise(self, r: Request) -> None:
        self._later(r, lambda at: self.engine.player.set_mix(noise=r.args[0]))

    def _harmonic(self, r: Request) -> None:
        self._later(r, lambda at: self.engine.player.set_mix(harmonic=r.args[0]))

    def _panic(self, r: Request) -> None:
        def panic(at):
            self.engine.player.panic(at)
            for midi in self.engine.midi_performers:
                midi.reset()

        self._later(r, panic)

    def _bank_load(self, r: Request) -> None:
        path = self.allowed_path(r.args[0], "bank folder")
        try:
            bank = load_bank(path)
        except BankError as error:
            raise CommandError(str(error)) from None
        player = self.engine.player
        renderer = Renderer(bank, player.config)

        def swap(at):
            player.swap_bank(bank, path, renderer)
            self.engine.reply(DONE, ["/grower/bank/load", r.args[0]], r.reply_to)

        self._later(r, swap)

    def _tuning_load(self, r: Request) -> None:
        scl = self.allowed_path(r.args[0], ".scl file")
        kbm = self.allowed_path(r.args[1], ".kbm file") if len(r.args) > 1 and r.args[1] else None
        try:
            keymap = scala_keymap(self.engine.player.tone_f0_hz, scl, kbm)
        except TuningLoadError as error:
            raise CommandError(str(error)) from None

        def load(at):
            self.engine.player.set_keymap(keymap)
            self.engine.reply(DONE, ["/grower/tuning/load", r.args[0]], r.reply_to)

        self._later(r, load)

    def _tuning_reset(self, r: Request) -> None:
        player = self.engine.player
        keymap = bank_keymap(player.tone_f0_hz, player.root_key)

        def reset(at):
            player.set_keymap(keymap)
            self.engine.reply(DONE, ["/grower/tuning/reset"], r.reply_to)

        self._later(r, reset)

    def _sync(self, r: Request) -> None:
        self._later(r, lambda at: self.engine.reply("/grower/synced", [r.args[0]], r.reply_to))

    def _quit(self, r: Request) -> None:
        self.engine.reply(DONE, ["/grower/quit"], r.reply_to)
        self.on_quit()

    # -- paths ---------------------------------------------------------------------

    def allowed_path(self, text: str, what: str) -> Path:
        """text resolved inside an allowed folder (relative: against the first), or a CommandError."""
        if not text or "\x00" in text:
            raise CommandError(f"{what} path is empty or invalid")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.allowed_dirs[0] / path
        path = path.resolve()
        if not any(path.is_relative_to(d) for d in self.allowed_dirs):
            raise CommandError(f"{what} {text!r} is outside the allowed folders ({', '.join(str(d) for d in self.allowed_dirs)})")
        if not path.exists():
            raise CommandError(f"{what} {text!r} does not exist")
        return path
