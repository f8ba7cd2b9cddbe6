"""Every change CF Messenger makes to daphne, autobahn and Twisted, in one place.

`install()` runs once, from messenger/asgi.py, before daphne builds its
factories (daphne imports the application first). It checks that the
installed versions are the ones verified below and that every private
attribute relied on is still there, and raises at start-up if not: a
renamed attribute must stop the server, not quietly switch a protection off.

Inventory (verified with daphne 4.2.3, autobahn 26.10.2, Twisted 26.10.0):

1. **Half-open requests are dropped after HTTP_IDLE_TIMEOUT_S**
   (`daphne.http_protocol.HTTPFactory.__init__` sets Twisted's `timeOut`).
   daphne's --websocket_connect_timeout counts only from a complete upgrade
   request; before that Twisted's HTTP idle timeout (60 s, not exposed by
   daphne) applies. Twisted suspends it while a complete request is handled,
   so it never cuts an open WebSocket or a slow response.
   Test: tests/messenger/realtime/test_library_patches.py::test_half_open_request_dropped.
2. **Failures close with a close frame** (`WebSocketFactory.setProtocolOptions`
   defaults `failByDrop=False`). Autobahn otherwise drops TCP when it "fails"
   a connection, so an oversize frame showed as 1006 instead of the
   contract's 1009. Test: ...::test_oversize_frame_closes_1009.
3. **One wrapper around `WebSocketProtocol.sendMessage`** doing two jobs:
   a. the slow-reader cut-off: over WS_MAX_OUTBOUND_BYTES buffered in the
      transport, the connection is aborted (a close frame would wait behind
      the backlog) and the frame dropped; the client recovers with `since`.
      Twisted buffers writes without limit and autobahn has no backpressure.
      Test: ...::test_slow_reader_cut_off.
   b. the 16 KiB `maxMessagePayloadSize` is the client's limit only: autobahn
      applies it to outbound messages too, so a welcome over 16 KiB raised
      PayloadExceededError. It is lifted for the duration of each send
      (Twisted sends on one thread, so no inbound frame is read meanwhile).
      Test: ...::test_large_outbound_frame_delivered.
4. **Autobahn's per-connection config log is formatted lazily**
   (`autobahn.websocket.protocol.pformat`): it pretty-printed ~40 options on
   every connect for a discarded debug line, ~10% of the loop's time per
   connect. Test: ...::test_autobahn_config_log_is_lazy.
5. **Room frames written straight to the socket** (`write_frame`), used by
   chat's room hub for fan-out: one frame built per message for every member
   instead of autobahn framing the text again per socket, and sent at once
   when Twisted buffers nothing for the socket (no epoll re-registration
   and loop turn per delivery). Reads Twisted's `tcp.Server` internals
   (`_writeDisconnected`, `dataBuffer`, `offset`, `_tempDataLen`) and daphne's
   `partial(server.handle_reply, protocol)` behind a consumer's `base_send`.
   Anything unexpected takes daphne's ordinary path, and an error in the
   direct path is logged at ERROR and falls back to that path: a frame is
   never lost to it. Test: ...::test_direct_write_*.
6. **Graceful restart hooks** (messenger/realtime/draining.py):
   a. `on_sigterm` replaces Twisted's SIGTERM handler (which stops the
      reactor at once, and daphne then cancels every consumer mid-write) once
      the reactor runs; a second SIGTERM still stops it at once.
   b. `stop_listening` closes this process's listening ports (Twisted's
      `IReactorFDSet.getReaders`, `tcp.Port.stopListening`); with a listening
      socket shared by several processes, only this process's copy closes.
   c. `close_with_code` sends a close frame with any RFC 6455 code through
      autobahn's `sendCloseFrame`: its public `sendClose` allows only 1000
      and 3000-4999, so not 1012 ("service restart").
   Test: tests/messenger/realtime/test_graceful_restart.py.
7. **daphne's periodic passes visit only the connections that are due**
   (issue 17: idle cost O(active), not O(all)). daphne's
   `Server.application_checker` walks every connection each second and
   `Server.timeout_checker` calls every protocol's `check_timeouts` every
   2 s; with 10,000 idle sockets both find nothing to do almost every time.
   a. `application_checker` visits only connections marked due: one whose
      client disconnected (`protocol_disconnected`) or whose application
      finished (a done callback added in `create_application`); a
      disconnected one stays due until reaped, as daphne's close timeout
      needs. What it does to each is daphne's own code, unchanged
      (`_check_application` below is its loop body).
   b. `timeout_checker` keeps WebSocket protocols in a heap of the next time
      anything can be due for them (handshake timeout, daphne's ping after
      `ping_interval` without a frame, `websocket_timeout`) and calls
      daphne's own `check_timeouts` only on those, then puts them back with
      their next time; HTTP protocols (short-lived) are checked every pass.
   Both run from daphne's own `reactor.callLater` chain at its own periods.
   Test: ...::test_idle_connections_are_not_visited,
   ...::test_due_connections_are_reaped_and_pinged_as_daphne_does.
8. **Autobahn's debug-log arguments are formatted lazily**
   (`hltype` and `hlval` as `autobahn.websocket.protocol` and
   `autobahn.twisted.websocket` imported them). Every `sendData`,
   `dataReceived`, `connectionMade`, handshake and `connectionLost` colours
   its debug line's arguments with `click.style` before txaio's `debug`
   (a no-op unless debug logging is on) discards them: about 15 µs of
   `hltype`/`hlval` per connect and more per frame through autobahn's own
   send path. The replacement formats only if a line is written; the source
   check requires every use to be a keyword argument (a log call's), so a
   new use in a string would fail at start-up rather than print an object.
   Test: ...::test_autobahn_debug_arguments_are_lazy.
9. **No access log is formatted for /dev/null** (`daphne.server.Server.__init__`).
   serving.py passes `--access-log /dev/null` (our JSON request log replaces
   daphne's), but daphne still builds and writes an NCSA line per connect,
   accept and disconnect (about 3% of the floor's connect, bench B2P). When
   daphne's `AccessLogGenerator` writes to os.devnull the server gets no
   action logger, which is what daphne does with no access log at all.
   Test: ...::test_access_log_to_dev_null_is_not_formatted.
"""

import asyncio
import functools
import heapq
import importlib.metadata
import inspect
import itertools
import logging
import os
import pprint
import re
import signal
import struct
import sys
import time
import weakref

from django.conf import settings

log = logging.getLogger("messenger.ws")

VERIFIED_VERSIONS = {"daphne": "4.2.3", "autobahn": "26.10.2", "Twisted": "26.10.0"}
HTTP_IDLE_TIMEOUT_S = 10
_MARK = "cfm_patched"


class LibraryChanged(RuntimeError):
    """The installed daphne / autobahn / Twisted is not the one the patches were verified against."""


def install() -> None:
    """Apply every patch once (later calls do nothing); raise LibraryChanged if the libraries moved."""
    check_libraries()
    _drop_stalled_requests()
    _fail_with_close_frames()
    _wrap_send_message()
    _lazy_autobahn_config_log()
    _due_only_server_passes()
    _lazy_autobahn_debug_arguments()
    _no_discarded_access_log()


def check_libraries() -> None:
    problems = []
    for dist, verified in VERIFIED_VERSIONS.items():
        installed = importlib.metadata.version(dist)
        if installed != verified:
            problems.append(f"{dist} {installed} is installed, the patches were verified with {verified}")
    problems.extend(_missing_attributes())
    if problems:
        raise LibraryChanged(
            "messenger/realtime/library_patches.py cannot vouch for this server: "
            + "; ".join(problems)
            + ". Re-verify each patch in its inventory against the new version (run "
            "tests/messenger/realtime/test_library_patches.py), then update VERIFIED_VERSIONS."
        )


def _missing_attributes() -> list[str]:
    from autobahn.websocket import protocol as autobahn_protocol
    from daphne import server as daphne_server
    from daphne.http_protocol import HTTPFactory
    from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
    from twisted.internet import abstract, tcp

    missing = []
    if not hasattr(HTTPFactory, "timeOut"):
        missing.append("daphne HTTPFactory.timeOut")
    if "failByDrop" not in inspect.signature(WebSocketFactory.setProtocolOptions).parameters:
        missing.append("autobahn setProtocolOptions(failByDrop=)")
    if "maxMessagePayloadSize" not in getattr(WebSocketProtocol, "CONFIG_ATTRS", ()):
        missing.append("autobahn WebSocketProtocol maxMessagePayloadSize")
    if not callable(getattr(WebSocketProtocol, "sendMessage", None)):
        missing.append("autobahn WebSocketProtocol.sendMessage")
    if getattr(autobahn_protocol, "pformat", None) is None:
        missing.append("autobahn.websocket.protocol.pformat")
    for name in ("_writeDisconnected", "dataBuffer", "offset"):
        if not hasattr(tcp.Server, name):
            missing.append(f"twisted tcp.Server.{name}")
    # An instance attribute, set in FileDescriptor.__init__.
    if "self._tempDataLen = 0" not in inspect.getsource(abstract.FileDescriptor.__init__):
        missing.append("twisted FileDescriptor._tempDataLen")
    if not callable(getattr(WebSocketProtocol, "sendCloseFrame", None)):
        missing.append("autobahn WebSocketProtocol.sendCloseFrame")
    if "partial(self.handle_reply, protocol)" not in inspect.getsource(daphne_server.Server.create_application):
        missing.append("daphne Server.create_application's send=partial(self.handle_reply, protocol)")
    for name in ("application_checker", "timeout_checker", "protocol_connected", "protocol_disconnected",
                 "create_application"):
        if not callable(getattr(daphne_server.Server, name, None)):
            missing.append(f"daphne Server.{name}")
    for needle in ("reactor.callLater(1, self.application_checker)", "reactor.callLater(2, self.timeout_checker)"):
        if needle not in inspect.getsource(daphne_server.Server.run):
            missing.append(f"daphne Server.run's {needle}")
    for needle in ('details.get("disconnected", None)', "self.application_close_timeout",
                   'del self.connections[protocol]["application_instance"]'):
        if needle not in inspect.getsource(daphne_server.Server.application_checker):
            missing.append(f"daphne Server.application_checker's {needle}")
    for name in ("socket_opened", "last_ping"):
        if f"self.{name} = time.time()" not in inspect.getsource(WebSocketProtocol.onConnect):
            missing.append(f"daphne WebSocketProtocol.{name}")
    missing.extend(_debug_argument_problems())
    from daphne import access as daphne_access

    if "AccessLogGenerator(access_log_stream)" not in inspect.getsource(importlib.import_module("daphne.cli")):
        missing.append("daphne cli's AccessLogGenerator(access_log_stream)")
    if "self.stream = stream" not in inspect.getsource(daphne_access.AccessLogGenerator.__init__):
        missing.append("daphne AccessLogGenerator.stream")
    if "self.action_logger = action_logger" not in inspect.getsource(daphne_server.Server.__init__):
        missing.append("daphne Server.action_logger")
    return missing


# Modules whose debug-log arguments patch 8 makes lazy, and the names they imported from autobahn.util.
_DEBUG_ARGUMENT_MODULES = ("autobahn.websocket.protocol", "autobahn.twisted.websocket")
_DEBUG_FORMATTERS = ("hltype", "hlval")


def _debug_argument_problems() -> list[str]:
    problems = []
    for name in _DEBUG_ARGUMENT_MODULES:
        module = importlib.import_module(name)
        source = inspect.getsource(module)
        for formatter in _DEBUG_FORMATTERS:
            if not callable(getattr(module, formatter, None)):
                problems.append(f"{name}.{formatter}")
            # Every call must be a keyword argument (`peer=hlval(...)`): only a log call's.
            elsewhere = re.findall(rf"[^=\s]\s*\b{formatter}\(", source)
            if elsewhere:
                problems.append(f"{name} uses {formatter}() outside a log call's keyword argument")
    return problems


def _patch(owner, name: str, make):
    """Replace owner.name with make(original) unless it is already ours."""
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return
    # wraps: inspect.signature and the checks above still see the library's own function.
    replacement = functools.wraps(original)(make(original))
    setattr(replacement, _MARK, True)
    setattr(owner, name, replacement)


# 1. Half-open requests.
def _drop_stalled_requests() -> None:
    from daphne.http_protocol import HTTPFactory

    def make(init):
        def with_idle_timeout(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.timeOut = HTTP_IDLE_TIMEOUT_S

        return with_idle_timeout

    _patch(HTTPFactory, "__init__", make)


# 2. Close frames on failure.
def _fail_with_close_frames() -> None:
    from daphne.ws_protocol import WebSocketFactory

    def make(set_options):
        def with_close_frames(self, *args, **kwargs):
            kwargs.setdefault("failByDrop", False)
            return set_options(self, *args, **kwargs)

        return with_close_frames

    _patch(WebSocketFactory, "setProtocolOptions", make)


# 3. sendMessage: slow-reader cut-off and outbound messages of any size.
def buffered_bytes(transport) -> int:
    """Bytes written to a Twisted TCP transport and not yet taken by the kernel."""
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


def _wrap_send_message() -> None:
    from daphne.ws_protocol import WebSocketProtocol

    def make(send_message):
        def send_within_limits(self, *args, **kwargs):
            transport = self.transport
            if transport is not None and buffered_bytes(transport) > settings.WS_MAX_OUTBOUND_BYTES:
                if not getattr(self, "cfm_cut_off", False):
                    self.cfm_cut_off = True
                    log.warning("socket cut off: client not reading", extra={"buffered": buffered_bytes(transport)})
                    transport.abortConnection()
                return None
            limit, self.maxMessagePayloadSize = self.maxMessagePayloadSize, 0
            try:
                return send_message(self, *args, **kwargs)
            finally:
                self.maxMessagePayloadSize = limit

        return send_within_limits

    _patch(WebSocketProtocol, "sendMessage", make)


# 4. Lazy config log.
class _Formatted:
    """pformat(obj), computed only if a log line is written."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __format__(self, spec):
        return format(pprint.pformat(self.obj), spec)

    __str__ = __repr__ = lambda self: pprint.pformat(self.obj)


def _lazy_autobahn_config_log() -> None:
    from autobahn.websocket import protocol

    if protocol.pformat is pprint.pformat:
        protocol.pformat = _Formatted


# 8. Lazy debug-log arguments.
class _Deferred:
    """formatter(*args), computed only if a log line is written."""

    __slots__ = ("formatter", "args")

    def __init__(self, formatter, args):
        self.formatter = formatter
        self.args = args

    def __format__(self, spec):
        return format(self.formatter(*self.args), spec)

    __str__ = __repr__ = lambda self: self.formatter(*self.args)


def _lazy(formatter):
    def deferred(*args):
        return _Deferred(formatter, args)

    setattr(deferred, _MARK, True)
    deferred.__wrapped__ = formatter
    return deferred


def _lazy_autobahn_debug_arguments() -> None:
    for name in _DEBUG_ARGUMENT_MODULES:
        module = importlib.import_module(name)
        for formatter in _DEBUG_FORMATTERS:
            original = getattr(module, formatter)
            if not getattr(original, _MARK, False):
                setattr(module, formatter, _lazy(original))


# 9. No access log formatted for /dev/null.
def _no_discarded_access_log() -> None:
    from daphne import server as daphne_server
    from daphne.access import AccessLogGenerator

    def make(init):
        def without_discarded_access_log(self, *args, **kwargs):
            init(self, *args, **kwargs)
            logger = self.action_logger
            if type(logger) is AccessLogGenerator and getattr(logger.stream, "name", None) == os.devnull:
                self.action_logger = None

        return without_discarded_access_log

    _patch(daphne_server.Server, "__init__", make)


# 5. Direct writes of room frames.
def text_frame(text: str) -> bytes:
    """The WebSocket frame of a text message as a server sends it (final, unmasked)."""
    payload = text.encode()
    size = len(payload)
    if size <= 125:
        header = struct.pack("!BB", 0x81, size)
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


async def write_text(consumer, text: str) -> None:
    """daphne's ordinary path: past the consumer's queue and dispatch, framed by
    autobahn. A socket whose client has just gone (daphne has not told its
    consumer yet) takes nothing; its disconnect detaches it."""
    from autobahn.exception import Disconnected

    try:
        await consumer.base_send({"type": "websocket.send", "text": text})
    except Disconnected:
        pass


async def write_frame(consumer, text: str, frame: bytes) -> None:
    """Write `frame` (text_frame(text), built once for every socket of a fan-out) to the socket."""
    try:
        transport = _direct_transport(consumer)
    except Exception:
        # Nothing of this frame was handed over yet: daphne's path sends all of it.
        log.exception("direct socket write unusable; sending through daphne instead")
        transport = None
    if transport is None:
        await write_text(consumer, text)
    elif buffered_bytes(transport) or not _send_now(transport, frame):
        transport.write(frame)


def _direct_transport(consumer):
    """The socket's plain TCP transport when a frame may be written to it
    directly; None when daphne's ordinary path must take it (closing, TLS,
    or over the outbound limit, where patch 3 cuts the slow reader off)."""
    from twisted.internet import tcp

    protocol = _open_protocol(consumer)
    if protocol is None:
        return None
    transport = protocol.transport
    if (
        type(transport) is not tcp.Server
        or getattr(transport, "TLS", False)
        or not transport.connected
        or transport.disconnecting
        or transport._writeDisconnected
        or buffered_bytes(transport) > settings.WS_MAX_OUTBOUND_BYTES
    ):
        return None
    return transport


def _send_now(transport, frame: bytes) -> bool:
    """Hand `frame` to the kernel at once (Twisted holds nothing for the
    socket); False when the caller must use transport.write.

    Twisted's write() only buffers and registers the socket for writability:
    two epoll_ctl calls and a loop turn per delivery before the send. With
    nothing buffered, sending here keeps the byte order, and what the kernel
    doesn't take goes to Twisted's buffer behind it.
    """
    try:
        sent = transport.socket.send(frame)
    except OSError:
        # Would block, or a broken connection: Twisted's own write path handles both.
        return False
    if sent < len(frame):
        transport.write(frame[sent:])
    return True


def _open_protocol(consumer):
    """daphne's protocol object behind consumer.base_send (partial(server.handle_reply, protocol)), if open."""
    send = consumer.base_send
    protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
    if protocol is None or protocol.state != protocol.STATE_OPEN:
        return None
    return protocol


# 6. Graceful restart hooks.
def on_sigterm(callback) -> None:
    """Once the reactor runs, SIGTERM calls `callback()` on the event loop instead of stopping the reactor;
    a second SIGTERM stops it. Does nothing outside a server process (no reactor was installed by daphne)."""
    if "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor

    def take_sigterm():
        loop = asyncio.get_event_loop()
        received = []

        def handler(signum, frame):
            if received:
                loop.call_soon_threadsafe(reactor.stop)
                return
            received.append(signum)
            loop.call_soon_threadsafe(callback)

        signal.signal(signal.SIGTERM, handler)

    reactor.callWhenRunning(take_sigterm)


def stop_listening() -> int:
    """Close this process's listening TCP ports; returns how many."""
    from twisted.internet import reactor, tcp

    ports = [reader for reader in reactor.getReaders() if isinstance(reader, tcp.Port)]
    for port in ports:
        port.stopListening()
    return len(ports)


def stop_server() -> None:
    from twisted.internet import reactor

    if reactor.running:
        reactor.stop()


def close_with_code(consumer, code: int, reason: str) -> bool:
    """Send the close frame (code, reason) on the consumer's socket; False when it is not open."""
    protocol = _open_protocol(consumer)
    if protocol is None:
        return False
    protocol.sendCloseFrame(code=code, reasonUtf8=reason.encode()[:123], isReply=False)
    return True


# 7. daphne's periodic passes: due connections only.
def _due_only_server_passes() -> None:
    from daphne import server as daphne_server

    Server = daphne_server.Server

    def make_connected(protocol_connected):
        def and_scheduled(self, protocol):
            protocol_connected(self, protocol)
            _timeouts(self).add(protocol)

        return and_scheduled

    def make_disconnected(protocol_disconnected):
        def and_due(self, protocol):
            protocol_disconnected(self, protocol)
            _due(self).add(protocol)

        return and_due

    def make_create(create_application):
        def and_watched(self, protocol, scope):
            queue = create_application(self, protocol, scope)
            instance = self.connections.get(protocol, {}).get("application_instance")
            if instance is not None:
                due = _due(self)
                instance.add_done_callback(lambda _future: due.add(protocol))
            return queue

        return and_watched

    def make_application_checker(_original):
        def application_checker(self):
            due = _due(self)
            for protocol in list(due):
                if _check_application(self, protocol):
                    due.discard(protocol)
            daphne_server.reactor.callLater(1, self.application_checker)

        return application_checker

    def make_timeout_checker(_original):
        def timeout_checker(self):
            _timeouts(self).check(time.time())
            daphne_server.reactor.callLater(2, self.timeout_checker)

        return timeout_checker

    _patch(Server, "protocol_connected", make_connected)
    _patch(Server, "protocol_disconnected", make_disconnected)
    _patch(Server, "create_application", make_create)
    _patch(Server, "application_checker", make_application_checker)
    _patch(Server, "timeout_checker", make_timeout_checker)


def _due(server) -> set:
    due = server.__dict__.get("cfm_due")
    if due is None:
        due = server.cfm_due = set()
    return due


def _timeouts(server) -> "_TimeoutHeap":
    heap = server.__dict__.get("cfm_timeouts")
    if heap is None:
        heap = server.cfm_timeouts = _TimeoutHeap(server)
    return heap


def _check_application(self, protocol) -> bool:
    """daphne's Server.application_checker loop body for one connection; True
    when nothing is left to watch (reaped, or only waiting for a disconnect,
    which marks it due again)."""
    from daphne.server import CancelledError, logger

    details = self.connections.get(protocol)
    if details is None:
        return True
    disconnected = details.get("disconnected", None)
    application_instance = details.get("application_instance", None)
    if disconnected and time.time() - disconnected > self.application_close_timeout:
        if application_instance and not application_instance.done():
            logger.warning(
                "Application instance %r for connection %s took too long to shut down and was killed.",
                application_instance,
                repr(protocol),
            )
            application_instance.cancel()
    if application_instance and application_instance.done():
        try:
            exception = application_instance.exception()
        except (CancelledError, asyncio.CancelledError):
            pass
        else:
            if exception:
                if isinstance(exception, KeyboardInterrupt):
                    self.stop()
                else:
                    logger.error("Exception inside application: %s", exception, exc_info=exception)
                    if not disconnected:
                        protocol.handle_exception(exception)
        del self.connections[protocol]["application_instance"]
        application_instance = None
    if not application_instance and disconnected:
        del self.connections[protocol]
        return True
    # Still running after a disconnect: look again next second (the close timeout).
    return not disconnected


class _TimeoutHeap:
    """WebSocket protocols by the next time daphne's check_timeouts could act on them."""

    def __init__(self, server):
        self.server = server
        self.heap: list[tuple[float, int, weakref.ref]] = []
        self.order = itertools.count()
        self.others: set = set()  # HTTP protocols: checked every pass
        self.examined = 0

    def add(self, protocol) -> None:
        from daphne.ws_protocol import WebSocketProtocol

        if isinstance(protocol, WebSocketProtocol):
            self._push(protocol, self._next(protocol))
        else:
            self.others.add(protocol)

    def _push(self, protocol, when: float) -> None:
        heapq.heappush(self.heap, (when, next(self.order), weakref.ref(protocol)))

    def _next(self, protocol) -> float:
        server = self.server
        # daphne calls protocol_connected from onConnect before it sets socket_opened and last_ping.
        now = time.time()
        opened = getattr(protocol, "socket_opened", now)
        times = []
        if server.websocket_timeout >= 0:
            times.append(opened + server.websocket_timeout)
        if protocol.state == protocol.STATE_CONNECTING:
            times.append(opened + server.websocket_connect_timeout)
        else:
            times.append(getattr(protocol, "last_ping", now) + server.ping_interval)
        # A float's rounding must not make the entry due a pass too early and bounce.
        return min(times) + 0.001

    def check(self, now: float) -> None:
        connections = self.server.connections
        for protocol in list(self.others):
            if protocol in connections:
                protocol.check_timeouts()
            else:
                self.others.discard(protocol)
        examined = 0
        heap = self.heap
        while heap and heap[0][0] <= now:
            _, _, ref = heapq.heappop(heap)
            examined += 1
            protocol = ref()
            if protocol is None or protocol not in connections or "disconnected" in connections[protocol]:
                continue
            protocol.check_timeouts()
            if protocol.state in (protocol.STATE_CONNECTING, protocol.STATE_OPEN):
                self._push(protocol, max(self._next(protocol), now + 0.001))
        self.examined = examined
