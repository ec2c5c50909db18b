"""The Max patches: valid patcher JSON, and a contract with the server's protocol table."""

import json
import sys
from pathlib import Path

import pytest

from grower.server.protocol import BY_ADDRESS, FAIL

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


def test_both_patches_are_there():
    assert {p.name for p in PATCHES} == {"grower_control.maxpat", "grower_device.maxpat"}


def test_the_committed_patches_are_what_the_builder_writes(tmp_path):
    sys.path.insert(0, str(PATCH_DIR))
    try:
        import build_patches
    finally:
        sys.path.pop(0)
    for name, build in build_patches.PATCHES.items():
        assert json.loads((PATCH_DIR / name).read_text()) == json.loads(json.dumps(build())), f"run: python max_patches/build_patches.py ({name})"


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
    value = {"KEY": 61, "VELOCITY": 100, "STAGE": 12.5, "GLIDE_S": 0.05, "GAIN_DB": -3.0, "MIX": 1.5, "HZ": 233.3}[arg.name]
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
