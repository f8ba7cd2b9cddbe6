"""How daphne is started: one place for its options, used by `manage.py
serve`, the cluster launcher, the tests and the benchmark."""

import sys

from django.conf import settings

APPLICATION = "messenger.asgi:application"


def daphne_argv(*, host: str | None = None, port: int | None = None, fd: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "daphne"]
    if fd is not None:
        argv += ["--fd", str(fd)]
    else:
        argv += ["-b", host, "-p", str(port)]
    limit = str(settings.WS_MAX_FRAME_BYTES)
    argv += [
        # Autobahn refuses a bigger frame or message with 1009 before buffering it.
        "--websocket-max-message-size", limit,
        "--websocket-max-frame-size", limit,
        # Drop handshakes that never finish (slowloris-style half-open sockets).
        "--websocket_connect_timeout", "5",
        "--ping-interval", str(settings.WS_PROTOCOL_PING_S),
        "--ping-timeout", "30",
        "--application-close-timeout", "5",
        # Our own JSON request log replaces daphne's access log (messenger.middleware).
        "--access-log", "/dev/null",
        "-v", "1",
        APPLICATION,
    ]
    return argv
