"""Hostile inputs, written by the tests themselves: banks, Scala files and datagrams.

Every builder takes the folder to write into (inside the server's allowed
folder) and returns what a client would send: the path string of a bank folder,
or the (.scl, .kbm or None) paths of a tuning. A good bank is written with
``synth.synthetic_bank.make_bank`` and then broken in one way.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from grower.synth.synthetic_bank import make_bank

from ..server.conftest import bundle, message

TONES = [("a", 150.0, 1.0, 0.0), ("b", 250.0, 1.0, 0.01)]


# -- banks ---------------------------------------------------------------------------

def good_bank(folder: Path) -> Path:
    make_bank(folder, TONES)
    return folder


def _edit_json(folder: Path, edit) -> Path:
    path = folder / "bank.json"
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))  # allow_nan: NaN and Infinity are written as JSON's extension
    return folder


def _edit_tone(folder: Path, edit, tone: str = "a") -> Path:
    path = folder / "tones" / f"{tone}.safetensors"
    arrays = load_file(str(path))
    edit(arrays)
    save_file(arrays, str(path))
    return folder


def _tone_entry(folder: Path, **fields) -> Path:
    def edit(document):
        document["tones"][0].update(fields)
    return _edit_json(good_bank(folder), edit)


def _header(folder: Path, **fields) -> Path:
    return _edit_json(good_bank(folder), lambda document: document.update(fields))


def _frames(folder: Path, n_frames: int) -> Path:
    good_bank(folder)

    def edit(arrays):
        for key, value in list(arrays.items()):
            if key.startswith("controls."):
                arrays[key] = np.ascontiguousarray(value[:n_frames])
    _edit_tone(folder, edit)
    return _tone_entry_in_place(folder, n_frames=n_frames)


def _tone_entry_in_place(folder: Path, **fields) -> Path:
    def edit(document):
        document["tones"][0].update(fields)
    return _edit_json(folder, edit)


def _control(folder: Path, key: str, value: float) -> Path:
    def edit(arrays):
        arrays[key] = np.full_like(arrays[key], value)
    return _edit_tone(good_bank(folder), edit)


def _missing_control(folder: Path) -> Path:
    return _edit_tone(good_bank(folder), lambda arrays: arrays.pop("controls.f0_hz"))


def _one_noise_band(folder: Path) -> Path:
    good_bank(folder)
    for tone in ("a", "b"):
        _edit_tone(folder, lambda arrays: arrays.update({"controls.noise_magnitudes": np.ascontiguousarray(arrays["controls.noise_magnitudes"][:, :1])}), tone)
    return _edit_json(folder, lambda document: document.update(n_noise_bands=1))


def _many_harmonics(folder: Path, n_harmonics: int) -> Path:
    make_bank(folder, TONES[:1], n_harmonics=64)
    _edit_tone(folder, lambda arrays: arrays.update({"controls.harmonic_distribution": np.full(
        (arrays["controls.f0_hz"].size, n_harmonics), 1.0 / n_harmonics, np.float32)}))
    return _edit_json(folder, lambda document: document.update(n_harmonics=n_harmonics))


def _fifo_tone(folder: Path) -> Path:
    good_bank(folder)
    tone = folder / "tones" / "a.safetensors"
    tone.unlink()
    os.mkfifo(tone)
    return folder


def _fifo_bank_json(folder: Path) -> Path:
    good_bank(folder)
    (folder / "bank.json").unlink()
    os.mkfifo(folder / "bank.json")
    return folder


def _symlink_loop_tone(folder: Path) -> Path:
    good_bank(folder)
    tone = folder / "tones" / "a.safetensors"
    tone.unlink()
    os.symlink("loop.safetensors", tone)
    os.symlink("a.safetensors", folder / "tones" / "loop.safetensors")
    return folder


def _symlink_loop_bank(folder: Path) -> Path:
    os.symlink(folder.name + "-other", folder)
    os.symlink(folder.name, folder.parent / (folder.name + "-other"))
    return folder


def _tone_outside(folder: Path, absolute: bool) -> Path:
    good_bank(folder)
    outside = folder.parent / f"{folder.name}-outside.safetensors"
    (folder / "tones" / "a.safetensors").rename(outside)
    return _tone_entry_in_place(folder, file=str(outside) if absolute else f"../{outside.name}")


def _tone_link_outside(folder: Path) -> Path:
    good_bank(folder)
    outside = folder.parent / f"{folder.name}-outside.safetensors"
    tone = folder / "tones" / "a.safetensors"
    tone.rename(outside)
    os.symlink(outside, tone)
    return folder


def _tone_is_directory(folder: Path) -> Path:
    good_bank(folder)
    tone = folder / "tones" / "a.safetensors"
    tone.unlink()
    tone.mkdir()
    return folder


def _tone_garbage(folder: Path, data: bytes) -> Path:
    good_bank(folder)
    (folder / "tones" / "a.safetensors").write_bytes(data)
    return folder


def _bank_json_text(folder: Path, text: bytes) -> Path:
    good_bank(folder)
    (folder / "bank.json").write_bytes(text)
    return folder


def _wrong_shape(folder: Path) -> Path:
    def edit(arrays):
        arrays["controls.harmonic_distribution"] = np.ascontiguousarray(arrays["controls.harmonic_distribution"][:, :10])
    return _edit_tone(good_bank(folder), edit)


BANKS = {
    "nan-f0": lambda f: _tone_entry(f, f0_hz=float("nan")),
    "zero-f0": lambda f: _tone_entry(f, f0_hz=0.0),
    "negative-f0": lambda f: _tone_entry(f, f0_hz=-150.0),
    "string-f0": lambda f: _tone_entry(f, f0_hz="150"),
    "nan-sustain": lambda f: _tone_entry(f, sustain_start_s=float("nan")),
    "negative-sustain": lambda f: _tone_entry(f, sustain_start_s=-1.0),
    "sustain-past-the-end": lambda f: _tone_entry(f, sustain_end_s=100.0),
    "zero-frames": lambda f: _frames(f, 0),
    "one-frame": lambda f: _frames(f, 1),
    "frames-mismatch": lambda f: _tone_entry(f, n_frames=3),
    "nan-controls": lambda f: _control(f, "controls.amplitude", float("nan")),
    "inf-controls": lambda f: _control(f, "controls.harmonic_distribution", float("inf")),
    "nan-f0-control": lambda f: _control(f, "controls.f0_hz", float("nan")),
    "negative-amplitude": lambda f: _control(f, "controls.amplitude", -1.0),
    "huge-amplitude": lambda f: _control(f, "controls.amplitude", 1e30),
    "missing-control": _missing_control,
    "wrong-shape": _wrong_shape,
    "bank-json-list": lambda f: _bank_json_text(good_bank(f), b"[1, 2, 3]"),
    "bank-json-garbage": lambda f: _bank_json_text(f, b"{not json"),
    "bank-json-not-utf8": lambda f: _bank_json_text(f, b'{"format_version": 1, "x": "\xff\xfe"}'),
    "bank-json-deep": lambda f: _bank_json_text(f, b"[" * 100_000 + b"]" * 100_000),
    "bank-json-missing": lambda f: (good_bank(f) / "bank.json").unlink() or f,
    "zero-sample-rate": lambda f: _header(f, sample_rate=0),
    "zero-hop": lambda f: _header(f, hop_size=0),
    "zero-noise-bands": lambda f: _header(f, n_noise_bands=0),
    "one-noise-band": _one_noise_band,
    "zero-harmonics": lambda f: _header(f, n_harmonics=0),
    "too-many-harmonics": lambda f: _many_harmonics(f, 5000),
    "sample-rate-1": lambda f: _header(f, sample_rate=1, frame_rate_hz=1 / 128),
    "sample-rate-huge": lambda f: _header(f, sample_rate=10**12, frame_rate_hz=10**12 / 128),
    "bad-format-version": lambda f: _header(f, format_version=99),
    "no-tones": lambda f: _header(f, tones=[]),
    "tones-not-a-list": lambda f: _header(f, tones={"a": 1}),
    "tone-entry-a-number": lambda f: _header(f, tones=[7]),
    "symlink-loop-tone": _symlink_loop_tone,
    "symlink-loop-bank": _symlink_loop_bank,
    "dotdot-tone-path": lambda f: _tone_outside(f, absolute=False),
    "absolute-tone-path": lambda f: _tone_outside(f, absolute=True),
    "tone-link-outside": _tone_link_outside,
    "tone-file-directory": _tone_is_directory,
    "tone-file-garbage": lambda f: _tone_garbage(f, b"\x00" * 7 + b"garbage" * 100),
    "tone-file-empty": lambda f: _tone_garbage(f, b""),
    "tone-file-huge-header": lambda f: _tone_garbage(f, struct.pack("<Q", 2**62) + b"{}"),
    "bank-folder-is-a-file": lambda f: (f.write_text("not a folder"), f)[1],
}
# FIFOs: read by safetensors or json, they would block whatever thread opens them (with the GIL,
# for safetensors), so these run against a subprocess server only.
FIFO_BANKS = {"fifo-tone": _fifo_tone, "fifo-bank-json": _fifo_bank_json}
PATH_64K = "x" * 65_000  # a bank path of 64 KB, sent as it is


# -- Scala files ---------------------------------------------------------------------

SCALE_12 = "! 12.scl\n12-TET\n 12\n!\n" + "".join(f" {100.0 * i:.1f}\n" for i in range(1, 12)) + " 2/1\n"
KBM_A440 = "! a.kbm\n0\n0\n127\n60\n69\n440.0\n1\n"


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _scl(text) -> callable:
    return lambda folder: (_write(folder, "s.scl", text), None)


def _kbm(text) -> callable:
    return lambda folder: (_write(folder, "s.scl", SCALE_12), _write(folder, "k.kbm", text))


def _directory_scl(folder: Path):
    (folder / "dir.scl").mkdir()
    return folder / "dir.scl", None


def _fifo_scl(folder: Path):
    os.mkfifo(folder / "fifo.scl")
    return folder / "fifo.scl", None


def _fifo_kbm(folder: Path):
    os.mkfifo(folder / "fifo.kbm")
    return _write(folder, "s.scl", SCALE_12), folder / "fifo.kbm"


def _symlink_loop_scl(folder: Path):
    os.symlink("b.scl", folder / "a.scl")
    os.symlink("a.scl", folder / "b.scl")
    return folder / "a.scl", None


SCALES = {
    "negative-ratio": _scl("! n.scl\nnegative\n 2\n!\n -3/2\n 2/1\n"),
    "zero-ratio": _scl("! z.scl\nzero\n 2\n!\n 0/1\n 2/1\n"),
    "zero-denominator": _scl("! z.scl\nzero\n 1\n!\n 1/0\n"),
    "negative-period": _scl("! n.scl\nnegative period\n 1\n!\n -2/1\n"),
    "huge-cents": _scl("! h.scl\nhuge\n 1\n!\n 1e308.0\n"),
    "empty": _scl(""),
    "garbage": _scl("garbage\x01\x02 not a scale"),
    "no-degrees": _scl("! e.scl\nempty\n 0\n!\n"),
    "count-huge": _scl("! c.scl\ncount\n 999999999\n!\n 100.0\n"),
    "not-utf8": _scl(b"! x.scl\n\xff\xfe scale\n 1\n!\n 2/1\n"),
    "binary": _scl(bytes(range(256)) * 4),
    "huge-file": _scl("! big.scl\nbig\n 1\n!\n 2/1\n" + "!" * (2 << 20)),
    "directory": _directory_scl,
    "symlink-loop": _symlink_loop_scl,
    "kbm-zero-frequency": _kbm("! k.kbm\n0\n0\n127\n60\n69\n0\n1\n"),
    "kbm-garbage": _kbm("garbage"),
    "kbm-not-utf8": _kbm(b"! k.kbm\n0\n0\n127\n60\n69\n440.0\n\xff\n"),
    "kbm-count-huge": _kbm("! k.kbm\n100000000\n0\n127\n60\n69\n440.0\n1\n"),
    "kbm-maps-nothing": _kbm("! k.kbm\n1\n0\n127\n60\n69\n440.0\n1\nx\n"),
    "kbm-empty": _kbm(""),
}
FIFO_SCALES = {"fifo-scl": _fifo_scl, "fifo-kbm": _fifo_kbm}


# -- datagrams -----------------------------------------------------------------------

def _nested(depth: int) -> bytes:
    packet = message("/grower/panic")
    for _ in range(depth):
        packet = b"#bundle\x00" + bytes(7) + b"\x01" + struct.pack(">i", len(packet)) + packet
    return packet


def unknown_addresses_bundle(n_messages: int = 5400) -> bytes:
    """One bundle of just under 64 KB: n_messages of 12 bytes each, to an unknown address."""
    element = struct.pack(">i", 8) + b"/nop\x00\x00\x00\x00"  # a message without type tags: no arguments
    return b"#bundle\x00" + bytes(7) + b"\x01" + element * n_messages


def datagrams() -> dict[str, list[bytes]]:
    """Named groups of hostile datagrams."""
    rng = np.random.default_rng(10)
    valid = [message("/grower/voice/on", 5, 220.0, 0.5, "a"), message("/grower/stage", 3.0, 0.1), bundle(None, ("/grower/gain", [-6.0]))]
    numeric = [("/grower/stage", 1), ("/grower/gain", 1), ("/grower/voice/on", 3), ("/grower/note/on", 2), ("/grower/voice/pitch", 2)]
    specials = [float("nan"), float("inf"), float("-inf"), 3.4e38, -3.4e38, 2**31 - 1, -2**31]
    doubles = [b"/grower/stage\x00\x00\x00,d\x00\x00" + struct.pack(">d", value) for value in (1e308, -1e308, float("nan"), 5e-324)]
    int64s = [b"/grower/note/on\x00,hh\x00" + struct.pack(">qq", 2**63 - 1, -2**63)]
    groups = {
        "random-bytes": [rng.integers(0, 256, int(n), dtype=np.uint8).tobytes() for n in rng.integers(1, 2000, 200)],
        "random-after-address": [b"/grower/stage\x00\x00\x00" + rng.integers(0, 256, int(n), dtype=np.uint8).tobytes()
                                 for n in rng.integers(1, 64, 100)],
        "truncated": [packet[:n] for packet in valid for n in range(1, len(packet))],
        "unknown-type-tags": [b"/grower/stage\x00\x00\x00," + bytes([tag]) + b"\x00\x00" + bytes(8) for tag in range(33, 127)
                              if chr(tag) not in "ifsbhdtrmTFN[],"],
        "trailing-bytes": [packet + bytes(n) for packet in valid for n in (4, 8, 100)],
        "deep-nesting": [_nested(depth) for depth in (8, 9, 64, 1000)],
        "64k-strings": [message("/grower/" + "x" * 65_000), message("/grower/tone/stage", "t" * 65_000, 3.0),
                        message("/grower/voice/on", 1, 220.0, 1.0, "v" * 65_000), message("/grower/tuning/load", "s" * 65_000),
                        bundle(None, *[("/grower/tone/stage", ["n" * 6000, 1.0])] * 10)],
        "nan-inf-args": [message(address, *([special] * n)) for address, n in numeric for special in specials] + doubles + int64s,
        "blob-and-odd-args": [message("/grower/stage", b"blob"), message("/grower/stage", True), message("/grower/stage", None),
                              message("/grower/voice/on", 1, 220.0, 1.0, b"tone"), message("/grower/bank/load", [1, 2])],
        "unknown-addresses-64k": [unknown_addresses_bundle()],
    }
    return groups
