"""OSCQuery: the tree built from the protocol table, served over HTTP on loopback by a
real grower-serve, and the mDNS advertisement checked by the ServiceInfos it builds.
No test starts zeroconf or sends anything off loopback."""

import http.client
import json
import re

import pytest

from grower.server import oscquery
from grower.server.oscquery import (MdnsAdvertiserThread, OscQueryServerThread, default_port, host_info,
                                    instance_name, namespace, node_at, service_infos, should_advertise)
from grower.server.protocol import DEFAULT_STAGE_CEILING, N_HARMONICS, PROTOCOL
from grower.synth.synthetic_bank import make_bank

from .conftest import TONES, Server

N_HARMONICS_SERVED = 16  # not the default 64: the STAGE ranges must come from the bank being served


def get(port: int, target: str) -> tuple[int, bytes, str]:
    """(status, body, content type) of GET target on 127.0.0.1:port; http.client, so no proxy."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        connection.close()


def get_json(port: int, target: str):
    status, body, content_type = get(port, target)
    assert (status, content_type) == (200, "application/json"), (target, status, body)
    return json.loads(body)


def leaves(node: dict) -> dict:
    """{FULL_PATH: node} for every method (a node with a TYPE) under node."""
    found = {node["FULL_PATH"]: node} if "TYPE" in node else {}
    for child in node.get("CONTENTS", {}).values():
        found.update(leaves(child))
    return found


def check_rows(tree: dict, n_harmonics: int) -> None:
    """Every row of the protocol table is a method of tree at its address, with its types,
    ranges, units, docs and write-only access; and nothing else is."""
    methods = leaves(tree)
    assert sorted(methods) == sorted(c.address for c in PROTOCOL)
    bounds = {N_HARMONICS.name: n_harmonics}
    for c in PROTOCOL:
        node = methods[c.address]
        assert node["FULL_PATH"] == c.address
        assert node["TYPE"] == "".join(a.type for a in c.args)
        assert node["ACCESS"] == 2
        assert node["UNIT"] == [a.unit for a in c.args]
        assert len(node["RANGE"]) == len(c.args)
        for arg, value_range in zip(c.args, node["RANGE"]):
            if arg.choices:
                assert value_range == {"VALS": list(arg.choices)}
            elif arg.low is None:
                assert value_range == {}
            else:
                assert value_range == {"MIN": arg.low, "MAX": arg.high_value(bounds)}, (c.address, arg.name)
                assert all(isinstance(v, int if arg.type == "i" else float) for v in value_range.values())
        assert node["DESCRIPTION"].startswith(c.doc)
        assert c.acts.doc in node["DESCRIPTION"]
        for arg in c.args:  # 'GLIDE_S (f, s, 0..60, optional): glide time; ...'
            about = ", ".join(part for part in (arg.type, arg.unit, arg.range_text(bounds), "optional" * arg.optional) if part)
            assert f"{arg.name} ({about})" + (f": {arg.doc}" if arg.doc else "") in node["DESCRIPTION"], (c.address, arg.name)
        if c.reply is not None:
            assert f"Replies {c.reply_text}." in node["DESCRIPTION"]


# -- namespace() and host_info(): pure ---------------------------------------------------

def test_namespace_has_every_protocol_row_with_its_types_ranges_units_and_docs():
    tree = namespace(PROTOCOL, N_HARMONICS_SERVED)
    assert tree["FULL_PATH"] == "/"
    check_rows(tree, N_HARMONICS_SERVED)
    json.loads(json.dumps(tree))  # plain JSON


def test_namespace_nests_one_container_per_path_segment():
    tree = namespace(PROTOCOL, DEFAULT_STAGE_CEILING)
    voice = tree["CONTENTS"]["grower"]["CONTENTS"]["voice"]
    assert voice["FULL_PATH"] == "/grower/voice" and voice["ACCESS"] == 0 and "TYPE" not in voice
    assert sorted(voice["CONTENTS"]) == ["off", "on", "pitch", "stage"]

    def check(node, path):
        assert node["FULL_PATH"] == path
        for name, child in node.get("CONTENTS", {}).items():
            check(child, path.rstrip("/") + "/" + name)

    check(tree, "/")


def test_stage_ranges_follow_the_bank_being_served():
    for n_harmonics in (16, 64, 100):
        methods = leaves(namespace(PROTOCOL, n_harmonics))
        for c in PROTOCOL:
            for arg, value_range in zip(c.args, methods[c.address]["RANGE"]):
                if arg.high is N_HARMONICS:
                    assert value_range["MAX"] == n_harmonics
    assert leaves(namespace(PROTOCOL, 16))["/grower/stage"]["RANGE"][0] == {"MIN": 0.0, "MAX": 16.0}


def test_optional_arguments_are_in_the_type_and_described_as_optional():
    methods = leaves(namespace(PROTOCOL, 16))
    stage = methods["/grower/voice/stage"]
    assert stage["TYPE"] == "iff"  # ID STAGE [GLIDE_S]
    assert "GLIDE_S (f, s, 0..60, optional): glide time" in stage["DESCRIPTION"]
    assert "STAGE (f, stage, 0..16):" in stage["DESCRIPTION"]
    assert methods["/grower/status"]["TYPE"] == "" and methods["/grower/status"]["RANGE"] == []


def test_host_info_names_the_osc_port_and_transport():
    info = host_info(9000, "127.0.0.1")
    assert info["NAME"] == "Timbre Grower" and info["OSC_PORT"] == 9000 and info["OSC_TRANSPORT"] == "UDP"
    assert info["OSC_IP"] == "127.0.0.1"
    assert {k for k, v in info["EXTENSIONS"].items() if v} == {"TYPE", "RANGE", "UNIT", "DESCRIPTION", "ACCESS"}
    assert "OSC_IP" not in host_info(9000, None)  # bound to 0.0.0.0: clients use the address they reached


def test_node_at_finds_subtrees_and_nothing_else():
    tree = namespace(PROTOCOL, 64)
    assert node_at(tree, "/") is tree and node_at(tree, "") is tree
    assert node_at(tree, "/grower/voice/")["FULL_PATH"] == "/grower/voice"
    assert node_at(tree, "/grower/nope") is None and node_at(tree, "/grower/gain/x") is None


def test_default_port_is_the_osc_port_plus_one_or_any():
    assert default_port(9000) == 9001
    assert default_port(0) == 0 and default_port(65535) == 0


# -- the HTTP server, in-process ----------------------------------------------------------

@pytest.fixture
def http_server():
    served = {"n_harmonics": 16}
    server = OscQueryServerThread(PROTOCOL, lambda: served["n_harmonics"], ("127.0.0.1", 9000), host="127.0.0.1", port=0)
    server.start()
    try:
        yield server, served
    finally:
        server.stop()


def test_http_serves_the_tree_subtrees_and_attributes(http_server):
    server, _ = http_server
    port = server.address[1]
    assert server.url == f"http://127.0.0.1:{port}"
    assert get_json(port, "/") == namespace(PROTOCOL, 16)
    assert get_json(port, "/grower/voice") == get_json(port, "/grower/voice/") == namespace(PROTOCOL, 16)["CONTENTS"]["grower"]["CONTENTS"]["voice"]
    assert get_json(port, "/grower/gain?TYPE") == {"TYPE": "f"}
    assert get_json(port, "/grower/gain?RANGE") == {"RANGE": [{"MIN": -96.0, "MAX": 12.0}]}
    assert get_json(port, "/grower/gain?UNIT") == {"UNIT": ["dB"]}
    assert get_json(port, "/?HOST_INFO") == host_info(9000, "127.0.0.1")
    assert get(port, "/grower/gain?VALUE")[0] == 204  # write-only: no value
    assert get(port, "/grower/gain?BOGUS")[0] == 400
    status, body, _ = get(port, "/grower/nope")
    assert status == 404 and b"/grower/nope" in body


def test_http_tree_follows_a_bank_with_another_harmonic_count(http_server):
    server, served = http_server
    assert get_json(server.address[1], "/grower/stage?RANGE")["RANGE"][0]["MAX"] == 16
    served["n_harmonics"] = 40
    assert get_json(server.address[1], "/grower/stage?RANGE")["RANGE"][0]["MAX"] == 40


# -- a real grower-serve -------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A grower-serve playing a 16-harmonic bank, with a 64-harmonic one beside it to load;
    yields (server, its OSCQuery port)."""
    root = tmp_path_factory.mktemp("oscquery")
    make_bank(root / "bank16", TONES, n_harmonics=16)
    make_bank(root / "bank64", TONES[:1], n_harmonics=64)
    server = Server(root / "bank16", root)
    try:
        while not (found := re.search(r"OSCQuery on http://127\.0\.0\.1:(\d+)", server.lines[-1])):
            line = server.process.stdout.readline()
            assert line, "grower-serve exited:\n" + "".join(server.lines)
            server.lines.append(line)
        yield server, int(found.group(1))
    finally:
        output, _ = server.stop()
    assert "mDNS" not in output  # on 127.0.0.1 nothing is advertised


def test_served_tree_has_every_protocol_row(served):
    server, port = served
    tree = get_json(port, "/")
    check_rows(tree, N_HARMONICS_SERVED)
    assert tree == namespace(PROTOCOL, N_HARMONICS_SERVED)


def test_served_host_info_names_the_bound_osc_port(served):
    server, port = served
    info = get_json(port, "/?HOST_INFO")
    assert info["OSC_PORT"] == server.port and info["OSC_IP"] == "127.0.0.1" and info["OSC_TRANSPORT"] == "UDP"
    assert port != server.port


def test_served_unknown_path_is_404(served):
    _, port = served
    assert get(port, "/grower/no/such/command")[0] == 404


def test_served_stage_range_follows_a_bank_hot_swap(served):
    server, port = served
    assert server.client.request("/grower/bank/load", "bank64") == ("/grower/done", ["/grower/bank/load", "bank64"])
    try:
        assert get_json(port, "/grower/tone/stage?RANGE")["RANGE"][1] == {"MIN": 0.0, "MAX": 64.0}
    finally:
        assert server.client.request("/grower/bank/load", "bank16")[0] == "/grower/done"
    assert get_json(port, "/grower/tone/stage?RANGE")["RANGE"][1] == {"MIN": 0.0, "MAX": 16.0}


# -- mDNS: decisions and ServiceInfos, never the network -----------------------------------

@pytest.mark.parametrize("host, advertised", [
    ("127.0.0.1", False), ("127.3.2.1", False), ("::1", False), ("localhost", False), ("LOCALHOST", False),
    ("0.0.0.0", True), ("192.168.1.20", True), ("10.0.0.5", True), ("::", True), ("studio.local", True),
])
def test_should_advertise_only_beyond_loopback(host, advertised):
    assert should_advertise(host) is advertised


def test_service_infos_describe_both_services():
    oscjson, osc = service_infos(osc_port=9000, oscquery_port=9001, addresses=["192.0.2.10"], hostname="studio")
    assert oscjson.type == "_oscjson._tcp.local." and osc.type == "_osc._udp.local."
    assert oscjson.name == "Timbre Grower on studio._oscjson._tcp.local."
    assert osc.name == "Timbre Grower on studio._osc._udp.local."
    assert (oscjson.port, osc.port) == (9001, 9000)
    for info in (oscjson, osc):
        assert info.parsed_addresses() == ["192.0.2.10"]
        assert info.server == "studio.local."
        assert info.properties == {b"txtvers": b"1"}


def test_instance_name_fits_one_dns_label():
    assert instance_name("studio.example.org") == "Timbre Grower on studio"
    assert len(instance_name("x" * 100).encode()) == 63


def test_advertised_addresses_are_the_bound_one_or_every_non_loopback_one():
    assert oscquery.advertised_addresses("192.0.2.10") == ["192.0.2.10"]
    assert not any(a.startswith("127.") for a in oscquery.advertised_addresses("0.0.0.0"))  # reads interfaces only


class FakeZeroconf:
    """zeroconf.Zeroconf's calls, recorded: nothing goes on the network."""

    instances = []

    def __init__(self, interfaces, ip_version):
        self.interfaces, self.registered, self.closed, self.unregistered = interfaces, [], False, False
        FakeZeroconf.instances.append(self)

    def register_service(self, info, allow_name_change=False):
        self.registered.append(info)

    def unregister_all_services(self):
        self.unregistered = True

    def close(self):
        self.closed = True


def test_advertiser_registers_both_services_on_the_osc_interface_and_unregisters_on_stop(monkeypatch):
    import zeroconf

    monkeypatch.setattr(zeroconf, "Zeroconf", FakeZeroconf)
    said = []
    advertiser = MdnsAdvertiserThread(("192.0.2.10", 9000), 9001, said.append)
    advertiser.start()
    advertiser.stop()
    fake = FakeZeroconf.instances[-1]
    assert fake.interfaces == ["192.0.2.10"]
    assert [(i.type, i.port, i.parsed_addresses()) for i in fake.registered] == [
        ("_oscjson._tcp.local.", 9001, ["192.0.2.10"]), ("_osc._udp.local.", 9000, ["192.0.2.10"])]
    assert fake.unregistered and fake.closed
    assert len(said) == 1 and said[0].startswith("mDNS: advertising 'Timbre Grower on ")


def test_advertiser_that_cannot_start_says_so_in_one_line(monkeypatch):
    import zeroconf

    def no_multicast(**_):
        raise OSError(19, "No such device")

    monkeypatch.setattr(zeroconf, "Zeroconf", no_multicast)
    said = []
    advertiser = MdnsAdvertiserThread(("192.0.2.10", 9000), 9001, said.append)
    advertiser.start()
    advertiser.stop()
    assert len(said) == 1 and said[0].startswith("mDNS unavailable (OSError") and "carrying on" in said[0]
