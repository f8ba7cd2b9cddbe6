"""nginx with deploy/nginx.conf, on free ports and a self-signed certificate,
in front of live servers (the tests of the front end and its drills)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.live import ROOT, free_port


def unavailable() -> str | None:
    """Why this machine cannot run it, or None."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed (Debian: apt-get install nginx-light)"
    if shutil.which("openssl") is None:
        return "openssl is not installed (for the test certificate)"
    return None


def self_signed(directory: Path, name: str = "localhost") -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class Nginx:
    def __init__(self, upstreams: list[str]):
        self.dir = Path(tempfile.mkdtemp(prefix="cfm-nginx-"))
        # Worker processes (not root) read the static files.
        self.dir.chmod(0o755)
        self.static_root = self.dir / "static"
        self.static_root.mkdir()
        self.https_port, self.http_port = free_port(), free_port()
        self.upstreams = upstreams
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ws_url(self) -> str:
        return f"wss://127.0.0.1:{self.https_port}"

    def start(self) -> "Nginx":
        cert, key = self_signed(self.dir)
        site = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "render_nginx.py"), "--server-name", "localhost 127.0.0.1",
             *[arg for u in self.upstreams for arg in ("--upstream", u)], "--cert", str(cert), "--key", str(key),
             "--static-root", str(self.static_root), "--https-listen", f"127.0.0.1:{self.https_port}",
             "--http-listen", f"127.0.0.1:{self.http_port}", "--metrics-allow", "127.0.0.1"],
            check=True, capture_output=True, text=True,
        ).stdout
        (self.dir / "cfm.conf").write_text(site)
        for temp in ("body", "proxy"):
            (self.dir / temp).mkdir()
            (self.dir / temp).chmod(0o777)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.dir / "main.conf").write_text(
            f"{user}worker_processes 1;\npid {self.dir}/nginx.pid;\nerror_log {self.dir}/error.log warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n  include /etc/nginx/mime.types;\n"
            f"  access_log {self.dir}/access.log;\n"
            f"  client_body_temp_path {self.dir}/body;\n  proxy_temp_path {self.dir}/proxy;\n"
            f"  include {self.dir}/cfm.conf;\n}}\n"
        )
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.dir), "-c", str(self.dir / "main.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                requests.get(f"http://127.0.0.1:{self.http_port}/api/health", timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer within 10 s; see {self.dir}/error.log")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
