"""MIDI performance: mido messages to a Player. Pure state, no ports.

grower-serve's MIDI ports and grower-play's files both feed ``MidiPerformer.handle``,
so a file renders exactly as the same messages played live would.

What each message does:

- note on/off with velocity (note on with velocity 0 is a note off);
- CC64 sustain pedal per channel: releases wait for the pedal to lift;
- pitch bend, ±2 semitones by default, settable (and by RPN 0); in MPE mode
  member channels bend ±48 by default;
- the stage CC (CC1 by default) sets the global growth stage, 0..127 -> 1..n_harmonics (at rest: the bare fundamental)
  (the playing bank's: 64 for banks from grower-train);
- the velocity timbre CC (CC71, "timbre/harmonic intensity", by default) sets how much velocity changes
  brightness: 0..127 -> 0..1.98, 64 -> 1 (as learned), 0 -> velocity is only gain (cc_to_velocity_timbre);
- channel pressure: expression 1 + pressure/127 (up to +6 dB) on the channel's
  voices; in MPE each member channel is one voice, so it is per voice;
- MPE: CC74 sets the channel's voices' own stage, 0..127 -> 1..n_harmonics (at rest: the bare fundamental);
- CC120 all sound off, CC123 all notes off, CC121 reset controllers, and the
  system reset message (0xFF) resets everything;
- MIDI Tuning Standard single-note tuning changes, real-time
  (F0 7F dev 08 02 ...) and non-real-time with bank (F0 7E dev 08 07 ...),
  retune keys and their sounding notes.

Running status: mido reads it in .mid files; for raw byte streams mido's
parser does not, so ``RunningStatusParser`` restores the status bytes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import mido

from .player import Player
from .tuning import mts_frequency_hz

N_CHANNELS = 16


@dataclass(frozen=True)
class MidiConfig:
    bend_range: float = 2.0  # semitones, non-MPE channels and the MPE manager channel
    mpe: bool = False  # MPE lower zone: channel 1 manages, channels 2..16 carry one note each
    mpe_bend_range: float = 48.0  # semitones, MPE member channels
    stage_cc: int = 1
    stage_glide_s: float | None = None  # None: the renderer's glide
    velocity_timbre_cc: int = 71  # GM2 sound controller 2, "timbre/harmonic intensity"; CC74 is MPE's per-voice stage


class MidiPerformer:
    def __init__(self, player: Player, config: MidiConfig = MidiConfig()):
        self.player = player
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Controllers to their defaults: no bend, no pressure, pedals up; held notes kept."""
        self.bend = [0.0] * N_CHANNELS  # -1..1
        self.pressure = [0] * N_CHANNELS
        self.pedal = [False] * N_CHANNELS
        self.sustained: set[tuple] = set()  # handles whose note-off waits for the pedal
        self.rpn = [(127, 127)] * N_CHANNELS
        self.bend_range = [self._default_bend_range(c) for c in range(N_CHANNELS)]

    def _default_bend_range(self, channel: int) -> float:
        return self.config.mpe_bend_range if self.config.mpe and channel > 0 else self.config.bend_range

    # -- messages ------------------------------------------------------------------

    def handle(self, msg: mido.Message, at_sample: int | None = None) -> None:
        """Apply one message at at_sample (None: now)."""
        kind = msg.type
        if kind == "note_on" and msg.velocity > 0:
            self._note_on(msg.channel, msg.note, msg.velocity, at_sample)
        elif kind in ("note_off", "note_on"):
            self._note_off(msg.channel, msg.note, at_sample)
        elif kind == "control_change":
            self._control(msg.channel, msg.control, msg.value, at_sample)
        elif kind == "pitchwheel":
            self.bend[msg.channel] = msg.pitch / (8192.0 if msg.pitch < 0 else 8191.0)
            self._retune_channel(msg.channel, at_sample)
        elif kind == "aftertouch":
            self.pressure[msg.channel] = msg.value
            for handle in self._channel_handles(msg.channel):
                self.player.set_expression(handle, self._expression(msg.channel), at_sample)
        elif kind == "sysex":
            self._sysex(msg.data, at_sample)
        elif kind == "reset":
            self.player.panic(at_sample)
            self.reset()

    def _note_on(self, channel: int, key: int, velocity: int, at_sample) -> None:
        handle = ("midi", channel, key)
        self.sustained.discard(handle)
        if self.player.key_on(handle, key, velocity / 127.0, at_sample, self._bend_semitones(channel)):
            if self.pressure[channel]:
                self.player.set_expression(handle, self._expression(channel), at_sample)

    def _note_off(self, channel: int, key: int, at_sample) -> None:
        handle = ("midi", channel, key)
        if self.pedal[channel] and self.player.holds(handle):
            self.sustained.add(handle)
        else:
            self.player.off(handle, at_sample)

    def _control(self, channel: int, control: int, value: int, at_sample) -> None:
        if control == self.config.stage_cc:
            self.player.set_stage(cc_to_stage(value, self.player.n_harmonics), self.config.stage_glide_s, at_sample=at_sample)
        elif control == self.config.velocity_timbre_cc:
            self.player.set_velocity_timbre(cc_to_velocity_timbre(value), at_sample=at_sample)
        elif control == 64:
            self.pedal[channel] = value >= 64
            if not self.pedal[channel]:
                for handle in [h for h in self.sustained if h[1] == channel]:
                    self.sustained.discard(handle)
                    self.player.off(handle, at_sample)
        elif control == 74 and self.config.mpe:
            for handle in self._channel_handles(channel):
                self.player.set_voice_stage(handle, cc_to_stage(value, self.player.n_harmonics), at_sample=at_sample)
        elif control in (101, 100):  # RPN select
            msb, lsb = self.rpn[channel]
            self.rpn[channel] = (value, lsb) if control == 101 else (msb, value)
        elif control in (6, 38) and self.rpn[channel] == (0, 0):  # RPN 0: pitch-bend sensitivity
            semitones, cents = divmod(self.bend_range[channel] * 100, 100)
            semitones, cents = (value, cents) if control == 6 else (semitones, value)
            self.bend_range[channel] = semitones + cents / 100.0
        elif control == 120:  # all sound off: no release tails
            for handle in self._channel_handles(channel):
                self.player.off(handle, at_sample, release=False)
        elif control == 123:  # all notes off: releases, the pedal still holds
            for handle in self._channel_handles(channel):
                self._note_off(channel, handle[2], at_sample)
        elif control == 121:  # reset all controllers
            self.bend[channel], self.pressure[channel] = 0.0, 0
            self._control(channel, 64, 0, at_sample)
            self.rpn[channel] = (127, 127)
            self._retune_channel(channel, at_sample)

    def _sysex(self, data: tuple, at_sample) -> None:
        # Universal real-time 7F .. 08 02: prog, n, n * (key xx yy zz)
        # Universal non-real-time 7E .. 08 07: bank, prog, n, n * (key xx yy zz)
        if len(data) >= 4 and data[0] == 0x7F and data[2:4] == (0x08, 0x02):
            body = data[4:]
            count, changes = body[1] if len(body) > 1 else 0, body[2:]
        elif len(data) >= 4 and data[0] == 0x7E and data[2:4] == (0x08, 0x07):
            body = data[4:]
            count, changes = body[2] if len(body) > 2 else 0, body[3:]
        else:
            return  # other SysEx is not ours
        for i in range(min(count, len(changes) // 4)):
            key, xx, yy, zz = changes[4 * i:4 * i + 4]
            hz = mts_frequency_hz(xx, yy, zz)
            if hz is None:
                continue
            self.player.keymap.overrides[key] = hz
            for handle in [h for h in self.player.handles("midi") if h[2] == key]:
                self._retune(handle, at_sample)

    # -- helpers -------------------------------------------------------------------

    def _bend_semitones(self, channel: int) -> float:
        semitones = self.bend[channel] * self.bend_range[channel]
        if self.config.mpe and channel > 0:  # the manager channel's bend applies to the whole zone
            semitones += self.bend[0] * self.bend_range[0]
        return semitones

    def _channel_handles(self, channel: int) -> list[tuple]:
        if self.config.mpe and channel == 0:
            return self.player.handles("midi")
        return self.player.handles("midi", channel)

    def _expression(self, channel: int) -> float:
        return 1.0 + self.pressure[channel] / 127.0  # pressure swells up to +6 dB

    def _retune_channel(self, channel: int, at_sample) -> None:
        for handle in self._channel_handles(channel):
            self._retune(handle, at_sample)

    def _retune(self, handle: tuple, at_sample) -> None:
        """A sounding note to its key's pitch (tuning, MTS) bent by its channel."""
        mapped = self.player.keymap_for(handle).lookup(handle[2])  # a note held across a bank swap: the old bank's map
        if mapped is not None:
            self.player.set_pitch(handle, mapped[0] * 2.0 ** (self._bend_semitones(handle[1]) / 12.0), at_sample)


def cc_to_stage(value: int, n_harmonics: int) -> float:
    """A 7-bit controller value as a growth stage: 0..127 -> 1..n_harmonics (the playing bank's).

    A controller at rest (0) plays the bare fundamental, never silence: a mod wheel
    left down must not make the first note silent. Stage 0 stays reachable over OSC.
    """
    return 1.0 + value / 127.0 * (n_harmonics - 1)


def cc_to_velocity_timbre(value: int) -> float:
    """A 7-bit controller value as the velocity timbre amount: 0..127 -> 0..1.98, the centre (64) as learned (1.0)."""
    return value / 64.0


def add_arguments(parser) -> None:
    """The MIDI handling flags grower-serve and grower-play share."""
    parser.add_argument("--mpe", action="store_true", help="MPE lower zone: channel 1 manages, 2..16 are per-note")
    parser.add_argument("--bend-range", type=float, default=MidiConfig.bend_range, metavar="SEMITONES", help="pitch-bend range in semitones")
    parser.add_argument("--mpe-bend-range", type=float, default=MidiConfig.mpe_bend_range, metavar="SEMITONES",
                        help="MPE member channels' bend range in semitones")
    parser.add_argument("--stage-cc", type=int, default=MidiConfig.stage_cc, metavar="CC",
                        help="controller number (0..119) that sets the global growth stage: 0..127 to stage 1..the bank's n_harmonics")
    parser.add_argument("--velocity-timbre-cc", type=int, default=MidiConfig.velocity_timbre_cc, metavar="CC",
                        help="controller number (0..119) that sets how much velocity changes brightness: 0..127 to 0..1.98, 64 as learned")


def config_from_args(args) -> MidiConfig:
    return MidiConfig(bend_range=args.bend_range, mpe=args.mpe, mpe_bend_range=args.mpe_bend_range, stage_cc=args.stage_cc,
                      velocity_timbre_cc=args.velocity_timbre_cc)


class RunningStatusParser:
    """mido.Parser for raw MIDI bytes that may use running status.

    Written by hand because mido's parser drops data bytes that arrive without a
    status byte: here a channel message's status byte is remembered and put back
    in front of them. System common messages cancel it; real-time bytes do not.
    A real-time byte inside a message (where mido would drop the message) is
    passed on right after that message.
    """

    def __init__(self):
        self.parser = mido.Parser()
        self.status = None
        self.expecting = 0  # data bytes still due for the current message
        self.realtime = []  # real-time bytes that arrived inside a message

    def feed(self, data: bytes) -> None:
        for byte in data:
            if byte >= 0xF8:  # real-time: may sit anywhere, leaves running status alone
                if self.expecting:
                    self.realtime.append(byte)
                else:
                    self.parser.feed_byte(byte)
                continue
            if byte >= 0x80:
                self.status = byte if byte < 0xF0 else None
                self.expecting = _data_length(byte)
            elif self.expecting == 0 and self.status is not None:  # a data byte after a complete message
                self.parser.feed_byte(self.status)
                self.expecting = _data_length(self.status)
            self.parser.feed_byte(byte)
            if byte < 0x80 and self.expecting:
                self.expecting -= 1
            if not self.expecting and self.realtime:
                for held in self.realtime:
                    self.parser.feed_byte(held)
                self.realtime.clear()

    def __iter__(self):
        return iter(self.parser)


def _data_length(status: int) -> int:
    if status >= 0xF0:
        return {0xF1: 1, 0xF2: 2, 0xF3: 1}.get(status, 0)
    return 1 if status & 0xF0 in (0xC0, 0xD0) else 2
