"""Process-local fan-out: one channel-layer subscription per group per process.

With every socket's own channel in a room group, each message was decoded
once per member and went through each consumer's queue, dispatch and a
thread hop (Channels closes stale database connections on a thread before
every handler): about 1 ms of CPU per delivery. Here a process listens to a
group once; each event is decoded once and handed to one callback, which
writes the pre-serialised text to its local sockets with `write_text`.
"""

import asyncio
import functools
import logging
import struct
import time
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from django.conf import settings
from twisted.internet import tcp as _tcp

from . import metrics, sendbuffer

log = logging.getLogger("messenger.hub")

EventHandler = Callable[[dict], Awaitable[None]]


class GroupSubscription:
    """This process's one listener on a group, live from `open()` to `close()`."""

    def __init__(self, group: str, on_event: EventHandler):
        self.group = group
        self._on_event = on_event
        self._layer = get_channel_layer()
        self._channel = ""
        self._pump_task: asyncio.Task | None = None

    async def open(self) -> None:
        """Returns once the group is subscribed: every later group_send arrives."""
        self._channel = await self._layer.new_channel("hub.")
        await self._layer.group_add(self.group, self._channel)
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())

    async def close(self) -> None:
        if self._pump_task is not None:
            self._pump_task.cancel()
        if self._channel:
            await self._layer.group_discard(self.group, self._channel)

    async def _pump(self) -> None:
        while True:
            event = await self._layer.receive(self._channel)
            if "sentAt" in event:
                metrics.FANOUT_SECONDS.observe(max(0.0, time.time() - event["sentAt"]))
            # One bad event must not end the subscription for every socket of the group.
            try:
                await self._on_event(event)
            except Exception:
                log.exception("error while fanning out", extra={"event": event.get("type")})


async def write_text(consumer, text: str) -> None:
    """Send a ready frame straight to the socket, past the consumer's queue and dispatch."""
    await consumer.base_send({"type": "websocket.send", "text": text})


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


async def write_frame(consumer, text: str, frame: bytes) -> None:
    """Write `frame` (text_frame(text), built once for every socket of a
    fan-out) to the socket. Going through daphne and autobahn encoded and
    framed the text again for each socket, the biggest part of a delivery's
    CPU. Anything unexpected takes the ordinary path."""
    protocol = _open_protocol(consumer)
    if protocol is None:
        await write_text(consumer, text)
        return
    transport = protocol.transport
    buffered = sendbuffer.buffered_bytes(transport)
    # Over the outbound limit the ordinary path cuts the slow reader off (messenger.sendbuffer).
    if buffered > settings.WS_MAX_OUTBOUND_BYTES:
        await write_text(consumer, text)
    elif buffered or not _send_now(transport, frame):
        transport.write(frame)


def _send_now(transport, frame: bytes) -> bool:
    """Hand `frame` to the kernel at once when Twisted holds nothing for the
    socket; False when the caller must use transport.write.

    Twisted's write() only buffers and registers the socket for writability:
    two epoll_ctl calls and a loop turn per delivery before the send. With
    nothing buffered, sending here keeps the byte order, and what the kernel
    doesn't take goes to Twisted's buffer behind it.
    """
    if (
        type(transport) is not _tcp.Server
        or getattr(transport, "TLS", False)
        or not transport.connected
        or transport.disconnecting
        or transport._writeDisconnected
    ):
        return False
    try:
        sent = transport.socket.send(frame)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        # A broken connection: Twisted's own write path sees it and closes the socket.
        return False
    if sent < len(frame):
        transport.write(frame[sent:])
    return True


def _open_protocol(consumer):
    """daphne's protocol object behind consumer.base_send (partial(server.handle_reply, protocol)), if open."""
    send = consumer.base_send
    protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
    if protocol is None or getattr(protocol, "state", None) != getattr(protocol, "STATE_OPEN", object()):
        return None
    return protocol
