"""Half-open connections (a request or WebSocket handshake that never
finishes, slowloris-style) must not hold a server socket for long.

daphne's --websocket_connect_timeout counts only from a complete upgrade
request; until the request is complete, Twisted's HTTP idle timeout applies,
which is 60 s by default and which daphne does not expose. Twisted suspends
it while a complete request is handled, so it never cuts an open WebSocket
or a slow response: only a client that stops sending mid-request.
"""

HTTP_IDLE_TIMEOUT_S = 10


def drop_stalled_requests() -> None:
    """daphne builds its HTTP factory after importing the application, which calls this."""
    from daphne.http_protocol import HTTPFactory

    init = HTTPFactory.__init__
    if getattr(init, "cfm_idle_timeout", False):
        return

    def with_idle_timeout(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.timeOut = HTTP_IDLE_TIMEOUT_S

    with_idle_timeout.cfm_idle_timeout = True
    HTTPFactory.__init__ = with_idle_timeout
