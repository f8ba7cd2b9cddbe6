"""The cluster's boxes, their addresses and how to run a command on one:
each box is a network namespace on a bridge (as root), or, where namespaces
are not allowed, its own loopback address. Shared by cluster.py and drills.py."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("CLUSTER_DIR", "/var/tmp/cfm-cluster"))
BRIDGE = "cfm-br0"
SUBNET = "10.77.0"
# box -> last octet of its address
BOXES = {
    "edge": 10, "app1": 11, "app2": 12,
    "redis1": 21, "redis2": 22, "sentinel1": 31, "sentinel2": 32, "sentinel3": 33,
    "pg1": 41, "pg2": 42,
}
APP_HOSTS = ("app1", "app2")
APP_PORTS = (8001, 8002)
SENTINELS = ("sentinel1", "sentinel2", "sentinel3")
MASTER_NAME = "cfm"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def mode() -> str:
    """'netns' once the namespaces exist (or can be made), else 'loopback'."""
    recorded = STATE / "mode"
    if recorded.exists():
        return recorded.read_text().strip()
    return "netns" if namespaces_allowed() else "loopback"


def namespaces_allowed() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["ip", "netns", "add", "cfm-probe"], capture_output=True)
    if probe.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", "cfm-probe"], capture_output=True)
    return True


def address(box: str) -> str:
    octet = BOXES[box]
    return f"{SUBNET}.{octet}" if mode() == "netns" else f"127.0.77.{octet}"


def namespace(box: str) -> str:
    return f"cfm-{box}"


def on(box: str, argv: list[str]) -> list[str]:
    """argv run on the box."""
    if mode() == "netns":
        return ["ip", "netns", "exec", namespace(box), *argv]
    return argv


def app_upstreams() -> list[str]:
    return [f"{address(host)}:{port}" for host in APP_HOSTS for port in APP_PORTS]


def database_url() -> str:
    return f"postgres://postgres@{address('pg1')}:5432,{address('pg2')}:5432/cfm?target_session_attrs=read-write"


def app_env() -> dict:
    """The environment of every app process, as in production (docs/DEPLOYMENT.md)."""
    secret = STATE / "secret_key"
    return {
        "SECRET_KEY": secret.read_text().strip() if secret.exists() else "",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",
        "REDIS_SENTINELS": ",".join(f"{address(s)}:26379" for s in SENTINELS),
        "REDIS_SENTINEL_MASTER": MASTER_NAME,
        "ALLOWED_HOSTS": ",".join([address(box) for box in ("edge", *APP_HOSTS)] + ["localhost"]),
        "CSRF_TRUSTED_ORIGINS": f"https://{address('edge')}",
        "TRUSTED_PROXIES": address("edge"),
        "CFM_LOCAL_DIR": str(STATE / "app-local"),
        # The drills' 200 sockets and their sign-ins all come from one address (the drill machine),
        # and each drill user talks in one room at 2.5 messages/s: the per-address and per-user
        # limits are the subject of other tests, not of these drills.
        "LOGIN_RATE_LIMIT": "100000",
        "CHAT_RATE_LIMIT": "100000",
        "WS_MAX_SOCKETS_PER_IP": "5000",
        "WS_DRAIN_S": "3",
    }
