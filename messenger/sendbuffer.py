"""Backpressure for sockets whose client stops reading.

Twisted buffers every write in the transport without limit, and Autobahn
applies no backpressure: a client that stops reading while its room is busy
made the server hold every frame for it, so memory grew with the room's
traffic. Before each outbound frame the transport's buffered bytes are
checked; over WS_MAX_OUTBOUND_BYTES the connection is aborted (a close frame
would wait behind the backlog the client is not reading) and the buffer is
freed. The client sees 1006 and recovers with `?since=` + `history`.
"""

import logging

from django.conf import settings

log = logging.getLogger("messenger.ws")


def buffered_bytes(transport) -> int:
    """Bytes written to a Twisted TCP transport and not yet taken by the kernel."""
    data = getattr(transport, "dataBuffer", b"")
    return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


def cut_off_slow_readers() -> None:
    """daphne's protocol class is patched once; the application module calls this on import."""
    from daphne.ws_protocol import WebSocketProtocol

    send_message = WebSocketProtocol.sendMessage
    if getattr(send_message, "cfm_backpressure", False):
        return

    def send_within_limit(self, *args, **kwargs):
        transport = getattr(self, "transport", None)
        if transport is not None and buffered_bytes(transport) > settings.WS_MAX_OUTBOUND_BYTES:
            if not getattr(self, "cfm_cut_off", False):
                self.cfm_cut_off = True
                log.warning("socket cut off: client not reading", extra={"buffered": buffered_bytes(transport)})
                transport.abortConnection()
            return None
        return send_message(self, *args, **kwargs)

    send_within_limit.cfm_backpressure = True
    WebSocketProtocol.sendMessage = send_within_limit
