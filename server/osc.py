"""OSC over UDP: python-osc parses and builds; this owns the socket and the timing.

python-osc's own servers sleep until a bundle's timetag (its "strict
timing"), which would stall every message behind a future bundle. Here each
datagram is parsed with ``pythonosc.osc_packet.OscPacket`` and every message
goes straight to the dispatcher with its wall time; the engine places it on
its sample. Replies are sent by a second thread from the engine's queue.
"""

from __future__ import annotations

import socket
import threading
import time
import traceback

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from .dispatch import Dispatcher
from .protocol import FAIL

RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024  # a 10 k msg/s flood must queue in the kernel, not drop
FUTURE_MARGIN_S = 0.001  # timetags this close to now are "now"


def build_message(address: str, args: list) -> bytes:
    builder = OscMessageBuilder(address)
    for value in args:
        builder.add_arg(value)
    return builder.build().dgram


class OscServer:
    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 9000):
        self.dispatcher = dispatcher
        self.engine = dispatcher.engine
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:  # past net.core.rmem_max where allowed (root); else as large as the system permits
            self.socket.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), RECEIVE_BUFFER_BYTES)
        except OSError:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.socket.bind((host, port))
        self.socket.settimeout(0.1)
        self.address = self.socket.getsockname()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._receive, name="grower-osc-in", daemon=True),
                         threading.Thread(target=self._send, name="grower-osc-out", daemon=True)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.engine.replies.put(None)
        for thread in self._threads:
            thread.join()
        self.socket.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.socket.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.engine.yield_to_audio()
            try:
                self.handle_datagram(data, sender)
            except Exception as error:  # noqa: BLE001 - a bug: show its traceback, answer, keep serving
                traceback.print_exc()
                self.dispatcher.fail("", f"internal error: {error!r}", self.dispatcher.destination(sender))

    def handle_datagram(self, data: bytes, sender: tuple) -> None:
        now = time.time()
        try:
            messages = OscPacket(data).messages
        except Exception as error:  # noqa: BLE001 - python-osc raises ParseError, IndexError, UnicodeError... on bad bytes
            self.dispatcher.malformed(f"malformed OSC packet ({len(data)} bytes): {str(error)[:120] or type(error).__name__}", sender)
            return
        for timed in messages:
            wall_time_s = timed.time if timed.time > now + FUTURE_MARGIN_S else None
            self.dispatcher.dispatch(timed.message.address, list(timed.message.params), wall_time_s, sender)

    def _send(self) -> None:
        while (item := self.engine.replies.get()) is not None:
            address, args, destination = item
            targets = [destination] if destination is not None else [(h, p) for h, p in self.dispatcher.notify.items()]
            try:
                data = build_message(address, args)
            except Exception as error:  # noqa: BLE001 - a reply we cannot encode is a bug; say so, keep serving
                data = build_message(FAIL, [address, f"reply could not be encoded: {error}"])
            for target in targets:
                try:
                    self.socket.sendto(data, target)
                except OSError:
                    pass  # the client went away; UDP has no one to tell
