"""The Max patches: valid patcher JSON, a contract with the server's protocol table, and the Max for Live
device file (.amxd) read back chunk by chunk. Live cannot run here: the .amxd is checked by its structure."""

import json
import re
import struct
import sys
from pathlib import Path

import pytest

from grower.server.protocol import BY_ADDRESS, DEFAULT_STAGE_CEILING, FAIL, NOTIFICATIONS, REPLIES, STATUS_REPLY

from ..server.conftest import Server
from grower.synth.synthetic_bank import make_bank

ROOT = Path(__file__).resolve().parents[2]
PATCH_DIR = ROOT / "max_patches"
PATCHES = sorted(PATCH_DIR.glob("*.maxpat"))

# Real Max objects (newobj first words) and box classes; a misspelt one would load as a broken box.
MAX_OBJECTS = {"udpsend", "udpreceive", "route", "unpack", "pack", "pak", "prepend", "loadbang", "metro", "print", "opendialog",
               "conformpath", "midiin", "midiout", "t", "trigger", "deferlow", "sel", "select", "gate", "zl", "line", "scale"}
MAX_CLASSES = {"newobj", "message", "comment", "flonum", "number", "toggle", "button", "kslider", "slider", "panel",
               "live.dial", "live.numbox", "live.text", "live.comment", "textedit"}


def load(path):
    return json.loads(path.read_text())["patcher"]


def boxes(path):
    return {b["box"]["id"]: b["box"] for b in load(path)["boxes"]}


def osc_messages(path):
    """(box id, address, atoms) of every message box that sends to udpsend."""
    patch = load(path)
    by_id = boxes(path)
    sends = {i for i, b in by_id.items() if b["maxclass"] == "newobj" and b["text"].split()[0] == "udpsend"}
    found = []
    for line in patch["lines"]:
        source, destination = line["patchline"]["source"][0], line["patchline"]["destination"][0]
        if destination in sends:
            box = by_id[source]
            assert box["maxclass"] == "message", f"{path.name}: only message boxes feed udpsend, not {box}"
            for text in box["text"].split(","):
                address, *atoms = text.split()
                found.append((source, address, atoms))
    return found


def builder():
    sys.path.insert(0, str(PATCH_DIR))
    try:
        import build_patches
    finally:
        sys.path.pop(0)
    return build_patches


def test_both_patches_are_there():
    assert {p.name for p in PATCHES} == {"grower_control.maxpat", "grower_device.maxpat"}
    assert {p.name for p in PATCH_DIR.glob("*.amxd")} == {"grower_device.amxd"}


def test_the_committed_patches_are_what_the_builder_writes(tmp_path):
    build_patches = builder()
    for name, build in build_patches.PATCHES.items():
        assert json.loads((PATCH_DIR / name).read_text()) == json.loads(json.dumps(build())), f"run: python max_patches/build_patches.py ({name})"
    for name, (build, device_type) in build_patches.DEVICES.items():
        assert (PATCH_DIR / name).read_bytes() == build_patches.amxd(build(), device_type), f"run: python max_patches/build_patches.py ({name})"


def read_amxd(data: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    """An .amxd read back: (its device type, {chunk tag: payload}). The layout: "ampf", a little-endian
    u32 4, the four-byte device type; then chunks, each a four-byte tag, a little-endian u32 size and
    that many bytes, to the end of the file."""
    assert data[:4] == b"ampf" and struct.unpack("<I", data[4:8]) == (4,), data[:12]
    device_type, chunks, at = data[8:12], {}, 12
    while at < len(data):
        assert at + 8 <= len(data), f"a chunk header at {at} runs past the end"
        tag, (size,) = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])
        assert at + 8 + size <= len(data), f"chunk {tag!r} of {size} bytes runs past the end"
        assert tag not in chunks, f"two {tag!r} chunks"
        chunks[tag] = data[at + 8:at + 8 + size]
        at += 8 + size
    return device_type, chunks


def test_the_amxd_is_a_midi_effect_holding_the_device_patch():
    device_type, chunks = read_amxd((PATCH_DIR / "grower_device.amxd").read_bytes())
    assert device_type == b"mmmm"  # a MIDI effect: it goes on a MIDI track, before the track's instrument
    assert list(chunks) == [b"meta", b"ptch"] and chunks[b"meta"] == bytes(4)
    payload = chunks[b"ptch"]
    assert payload.endswith(b"}\n\x00") and payload.count(b"\x00") == 1  # the JSON, then one NUL
    patcher = json.loads(payload[:-1].decode("utf-8"))["patcher"]
    project = patcher.pop("project")
    assert patcher == load(PATCH_DIR / "grower_device.maxpat")  # the committed patch, nothing else
    assert project["amxdtype"] == int.from_bytes(b"mmmm", "big") and project["contents"] == {"patchers": {}}


def presented(path):
    return [b for b in boxes(path).values() if b.get("presentation") == 1]


def test_the_device_shows_its_controls_and_the_servers_replies_in_live():
    """Live shows a device in presentation: every Live parameter, the poll switch, and the status, error
    and confirmation displays, inside the device view (Live gives it about 170 px of height)."""
    patch = load(PATCH_DIR / "grower_device.maxpat")
    assert patch["openinpresentation"] == 1
    shown = presented(PATCH_DIR / "grower_device.maxpat")
    for b in shown:
        x, y, width, height = b["presentation_rect"]
        assert x >= 0 and y >= 0 and x + width <= patch["devicewidth"] and y + height <= 169, b
    live = [b for b in boxes(PATCH_DIR / "grower_device.maxpat").values() if b["maxclass"].startswith("live.") and b["maxclass"] != "live.comment"]
    assert all(b in shown for b in live)
    assert sum(b["maxclass"] == "message" for b in shown) == 3 and any(b["maxclass"] == "toggle" for b in shown)


def test_the_device_polls_the_status_every_half_second_from_load():
    by_id = boxes(PATCH_DIR / "grower_device.maxpat")
    lines = [(l["patchline"]["source"][0], l["patchline"]["destination"][0]) for l in load(PATCH_DIR / "grower_device.maxpat")["lines"]]

    def reachable(start):
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for source, destination in lines:
                if source == node and destination not in seen:
                    seen.add(destination)
                    todo.append(destination)
        return seen

    [load_bang] = [i for i, b in by_id.items() if b.get("text") == "loadbang"]
    [poll] = [i for i, b in by_id.items() if b.get("text") == "metro 500"]
    [status] = [i for i, b in by_id.items() if b.get("text") == "/grower/status"]
    [notify] = [i for i, b in by_id.items() if b.get("text", "").startswith("/grower/notify 1 ")]
    assert {poll, status, notify} <= reachable(load_bang)  # started on load, registered too
    assert status in reachable(poll) and notify not in reachable(poll)
    assert any(by_id[d].get("text", "").startswith("udpsend") for s_, d in lines if s_ == status)


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_every_box_has_an_id_a_class_and_port_counts(path):
    patch = load(path)
    ids = [b["box"]["id"] for b in patch["boxes"]]
    assert len(ids) == len(set(ids))
    for b in patch["boxes"]:
        box = b["box"]
        assert box["maxclass"] in MAX_CLASSES, box
        assert isinstance(box["numinlets"], int) and isinstance(box["numoutlets"], int)
        assert len(box.get("outlettype", [])) == box["numoutlets"], box
        assert len(box["patching_rect"]) == 4
        if box["maxclass"] == "newobj":
            assert box["text"].split()[0] in MAX_OBJECTS, box["text"]


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_every_patchline_joins_existing_boxes_at_ports_in_range(path):
    by_id = boxes(path)
    for line in load(path)["lines"]:
        (source, outlet), (destination, inlet) = line["patchline"]["source"], line["patchline"]["destination"]
        assert source in by_id and destination in by_id, line
        assert 0 <= outlet < by_id[source]["numoutlets"], line
        assert 0 <= inlet < by_id[destination]["numinlets"], line


def test_the_device_exposes_unique_automatable_live_parameters():
    params = [b for b in boxes(PATCH_DIR / "grower_device.maxpat").values() if b["maxclass"].startswith("live.") and b["maxclass"] != "live.comment"]
    names = [b["saved_attribute_attributes"]["valueof"]["parameter_longname"] for b in params]
    assert len(names) == len(set(names))
    assert all(b["parameter_enable"] == 1 for b in params)
    assert {"Grower Stage", "Grower Glide", "Grower Gain", "Grower Noise Mix"} <= set(names)
    assert {b["maxclass"] for b in params} == {"live.dial", "live.numbox", "live.text"}


def test_the_control_patch_holds_every_control():
    by_id = boxes(PATCH_DIR / "grower_control.maxpat")
    classes = [b["maxclass"] for b in by_id.values()]
    texts = [b.get("text", "") for b in by_id.values()]
    addresses = {a for _, a, _ in osc_messages(PATCH_DIR / "grower_control.maxpat")}
    assert "kslider" in classes and any(t.startswith("udpreceive") for t in texts) and any(t.startswith("udpsend") for t in texts)
    assert {"/grower/notify", "/grower/stage", "/grower/note/on", "/grower/voice/on", "/grower/panic", "/grower/bank/load", "/grower/status"} <= addresses
    assert any(t.startswith("route /grower/status.reply /grower/fail") for t in texts)
    assert any(b["maxclass"] == "comment" and "grower-serve" in b["text"] for b in by_id.values())


def test_the_control_patch_registers_asks_for_the_meter_and_shows_the_notifications():
    by_id = boxes(PATCH_DIR / "grower_control.maxpat")
    texts = [b.get("text", "") for b in by_id.values()]
    addresses = {a for _, a, _ in osc_messages(PATCH_DIR / "grower_control.maxpat")}
    assert {"/grower/notify", "/grower/meter"} <= addresses
    [notifications] = [t for t in texts if t.startswith("route /grower/meter.reply")]
    assert set(notifications.split()[1:]) == {n.address for n in NOTIFICATIONS}
    meter = BY_ADDRESS["/grower/meter"]
    [rate] = [atoms for _, a, atoms in osc_messages(PATCH_DIR / "grower_control.maxpat") if a == "/grower/meter"]
    assert meter.args[0].low < float(rate[0]) <= meter.args[0].high


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_the_reply_display_follows_the_tables_replies(path):
    texts = [b.get("text", "") for b in boxes(path).values()]
    assert "route " + " ".join(r.address for r in REPLIES) in texts
    assert "prepend set " + " ".join(f.key for f in STATUS_REPLY.fields) + ":" in texts


def test_the_stage_controls_reach_the_default_ceiling():
    control = boxes(PATCH_DIR / "grower_control.maxpat").values()
    device = boxes(PATCH_DIR / "grower_device.maxpat").values()
    assert any(b["maxclass"] == "flonum" and b.get("maximum") == DEFAULT_STAGE_CEILING for b in control)
    assert any(b["maxclass"] == "slider" and b.get("size") == DEFAULT_STAGE_CEILING + 1 for b in control)
    dial = [b for b in device if b.get("varname") == "grower_stage"][0]
    assert dial["saved_attribute_attributes"]["valueof"]["parameter_mmax"] == DEFAULT_STAGE_CEILING
    build = (PATCH_DIR / "build_patches.py").read_text().replace('"x64"', "")
    assert not re.search(r"\b64\b", build), "stage ceilings come from protocol.DEFAULT_STAGE_CEILING"


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_every_address_a_patch_sends_is_in_the_protocol_with_a_matching_count(path):
    messages = osc_messages(path)
    assert messages
    for _, address, atoms in messages:
        if not address.startswith("/"):
            continue  # udpsend's own settings: host, port
        assert address in BY_ADDRESS, f"{path.name} sends {address}, which the server does not know"
        command = BY_ADDRESS[address]
        assert command.n_required <= len(atoms) <= len(command.args), f"{path.name}: {address} {' '.join(atoms)}"


def atom_value(atom, arg, bank_dir):
    """What Max would send for an atom: $n gets a typical value for the argument it fills."""
    if not atom.startswith("$"):
        return int(atom) if atom.lstrip("-").isdigit() else float(atom) if atom.replace(".", "", 1).lstrip("-").isdigit() else atom
    if arg.type == "s":
        return {"PATH": str(bank_dir), "TONE": "mid"}[arg.name]
    value = {"KEY": 61, "VELOCITY": 100, "STAGE": 12.5, "GLIDE_S": 0.05, "GAIN_DB": -3.0, "MIX": 1.5, "HZ": 233.3, "AMOUNT": 0.5}[arg.name]
    return int(value) if arg.type == "i" else float(value)


def test_every_message_the_patches_produce_is_accepted_by_a_running_server(tmp_path):
    bank_dir = tmp_path / "bank"
    make_bank(bank_dir, [("low", 110.0, 2.0, 0.0), ("mid", 200.0, 2.0, 0.0)])
    server = Server(bank_dir, tmp_path)
    sent = []
    try:
        for path in PATCHES:
            for _, address, atoms in osc_messages(path):
                if not address.startswith("/"):
                    continue
                command = BY_ADDRESS[address]
                args = [atom_value(atom, arg, bank_dir) for atom, arg in zip(atoms, command.args)]
                if address == "/grower/notify":
                    args[1] = server.client.port  # the patch's reply port; here the test listens
                server.client.send(address, *args)
                sent.append((address, args))
        replies = server.client.sync(99)
        status = server.client.status()
    finally:
        server.stop()
    assert not [r for r in replies if r[0] == FAIL], replies
    assert status["errors"] == 0 and status["messages"] == len(sent) + 2
