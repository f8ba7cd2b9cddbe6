"""The whole production topology on one machine (docs/DEPLOYMENT.md):

  nginx (edge) -> app1, app2 (two daphne processes each)
               -> Redis master (redis1) + replica (redis2), three Sentinels
               -> PostgreSQL primary (pg1) + streaming standby (pg2, pg_basebackup)

each box in its own network namespace on a bridge (or, without namespaces,
on its own loopback address). Usage: cluster.py up | down | status, and the
box verbs the drills use: start-app HOST [PORT], kill-app HOST, start-redis BOX;
`can-run` prints why a cluster cannot start here without installing anything.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import topology as t  # noqa: E402

PACKAGES = {"nginx": "nginx-light", "redis-server": "redis-server", "openssl": "openssl"}
PY = str(t.ROOT / ".venv" / "bin" / "python")


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


def pid_path(name: str) -> Path:
    return t.STATE / "pids" / f"{name}.pid"


def spawn(name: str, box: str, argv: list[str], env: dict | None = None) -> int:
    """Start a long-lived process on a box, detached from this script; its pid and log are kept by name."""
    (t.STATE / "logs").mkdir(parents=True, exist_ok=True)
    (t.STATE / "pids").mkdir(parents=True, exist_ok=True)
    log = open(t.STATE / "logs" / f"{name}.log", "ab")
    proc = subprocess.Popen(t.on(box, argv), stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, cwd=t.ROOT)
    pid_path(name).write_text(str(proc.pid))
    return proc.pid


def pid_of(name: str) -> int | None:
    path = pid_path(name)
    if not path.exists():
        return None
    pid = int(path.read_text())
    return pid if alive(pid) else None


def alive(pid: int) -> bool:
    """Running, not a zombie (whoever started it may not be there to reap it)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state


def kill(name: str, sig=signal.SIGKILL) -> bool:
    pid = pid_of(name)
    if pid is None:
        return False
    os.kill(pid, sig)
    return True


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"cluster: {what} within {timeout:.0f} s; see the logs in {t.STATE / 'logs'}")


def answers(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True).returncode == 0


# --- packages and network ----------------------------------------------------

def ensure_packages() -> None:
    missing = [pkg for tool, pkg in PACKAGES.items() if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()]
    if t.PG_BIN is None or not (t.PG_BIN / "pg_basebackup").exists():
        missing.append("postgresql")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"cluster: missing Debian packages; as root run: apt-get install {' '.join(missing)}")
    say(f"installing {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "install", "-y", "-q", *missing], env=env)
    t.PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def network_up() -> str:
    t.STATE.mkdir(parents=True, exist_ok=True)
    chosen = "netns" if t.namespaces_allowed() else "loopback"
    (t.STATE / "mode").write_text(chosen)
    if chosen == "loopback":
        say("network namespaces are not allowed here: each box gets its own loopback address (127.0.77.x)")
        return chosen
    say(f"network: bridge {t.BRIDGE} {t.SUBNET}.1/24, one namespace per box")
    if not answers(["ip", "link", "show", t.BRIDGE]):
        run(["ip", "link", "add", t.BRIDGE, "type", "bridge"])
        run(["ip", "addr", "add", f"{t.SUBNET}.1/24", "dev", t.BRIDGE])
    run(["ip", "link", "set", t.BRIDGE, "up"])
    for box in t.BOXES:
        ns, host_end, box_end = t.namespace(box), f"vh-{box}", f"vb-{box}"
        if answers(["ip", "netns", "exec", ns, "true"]):
            continue
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", host_end, "type", "veth", "peer", "name", box_end])
        run(["ip", "link", "set", box_end, "netns", ns])
        run(["ip", "link", "set", host_end, "master", t.BRIDGE, "up"])
        run(["ip", "netns", "exec", ns, "ip", "addr", "add", f"{t.address(box)}/24", "dev", box_end])
        run(["ip", "netns", "exec", ns, "ip", "link", "set", box_end, "up"])
        run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
    return chosen


def network_down() -> None:
    if t.mode() != "netns":
        return
    for box in t.BOXES:
        subprocess.run(["ip", "netns", "del", t.namespace(box)], capture_output=True)
        subprocess.run(["ip", "link", "del", f"vh-{box}"], capture_output=True)
    subprocess.run(["ip", "link", "del", t.BRIDGE], capture_output=True)


# --- Redis and Sentinel --------------------------------------------------------

def redis_ping(box: str, port: int = 6379) -> bool:
    return answers(t.on(box, ["redis-cli", "-h", t.address(box), "-p", str(port), "ping"]))


def start_redis(box: str) -> None:
    """A data node; a node started while Sentinels run joins as a replica of the master they name."""
    argv = ["redis-server", "--bind", t.address(box), "--port", "6379", "--protected-mode", "no",
            "--save", "", "--appendonly", "no", "--maxclients", "10000", "--dir", str(t.STATE)]
    master = current_redis_master()
    if box == "redis2" and master is None:
        argv += ["--replicaof", t.address("redis1"), "6379"]
    elif master is not None and master != t.address(box):
        argv += ["--replicaof", master, "6379"]
    spawn(box, box, argv)
    wait_for(lambda: redis_ping(box), 15, f"Redis on {box} did not answer")


def current_redis_master() -> str | None:
    for sentinel in t.SENTINELS:
        if pid_of(sentinel) is None:
            continue
        found = subprocess.run(
            t.on(sentinel, ["redis-cli", "-h", t.address(sentinel), "-p", "26379", "sentinel",
                            "get-master-addr-by-name", t.MASTER_NAME]), capture_output=True, text=True)
        lines = found.stdout.split()
        if found.returncode == 0 and lines:
            return lines[0]
    return None


def start_sentinel(box: str) -> None:
    conf = t.STATE / f"{box}.conf"
    if not conf.exists():
        conf.write_text(
            f"port 26379\nbind {t.address(box)}\nprotected-mode no\ndir {t.STATE}\n"
            f"sentinel monitor {t.MASTER_NAME} {t.address('redis1')} 6379 2\n"
            f"sentinel down-after-milliseconds {t.MASTER_NAME} 3000\n"
            f"sentinel failover-timeout {t.MASTER_NAME} 10000\n"
            f"sentinel parallel-syncs {t.MASTER_NAME} 1\n"
        )
    spawn(box, box, ["redis-server", str(conf), "--sentinel"])
    wait_for(lambda: redis_ping(box, 26379), 15, f"Sentinel on {box} did not answer")


# --- PostgreSQL --------------------------------------------------------------

def pg_dir(box: str) -> Path:
    return t.STATE / "pg" / box


def as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv]


def pg_ready(box: str) -> bool:
    return answers([str(t.PG_BIN / "pg_isready"), "-h", t.address(box), "-p", "5432", "-q"])


def start_pg(box: str) -> None:
    data = pg_dir(box) / "data"
    spawn(box, box, as_postgres([str(t.PG_BIN / "postgres"), "-D", str(data), "-p", "5432",
                                 "-c", f"listen_addresses={t.address(box)}", "-c", f"unix_socket_directories={pg_dir(box)}",
                                 "-c", "max_connections=300", "-c", "wal_level=replica", "-c", "hot_standby=on",
                                 "-c", "wal_keep_size=256MB"]))
    wait_for(lambda: pg_ready(box), 30, f"PostgreSQL on {box} did not answer")


def pg_primary_init() -> None:
    data = pg_dir("pg1") / "data"
    if data.exists():
        return
    pg_dir("pg1").mkdir(parents=True)
    shutil.chown(pg_dir("pg1"), "postgres", "postgres")
    run(as_postgres([str(t.PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        stdout=subprocess.DEVNULL)
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host all all 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 trust\n")


def pg_standby_from(primary: str, box: str) -> None:
    """A fresh streaming standby of `primary` on `box` (pg_basebackup -R)."""
    shutil.rmtree(pg_dir(box), ignore_errors=True)
    pg_dir(box).mkdir(parents=True)
    shutil.chown(pg_dir(box), "postgres", "postgres")
    run(t.on(box, as_postgres([str(t.PG_BIN / "pg_basebackup"), "-h", t.address(primary), "-p", "5432", "-U",
                               "postgres", "-D", str(pg_dir(box) / "data"), "-R", "-X", "stream", "-c", "fast"])))


def pg_in_recovery(box: str) -> bool | None:
    found = subprocess.run([str(t.PG_BIN / "psql"), "-h", t.address(box), "-U", "postgres", "-Atc",
                            "select pg_is_in_recovery()"], capture_output=True, text=True)
    return None if found.returncode else found.stdout.strip() == "t"


# --- the app, nginx --------------------------------------------------------------

def manage(*args: str, capture: bool = False):
    env = {**os.environ, **t.app_env(), "DJANGO_SETTINGS_MODULE": "messenger.settings"}
    return subprocess.run([PY, "manage.py", *args], cwd=t.ROOT, env=env, check=True,
                          capture_output=capture, text=True)


def start_app(host: str, port: int) -> None:
    env = {**os.environ, **t.app_env(), "DJANGO_SETTINGS_MODULE": "messenger.settings", "PYTHONUNBUFFERED": "1"}
    argv = subprocess.run([PY, "-c", "import django, json, sys; django.setup(); "
                           "from messenger.realtime.serving import server_argv; "
                           f"print(json.dumps(server_argv(host={t.address(host)!r}, port={port})))"],
                          cwd=t.ROOT, env=env, check=True, capture_output=True, text=True).stdout
    spawn(f"{host}-{port}", host, json.loads(argv), env=env)
    wait_for(lambda: answers(["curl", "-sf", "-o", "/dev/null", f"http://{t.address(host)}:{port}/api/health"]),
             30, f"the app on {host}:{port} did not answer")


def kill_app(host: str) -> None:
    for port in t.APP_PORTS:
        kill(f"{host}-{port}")


def start_nginx() -> None:
    conf_dir = t.STATE / "nginx"
    conf_dir.mkdir(parents=True, exist_ok=True)
    cert, key = conf_dir / "edge.crt", conf_dir / "edge.key"
    if not cert.exists():
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=cfm-cluster",
             "-addext", f"subjectAltName=IP:{t.address('edge')}", "-keyout", str(key), "-out", str(cert)],
            capture_output=True)
    site = run([PY, str(t.ROOT / "deploy" / "render_nginx.py"), "--server-name", t.address("edge"),
                *[arg for u in t.app_upstreams() for arg in ("--upstream", u)], "--cert", str(cert), "--key", str(key),
                "--static-root", str(t.STATE / "app-local" / "staticfiles"),
                "--https-listen", f"{t.address('edge')}:443", "--http-listen", f"{t.address('edge')}:80",
                "--metrics-allow", f"{t.address('edge')}"], capture_output=True, text=True).stdout
    (conf_dir / "cfm.conf").write_text(site)
    for temp in ("body", "proxy"):
        (conf_dir / temp).mkdir(exist_ok=True)
    (conf_dir / "main.conf").write_text(
        f"user root;\nworker_processes 1;\npid {conf_dir}/nginx.pid;\nerror_log {t.STATE}/logs/nginx-error.log warn;\n"
        "worker_rlimit_nofile 20000;\nevents { worker_connections 8192; }\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n"
        f"  client_body_temp_path {conf_dir}/body;\n  proxy_temp_path {conf_dir}/proxy;\n"
        f"  include {conf_dir}/cfm.conf;\n}}\n"
    )
    spawn("edge", "edge", ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "main.conf"), "-g", "daemon off;"])
    wait_for(lambda: answers(["curl", "-skf", "-o", "/dev/null", f"https://{t.address('edge')}/api/health"]),
             20, "nginx did not answer")


# --- verbs -------------------------------------------------------------------------

def up() -> None:
    if os.geteuid() != 0:
        raise SystemExit("cluster: run as root (namespaces, PostgreSQL as its own user, nginx on port 443)")
    ensure_packages()
    chosen = network_up()
    secret = t.STATE / "secret_key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(50))
        secret.chmod(0o600)
    say("Redis master (redis1), replica (redis2), three Sentinels")
    for box in ("redis1", "redis2"):
        if pid_of(box) is None:
            start_redis(box)
    for box in t.SENTINELS:
        if pid_of(box) is None:
            start_sentinel(box)
    say("PostgreSQL primary (pg1) and a streaming standby (pg2, pg_basebackup)")
    pg_primary_init()
    if pid_of("pg1") is None:
        start_pg("pg1")
    subprocess.run([str(t.PG_BIN / "createdb"), "-h", t.address("pg1"), "-U", "postgres", "cfm"], capture_output=True)
    if not (pg_dir("pg2") / "data").exists():
        pg_standby_from("pg1", "pg2")
    if pid_of("pg2") is None:
        start_pg("pg2")
    say("database schema, demo data, static files")
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    manage("collectstatic", "--noinput", "-v", "0")
    say("two app hosts, two daphne processes each")
    for host in t.APP_HOSTS:
        for port in t.APP_PORTS:
            if pid_of(f"{host}-{port}") is None:
                start_app(host, port)
    say("nginx (edge)")
    if pid_of("edge") is None:
        start_nginx()
    say(f"up ({chosen}): https://{t.address('edge')}/ (self-signed certificate); `make cluster-drills` runs the drills")
    status()


def status() -> None:
    rows = []
    for box in ("edge", *[f"{h}-{p}" for h in t.APP_HOSTS for p in t.APP_PORTS], "redis1", "redis2", *t.SENTINELS,
                "pg1", "pg2"):
        pid = pid_of(box)
        rows.append(f"  {box:<11} {'up' if pid else 'down':<5} {pid or ''}")
    print("\n".join(rows))
    print(f"  redis master: {current_redis_master()}   "
          f"postgres: pg1 {'standby' if pg_in_recovery('pg1') else 'primary' if pg_in_recovery('pg1') is False else 'down'}, "
          f"pg2 {'standby' if pg_in_recovery('pg2') else 'primary' if pg_in_recovery('pg2') is False else 'down'}")


def down() -> None:
    names = [p.stem for p in (t.STATE / "pids").glob("*.pid")] if (t.STATE / "pids").exists() else []
    for name in names:
        if name.startswith("pg"):
            data = pg_dir(name) / "data"
            subprocess.run(as_postgres([str(t.PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True)
        # SIGTERM first: nginx's master then takes its workers with it.
        kill(name, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while any(pid_of(name) for name in names) and time.monotonic() < deadline:
        time.sleep(0.2)
    for name in names:
        kill(name)
    network_down()
    shutil.rmtree(t.STATE, ignore_errors=True)
    say("cluster stopped and its state removed")


def why_not() -> str | None:
    """Why a short drill cannot run here without installing anything (CI), or None."""
    if os.geteuid() != 0:
        return "not root (namespaces, PostgreSQL as its own user)"
    missing = [tool for tool in (*PACKAGES, "curl", "runuser") if shutil.which(tool) is None
               and not Path(f"/usr/sbin/{tool}").exists()]
    if t.PG_BIN is None or not (t.PG_BIN / "pg_basebackup").exists():
        missing.append("postgresql (pg_basebackup)")
    if missing:
        return f"missing {', '.join(missing)}"
    if (t.STATE / "pids").exists():
        return f"a cluster is already running from {t.STATE} (make cluster-down stops it)"
    if not t.namespaces_allowed():
        return "network namespaces are not allowed here"
    return None


def can_run() -> None:
    reason = why_not()
    if reason:
        print(reason)
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    verbs = {
        "can-run": can_run,
        "up": up, "down": down, "status": status,
        "start-app": lambda host, *ports: [start_app(host, int(p)) for p in (ports or t.APP_PORTS)],
        "kill-app": kill_app, "start-redis": start_redis, "start-pg": start_pg,
    }
    if not argv or argv[0] not in verbs:
        print(__doc__)
        return 2
    verbs[argv[0]](*argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
