"""OSC over UDP: datagrams in, the dispatcher, replies out.

python-osc's own servers sleep until a bundle's timetag (its "strict
timing"), which would stall every message behind a future bundle; and its
packet parser skips type tags it does not know, ignores bytes after the last
argument and logs each bad datagram. So here ``parse_packet`` walks each
datagram with python-osc's type readers (``pythonosc.parsing.osc_types``),
strictly, and ``handle_datagram`` sends every message straight to the
dispatcher with its wall time (the engine places it on its sample) or answers
the packet with one ``/grower/fail``. Replies are built with python-osc's
``OscMessageBuilder``.

``handle_datagram``, ``reply_datagrams`` and ``meter_datagrams`` need no socket:
``OscServerThreads`` calls them from its two threads, and the tests call them
in-process. The sending thread also formats the notifications the audio thread
recorded (plain tuples on the reply queue) and sends each to every registered
client, and sends each metered client its ``/grower/meter.reply`` on its clock.

Error replies are rate-limited per destination (``FailLimiter``): a 64 KB
bundle of unknown addresses is thousands of errors, all counted, but at most
``protocol.FAILS_PER_S`` of them are answered each second, and the rest are
summarised once a second in one ``/grower/fail``. Other replies are never dropped.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
import traceback
from dataclasses import dataclass

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

from .dispatch import Dispatcher
from .protocol import FAIL, FAIL_REPLY, FAILS_PER_S, METER_REPLY, NOTIFICATIONS

NOTIFICATION_ROWS = {n.address: n for n in NOTIFICATIONS}

RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024  # a 10 k msg/s flood must queue in the kernel, not drop
MAX_DATAGRAM_BYTES = 65536
FUTURE_MARGIN_S = 0.001  # timetags this close to now are "now"
MAX_BUNDLE_DEPTH = 8  # bundles inside bundles, at most
SUMMARY_INTERVAL_S = 1.0  # suppressed error replies are summarised this often, per destination
MAX_LIMITED_DESTINATIONS = 1024  # idle destinations are forgotten past this many
SEND_BATCH = 1024  # replies the sending thread sends before it looks at the summaries due


def build_message(address: str, args: list) -> bytes:
    builder = OscMessageBuilder(address)
    for value in args:
        builder.add_arg(value)
    return builder.build().dgram


# -- parsing -----------------------------------------------------------------------

BUNDLE_PREFIX = b"#bundle\x00"


def get_string(data: bytes, index: int) -> tuple[str, int]:
    """An OSC string at index: (text, index after its padding). python-osc's get_string, with the NUL
    found in C rather than a byte at a time (a 64 KB string took it milliseconds). Raises
    osc_types.ParseError when there is no NUL or no room for the padding; UnicodeDecodeError."""
    end = data.find(b"\x00", index)
    if end < 0:
        raise osc_types.ParseError("no NUL ends the string")
    after = index + (end - index) // 4 * 4 + 4
    if after > len(data):
        raise osc_types.ParseError("Datagram is too short")
    return data[index:end].decode("utf-8"), after


# python-osc's readers for the OSC 1.0 and 1.1 types it knows; T, F, N and arrays carry no bytes.
READERS = {"i": osc_types.get_int, "h": osc_types.get_int64, "f": osc_types.get_float, "d": osc_types.get_double,
           "s": get_string, "b": osc_types.get_blob, "r": osc_types.get_rgba, "m": osc_types.get_midi,
           "t": osc_types.get_timetag}
CONSTANTS = {"T": True, "F": False, "N": None}


class MalformedPacket(ValueError):
    """A datagram that is not well-formed OSC. address: the one read before the fault, else ""."""

    def __init__(self, message: str, address: str = ""):
        super().__init__(message)
        self.address = address


@dataclass(frozen=True)
class Received:
    """One message of a packet. timetag_s: its bundle's time (epoch seconds), None outside a bundle or for 'immediately'."""

    address: str
    args: list
    timetag_s: float | None


def parse_packet(data: bytes) -> list[Received]:
    """Every message in an OSC datagram, in packet order. Raises MalformedPacket for any fault
    (nothing of a faulty packet is returned): a truncated or overrunning element, a type tag
    this server cannot read, bytes after the last argument, a bundle element that is neither
    a message nor a bundle, or bundles nested deeper than MAX_BUNDLE_DEPTH."""
    if not data:
        raise MalformedPacket("empty packet")
    messages: list[Received] = []
    _parse_element(data, None, 0, messages)
    return messages


def _parse_element(data: bytes, timetag_s: float | None, depth: int, out: list[Received]) -> None:
    if data.startswith(BUNDLE_PREFIX):
        _parse_bundle(data, depth, out)
    elif data.startswith(b"/"):
        out.append(_parse_message(data, timetag_s))
    else:
        raise MalformedPacket(f"neither an OSC message nor a bundle (starts with {data[:8]!r})")


def _parse_bundle(data: bytes, depth: int, out: list[Received]) -> None:
    if depth >= MAX_BUNDLE_DEPTH:
        raise MalformedPacket(f"bundles nested more than {MAX_BUNDLE_DEPTH} deep")
    if len(data) < len(BUNDLE_PREFIX) + 8:
        raise MalformedPacket(f"bundle of {len(data)} bytes has no room for its 8-byte timetag")
    date, index = osc_types.get_date(data, len(BUNDLE_PREFIX))
    timetag_s = None if date == osc_types.IMMEDIATELY else date
    while index < len(data):
        if len(data) - index < 4:
            raise MalformedPacket(f"bundle element size needs 4 bytes, {len(data) - index} left")
        size, index = osc_types.get_int(data, index)
        if size <= 0 or size % 4 or size > len(data) - index:
            raise MalformedPacket(f"bundle element of {size} bytes does not fit the {len(data) - index} bytes left"
                                  + (" (sizes are positive multiples of 4)" if size <= 0 or size % 4 else ""))
        _parse_element(data[index:index + size], timetag_s, depth + 1, out)
        index += size


def _parse_message(data: bytes, timetag_s: float | None) -> Received:
    address, index = _read_string(data, 0, "the address")
    if index == len(data):  # no type tag string: an old-style message without arguments
        return Received(address, [], timetag_s)
    tags, index = _read_string(data, index, "the type tags", address)
    if not tags.startswith(","):
        raise MalformedPacket(f"type tags must start with ',', got {tags[:16]!r}", address)
    args: list = []
    stack = [args]
    for position, tag in enumerate(tags[1:], start=1):
        if tag in READERS:
            start = index
            try:
                value, index = READERS[tag](data, index)
            except UnicodeDecodeError:
                raise MalformedPacket(f"argument {position} (type '{tag}') is not UTF-8", address) from None
            except (osc_types.ParseError, IndexError, ValueError, OverflowError) as error:
                raise MalformedPacket(f"argument {position} (type '{tag}') cannot be read: {_reason(error)}", address) from None
            if index <= start:  # only a blob with a negative size goes backwards
                raise MalformedPacket(f"argument {position} (type '{tag}') has a negative size", address)
            stack[-1].append(value)
        elif tag in CONSTANTS:
            stack[-1].append(CONSTANTS[tag])
        elif tag == "[":
            stack[-1].append([])
            stack.append(stack[-1][-1])
        elif tag == "]" and len(stack) > 1:
            stack.pop()
        else:
            raise MalformedPacket(f"unknown type tag {tag!r} in {tags[:16]!r}" if tag != "]" else f"unmatched ']' in {tags[:16]!r}", address)
    if len(stack) > 1:
        raise MalformedPacket(f"unclosed '[' in {tags[:16]!r}", address)
    if index < len(data):
        raise MalformedPacket(f"{len(data) - index} bytes after the last argument", address)
    return Received(address, args, timetag_s)


def _read_string(data: bytes, index: int, what: str, address: str = "") -> tuple[str, int]:
    try:
        return get_string(data, index)
    except UnicodeDecodeError:
        raise MalformedPacket(f"{what} is not UTF-8", address) from None
    except osc_types.ParseError:
        raise MalformedPacket(f"{what} is not a zero-padded OSC string", address) from None


def _reason(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:80]


# -- the OSC thread's work, callable without a socket ------------------------------

def handle_datagram(dispatcher: Dispatcher, data: bytes, sender: tuple, now_s: float | None = None) -> None:
    """Everything the receiving thread does with one datagram from sender (host, port).

    Messages go to the dispatcher in time order (packet order among equal times, as
    python-osc's OscPacket orders them), each with its bundle's timetag when that lies in
    the future (else None: now). A malformed packet is one /grower/fail.
    now_s: the wall clock (time.time()), for tests.
    """
    now_s = time.time() if now_s is None else now_s
    try:
        try:
            messages = parse_packet(data)
        except MalformedPacket as error:
            dispatcher.malformed(error.address, f"malformed OSC packet ({len(data)} bytes): {error}", sender)
            return
        timed = [(m.timetag_s if m.timetag_s is not None and m.timetag_s > now_s + FUTURE_MARGIN_S else None, m) for m in messages]
        timed.sort(key=lambda pair: now_s if pair[0] is None else pair[0])  # stable
        for wall_time_s, m in timed:
            dispatcher.dispatch(m.address, m.args, wall_time_s, sender, now_s)
    except Exception as error:  # noqa: BLE001 - a bug: show its traceback, answer, keep serving
        traceback.print_exc()
        dispatcher.fail("", f"internal error: {error!r}", dispatcher.destination(sender))


class FailLimiter:
    """A token bucket per destination for /grower/fail replies: rate_per_s of them a second,
    in bursts of up to rate_per_s; the rest are counted and summarised (``summaries``).

    Used by the sending thread only (the in-process tests: by theirs), so it needs no lock.
    Times are time.monotonic() seconds.
    """

    def __init__(self, rate_per_s: float = FAILS_PER_S):
        self.rate_per_s = rate_per_s
        self._buckets: dict[tuple, list] = {}  # destination -> [tokens, last refill s, suppressed, first suppressed s]

    def allow(self, destination: tuple, now_s: float) -> bool:
        """May a /grower/fail go to destination now? False counts it as suppressed."""
        bucket = self._buckets.get(destination)
        if bucket is None:
            if len(self._buckets) >= MAX_LIMITED_DESTINATIONS:
                self._forget_idle(now_s)
            bucket = self._buckets[destination] = [self.rate_per_s, now_s, 0, 0.0]
        bucket[0] = min(self.rate_per_s, bucket[0] + (now_s - bucket[1]) * self.rate_per_s)
        bucket[1] = now_s
        if bucket[0] >= 1:
            bucket[0] -= 1
            return True
        if not bucket[2]:
            bucket[3] = now_s
        bucket[2] += 1
        return False

    def summaries(self, now_s: float) -> list[tuple[tuple, int]]:
        """(destination, n suppressed) for each destination whose errors have been suppressed
        for SUMMARY_INTERVAL_S; their counts restart."""
        due = []
        for destination, bucket in self._buckets.items():
            if bucket[2] and now_s - bucket[3] >= SUMMARY_INTERVAL_S:
                due.append((destination, bucket[2]))
                bucket[2] = 0
        return due

    def _forget_idle(self, now_s: float) -> None:
        for destination, bucket in list(self._buckets.items()):
            if not bucket[2] and bucket[0] + (now_s - bucket[1]) * self.rate_per_s >= self.rate_per_s:
                del self._buckets[destination]


def reply_datagrams(dispatcher: Dispatcher, item: tuple, limiter: FailLimiter | None = None,
                    now_s: float | None = None) -> tuple[bytes, list[tuple]]:
    """One item of the engine's reply queue as (datagram, [(host, port), ...] to send it to).

    item: (address, args, destination); destination None means every client registered
    with /grower/notify. A notification's args are the values the audio thread recorded, in
    field order; they are converted to its row's types here. limiter: for a /grower/fail, the
    destinations over their rate are left out (and counted there). now_s: time.monotonic(), for tests.
    """
    address, args, destination = item
    targets = [destination] if destination is not None else dispatcher.engine.clients.destinations()
    if not targets:
        return b"", []
    if address in NOTIFICATION_ROWS:
        args = NOTIFICATION_ROWS[address].typed(args)
    if limiter is not None and address == FAIL:
        now_s = time.monotonic() if now_s is None else now_s
        targets = [target for target in targets if limiter.allow(target, now_s)]
        if not targets:
            return b"", []
    try:
        data = build_message(address, args)
    except Exception as error:  # noqa: BLE001 - a reply we cannot encode is a bug; say so, keep serving
        data = build_message(FAIL_REPLY.address, FAIL_REPLY.pack(address=address, message=f"reply could not be encoded: {error}"))
    return data, targets


def meter_datagrams(dispatcher: Dispatcher, now_s: float | None = None) -> list[tuple[bytes, tuple]]:
    """The /grower/meter.reply messages due: (datagram, destination), one per metered client whose
    time has come. now_s: time.monotonic(), for tests."""
    engine = dispatcher.engine
    now_s = time.monotonic() if now_s is None else now_s
    return [(build_message(METER_REPLY.address, METER_REPLY.typed(values)), destination)
            for destination, values in engine.clients.meters_due(now_s, engine.voices, round(100 * engine.cpu_load, 2))]


def summary_datagrams(limiter: FailLimiter, now_s: float | None = None) -> list[tuple[bytes, tuple]]:
    """The summaries due: (datagram, destination) of /grower/fail "" "N further errors suppressed"."""
    now_s = time.monotonic() if now_s is None else now_s
    return [(build_message(FAIL, FAIL_REPLY.pack(address="", message=f"{n} further errors suppressed")), destination)
            for destination, n in limiter.summaries(now_s)]


# -- the socket and its threads ----------------------------------------------------

class OscServerThreads:
    """The UDP socket and the two threads that serve it.

    ``grower-osc-in`` receives datagrams and runs ``handle_datagram`` on each, stepping
    aside while a block renders; ``grower-osc-out`` sends the engine's replies. Neither
    ever sleeps on a timetag. Use it for grower-serve's OSC; ``start`` and ``stop``
    from the main thread.
    """

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
        self.limiter = FailLimiter()
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
        self.dispatcher.loader.stop()
        self.socket.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.socket.recvfrom(MAX_DATAGRAM_BYTES)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.engine.yield_to_audio()
            handle_datagram(self.dispatcher, data, sender)

    def _send(self) -> None:
        """The sending thread: replies, notifications, summaries and meters. A bug in one pass is
        shown once and the thread carries on, so replies never stop for good."""
        failed = False
        while True:
            try:
                self._send_loop()
                return
            except Exception:  # noqa: BLE001 - a bug: show it once, keep replying
                if not failed:
                    traceback.print_exc()
                    failed = True

    def _send_loop(self) -> None:
        replies, item, clients = self.engine.replies, (), self.engine.clients
        while True:
            if not item:
                meter_s = clients.next_meter_s(time.monotonic())
                try:
                    item = replies.get(timeout=SUMMARY_INTERVAL_S / 4 if meter_s is None else min(SUMMARY_INTERVAL_S / 4, meter_s))
                except queue.Empty:
                    item = ()
            for _ in range(SEND_BATCH):  # what is queued already, without waiting
                if not item:
                    break
                data, targets = reply_datagrams(self.dispatcher, item, self.limiter, time.monotonic())
                for target in targets:
                    self._send_to(data, target)
                try:
                    item = replies.get_nowait()
                except queue.Empty:
                    item = ()
            if item is None:
                return
            for data, target in summary_datagrams(self.limiter):
                self._send_to(data, target)
            for data, target in meter_datagrams(self.dispatcher):
                self._send_to(data, target)

    def _send_to(self, data: bytes, target: tuple) -> None:
        try:
            self.socket.sendto(data, target)
        except OSError:
            pass  # the client went away (or the reply is too large to send); UDP has no one to tell
