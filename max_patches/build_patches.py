"""Writes grower_control.maxpat, grower_device.maxpat and grower_device.amxd from the server's protocol table.

    python max_patches/build_patches.py

The patches are generated rather than hand-edited so that every OSC message
box is built from a row of ``grower.server.protocol.PROTOCOL`` (an address that
is not in the table cannot be written), every reply and notification display
from its ``Reply`` row, and so that a test can check the committed files are
what this script writes. Open them in Max 8 or 9; Max recomputes inlets and
outlets on load, the counts here match Max's own.

``grower_device.amxd`` is the device patch in the Max for Live container, ready
to drop onto a MIDI track (see ``amxd``). Live cannot run here, so it is checked
structurally by the tests, not loaded.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

from grower.server.protocol import (BANK_CHANGED, BY_ADDRESS, DEFAULT_STAGE_CEILING, DONE_REPLY, FAIL_REPLY, GAIN_DB, GLIDE, METER_REPLY,
                                    MIX, PITCH, STAGE_CHANGED, STATUS_REPLY, SYNCED_REPLY, TUNING_CHANGED, VELOCITY_TIMBRE, VOICE_ENDED,
                                    VOICE_STARTED)
from grower.synth.envelope import TRANSPOSE_MODES

HERE = Path(__file__).resolve().parent
OSC_PORT, CONTROL_REPLY_PORT, DEVICE_REPLY_PORT = 9000, 9001, 9002
# The stage controls' top: a bank from grower-train. The server checks a stage against the bank it plays.
STAGE_MAX = DEFAULT_STAGE_CEILING
GLIDE_DEFAULT_S = 0.02  # the renderer's default glide, as the patches start
POLL_MS = 500  # the device asks for /grower/status this often
REGISTER_MS = 5000  # both patches register again this often: a server started (or restarted) after them finds them
METER_HZ = 10  # the control patch's meter rate (/grower/meter)
METER_LOW_DB = -60  # the control patch's level slider: its bottom, in dBFS (its top is 0)

# (inlets, outlets, outlet types) of the objects the patches use, as Max creates them.
NEWOBJ = {
    "udpsend": lambda args: (1, 0, []),
    "udpreceive": lambda args: (1, 1, [""]),
    "route": lambda args: (2, len(args) + 1, [""] * (len(args) + 1)),
    "unpack": lambda args: (1, len(args), ["int" if "." not in a and a.lstrip("-").isdigit() else "float" if a.replace(".", "").lstrip("-").isdigit() else "" for a in args]),
    "pack": lambda args: (len(args), 1, [""]),
    "pak": lambda args: (len(args), 1, [""]),
    "prepend": lambda args: (1, 1, [""]),
    "loadbang": lambda args: (1, 1, ["bang"]),
    "metro": lambda args: (2, 1, ["bang"]),
    "print": lambda args: (1, 0, []),
    "opendialog": lambda args: (1, 2, ["", "bang"]),
    "conformpath": lambda args: (1, 2, ["", "int"]),
    "midiin": lambda args: (1, 1, ["int"]),
    "midiout": lambda args: (1, 0, []),
    "t": lambda args: (1, len(args), ["bang" if a == "b" else "" for a in args]),
    "deferlow": lambda args: (1, 1, [""]),
}

UI = {  # maxclass: (inlets, outlets, outlet types)
    "message": (2, 1, [""]),
    "comment": (1, 0, []),
    "flonum": (1, 2, ["", "bang"]),
    "number": (1, 2, ["", "bang"]),
    "toggle": (1, 1, ["int"]),
    "button": (1, 1, ["bang"]),
    "kslider": (2, 2, ["int", "int"]),
    "slider": (1, 1, [""]),
    "panel": (1, 0, []),
    "live.dial": (1, 2, ["", "float"]),
    "live.numbox": (1, 2, ["", "float"]),
    "live.text": (1, 2, ["", ""]),
    "live.comment": (1, 0, []),
}


class Patcher:
    def __init__(self, width: int, height: int, device: bool = False):
        self.boxes, self.lines = [], []
        self.width, self.height, self.device = width, height, device

    def _add(self, maxclass: str, rect, text: str | None = None, **attrs) -> str:
        box_id = f"obj-{len(self.boxes) + 1}"
        if maxclass == "newobj":
            name, *args = text.split()
            inlets, outlets, types = NEWOBJ[name](args)
        else:
            inlets, outlets, types = UI[maxclass]
        box = {"id": box_id, "maxclass": maxclass, "numinlets": inlets, "numoutlets": outlets, "patching_rect": [float(v) for v in rect]}
        if types:
            box["outlettype"] = types
        if text is not None:
            box["text"] = text
        box.update(attrs)
        self.boxes.append({"box": box})
        return box_id

    def obj(self, text: str, x, y, width=None, **attrs) -> str:
        return self._add("newobj", [x, y, width or 8 + 7 * len(text), 22], text, **attrs)

    def ui(self, maxclass: str, x, y, width=50, height=22, **attrs) -> str:
        return self._add(maxclass, [x, y, width, height], **attrs)

    def comment(self, text: str, x, y, width=200, lines=1, **attrs) -> str:
        return self._add("comment", [x, y, width, 6 + 14 * lines], text, linecount=lines, **attrs) if lines > 1 else self._add("comment", [x, y, width, 20], text, **attrs)

    def message(self, text: str, x, y, width=None, **attrs) -> str:
        return self._add("message", [x, y, width or 14 + 7 * len(text), 22], text, **attrs)

    def osc(self, address: str, x, y, *args: str, **attrs) -> str:
        """A message box sending a command of the protocol table; args are Max atoms ($1, literals)."""
        command = BY_ADDRESS[address]  # KeyError: not in the table, so not writable
        if not command.n_required <= len(args) <= len(command.args):
            raise ValueError(f"{address} takes {command.n_required}..{len(command.args)} arguments, not {len(args)}")
        return self.message(" ".join((address, *args)), x, y, **attrs)

    def live(self, maxclass: str, x, y, longname: str, shortname: str, low: float, high: float, initial: float, unit: int = 0, kind: int = 0, width=44, height=48, **attrs) -> str:
        """A Live parameter: automatable in Live, saved with the set. kind: 0 float, 1 int, 2 enum."""
        valueof = {"parameter_longname": longname, "parameter_shortname": shortname, "parameter_type": kind,
                   "parameter_mmin": low, "parameter_mmax": high, "parameter_initial_enable": 1, "parameter_initial": [initial],
                   "parameter_unitstyle": unit}
        if maxclass == "live.text":
            valueof.update(parameter_enum=["off", "on"], parameter_type=2, parameter_mmax=1)
            valueof.pop("parameter_mmin")
        return self.ui(maxclass, x, y, width, height, parameter_enable=1, varname=longname.replace(" ", "_").lower(),
                       saved_attribute_attributes={"valueof": valueof}, **attrs)

    def connect(self, source: str, outlet: int, destination: str, inlet: int = 0) -> None:
        self.lines.append({"patchline": {"source": [source, outlet], "destination": [destination, inlet]}})

    def chain(self, *ids: str) -> None:
        """Left outlet to left inlet, box after box."""
        for source, destination in zip(ids, ids[1:]):
            self.connect(source, 0, destination)

    def json(self) -> dict:
        patcher: dict = {
            "fileversion": 1,
            "appversion": {"major": 8, "minor": 6, "revision": 0, "architecture": "x64", "modernui": 1},
            "classnamespace": "box",
            "rect": [80.0, 80.0, float(self.width), float(self.height)],
            "openinpresentation": 0,
            "default_fontsize": 12.0,
            "gridsize": [15.0, 15.0],
            "boxes": self.boxes,
            "lines": self.lines,
        }
        if self.device:  # Live shows a device in presentation: the boxes given a presentation_rect
            patcher["openinpresentation"] = 1
            patcher["devicewidth"] = float(DEVICE_WIDTH)
        return {"patcher": patcher}


DEVICE_WIDTH = 560  # the device's width in Live's device view (its height is Live's, about 170 px)


def shown(x, y, width, height) -> dict:
    """The attributes that put a box in a device's presentation (what Live shows) at x, y."""
    return {"presentation": 1, "presentation_rect": [float(x), float(y), float(width), float(height)]}


ROUTED_REPLIES = [STATUS_REPLY, FAIL_REPLY, DONE_REPLY, SYNCED_REPLY]  # the reply route's outlets, in order; then the rest


def reply_display(p: Patcher, port: int, x: int, y: int, device: bool = False) -> tuple[str, str]:
    """udpreceive -> status, fail and done displays. Returns (the udpreceive id, the route's last outlet's
    box: what is not a reply, i.e. the notifications). device: the displays are in the presentation."""
    receive = p.obj(f"udpreceive {port}", x, y)
    replies = ROUTED_REPLIES
    route = p.obj("route " + " ".join(r.address for r in replies), x, y + 35)
    p.connect(receive, 0, route)
    status = p.message("", x, y + 100, width=320, **(shown(5, 62, DEVICE_WIDTH - 10, 22) if device else {}))
    status_set = p.obj("prepend set " + " ".join(f.key for f in STATUS_REPLY.fields) + ":", x, y + 70)
    p.connect(route, replies.index(STATUS_REPLY), status_set)
    p.connect(status_set, 0, status)
    fail = p.message("", x, y + 160, width=320, bgcolor=[1.0, 0.8, 0.8, 1.0], **(shown(5, 88, DEVICE_WIDTH - 10, 22) if device else {}))
    fail_set = p.obj("prepend set FAIL:", x, y + 130)
    p.connect(route, replies.index(FAIL_REPLY), fail_set)
    p.connect(fail_set, 0, fail)
    fail_print = p.obj("print grower-fail", x + 200, y + 130)
    p.connect(route, replies.index(FAIL_REPLY), fail_print)
    done = p.message("", x, y + 220, width=320, **(shown(5, 114, DEVICE_WIDTH - 10, 22) if device else {}))
    done_set = p.obj("prepend set done:", x, y + 190)
    p.connect(route, replies.index(DONE_REPLY), done_set)
    p.connect(done_set, 0, done)
    p.comment("status (every 0.5 s while polling)", x + 330, y + 100, width=220)
    p.comment("errors from the server (also in the Max console)", x + 330, y + 160, width=260)
    p.comment("confirmations", x + 330, y + 220, width=160)
    return receive, route


def notification_display(p: Patcher, route: str, x: int, y: int) -> None:
    """The notifications, from the reply route's last outlet: the meter (level slider, peak and RMS dB,
    voices, CPU), the global stage, the last voice started or ended, the bank and the tuning."""
    shown_rows = [METER_REPLY, STAGE_CHANGED, VOICE_STARTED, VOICE_ENDED, BANK_CHANGED, TUNING_CHANGED]  # route's outlets
    notes = p.obj("route " + " ".join(n.address for n in shown_rows), x, y)
    p.connect(route, len(ROUTED_REPLIES), notes)  # the reply route's last outlet: whatever is not a reply

    def outlet(row) -> int:
        return shown_rows.index(row)

    meter = p.obj("unpack " + " ".join("0" if f.type == "i" else "0." for f in METER_REPLY.fields), x, y + 35)
    p.connect(notes, outlet(METER_REPLY), meter)
    level = p.ui("slider", x, y + 70, 200, 22, orientation=1, floatoutput=1, min=float(METER_LOW_DB), size=float(-METER_LOW_DB))
    p.connect(meter, [f.key for f in METER_REPLY.fields].index("peak_db"), level)
    p.comment(f"level: peak dBFS ({METER_LOW_DB}..0), {METER_HZ} times a second", x + 210, y + 70, width=260)
    for i, f in enumerate(METER_REPLY.fields):
        box = p.ui("number" if f.type == "i" else "flonum", x + 80 * i, y + 125, 70)
        p.connect(meter, i, box)
        p.comment(f.key.replace("_", " "), x + 80 * i, y + 100, width=75)

    stage = p.ui("flonum", x, y + 180, 70)
    p.connect(notes, outlet(STAGE_CHANGED), stage)
    p.comment("the server's global stage (also from MIDI CC1)", x + 80, y + 180, width=280)

    voice = p.message("", x, y + 240, width=400)
    started = p.obj("prepend set started " + " ".join(f.key for f in VOICE_STARTED.fields) + ":", x, y + 210)
    ended = p.obj("prepend set ended " + " ".join(f.key for f in VOICE_ENDED.fields) + ":", x + 260, y + 210)
    p.connect(notes, outlet(VOICE_STARTED), started)
    p.connect(notes, outlet(VOICE_ENDED), ended)
    p.connect(started, 0, voice)
    p.connect(ended, 0, voice)
    p.comment("the last voice started or ended", x + 410, y + 240, width=200)

    bank = p.message("", x, y + 300, width=400)
    bank_set = p.obj("prepend set " + " ".join(f.key for f in BANK_CHANGED.fields) + ":", x, y + 270)
    p.connect(notes, outlet(BANK_CHANGED), bank_set)
    p.connect(bank_set, 0, bank)
    tuning = p.message("", x, y + 360, width=400)
    tuning_set = p.obj("prepend set tuning:", x, y + 330)
    p.connect(notes, outlet(TUNING_CHANGED), tuning_set)
    p.connect(tuning_set, 0, tuning)
    p.comment("the bank and the tuning, when they change", x + 410, y + 300, width=200)


def control_patch() -> dict:
    p = Patcher(1000, 1160)
    p.comment("Timbre Grower control: start `grower-serve BANK_DIR` (it listens on 127.0.0.1:9000). "
              f"This patch registers port {CONTROL_REPLY_PORT} for its replies and notifications with /grower/notify, and asks for the "
              f"meter, on load and every {REGISTER_MS // 1000} s; below, the level, voices and stage come from the server. "
              "Turn on 'poll status' for the server's counters; "
              f"play the keyboard or a frequency, move the stage (0..{STAGE_MAX} harmonics for a bank from grower-train) with its glide time. "
              "Errors show in red. Change host/port with the messages under udpsend.", 20, 10, width=940, lines=3)
    send = p.obj(f"udpsend 127.0.0.1 {OSC_PORT}", 640, 640)
    host = p.message("host 127.0.0.1", 630, 570)
    p.comment("edit the host, click it", 750, 570, width=160)
    port_number = p.ui("number", 640, 600, 60, minimum=1, maximum=65535)
    port = p.message("port $1", 710, 600)
    p.connect(port_number, 0, port)
    p.connect(host, 0, send)
    p.connect(port, 0, send)
    p.comment(f"the server's OSC port (--osc-port, default {OSC_PORT})", 780, 600, width=210, lines=2)

    # registration (on load, and again every few seconds) and status polling
    load = p.obj("loadbang", 20, 70)
    register = p.obj(f"metro {REGISTER_MS}", 20, 100)  # a metro bangs at once when started, then every REGISTER_MS
    p.connect(load, 0, register)
    notify = p.osc("/grower/notify", 20, 160, "1", str(CONTROL_REPLY_PORT))
    meter = p.osc("/grower/meter", 200, 160, str(METER_HZ))
    registered = p.obj("t b b", 20, 130)
    p.connect(register, 0, registered)
    p.connect(registered, 1, notify)  # right to left: registered first, then metered
    p.connect(registered, 0, meter)
    p.connect(notify, 0, send)
    p.connect(meter, 0, send)
    poll = p.ui("toggle", 340, 70, 24, 24)
    p.comment("poll status", 368, 72, width=90)
    metro = p.obj(f"metro {POLL_MS}", 340, 100)
    p.connect(poll, 0, metro)
    status = p.osc("/grower/status", 340, 130)
    p.chain(metro, status, send)

    # growth stage with glide
    p.comment(f"growth stage 0..{STAGE_MAX}", 20, 190, width=140)
    stage = p.ui("flonum", 20, 212, 60, minimum=0.0, maximum=float(STAGE_MAX))
    slider = p.ui("slider", 20, 240, 140, 22, size=float(STAGE_MAX + 1), floatoutput=1, orientation=1)
    p.connect(slider, 0, stage)
    p.comment("glide s", 180, 190, width=60)
    glide = p.ui("flonum", 180, 212, 60, minimum=float(GLIDE.low), maximum=float(GLIDE.high))
    stage_pak = p.obj(f"pak {STAGE_MAX}. {GLIDE_DEFAULT_S}", 20, 275)
    p.connect(stage, 0, stage_pak, 0)
    p.connect(glide, 0, stage_pak, 1)
    stage_msg = p.osc("/grower/stage", 20, 305, "$1", "$2")
    p.chain(stage_pak, stage_msg, send)

    # keyboard
    p.comment("keys through the server's tuning (the bank's scale from key 60, or a Scala file)", 20, 345, width=500)
    keys = p.ui("kslider", 20, 370, 336, 53, mode=1)  # polyphonic: a click toggles a note
    key_pack = p.obj("pack 0 0", 20, 430)
    p.connect(keys, 0, key_pack, 0)
    p.connect(keys, 1, key_pack, 1)
    note = p.osc("/grower/note/on", 20, 460, "$1", "$2")
    p.chain(key_pack, note, send)
    p.comment("(velocity 0 releases)", 170, 460, width=150)

    # frequency in Hz, for microtonal work without MIDI
    p.comment("play a frequency (Hz) as voice 1", 400, 190, width=220)
    hz = p.ui("flonum", 400, 212, 70, minimum=float(PITCH.low), maximum=float(PITCH.high))
    hz_on = p.osc("/grower/voice/on", 400, 245, "1", "$1", "100")
    p.chain(hz, hz_on, send)
    hz_off = p.osc("/grower/voice/off", 400, 275, "1")
    p.connect(hz_off, 0, send)

    # gain, noise mix, panic, bank reload, tuning reset
    p.comment("gain dB", 640, 190, width=60)
    gain = p.ui("flonum", 640, 212, 60, minimum=float(GAIN_DB.low), maximum=float(GAIN_DB.high))
    gain_msg = p.osc("/grower/gain", 640, 245, "$1")
    p.chain(gain, gain_msg, send)
    p.comment("noise mix", 740, 190, width=70)
    noise = p.ui("flonum", 740, 212, 60, minimum=float(MIX.low), maximum=float(MIX.high))
    noise_msg = p.osc("/grower/noise", 740, 245, "$1")
    p.chain(noise, noise_msg, send)
    p.comment("velocity timbre", 840, 190, width=100)
    timbre = p.ui("flonum", 840, 212, 60, minimum=float(VELOCITY_TIMBRE.low), maximum=float(VELOCITY_TIMBRE.high))
    timbre_msg = p.osc("/grower/velocity_timbre", 840, 245, "$1")
    p.chain(timbre, timbre_msg, send)
    panic = p.osc("/grower/panic", 640, 300)
    p.connect(panic, 0, send)
    p.comment("silence everything", 740, 300, width=140)
    p.comment("reload a bank folder (inside the folders the server allows)", 640, 335, width=340)
    choose = p.ui("button", 640, 360, 24, 24)
    dialog = p.obj("opendialog fold", 640, 390)
    p.connect(choose, 0, dialog)
    native = p.obj("conformpath native boot", 640, 420)
    p.connect(dialog, 0, native)
    bank = p.osc("/grower/bank/load", 640, 450, "$1")
    p.chain(native, bank, send)
    tuning_reset = p.osc("/grower/tuning/reset", 640, 490)
    p.connect(tuning_reset, 0, send)
    p.comment("away from a tone's pitch: keep its formants (and blend neighbours), or move its harmonics", 640, 525, width=340, lines=2)
    for row, mode in enumerate(TRANSPOSE_MODES):
        transpose = p.osc("/grower/transpose", 640 + 170 * row, 560, mode)
        p.connect(transpose, 0, send)

    _, route = reply_display(p, CONTROL_REPLY_PORT, 20, 500)
    notification_display(p, route, 20, 760)
    return p.json()


def device_patch() -> dict:
    p = Patcher(760, 560, device=True)
    p.comment("Timbre Grower for Live: a MIDI effect for the MIDI track that plays grower-serve (MIDI passes through). "
              "The dials are Live parameters: automate them. The server must listen on 127.0.0.1 at the Port shown. "
              f"It registers port {DEVICE_REPLY_PORT} with /grower/notify (on load, every {REGISTER_MS // 1000} s) and shows "
              f"/grower/status every {POLL_MS / 1000:g} s while 'poll' is on.", 20, 10, width=720, lines=3)
    midi_in, midi_out = p.obj("midiin", 560, 70), p.obj("midiout", 560, 105)
    p.connect(midi_in, 0, midi_out)
    send = p.obj(f"udpsend 127.0.0.1 {OSC_PORT}", 20, 510)

    # on load: register (then again every few seconds), then poll the status
    load = p.obj("loadbang", 380, 70)
    starting = p.obj("t b b", 380, 95)
    p.connect(load, 0, starting)
    register = p.obj(f"metro {REGISTER_MS}", 460, 120)  # a metro bangs at once when started, then every REGISTER_MS
    p.connect(starting, 1, register)  # right to left: registered before the first poll
    notify = p.osc("/grower/notify", 460, 150, "1", str(DEVICE_REPLY_PORT))
    p.chain(register, notify, send)
    on = p.message("1", 380, 120)
    p.connect(starting, 0, on)
    poll = p.ui("toggle", 380, 150, 20, 20, **shown(500, 36, 20, 20))
    p.connect(on, 0, poll)
    p.comment("poll", 402, 150, width=40, **shown(520, 36, 40, 20))
    metro = p.obj(f"metro {POLL_MS}", 380, 180)
    p.connect(poll, 0, metro)
    status = p.osc("/grower/status", 380, 210)
    p.chain(metro, status, send)

    stage = p.live("live.dial", 20, 70, "Grower Stage", "Stage", 0.0, float(STAGE_MAX), float(STAGE_MAX), **shown(5, 5, 44, 48))
    glide = p.live("live.dial", 90, 70, "Grower Glide", "Glide", 0.0, 2.0, GLIDE_DEFAULT_S, unit=2,  # unitstyle 2: time
                   **shown(60, 5, 44, 48))
    stage_pak = p.obj(f"pak {STAGE_MAX}. {GLIDE_DEFAULT_S}", 20, 140)
    p.connect(stage, 0, stage_pak, 0)
    p.connect(glide, 0, stage_pak, 1)
    stage_msg = p.osc("/grower/stage", 20, 170, "$1", "$2")
    p.chain(stage_pak, stage_msg, send)

    gain = p.live("live.dial", 160, 70, "Grower Gain", "Gain", -60.0, 12.0, 0.0, unit=4, **shown(115, 5, 44, 48))  # unitstyle 4: dB
    gain_msg = p.osc("/grower/gain", 160, 170, "$1")
    p.chain(gain, gain_msg, send)
    noise = p.live("live.dial", 230, 70, "Grower Noise Mix", "Noise", 0.0, 4.0, 1.0, **shown(170, 5, 44, 48))
    noise_msg = p.osc("/grower/noise", 230, 200, "$1")
    p.chain(noise, noise_msg, send)

    port = p.live("live.numbox", 300, 70, "Grower Port", "Port", 1.0, 65535.0, float(OSC_PORT), kind=1, width=50, height=15,
                  **shown(235, 10, 50, 15))
    port_msg = p.message("port $1", 300, 100)
    p.chain(port, port_msg, send)
    p.comment("OSC port", 300, 124, width=60, **shown(290, 8, 60, 20))

    panic = p.live("live.text", 640, 160, "Grower Panic", "Panic", 0.0, 1.0, 0.0, width=50, height=18, mode=0, text="Panic",
                   **shown(235, 33, 50, 18))
    panic_msg = p.osc("/grower/panic", 640, 190)
    p.chain(panic, panic_msg, send)

    reply_display(p, DEVICE_REPLY_PORT, 20, 250, device=True)
    return p.json()


# -- the Max for Live container -------------------------------------------------------
#
# An .amxd is a little-endian chunk file, as Max 8 writes an unfrozen device:
#
#   "ampf"  u32 4   the device type: "aaaa" audio effect, "iiii" instrument, "mmmm" MIDI effect
#   "meta"  u32 4   4 bytes (zero)
#   "ptch"  u32 N   the patcher JSON, UTF-8, then a NUL (N counts it)
#
# The patcher carries a "project" block whose "amxdtype" is the device type's four bytes as
# a big-endian u32; Live reads the device type from the header, Max from the project.

AMXD_TYPES = {"audio_effect": b"aaaa", "instrument": b"iiii", "midi_effect": b"mmmm"}
AMXD_DATE = 3_850_070_400  # the project's creation and modification date, in Max's seconds since 1904: 2026-01-01 (fixed,
# so the build is reproducible)


def amxd_project(device_type: str) -> dict:
    """The "project" block Max writes into a device's patcher (no files of its own: contents empty)."""
    return {"version": 1, "creationdate": AMXD_DATE, "modificationdate": AMXD_DATE, "viewrect": [0.0, 0.0, 300.0, 500.0],
            "autoorganize": 1, "hideprojectwindow": 1, "showdependencies": 1, "autolocalize": 0, "contents": {"patchers": {}},
            "layout": {}, "searchpath": {}, "detailsvisible": 0, "amxdtype": struct.unpack(">I", AMXD_TYPES[device_type])[0],
            "readonly": 0, "devpathtype": 0, "devpath": ".", "sortmode": 0, "viewmode": 0, "includepackages": 0}


def amxd(patch: dict, device_type: str = "midi_effect") -> bytes:
    """patch ({"patcher": {...}}, as a .maxpat holds it) as a Max for Live device file, its patcher given a project block."""
    device = {"patcher": {**patch["patcher"], "project": amxd_project(device_type)}}
    payload = (json.dumps(device, indent=4) + "\n").encode("utf-8") + b"\x00"
    return b"".join([b"ampf", struct.pack("<I", 4), AMXD_TYPES[device_type],
                     b"meta", struct.pack("<I", 4), bytes(4),
                     b"ptch", struct.pack("<I", len(payload)), payload])


def write(path: Path, patch: dict) -> None:
    path.write_text(json.dumps(patch, indent=4) + "\n")


PATCHES = {"grower_control.maxpat": control_patch, "grower_device.maxpat": device_patch}
DEVICES = {"grower_device.amxd": (device_patch, "midi_effect")}  # .amxd name: (its patch, its device type)


def main() -> int:
    for name, build in PATCHES.items():
        write(HERE / name, build())
        print(f"wrote {HERE / name}")
    for name, (build, device_type) in DEVICES.items():
        (HERE / name).write_bytes(amxd(build(), device_type))
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
