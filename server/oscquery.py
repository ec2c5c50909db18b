"""OSCQuery: the OSC address space described over HTTP, and advertised over mDNS.

Clients such as ossia score, Chataigne, TouchDesigner and VDMX read it and build
controls for every command with no setup. Follows the OSCQuery proposal
(github.com/Vidvox/OSCQueryProposal):

- ``GET /`` returns the whole tree: ``{"FULL_PATH": "/", "CONTENTS": {...}}``, one
  container per path segment, one method per row of ``protocol.PROTOCOL``, with
  TYPE, RANGE, UNIT, DESCRIPTION and ACCESS taken from the row. ``GET /grower/voice``
  returns that subtree; an address that is not in the tree is a 404.
- ``GET /grower/gain?TYPE`` returns ``{"TYPE": "f"}``: one attribute (204 when the node
  has none, such as VALUE on a write-only method; 400 for a name the proposal does not
  define).
- ``GET /?HOST_INFO`` returns the server's name, the OSC port actually bound, its
  transport (UDP) and the extensions supported.

Everything is generated from the protocol table; there is no second list of
addresses. ``namespace`` and ``host_info`` are pure functions; ``OscQueryServerThread``
serves them; ``service_infos`` builds the zeroconf records, and
``MdnsAdvertiserThread`` registers them, only when ``should_advertise`` says the OSC
host is reachable from beyond this machine. zeroconf and ifaddr are imported where they
are used, so grower-serve on loopback (the default) never loads them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .protocol import N_HARMONICS, Arg, Command

NAME = "Timbre Grower"
OSCJSON_SERVICE = "_oscjson._tcp.local."
OSC_SERVICE = "_osc._udp.local."
MAX_INSTANCE_NAME_BYTES = 63  # DNS-SD: an instance name is one DNS label

# ACCESS: a bit mask, 1 = the value can be read, 2 = it can be set. Commands are write-only:
# they have no value to read (their replies, such as /grower/status.reply, are OSC messages
# sent back to the sender, not OSCQuery values).
ACCESS_NONE, ACCESS_WRITE = 0, 2
# The attributes this server fills in, and the rest of those the proposal defines (for
# ?ATTRIBUTE queries: a defined one a node lacks is 204 No Content, any other name is 400).
EXTENSIONS = {"TYPE": True, "ACCESS": True, "RANGE": True, "UNIT": True, "DESCRIPTION": True,
              "VALUE": False, "TAGS": False, "EXTENDED_TYPE": False, "CRITICAL": False, "CLIPMODE": False,
              "OVERLOADS": False, "HTML": False, "LISTEN": False,
              "PATH_CHANGED": False, "PATH_RENAMED": False, "PATH_ADDED": False, "PATH_REMOVED": False}
NODE_ATTRIBUTES = {"FULL_PATH", "CONTENTS", *EXTENSIONS}


# -- the address space as JSON: pure functions ---------------------------------------

def namespace(protocol: Iterable[Command], n_harmonics: int) -> dict:
    """The OSCQuery tree of protocol: ``{"FULL_PATH": "/", "CONTENTS": {...}}``.

    n_harmonics: the harmonic count of the bank being served, the upper end of every
    STAGE argument (the table's ``Bound``).

    Each command is a method node: TYPE its arguments' type tags ("i", "f", "s"), RANGE
    one ``{"MIN", "MAX"}`` per argument (``{"VALS": [...]}`` for a string with choices,
    ``{}`` for other strings, which have none), UNIT one
    string per argument (the table's, "" for none), DESCRIPTION the command's doc with
    when it acts, each argument's, and its reply; ACCESS 2 (write-only).

    Optional arguments: OSCQuery has none, so TYPE lists every argument, the required
    ones and then the optional ones (the table puts them last), and a client that sends
    the full TYPE sends a complete message. DESCRIPTION says which arguments are
    optional and what leaving them off means.
    """
    bounds = {N_HARMONICS.name: n_harmonics}
    root = {"FULL_PATH": "/", "DESCRIPTION": f"{NAME}: grower-serve's OSC commands", "ACCESS": ACCESS_NONE, "CONTENTS": {}}
    for command in protocol:
        node = root
        segments = command.address.strip("/").split("/")
        for depth, segment in enumerate(segments, start=1):
            contents = node.setdefault("CONTENTS", {})
            node = contents.setdefault(segment, {"FULL_PATH": "/" + "/".join(segments[:depth]), "ACCESS": ACCESS_NONE})
        node.update(_method(command, bounds))
    return root


def _method(command: Command, bounds: Mapping[str, float]) -> dict:
    return {
        "TYPE": "".join(a.type for a in command.args),
        "RANGE": [_range(a, bounds) for a in command.args],
        "UNIT": [a.unit for a in command.args],
        "DESCRIPTION": _description(command, bounds),
        "ACCESS": ACCESS_WRITE,
    }


def _range(arg: Arg, bounds: Mapping[str, float]) -> dict:
    if arg.choices:
        return {"VALS": list(arg.choices)}
    if arg.low is None:
        return {}
    as_type = int if arg.type == "i" else float
    return {"MIN": as_type(arg.low), "MAX": as_type(arg.high_value(bounds))}


def _description(command: Command, bounds: Mapping[str, float]) -> str:
    """'Set one voice's own growth stage. Acts at the next control-period boundary ...
    Arguments: ID (i, 0..2147483647): a voice id ...; GLIDE_S (f, s, 0..60, optional): ...'"""
    text = f"{command.doc} Acts {command.acts.doc}."
    if command.args:
        text += " Arguments: " + "; ".join(_argument_text(a, bounds) for a in command.args) + "."
    if command.reply is not None:
        text += f" Replies {command.reply_text}."
    return text


def _argument_text(arg: Arg, bounds: Mapping[str, float]) -> str:
    about = [arg.type, arg.unit, arg.range_text(bounds), "optional" if arg.optional else ""]
    text = f"{arg.name} ({', '.join(part for part in about if part)})"
    return f"{text}: {arg.doc}" if arg.doc else text


def host_info(osc_port: int, osc_ip: str | None = None, name: str = NAME) -> dict:
    """The ``?HOST_INFO`` reply. osc_port: the OSC UDP port actually bound. osc_ip: the
    address OSC is bound to, or None when it listens on every interface (0.0.0.0), where
    clients send to the address they reached this HTTP server on."""
    info = {"NAME": name, "OSC_PORT": osc_port, "OSC_TRANSPORT": "UDP", "EXTENSIONS": dict(EXTENSIONS)}
    if osc_ip is not None:
        info["OSC_IP"] = osc_ip
    return info


def node_at(tree: dict, path: str) -> dict | None:
    """The node of tree at an OSC path ('/grower/voice', '/grower/voice/' alike), or None."""
    node = tree
    for segment in (s for s in path.split("/") if s):
        node = node.get("CONTENTS", {}).get(segment)
        if node is None:
            return None
    return node


def default_port(osc_port: int) -> int:
    """The OSCQuery port when --oscquery-port is not given: the OSC port + 1, or 0 (any
    free port) when OSC asked for any free port (0) or is on the last port."""
    return osc_port + 1 if 0 < osc_port < 65535 else 0


# -- the HTTP server -----------------------------------------------------------------

class OscQueryServerThread:
    """An HTTP server on its own thread (``grower-oscquery``) that answers OSCQuery requests;
    each request is handled on a short-lived daemon thread of ``ThreadingHTTPServer``.

    Use it beside ``OscServerThreads``, bound to the same host. The tree is built on
    each request, so a hot-swapped bank's n_harmonics shows in the STAGE ranges at once.
    ``start`` and ``stop`` from the main thread.

    n_harmonics: returns the harmonic count of the bank being served.
    yield_to_audio: called before each request's work (the engine's: as the OSC thread
    does, a request waits while a block renders rather than take the GIL from it).
    """

    def __init__(self, protocol: Iterable[Command], n_harmonics: Callable[[], int], osc_address: tuple,
                 host: str = "127.0.0.1", port: int = 0, yield_to_audio: Callable[[], None] = lambda: None):
        self.protocol = tuple(protocol)
        self.n_harmonics = n_harmonics
        self.yield_to_audio = yield_to_audio
        osc_host, osc_port = osc_address[:2]
        self.host_info = host_info(osc_port, None if _is_unspecified(osc_host) else osc_host)
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.server.oscquery = self
        self.address = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="grower-oscquery", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    def namespace(self) -> dict:
        return namespace(self.protocol, self.n_harmonics())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    server_version = "TimbreGrowerOSCQuery/1"
    timeout = 10  # seconds a client may keep its connection's thread waiting for a request

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        oscquery: OscQueryServerThread = self.server.oscquery
        oscquery.yield_to_audio()
        url = urlsplit(self.path)
        path = unquote(url.path) or "/"
        attribute = url.query.split("&")[0].split("=")[0]
        if attribute == "HOST_INFO":
            return self._send_json(oscquery.host_info)
        node = node_at(oscquery.namespace(), path)
        if node is None:
            return self._send_error(HTTPStatus.NOT_FOUND, f"no OSC container or method at {path}")
        if not attribute:
            return self._send_json(node)
        if attribute in node:
            return self._send_json({attribute: node[attribute]})
        if attribute in NODE_ATTRIBUTES:
            return self._send(HTTPStatus.NO_CONTENT, b"", None)
        return self._send_error(HTTPStatus.BAD_REQUEST, f"unknown OSCQuery attribute {attribute!r}")

    def _send_json(self, value: dict) -> None:
        self._send(HTTPStatus.OK, json.dumps(value).encode(), "application/json")

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, (message + "\n").encode(), "text/plain; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str | None) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")  # browser-based clients
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's signature
        pass  # quiet: a client polling the tree would flood the console


# -- mDNS / zeroconf ---------------------------------------------------------------

def should_advertise(host: str) -> bool:
    """Whether a server bound to host can be reached from beyond this machine, and so
    is advertised over mDNS: False for localhost and loopback addresses (127.0.0.0/8,
    ::1), True for anything else (0.0.0.0, a LAN address, a host name)."""
    if host.lower().rstrip(".") == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return True  # a host name; grower-serve passes the address it resolved to


def advertised_addresses(host: str) -> list[str]:
    """The IPv4 addresses to advertise for a server bound to host: host itself, or for
    0.0.0.0 every non-loopback IPv4 address of this machine's interfaces."""
    if not _is_unspecified(host):
        return [socket.gethostbyname(host)]
    import ifaddr

    return [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
            if isinstance(ip.ip, str) and not ipaddress.ip_address(ip.ip).is_loopback]


def instance_name(hostname: str | None = None) -> str:
    """'Timbre Grower on studio': the DNS-SD instance name, at most 63 bytes."""
    hostname = (hostname or socket.gethostname()).split(".")[0]
    name = f"{NAME} on {hostname}" if hostname else NAME
    return name.encode()[:MAX_INSTANCE_NAME_BYTES].decode(errors="ignore")


def service_infos(osc_port: int, oscquery_port: int, addresses: list[str], hostname: str | None = None) -> list:
    """The zeroconf ServiceInfos that advertise this server: ``_oscjson._tcp`` at the
    OSCQuery HTTP port and ``_osc._udp`` at the OSC port, both named
    'Timbre Grower on HOSTNAME', at addresses (IPv4 strings), with TXT ``txtvers=1``."""
    from zeroconf import ServiceInfo

    hostname = (hostname or socket.gethostname()).split(".")[0] or "timbre-grower"
    name = instance_name(hostname)
    return [ServiceInfo(service, f"{name}.{service}", port=port, properties={"txtvers": "1"},
                        server=f"{hostname}.local.", parsed_addresses=addresses)
            for service, port in ((OSCJSON_SERVICE, oscquery_port), (OSC_SERVICE, osc_port))]


class MdnsAdvertiserThread:
    """Advertises the server over mDNS from a thread of its own (``grower-mdns``), so the
    second or so of mDNS probing never delays the server's start: it builds the
    ``service_infos`` and registers them with zeroconf, whose own thread then answers
    queries until ``stop`` unregisters them (sending goodbyes) and closes it.

    osc_address: (host, port) OSC is bound to; zeroconf sends and answers on that
    address's interface, or on every interface for 0.0.0.0. say: prints one line; a
    failure (no multicast, zeroconf missing) is said and nothing more. Start it only
    where ``should_advertise(host)``; ``start`` and ``stop`` from the main thread.
    """

    def __init__(self, osc_address: tuple, oscquery_port: int, say: Callable[[str], None]):
        self.osc_host, self.osc_port = osc_address[:2]
        self.oscquery_port = oscquery_port
        self.say = say
        self.zeroconf = None
        self._thread = threading.Thread(target=self._register, name="grower-mdns", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _register(self) -> None:
        try:
            from zeroconf import InterfaceChoice, IPVersion, Zeroconf

            addresses = advertised_addresses(self.osc_host)
            if not addresses:
                self.say("mDNS: this machine has no address beyond loopback to advertise; carrying on without it")
                return
            infos = service_infos(self.osc_port, self.oscquery_port, addresses)
            interfaces = InterfaceChoice.All if _is_unspecified(self.osc_host) else [self.osc_host]
            self.zeroconf = Zeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
            for info in infos:
                self.zeroconf.register_service(info, allow_name_change=True)
        except Exception as error:  # noqa: BLE001 - mDNS is a convenience: say why, keep serving
            self.say(f"mDNS unavailable ({type(error).__name__}: {error}); carrying on without it (OSC and OSCQuery still work)")
            self._close()
            return
        names = sorted({info.name.removesuffix("." + info.type) for info in infos})
        self.say(f"mDNS: advertising {', '.join(repr(n) for n in names)} as "
                 + " and ".join(info.type.removesuffix(".local.") for info in infos))

    def stop(self, timeout_s: float = 5.0) -> None:
        self._thread.join(timeout_s)
        if self.zeroconf is not None:
            try:
                self.zeroconf.unregister_all_services()
            except Exception:  # noqa: BLE001 - goodbyes are a courtesy; close regardless
                pass
            self._close()

    def _close(self) -> None:
        if self.zeroconf is not None:
            self.zeroconf.close()
            self.zeroconf = None


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host == ""
