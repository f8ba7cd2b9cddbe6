"""How the server processes (daphne) are started: one place for their
options, used by `manage.py serve`, the cluster launcher, the tests and the
benchmark; and `run`, the supervisor behind `manage.py serve`: one process,
or N processes sharing one listening socket (the kernel spreads
connections; any process serves any socket)."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import CommandError

from messenger.operations import checks
from messenger.platform import metrics

APPLICATION = "messenger.asgi:application"


def server_argv(*, host: str | None = None, port: int | None = None, fd: int | None = None) -> list[str]:
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
        # Our own JSON request log replaces daphne's access log (messenger.web.middleware).
        "--access-log", "/dev/null",
        "-v", "1",
        APPLICATION,
    ]
    return argv


def run(*, host: str, port: int, workers: int, stdout, stderr) -> None:
    """Serve until stopped: one process (exec), or `workers` processes on one listening socket, restarted if they die."""
    if workers > 1 and settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels.layers.InMemory"):
        raise CommandError(
            "Several processes need a shared channel layer: set REDIS_URL or REDIS_SENTINELS (and DATABASE_URL for "
            "PostgreSQL) to run in production mode, or use --workers 1."
        )
    # One Prometheus sample directory per deployment, emptied at start (docs/OPERATIONS.md).
    metrics.multiproc_dir_prepare(settings.LOCAL_DIR / f"prometheus-{port}")
    checks.warn_about_configuration()
    display_host = f"[{host}]" if ":" in host else host
    if workers <= 1:
        stdout.write(f"CF Messenger is running at http://{display_host}:{port}/  (Ctrl+C to stop)")
        sys.stdout.flush()
        os.execv(sys.executable, server_argv(host=host, port=port))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}. Is another server running there?")
    listener.listen(2048)
    listener.set_inheritable(True)
    fd = listener.fileno()
    procs: dict[int, subprocess.Popen] = {}

    def spawn(slot: int):
        env = {**os.environ, "CFM_WORKER": str(slot)}
        procs[slot] = subprocess.Popen(server_argv(fd=fd), pass_fds=(fd,), env=env)

    for slot in range(workers):
        spawn(slot)
    stdout.write(f"CF Messenger is running at http://{display_host}:{port}/ with {workers} server processes")
    sys.stdout.flush()
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            time.sleep(0.5)
            for slot, proc in list(procs.items()):
                if proc.poll() is not None and not stopping:
                    stderr.write(f"server process {slot} exited with {proc.returncode}; restarting it")
                    spawn(slot)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                # Each drains its sockets first (messenger/realtime/draining.py).
                proc.wait(timeout=settings.WS_DRAIN_MAX_S + 10)
            except subprocess.TimeoutExpired:
                proc.kill()
