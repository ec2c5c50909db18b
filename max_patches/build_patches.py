"""Writes grower_control.maxpat and grower_device.maxpat from the server's protocol table.

    python max_patches/build_patches.py

The patches are generated rather than hand-edited so that every OSC message
box is built from a row of ``grower.server.protocol.PROTOCOL`` (an address that
is not in the table cannot be written), and so that a test can check the
committed files are what this script writes. Open them in Max 8 or 9; Max
recomputes inlets and outlets on load, the counts here match Max's own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grower.server.protocol import BY_ADDRESS

HERE = Path(__file__).resolve().parent
OSC_PORT, CONTROL_REPLY_PORT, DEVICE_REPLY_PORT = 9000, 9001, 9002

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
        patcher = {
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
        if self.device:
            patcher["devicewidth"] = 360.0
        return {"patcher": patcher}


def reply_display(p: Patcher, port: int, x: int, y: int) -> str:
    """udpreceive -> status, fail and done displays. Returns the udpreceive id."""
    receive = p.obj(f"udpreceive {port}", x, y)
    route = p.obj("route /grower/status.reply /grower/fail /grower/done /grower/synced", x, y + 35)
    p.connect(receive, 0, route)
    status = p.message("", x, y + 100, width=320)
    status_set = p.obj("prepend set voices cpu% underflows bank stage msgs errors:", x, y + 70)
    p.chain(route, status_set, status)
    fail = p.message("", x, y + 160, width=320, bgcolor=[1.0, 0.8, 0.8, 1.0])
    fail_set = p.obj("prepend set FAIL:", x, y + 130)
    p.connect(route, 1, fail_set)
    p.connect(fail_set, 0, fail)
    fail_print = p.obj("print grower-fail", x + 200, y + 130)
    p.connect(route, 1, fail_print)
    done = p.message("", x, y + 220, width=320)
    done_set = p.obj("prepend set done:", x, y + 190)
    p.connect(route, 2, done_set)
    p.connect(done_set, 0, done)
    p.comment("status (every 0.5 s while polling)", x + 330, y + 100, width=220)
    p.comment("errors from the server (also in the Max console)", x + 330, y + 160, width=260)
    p.comment("confirmations", x + 330, y + 220, width=160)
    return receive


def control_patch() -> dict:
    p = Patcher(1000, 760)
    p.comment("Timbre Grower control: start `grower-serve BANK_DIR` first (it listens on 127.0.0.1:9000). "
              "On load this patch registers port 9001 for replies with /grower/notify. Turn on 'poll status' to see the server; "
              "play the keyboard or a frequency, move the stage (0..64 harmonics) with its glide time. "
              "Errors show in red. Change host/port with the messages under udpsend.", 20, 10, width=940, lines=3)
    send = p.obj(f"udpsend 127.0.0.1 {OSC_PORT}", 20, 700)
    host = p.message("host 127.0.0.1", 20, 630)
    p.comment("edit the host, click it", 130, 630, width=160)
    port_number = p.ui("number", 20, 660, 60, minimum=1, maximum=65535)
    port = p.message("port $1", 90, 660)
    p.connect(port_number, 0, port)
    p.connect(host, 0, send)
    p.connect(port, 0, send)
    p.comment(f"the server's OSC port (grower-serve --osc-port, default {OSC_PORT})", 160, 660, width=330)

    # registration and status polling
    load = p.obj("loadbang", 20, 70)
    notify = p.osc("/grower/notify", 20, 105, "1", str(CONTROL_REPLY_PORT))
    p.chain(load, notify, send)
    poll = p.ui("toggle", 200, 70, 24, 24)
    p.comment("poll status", 228, 72, width=90)
    metro = p.obj("metro 500", 200, 105)
    p.connect(poll, 0, metro)
    status = p.osc("/grower/status", 200, 140)
    p.chain(metro, status, send)

    # growth stage with glide
    p.comment("growth stage 0..64", 20, 190, width=140)
    stage = p.ui("flonum", 20, 212, 60, minimum=0.0, maximum=64.0)
    slider = p.ui("slider", 20, 240, 140, 22, size=65.0, floatoutput=1, orientation=1)
    p.connect(slider, 0, stage)
    p.comment("glide s", 180, 190, width=60)
    glide = p.ui("flonum", 180, 212, 60, minimum=0.0, maximum=60.0)
    stage_pak = p.obj("pak 64. 0.02", 20, 275)
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
    hz = p.ui("flonum", 400, 212, 70, minimum=1.0, maximum=20000.0)
    hz_on = p.osc("/grower/voice/on", 400, 245, "1", "$1", "100")
    p.chain(hz, hz_on, send)
    hz_off = p.osc("/grower/voice/off", 400, 275, "1")
    p.connect(hz_off, 0, send)

    # gain, noise mix, panic, bank reload, tuning reset
    p.comment("gain dB", 640, 190, width=60)
    gain = p.ui("flonum", 640, 212, 60, minimum=-96.0, maximum=12.0)
    gain_msg = p.osc("/grower/gain", 640, 245, "$1")
    p.chain(gain, gain_msg, send)
    p.comment("noise mix", 740, 190, width=70)
    noise = p.ui("flonum", 740, 212, 60, minimum=0.0, maximum=4.0)
    noise_msg = p.osc("/grower/noise", 740, 245, "$1")
    p.chain(noise, noise_msg, send)
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

    reply_display(p, CONTROL_REPLY_PORT, 20, 500)
    return p.json()


def device_patch() -> dict:
    p = Patcher(760, 560, device=True)
    p.comment("Timbre Grower for Live: a MIDI effect. Put it on the MIDI track that plays grower-serve; "
              "MIDI passes through unchanged. The dials are Live parameters: automate Stage in clips or arrangement. "
              "The server must listen on 127.0.0.1 at the Port shown.", 20, 10, width=700, lines=3)
    midi_in, midi_out = p.obj("midiin", 560, 70), p.obj("midiout", 560, 105)
    p.connect(midi_in, 0, midi_out)
    send = p.obj(f"udpsend 127.0.0.1 {OSC_PORT}", 20, 420)
    load = p.obj("loadbang", 380, 70)
    notify = p.osc("/grower/notify", 380, 105, "1", str(DEVICE_REPLY_PORT))
    p.chain(load, notify, send)

    stage = p.live("live.dial", 20, 70, "Grower Stage", "Stage", 0.0, 64.0, 64.0)
    glide = p.live("live.dial", 90, 70, "Grower Glide", "Glide", 0.0, 2.0, 0.02, unit=2)  # unitstyle 2: time
    stage_pak = p.obj("pak 64. 0.02", 20, 140)
    p.connect(stage, 0, stage_pak, 0)
    p.connect(glide, 0, stage_pak, 1)
    stage_msg = p.osc("/grower/stage", 20, 170, "$1", "$2")
    p.chain(stage_pak, stage_msg, send)

    gain = p.live("live.dial", 160, 70, "Grower Gain", "Gain", -60.0, 12.0, 0.0, unit=4)  # unitstyle 4: dB
    gain_msg = p.osc("/grower/gain", 160, 170, "$1")
    p.chain(gain, gain_msg, send)
    noise = p.live("live.dial", 230, 70, "Grower Noise Mix", "Noise", 0.0, 4.0, 1.0)
    noise_msg = p.osc("/grower/noise", 230, 200, "$1")
    p.chain(noise, noise_msg, send)

    port = p.live("live.numbox", 300, 70, "Grower Port", "Port", 1.0, 65535.0, float(OSC_PORT), kind=1, width=50, height=15)
    port_msg = p.message("port $1", 300, 100)
    p.chain(port, port_msg, send)

    panic = p.live("live.text", 380, 160, "Grower Panic", "Panic", 0.0, 1.0, 0.0, width=50, height=18, mode=0, text="Panic")
    panic_msg = p.osc("/grower/panic", 380, 190)
    p.chain(panic, panic_msg, send)

    reply_display(p, DEVICE_REPLY_PORT, 20, 250)
    return p.json()


def write(path: Path, patch: dict) -> None:
    path.write_text(json.dumps(patch, indent=4) + "\n")


PATCHES = {"grower_control.maxpat": control_patch, "grower_device.maxpat": device_patch}


def main() -> int:
    for name, build in PATCHES.items():
        write(HERE / name, build())
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
