"""A real Redis master + replica watched by Sentinel, on free ports, for the
tests of production mode behind Sentinel (the shared Redis is never touched)."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.live import free_port

MASTER_NAME = "cfm"


def unavailable() -> str | None:
    """Why this machine cannot run the group, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian: apt-get install redis-server)"
    return None


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = predicate()
        except redis.RedisError:
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"{what} within {timeout} s")


class SentinelGroup:
    """redis-server master and replica, and `sentinels` Sentinels that fail over after 1 s of silence."""

    def __init__(self, sentinels: int = 1, down_after_ms: int = 1000):
        self.dir = Path(tempfile.mkdtemp(prefix="cfm-sentinel-"))
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.down_after_ms = down_after_ms
        self.procs: dict[int, subprocess.Popen] = {}

    @property
    def env(self) -> dict:
        """What a server process needs to reach Redis through these Sentinels (and not by URL)."""
        return {
            "REDIS_URL": "",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
        }

    def _redis(self, port: int, *extra: str) -> None:
        self.procs[port] = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--maxclients", "10000", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def start(self) -> "SentinelGroup":
        self._redis(self.master_port)
        self._redis(self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        quorum = len(self.sentinel_ports) // 2 + 1
        for port in self.sentinel_ports:
            conf = self.dir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} {quorum}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}\n"
                f"sentinel failover-timeout {MASTER_NAME} 10000\n"
            )
            self.procs[port] = subprocess.Popen(
                ["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        replica = redis.Redis(port=self.replica_port, socket_connect_timeout=0.5)
        _wait(lambda: replica.info("replication").get("master_link_status") == "up", 15, "the replica did not sync")
        for port in self.sentinel_ports:
            sentinel = redis.Redis(port=port, socket_connect_timeout=0.5)
            _wait(lambda s=sentinel: s.sentinel_master(MASTER_NAME)["num-slaves"] >= 1, 15,
                  "a Sentinel did not see the replica")
        return self

    def master_port_now(self) -> int:
        """The master's port as the first Sentinel names it."""
        sentinel = redis.Redis(port=self.sentinel_ports[0], socket_connect_timeout=0.5)
        return int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1])

    def kill_master(self) -> int:
        """kill -9 the current master; returns its port."""
        port = self.master_port_now()
        self.procs[port].kill()
        self.procs[port].wait()
        return port

    def wait_failover(self, old_port: int, timeout: float = 30) -> float:
        """Seconds until the Sentinels name a new master that accepts writes."""
        started = time.monotonic()

        def promoted():
            port = self.master_port_now()
            return port != old_port and redis.Redis(port=port).info("replication")["role"] == "master"

        _wait(promoted, timeout, "the Sentinels did not promote the replica")
        return time.monotonic() - started

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
