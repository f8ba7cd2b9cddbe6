"""A contract test of each change in messenger/realtime/library_patches.py,
against the real daphne / autobahn / Twisted classes (and a live server
where the behaviour is cheap to see), so an upgrade that breaks one fails in
`make test`, not only in the slow reliability suite."""

import functools
import importlib.metadata
import logging
import pprint
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from autobahn.websocket import protocol as autobahn_protocol
from daphne.http_protocol import HTTPFactory
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings

from messenger.realtime import library_patches
from tests.wsclient import joined, new_room, run

library_patches.install()


def test_install_twice_wraps_nothing_twice():
    send_message, set_options, init = WebSocketProtocol.sendMessage, WebSocketFactory.setProtocolOptions, HTTPFactory.__init__
    library_patches.install()
    assert WebSocketProtocol.sendMessage is send_message
    assert WebSocketFactory.setProtocolOptions is set_options
    assert HTTPFactory.__init__ is init


def test_a_moved_library_version_stops_the_server_with_what_to_do():
    real_version = importlib.metadata.version

    def version(dist):
        return "0.0.1" if dist == "daphne" else real_version(dist)

    with mock.patch.object(importlib.metadata, "version", version), pytest.raises(library_patches.LibraryChanged) as moved:
        library_patches.install()
    assert "daphne 0.0.1 is installed" in str(moved.value) and "VERIFIED_VERSIONS" in str(moved.value)


def test_a_missing_private_attribute_stops_the_server(monkeypatch):
    from twisted.internet import abstract

    monkeypatch.delattr(abstract.FileDescriptor, "_writeDisconnected")
    with pytest.raises(library_patches.LibraryChanged, match="_writeDisconnected"):
        library_patches.check_libraries()


# 1. Half-open requests.
def test_half_open_request_dropped():
    factory = HTTPFactory(None)
    assert factory.timeOut == library_patches.HTTP_IDLE_TIMEOUT_S


# 2. Close frames on failure: the client sees 1009, not a dropped connection (1006).
def test_oversize_frame_closes_1009(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, room_id, client.token)
        await room.send({"type": "ping", "nonce": "x" * (settings.WS_MAX_FRAME_BYTES + 1)})
        return await room.close_code()

    assert run(scenario()) == 1009


# 3a. The slow-reader cut-off.
class _BackedUpTransport:
    """What the patch reads of a Twisted TCP transport whose client stopped reading."""

    def __init__(self, buffered: int):
        self.dataBuffer = b"x" * buffered
        self.offset = 0
        self._tempDataLen = 0
        self.aborted = 0

    def abortConnection(self):
        self.aborted += 1


def test_slow_reader_cut_off():
    protocol = WebSocketProtocol()
    protocol.transport = _BackedUpTransport(settings.WS_MAX_OUTBOUND_BYTES + 1)
    protocol.maxMessagePayloadSize = settings.WS_MAX_FRAME_BYTES
    assert protocol.sendMessage(b"frame") is None
    assert protocol.sendMessage(b"another") is None
    assert protocol.transport.aborted == 1


# 3b. Outbound messages bigger than the client's 16 KiB limit still go out.
def test_large_outbound_frame_delivered(daphne_server, signed_in):
    _, client = signed_in()
    room_id = new_room(client)
    text = "y" * 2000

    async def scenario():
        sender, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(10):
            await sender.send({"type": "chat", "clientId": f"big-{n}", "text": text})
            await sender.expect("ack", clientId=f"big-{n}")
        late, welcome = await joined(daphne_server.ws_url, room_id, client.token, max_size=None)
        await sender.close()
        await late.close()
        return welcome

    welcome = run(scenario())
    assert len(welcome["history"]) == 10
    assert sum(len(m["text"]) for m in welcome["history"]) > settings.WS_MAX_FRAME_BYTES


# 4. Autobahn's config log.
def test_autobahn_config_log_is_lazy():
    assert autobahn_protocol.pformat is library_patches._Formatted
    with mock.patch.object(pprint, "pformat", wraps=pprint.pformat) as formatted:
        line = autobahn_protocol.pformat({"option": 1})
        assert formatted.call_count == 0
        assert str(line) == "{'option': 1}"


# 5. Direct writes of room frames.
class _Protocol:
    STATE_OPEN = 3

    def __init__(self, transport):
        self.state = self.STATE_OPEN
        self.transport = transport


class _Consumer:
    def __init__(self, transport):
        self.sent = []
        self.base_send = functools.partial(self._handle_reply, _Protocol(transport))

    async def _handle_reply(self, protocol, message):
        self.sent.append(message)


def test_direct_write_falls_back_to_daphne_and_says_so(caplog, monkeypatch):
    from twisted.internet import abstract, tcp

    transport = tcp.Server.__new__(tcp.Server)
    transport.connected, transport.disconnecting = 1, 0
    # A Twisted whose internals moved under a running server.
    monkeypatch.delattr(abstract.FileDescriptor, "_writeDisconnected")
    consumer = _Consumer(transport)
    text = '{"type":"chat","seq":1}'
    with caplog.at_level(logging.ERROR, logger="messenger.ws"):
        async_to_sync(library_patches.write_frame)(consumer, text, library_patches.text_frame(text))
    assert consumer.sent == [{"type": "websocket.send", "text": text}]
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)


def test_direct_write_frames_text_as_a_server_does():
    assert library_patches.text_frame("hi") == b"\x81\x02hi"
    long = "z" * 300
    assert library_patches.text_frame(long)[:4] == b"\x81\x7e\x01\x2c"


def test_direct_write_used_for_a_live_room(daphne_server, signed_in):
    """Fan-out reaches every member in order through the direct path (the server never logs a fallback)."""
    _, client = signed_in()
    room_id = new_room(client)

    async def scenario():
        sender, _ = await joined(daphne_server.ws_url, room_id, client.token)
        listener, _ = await joined(daphne_server.ws_url, room_id, client.token)
        for n in range(5):
            await sender.send({"type": "chat", "clientId": f"d-{n}", "text": f"hello {n}"})
        got = await listener.chats(5)
        await sender.close()
        await listener.close()
        return got

    assert [frame["text"] for frame in run(scenario())] == [f"hello {n}" for n in range(5)]
    assert "direct socket write unusable" not in daphne_server.log_text()


# 7. daphne's periodic passes visit only due connections.
class _App:
    """An application instance (a future) as daphne keeps it."""

    def __init__(self, done=False, exception=None):
        self._done, self._exception, self.cancelled = done, exception, False

    def done(self):
        return self._done

    def exception(self):
        return self._exception

    def cancel(self):
        self.cancelled = True


def _server_with_open_sockets(count, monkeypatch, silent_for=()):
    import time

    from daphne import server as daphne_server

    monkeypatch.setattr(daphne_server.reactor, "callLater", lambda *args: None)
    server = daphne_server.Server(application=None, endpoints=["tcp:port=0"], ping_interval=60, websocket_connect_timeout=5)
    server.connections = {}
    protocols = []
    for index in range(count):
        protocol = WebSocketProtocol()
        protocol.client_addr, protocol.path, protocol.server = ["10.0.0.1", index], "/api/ws/room/r", server
        protocol.socket_opened = protocol.last_ping = time.time() - (silent_for[index] if index < len(silent_for) else 0)
        protocol.state = protocol.STATE_OPEN
        server.protocol_connected(protocol)
        server.connections[protocol]["application_instance"] = _App()
        protocols.append(protocol)
    return server, protocols


def test_idle_connections_are_not_visited(monkeypatch):
    server, protocols = _server_with_open_sockets(1000, monkeypatch)
    visited = []
    monkeypatch.setattr(WebSocketProtocol, "check_timeouts", lambda self: visited.append(self))
    server.timeout_checker()
    server.application_checker()
    assert visited == []
    assert server.cfm_timeouts.examined == 0
    assert server.cfm_due == set()
    assert len(server.connections) == 1000


def test_due_connections_are_reaped_and_pinged_as_daphne_does(monkeypatch):
    import time

    server, protocols = _server_with_open_sockets(3, monkeypatch, silent_for=[61])
    quiet, gone, running = protocols
    pings = []
    monkeypatch.setattr(WebSocketProtocol, "_sendAutoPing", lambda self: pings.append(self))
    # A socket silent for longer than daphne's ping interval is pinged, once, and comes due again an interval later.
    server.timeout_checker()
    assert pings == [quiet]
    server.timeout_checker()
    assert pings == [quiet] and server.cfm_timeouts.examined == 0
    assert server.cfm_timeouts.heap[0][0] > time.time() + 59
    # A closed socket whose application finished is reaped on the next pass; one still running is waited for.
    server.connections[gone]["application_instance"] = _App(done=True)
    server.protocol_disconnected(gone)
    server.protocol_disconnected(running)
    server.application_checker()
    assert gone not in server.connections
    assert running in server.connections and running in server.cfm_due
    # ... until daphne's close timeout, when it is cancelled as daphne does.
    server.connections[running]["disconnected"] -= server.application_close_timeout + 1
    server.application_checker()
    assert server.connections[running]["application_instance"].cancelled


def test_a_handshake_is_scheduled_before_daphne_sets_its_times(monkeypatch):
    """daphne's onConnect registers the protocol before it sets socket_opened and last_ping."""
    server, _ = _server_with_open_sockets(0, monkeypatch)
    protocol = WebSocketProtocol()
    protocol.state = protocol.STATE_CONNECTING
    server.protocol_connected(protocol)
    assert protocol in server.connections and len(server.cfm_timeouts.heap) == 1


# 8. Autobahn's debug-log arguments.
def test_autobahn_debug_arguments_are_lazy():
    from autobahn import util
    from autobahn.twisted import websocket as twisted_websocket

    with mock.patch.object(util, "hl", wraps=util.hl) as coloured:
        for module in (autobahn_protocol, twisted_websocket):
            coloured.reset_mock()
            peer, kind = module.hlval("tcp4:10.0.0.1:5000"), module.hltype(WebSocketProtocol.sendData)
            assert coloured.call_count == 0
            # Formatted when a line is written, as the library would have.
            assert f"{peer}" == util.hlval("tcp4:10.0.0.1:5000")
            assert str(kind) == util.hltype(WebSocketProtocol.sendData)


def test_autobahn_debug_arguments_reach_a_written_debug_line():
    """With debug logging on, a line reads as it did before the patch (Twisted's logger formats the event)."""
    from autobahn import util
    from twisted.logger import Logger, formatEvent

    events = []
    Logger(observer=events.append).debug(
        "{func} sent {data_len} bytes", func=autobahn_protocol.hltype(WebSocketProtocol.sendData),
        data_len=autobahn_protocol.hlval(12))
    assert formatEvent(events[0]) == f"{util.hltype(WebSocketProtocol.sendData)} sent {util.hlval(12)} bytes"


def test_a_new_non_logging_use_of_a_debug_formatter_stops_the_server(monkeypatch):
    real_getsource = library_patches.inspect.getsource

    def getsource(obj):
        source = real_getsource(obj)
        return source + '\ntitle = "peer " + hlval(peer)\n' if obj is autobahn_protocol else source

    monkeypatch.setattr(library_patches.inspect, "getsource", getsource)
    with pytest.raises(library_patches.LibraryChanged, match="hlval"):
        library_patches.check_libraries()


# 9. No access log formatted for /dev/null.
def test_access_log_to_dev_null_is_not_formatted(tmp_path):
    import os

    from daphne.access import AccessLogGenerator
    from daphne.server import Server

    with open(os.devnull, "a") as devnull, open(tmp_path / "access.log", "a", 1) as kept:
        discarded = Server(application=None, endpoints=["tcp:port=0"], action_logger=AccessLogGenerator(devnull))
        written = Server(application=None, endpoints=["tcp:port=0"], action_logger=AccessLogGenerator(kept))
        for server in (discarded, written):
            server.log_action("websocket", "connected", {"path": "/api/ws/room/r", "client": "10.0.0.1:5000"})
    assert discarded.action_logger is None
    assert "WSCONNECT /api/ws/room/r" in (tmp_path / "access.log").read_text()
