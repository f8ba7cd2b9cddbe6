"""Fault-injection helpers for the reliability suite: figures, private Redis
and PostgreSQL instances (the shared ones are never touched), process
memory, and server log checks."""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
import requests

from tests.live import ROOT, free_port

FIGURES_PATH = ROOT / ".local" / "reliability-figures.json"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def figure(name: str, value) -> None:
    """Print a figure for the log and keep it in .local/reliability-figures.json (docs/RELIABILITY.md)."""
    print(f"FIGURE {name}: {value}")
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    try:
        figures = json.loads(FIGURES_PATH.read_text())
    except (OSError, ValueError):
        figures = {}
    stack = "production" if os.environ.get("REDIS_URL") else "embedded"
    figures.setdefault(stack, {})[name] = {"value": value, "at": int(time.time())}
    FIGURES_PATH.write_text(json.dumps(figures, indent=2, sort_keys=True))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def tracebacks(log_text: str) -> int:
    return log_text.count("Traceback")


def health(server) -> int:
    """The status of the server's /api/health, 0 when it does not answer."""
    try:
        return requests.get(server.url + "/api/health", timeout=5).status_code
    except requests.RequestException:
        return 0


def wait_until(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


class PrivateRedis:
    """A throwaway redis-server on a free port, stoppable and restartable on the same port."""

    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--maxclients", "10000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        if not wait_until(lambda: self._pings(client), 10):
            raise RuntimeError("private redis did not start")
        return self

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temp dir, run as the postgres OS user."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cfm-pg-"))
        self.proc: subprocess.Popen | None = None
        self.db = "cfm_private"

    @staticmethod
    def available() -> str | None:
        """Why this machine cannot run one, or None."""
        if PG_BIN is None:
            return "no PostgreSQL binaries under /usr/lib/postgresql"
        if os.geteuid() != 0 or shutil.which("runuser") is None:
            return "needs root and runuser to run postgres as its own user"
        return None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.db}"

    def _as_postgres(self, *argv: str, **kwargs):
        return ["runuser", "-u", "postgres", "--", *argv]

    def init(self) -> "PrivatePostgres":
        shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync"),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.start()
        subprocess.run(
            self._as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), self.db),
            check=True,
        )
        return self

    def start(self) -> "PrivatePostgres":
        self.proc = subprocess.Popen(
            self._as_postgres(str(PG_BIN / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port),
                              "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
                              "-c", "fsync=off", "-c", "max_connections=200"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ready = str(PG_BIN / "pg_isready")
        if not wait_until(
            lambda: subprocess.run([ready, "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True).returncode
            == 0,
            20,
            0.2,
        ):
            raise RuntimeError("private postgres did not start")
        return self

    def stop(self) -> None:
        """A fast shutdown: every open connection is cut, like a crash of the database host."""
        if self.proc and self.proc.poll() is None:
            # pg_ctl, not a signal to runuser: SIGTERM would be a "smart" shutdown that waits for clients.
            subprocess.run(
                self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"),
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            self.proc.wait(timeout=30)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def migrate(self, env: dict) -> None:
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env={**env, "DATABASE_URL": self.url}, check=True,
        )
