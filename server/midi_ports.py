"""MIDI inputs through mido's python-rtmidi backend: ALSA first, else JACK.

The port callbacks (rtmidi's threads) only queue messages for the engine;
``MidiPerformer`` applies them on the audio thread.
"""

from __future__ import annotations

import os
import sys

import mido

from .audio import quiet_native_stderr
from .engine import Engine
from .midi import MidiPerformer

VIRTUAL_PORT_NAME = "Timbre Grower"
APIS = ("LINUX_ALSA", "UNIX_JACK", "MACOSX_CORE", "WINDOWS_MM")


class MidiUnavailable(RuntimeError):
    """No MIDI system can be used; the message says why in one line."""


def _backend():
    """The first rtmidi API that works here, as a mido backend; MidiUnavailable if none does."""
    import rtmidi

    reasons = []
    compiled = set(rtmidi.get_compiled_api())
    for name in APIS:
        api = getattr(rtmidi, f"API_{name}", None)
        if api is None or api not in compiled:
            continue
        if name == "LINUX_ALSA" and sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq"):
            reasons.append("ALSA: no sequencer (/dev/snd/seq)")
            continue
        backend = mido.Backend(f"mido.backends.rtmidi/{name}", load=True)
        try:
            with quiet_native_stderr():
                backend.get_input_names()
            return name, backend
        except Exception as error:  # noqa: BLE001 - rtmidi raises SystemError/RtMidi errors when the API's server is absent
            reasons.append(f"{name}: {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}")
    raise MidiUnavailable("no MIDI system (" + ("; ".join(reasons) or "rtmidi has no API here") + ")")


class MidiInputThreads:
    """Open MIDI input ports. Each port's callback runs on its own rtmidi thread and only
    queues the message for the engine; ``close`` (from the main thread) stops them."""

    def __init__(self, engine: Engine, performer: MidiPerformer, which: str = "all", virtual: bool = True):
        """which: a port name (or a part of one) or 'all'. virtual: also open the 'Timbre Grower' port."""
        self.ports = []
        api, backend = _backend()

        def receive(msg):
            engine.submit(lambda at, msg=msg: performer.handle(msg, at))

        opened = []
        if virtual:
            try:
                self.ports.append(backend.open_input(VIRTUAL_PORT_NAME, virtual=True, callback=receive))
                opened.append(f"virtual port {VIRTUAL_PORT_NAME!r}")
            except Exception as error:  # noqa: BLE001 - some systems (Windows MM) cannot make virtual ports
                opened.append(f"no virtual port ({str(error).strip() or type(error).__name__})")
        names = [n for n in backend.get_input_names() if VIRTUAL_PORT_NAME not in n]
        chosen = names if which == "all" else [n for n in names if which == n] or [n for n in names if which.lower() in n.lower()]
        if which != "all" and not chosen:
            raise MidiUnavailable(f"no MIDI input named {which!r} (inputs: {', '.join(names) or 'none'})")
        for name in chosen:
            self.ports.append(backend.open_input(name, callback=receive))
        opened.append(f"{len(chosen)} input{'s' if len(chosen) != 1 else ''}" + (f" ({', '.join(chosen)})" if chosen else ""))
        self.description = f"MIDI ({api}): " + ", ".join(opened)

    def close(self) -> None:
        for port in self.ports:
            port.close()
