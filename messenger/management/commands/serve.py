"""Serve CF Messenger with daphne: one process, or N processes sharing one
listening socket (the kernel spreads connections; any process serves any socket)."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from messenger import metrics
from messenger.serving import daphne_argv


class Command(BaseCommand):
    help = "Run the messenger on HOST:PORT with daphne (--workers N for several processes)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.HOST)
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))

    def handle(self, *args, host, port, workers, **options):
        if workers > 1 and settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels.layers.InMemory"):
            raise CommandError(
                "Several processes need a shared channel layer: set REDIS_URL (and DATABASE_URL for "
                "PostgreSQL) to run in production mode, or use --workers 1."
            )
        # One Prometheus sample directory per deployment, emptied at start (docs/OPERATIONS.md).
        metrics.multiproc_dir_prepare(settings.LOCAL_DIR / f"prometheus-{port}")
        display_host = f"[{host}]" if ":" in host else host
        if workers <= 1:
            self.stdout.write(f"CF Messenger is running at http://{display_host}:{port}/  (Ctrl+C to stop)")
            sys.stdout.flush()
            os.execv(sys.executable, daphne_argv(host=host, port=port))
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
            procs[slot] = subprocess.Popen(daphne_argv(fd=fd), pass_fds=(fd,), env=env)

        for slot in range(workers):
            spawn(slot)
        self.stdout.write(f"CF Messenger is running at http://{display_host}:{port}/ with {workers} daphne processes")
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
                        self.stderr.write(f"daphne worker {slot} exited with {proc.returncode}; restarting it")
                        spawn(slot)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
