"""Start and stop the measured servers, each pinned with taskset.

Every server listens on its own free port; `Server.pids` are what the
harness samples in /proc. CF Messenger runs in production mode on its own
PostgreSQL database and Redis database number, both owned by the benchmark.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".local" / "bench-logs"
REDIS_HOST = "redis://127.0.0.1:6379"
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "9"))
PG_URL = "postgres://postgres@127.0.0.1:5432"
PG_DB = os.environ.get("BENCH_PG_DB", "cfm_bench")
METRICS_TOKEN = secrets.token_urlsafe(24)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(argv: list[str], cpus: str) -> list[str]:
    return ["taskset", "-c", cpus, *argv]


def cfm_env() -> dict:
    """Production mode, with the limits that would otherwise measure the
    benchmark's own shape (one client address, one account per socket)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "messenger.settings",
        "REDIS_URL": f"{REDIS_HOST}/{REDIS_DB}",
        "DATABASE_URL": f"{PG_URL}/{PG_DB}",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        # Also the channel layer's prefix (settings.py): Redis pub/sub channels are shared by every
        # database number, so benches of two checkouts on one Redis must not share it.
        "CACHE_KEY_PREFIX": f"cfmbench{REDIS_DB}",
        "TRUSTED_PROXIES": "127.0.0.1",
        "LOGIN_RATE_LIMIT": "1000000",
        "WS_MAX_SOCKETS_PER_IP": "1000000",
        # The idle scenario holds sockets longer than the 90 s heartbeat rule.
        "WS_IDLE_TIMEOUT_S": "7200",
        "TOKEN_TTL_S": "7200",
        # Senders send up to 5 msg/s each; the contract's 1 msg/s per user
        # per room would measure the rate limiter, not the fan-out.
        "CHAT_RATE_LIMIT": "1000",
        # /metrics for the harness (the garbage collector's longest pause).
        "METRICS_TOKEN": METRICS_TOKEN,
        "PYTHONUNBUFFERED": "1",
    }


class Server:
    def __init__(self, kind: str, procs: list[subprocess.Popen], ports: list[int], launches: list[tuple] = ()):
        self.kind = kind
        self.procs = procs
        self.ports = ports
        # (argv, env, health url) of each process, for restart().
        self.launches = list(launches)

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

    @property
    def base_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{port}" for port in self.ports]

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def restart(self, index: int = 0, exit_timeout: float = 60) -> dict:
        """SIGTERM one process (CF Messenger drains: 1012 to every socket, then exits), wait
        for it to exit (at most exit_timeout s), start it again on the same port; returns the moments (monotonic)."""
        proc, port = self.procs[index], self.ports[index]
        argv, env, health = self.launches[index]
        term = time.monotonic()
        proc.terminate()
        try:
            proc.wait(timeout=exit_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        exited = time.monotonic()
        self.procs[index] = _spawn(f"{self.kind.lower()}-{port}", argv, env)
        _wait_ready(self.procs[index], port, health)
        return {"term": term, "exited": exited, "ready": time.monotonic()}

    def gc_pause_max_ms(self, metric: str = "cfm_gc_pause_max_seconds") -> float | None:
        """The longest garbage-collection pause of any CF Messenger process since it started (/metrics);
        metric="cfm_gc_pause_max_cpu_seconds": the CPU time of the longest collection."""
        if self.kind != "CFM":
            return None
        longest = None
        for port in self.ports:
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5,
                                    headers={"Authorization": f"Bearer {METRICS_TOKEN}",
                                             "X-Forwarded-Proto": "https"}).text
            except requests.RequestException:
                continue
            for line in text.splitlines():
                if line.startswith(metric + " "):
                    value = float(line.split()[-1]) * 1000
                    longest = value if longest is None else max(longest, value)
        return longest

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _spawn(name: str, argv: list[str], env: dict) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"{name}.log", "ab")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen, port: int, health_url: str | None, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}; see {LOG_DIR}")
        try:
            if health_url:
                if requests.get(health_url, timeout=2, headers={"X-Forwarded-Proto": "https"}).status_code == 200:
                    return
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not ready in {timeout} s; see {LOG_DIR}")


def start(kind: str, *, cpus: str, processes: int = 1) -> Server:
    procs, ports, launches = [], [], []
    for _ in range(processes):
        port = free_port()
        if kind == "B0":
            argv, env, health = [sys.executable, "-m", "bench.servers.b0", "--port", str(port)], dict(os.environ), None
        elif kind == "B1":
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.servers.b1.settings",
                   "B1_REDIS_URL": f"{REDIS_HOST}/{REDIS_DB}", "B1_LAYER_PREFIX": f"benchb1x{ports[0] if ports else port}"}
            argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--access-log", "/dev/null",
                    "bench.servers.b1.asgi:application"]
            health = None
        elif kind in FLOOR_APPLICATIONS:
            # B2P's patches read CF Messenger's settings; B2 needs none.
            env = cfm_env() if kind == "B2P" else dict(os.environ)
            argv, health = _floor_argv(kind, port), None
        elif kind in B3_STEPS:
            env = prepare_b3(kind)
            argv, health = _floor_argv("B3", port), None
        else:
            env = _CFM_ENV
            argv, health = _cfm_argv(env, port), f"http://127.0.0.1:{port}/api/health"
        proc = _spawn(f"{kind.lower()}-{port}", pinned(argv, cpus), env)
        procs.append(proc)
        ports.append(port)
        launches.append((pinned(argv, cpus), env, health))
        try:
            _wait_ready(proc, port, health)
        except RuntimeError:
            Server(kind, procs, ports).stop()
            raise
    return Server(kind, procs, ports, launches)


def _cfm_argv(env: dict, port: int) -> list[str]:
    code = ("import django, json; django.setup(); from messenger.realtime.serving import server_argv; "
            f"print(json.dumps(server_argv(host='127.0.0.1', port={port})))")
    return json.loads(_run([sys.executable, "-c", code]).strip().splitlines()[-1])


# The daphne floor: a bare ASGI callable under CF Messenger's daphne options (bench/servers/b2.py).
FLOOR_APPLICATIONS = {"B2": "bench.servers.b2:application", "B2P": "bench.servers.b2p:application"}
# B3 (bench/servers/b3/): the mandated stack's authenticated connect; its variants drop a step to split the costs.
B3_APPLICATION = "bench.servers.b3.asgi:application"
B3_STEPS = {"B3": "token,user", "B3T": "token", "B3U": "user", "B3N": ""}
B3_USERS = 20_000  # >= every scenario's sockets ((a) 10,000; (e), (f) 1,000)
_B3_SEEDED: set[str] = set()


def _floor_argv(kind: str, port: int) -> list[str]:
    """CF Messenger's daphne command line (serving.server_argv) with the floor's application in place of its own."""
    code = ("import django, json; django.setup(); from messenger.realtime.serving import APPLICATION, server_argv; "
            f"print(json.dumps([server_argv(host='127.0.0.1', port={port}), APPLICATION]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cfm_env(), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"server_argv for {kind} failed: {done.stderr.strip()[-600:]}")
    argv, application = json.loads(done.stdout.strip().splitlines()[-1])
    return [FLOOR_APPLICATIONS.get(kind, B3_APPLICATION) if arg == application else arg for arg in argv]


def prepare_b3(kind: str) -> dict:
    """B3's environment; the first time in a run, its own database `<bench db>_b3` (created if missing,
    migrated) and its users and tokens (bench/servers/b3/seed.py; the tokens again after a Redis flush)."""
    db = f"{PG_DB}_b3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.servers.b3.settings", "B3_DATABASE_URL": f"{PG_URL}/{db}",
           "B3_REDIS_URL": f"{REDIS_HOST}/{REDIS_DB}", "B3_STEPS": B3_STEPS[kind], "PYTHONUNBUFFERED": "1"}

    def run(argv):
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"B3 setup {' '.join(argv[:4])} failed: {done.stderr.strip()[-600:]}")
        return done.stdout

    import redis

    if not redis.Redis.from_url(env["B3_REDIS_URL"]).exists("b3:tok:10.0.0.0"):
        _B3_SEEDED.clear()
    if db not in _B3_SEEDED:
        exists = run(["psql", PG_URL + "/postgres", "-tA", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"])
        if not exists.strip():
            run(["psql", PG_URL + "/postgres", "-q", "-c", f"CREATE DATABASE {db}"])
        run([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"])
        run([sys.executable, "-m", "bench.servers.b3.seed", "--users", str(B3_USERS)])
        _B3_SEEDED.add(db)
    return env


_CFM_ENV: dict = {}


def prepare_cfm(*, users: int, rooms: list[str]) -> dict:
    """A fresh cfm_bench database and Redis db, migrated and seeded; returns
    the seeded usernames, password and tokens."""
    import redis

    _CFM_ENV.clear()
    _CFM_ENV.update(cfm_env())
    redis.Redis.from_url(f"{REDIS_HOST}/{REDIS_DB}").flushdb()
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}"):
        _run(["psql", PG_URL + "/postgres", "-q", "-c", sql])
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"])
    return json.loads(_run([sys.executable, "-m", "bench.servers.cfm_seed", "--users", str(users), "--rooms", ",".join(rooms)]))


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=_CFM_ENV, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({done.returncode}): {done.stderr.strip()[-600:]}")
    return done.stdout
